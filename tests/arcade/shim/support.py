"""Helpers of the shim's unit tests.

Rig: a fresh copy of the shim in this process, attached to pipes the test
plays the controller on (the game's display lines come out, input lines go
in), with fd 2 captured so the shim's complaints and tracebacks can be
checked. The runtime's exit is replaced by a recorder, so nothing here
ends the test process.

play(): a whole game through drive.py (a real child process), for what
only a process shows: the ending rule, exit statuses, control lines.
"""
import io
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import types
import unittest
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
ARCADE = os.path.join(ROOT, 'simulator', 'arcade')
SHIM_PY = os.path.join(ARCADE, 'smartphone_connector.py')
HARNESS_PY = os.path.join(ARCADE, 'play_harness.py')
DRIVE_PY = os.path.join(ROOT, 'tests', 'arcade', 'drive.py')

with open(SHIM_PY, encoding='utf-8') as _f:
    SHIM_SOURCE = _f.read()


def load_harness() -> types.ModuleType:
    """play_harness executed from its source, as the C embedding does."""
    with open(HARNESS_PY, encoding='utf-8') as f:
        source = f.read()
    module = types.ModuleType('play_harness')
    exec(compile(source, 'play_harness.py', 'exec'), module.__dict__)
    return module


harness = load_harness()


def load_shim() -> types.ModuleType:
    """A fresh shim module with its own runtime."""
    return harness.load_shim(SHIM_SOURCE)


class Rig:
    """One shim, its pipes, and the captured stderr."""

    def __init__(self):
        self.shim = load_shim()
        self.runtime = self.shim._runtime
        self.exits = []
        self.runtime.exit = self.exits.append
        self._capture_stderr()
        to_game_r, self.to_game = os.pipe()
        self.from_game, from_game_w = os.pipe()
        self._game_fds = (to_game_r, from_game_w)
        self.runtime.attach(to_game_r, from_game_w)
        self.runtime.main_thread = None   # the test's thread is not the game's main
        self.lines = queue.Queue()
        self.raw_lines = []
        threading.Thread(target=self._read, daemon=True).start()

    def _capture_stderr(self):
        sys.stderr.flush()
        self._saved_stderr = os.dup(2)
        self._stderr_file = tempfile.TemporaryFile()
        os.dup2(self._stderr_file.fileno(), 2)

    def stderr(self) -> str:
        sys.stderr.flush()
        self._stderr_file.seek(0)
        return self._stderr_file.read().decode('utf-8', 'replace')

    def _read(self):
        pending = b''
        while True:
            try:
                chunk = os.read(self.from_game, 1 << 20)
            except OSError:
                return
            if not chunk:
                return
            pending += chunk
            while b'\n' in pending:
                line, pending = pending.split(b'\n', 1)
                self.raw_lines.append(line)
                self.lines.put(json.loads(line))

    # -- the controller's side -------------------------------------------------

    def connector(self, device_id: str = 'dev'):
        return self.shim.Connector('http://ignored', device_id)

    def send(self, event):
        """One input line: a dict (JSON-encoded) or raw bytes (sent as is)."""
        data = event if isinstance(event, bytes) else json.dumps(event).encode('utf-8') + b'\n'
        os.write(self.to_game, data)

    def next(self, timeout: float = 2.0) -> dict:
        return self.lines.get(timeout=timeout)

    def take(self, kind: str, timeout: float = 2.0) -> dict:
        """The next display message of that type (others are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            if message.get('type') == kind or message.get('cf') == kind:
                return message

    def drain(self, settle: float = 0.15) -> list:
        """Every message written until none came for `settle` seconds."""
        messages = []
        while True:
            try:
                messages.append(self.lines.get(timeout=settle))
            except queue.Empty:
                return messages

    def settle(self, seconds: float = 0.15):
        time.sleep(seconds)

    def close(self):
        os.close(self.to_game)  # the reader sees EOF: runtime.exit(0), recorded
        deadline = time.monotonic() + 2
        while not self.runtime.closed and time.monotonic() < deadline:
            time.sleep(0.005)
        self.runtime.ended = True   # stops the timer thread of this copy
        for fd in self._game_fds:
            os.close(fd)
        os.close(self.from_game)
        sys.stderr.flush()
        os.dup2(self._saved_stderr, 2)
        os.close(self._saved_stderr)
        self._stderr_file.close()


class RigTest(unittest.TestCase):
    """A test with a fresh rig and one connector (self.device)."""

    def setUp(self):
        self.rig = Rig()
        self.shim = self.rig.shim
        self.device = self.rig.connector()

    def tearDown(self):
        self.rig.close()

    def wait_until(self, predicate, timeout: float = 2.0, what: str = 'condition'):
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                self.fail(f'timed out waiting for {what}')
            time.sleep(0.005)


# ---------------------------------------------------------------------------
# Whole games through drive.py
# ---------------------------------------------------------------------------

def make_zip(files: dict, symlinks: dict = None) -> bytes:
    """A zip of {name: bytes or str}; symlinks {name: target} as unix links."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = (0o120777 << 16)
            archive.writestr(info, target)
    return buffer.getvalue()


def play(game, inputs=(), seconds: float = 5.0, suffix: str = None):
    """Plays a game (source text, or zip bytes) through drive.py:
    (display messages, end line)."""
    with tempfile.TemporaryDirectory(prefix='cf-shim-test-') as tmp:
        is_zip = isinstance(game, bytes)
        path = os.path.join(tmp, suffix or ('game.zip' if is_zip else 'game.py'))
        with open(path, 'wb' if is_zip else 'w') as f:
            f.write(game)
        command = [sys.executable, DRIVE_PY, '--seconds', str(seconds)]
        if inputs:
            input_path = os.path.join(tmp, 'input.jsonl')
            with open(input_path, 'w', encoding='utf-8') as f:
                for event in inputs:
                    f.write((event if isinstance(event, str) else json.dumps(event)) + '\n')
            command += ['--input', input_path]
        result = subprocess.run(command + [path], capture_output=True, text=True,
                                timeout=seconds + 30)
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    if not lines or lines[-1].get('type') != 'end':
        raise AssertionError(f'drive.py gave no end line: {result.stdout!r} {result.stderr!r}')
    return lines[:-1], lines[-1]


GAME_HEADER = 'from smartphone_connector import *\ndevice = Connector("http://x", "dev")\n'
