#!/usr/bin/env python3
"""drive.py — plays one arcade game without the sandbox: what
`cf-play --no-sandbox` will do, in pure Python, so that tests can run the
Python side (simulator/arcade/play_harness.py and smartphone_connector.py)
without the C side.

    python3 tests/arcade/drive.py [--seconds N] [--input FILE|-] GAME.py|GAME.zip

It starts a child Python that executes play_harness.py's source and calls
serve_play(<source of smartphone_connector.py>) with fd 3/4 as pipes (as
the C embedding will), sends the init message, and then:

  * prints every display message of the game, in order, one JSON line each
    on stdout, exactly as the game wrote it;
  * delivers the input lines of FILE (JSON lines; blank lines and lines
    starting with '#' are skipped). A line may carry "at_ms": it is
    delivered that many milliseconds after the game started (the init was
    sent), else right after the previous one; "at_ms" is removed before
    delivery. A line that is not a JSON object is delivered as it is (to
    test malformed input);
  * ends with one line
      {"type": "end", "status": "finished"|"stopped"|"failed",
       "verdict": "ok"|"crashed"|"memory"|"bad_output"|"killed",
       "detail": str|null, "score": number|null, "cpu_ms": int,
       "peak_memory_kb": int, "log": str, "elapsed_ms": int}
    finished: the game ended itself ({"cf":"end"}, exit 0); stopped: after
    --seconds (default 10) or SIGINT/SIGTERM, by closing fd 3 (the game
    exits at once; SIGKILL after 1 s); failed: it crashed ({"cf":"crash"}),
    ran out of memory ({"cf":"memory"}), wrote a line that breaks the
    protocol (bad_output) or died without a control line (killed).
    The game runs in a session of its own: a terminal's Ctrl-C stops the
    driver (which stops the game as above), and the whole process group is
    killed at the end.
    score: the highest numeric report_score; log: the game's stdout+stderr
    (first 16 KiB and last 48 KiB when longer).

Exit status: 0 once the end line is printed, 2 on a usage error.
"""
import argparse
import base64
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ARCADE = os.path.join(ROOT, 'simulator', 'arcade')
HARNESS_PY = os.path.join(ARCADE, 'play_harness.py')
SHIM_PY = os.path.join(ARCADE, 'smartphone_connector.py')

MAX_DISPLAY_LINE = 8 << 20       # newline included, as the shim enforces
LOG_HEAD = 16 << 10
LOG_TAIL = 48 << 10
STOP_GRACE_S = 1.0               # after closing fd 3, before SIGKILL
EXIT_WAIT_S = 2.0                # after a control line, before SIGKILL
CONTROL_KINDS = {'end', 'crash', 'memory'}

# The child: puts the pipes on fd 3 and 4 and runs the two sources the way
# the C embedding executes its embedded copies.
CHILD_BOOT = r'''
import fcntl, os, sys, types
harness_path, shim_path, game_dir, to_game, from_game = sys.argv[1:6]
high = [fcntl.fcntl(int(fd), fcntl.F_DUPFD, 10) for fd in (to_game, from_game)]
for fd in (to_game, from_game):
    os.close(int(fd))
os.dup2(high[0], 3)
os.dup2(high[1], 4)
for fd in high:
    os.close(fd)
with open(harness_path, encoding="utf-8") as f:
    harness_source = f.read()
with open(shim_path, encoding="utf-8") as f:
    shim_source = f.read()
harness = types.ModuleType("play_harness")
sys.modules["play_harness"] = harness
exec(compile(harness_source, "play_harness.py", "exec"), harness.__dict__)
harness.serve_play(shim_source, game_dir=game_dir)
'''


class LogCapture:
    """Keeps the head and the tail of the game's log."""

    def __init__(self):
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0

    def add(self, chunk: bytes):
        room = LOG_HEAD - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        self.tail += chunk
        if len(self.tail) > LOG_TAIL:
            excess = len(self.tail) - LOG_TAIL
            self.dropped += excess
            del self.tail[:excess]

    def text(self) -> str:
        middle = f'\n[... {self.dropped} bytes of log dropped ...]\n' if self.dropped else ''
        return (bytes(self.head).decode('utf-8', 'replace') + middle
                + bytes(self.tail).decode('utf-8', 'replace'))


def score_of(message: dict):
    """The numeric score of a report_score message, or None."""
    value = message.get('score')
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):  # the original Game Runner took int(score)
        for parse in (int, float):
            try:
                number = parse(value)
            except ValueError:
                continue
            return number if number == number and abs(number) != float('inf') else None
    return None


def load_inputs(path):
    """[(at_ms or None, payload bytes)] from an input file ('-': stdin)."""
    stream = sys.stdin if path == '-' else open(path, encoding='utf-8')
    with stream:
        lines = stream.read().splitlines()
    inputs = []
    for line in lines:
        if not line.strip() or line.lstrip().startswith('#'):
            continue
        try:
            event = json.loads(line)
        except ValueError:
            event = None
        if isinstance(event, dict):
            at_ms = event.pop('at_ms', None)
            payload = json.dumps(event, ensure_ascii=False, separators=(',', ':'))
            inputs.append((at_ms, payload.encode('utf-8') + b'\n'))
        else:  # malformed on purpose: deliver it unchanged
            inputs.append((None, line.encode('utf-8') + b'\n'))
    return inputs


def init_message(game_path: str) -> bytes:
    """The framed init message for a .py or .zip game."""
    title = os.path.basename(game_path)
    with open(game_path, 'rb') as f:
        raw = f.read()
    if game_path.endswith('.zip'):
        init = {'t': 'play', 'title': title, 'bundle': base64.b64encode(raw).decode('ascii')}
    else:
        init = {'t': 'play', 'title': title, 'code': raw.decode('utf-8')}
    body = json.dumps(init).encode('utf-8')
    return len(body).to_bytes(4, 'big') + body


class Play:
    """One game process and the threads that talk to it."""

    def __init__(self, game_path: str, inputs, seconds: float, out=sys.stdout):
        self.game_path = game_path
        self.inputs = inputs
        self.seconds = seconds
        self.out = out
        self.out_lock = threading.Lock()
        self.log = LogCapture()
        self.best_score = None
        self.control = None        # the control line received, if any
        self.bad_output = None     # why the output broke the protocol
        self.stop_reason = None    # 'time limit' or 'signal'
        self.finished = threading.Event()   # a control line, bad output, or EOF
        self.stop_requested = threading.Event()
        self.to_game_lock = threading.Lock()
        self.to_game = None

    # -- the child -------------------------------------------------------------

    def start(self, game_dir: str):
        to_game_r, self.to_game = os.pipe()
        from_game_r, from_game_w = os.pipe()
        log_r, log_w = os.pipe()
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, '-I', '-c', CHILD_BOOT, HARNESS_PY, SHIM_PY, game_dir,
             str(to_game_r), str(from_game_w)],
            stdin=subprocess.DEVNULL, stdout=log_w, stderr=log_w,
            pass_fds=(to_game_r, from_game_w), close_fds=True, cwd=game_dir, env={},
            start_new_session=True)   # a terminal's Ctrl-C is for the driver, not the game
        for fd in (to_game_r, from_game_w, log_w):
            os.close(fd)
        self.threads = [
            threading.Thread(target=self._read_log, args=(log_r,), daemon=True),
            threading.Thread(target=self._read_game, args=(from_game_r,), daemon=True),
        ]
        for thread in self.threads:
            thread.start()
        self._send(init_message(self.game_path))
        threading.Thread(target=self._feed_inputs, daemon=True).start()

    def _send(self, data: bytes) -> bool:
        with self.to_game_lock:
            if self.to_game is None:
                return False
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(self.to_game, view):]
                return True
            except OSError:
                return False

    def close_to_game(self):
        with self.to_game_lock:
            if self.to_game is not None:
                os.close(self.to_game)
                self.to_game = None

    # -- threads -----------------------------------------------------------------

    def _read_log(self, fd: int):
        with os.fdopen(fd, 'rb', buffering=0) as stream:
            while True:
                chunk = stream.read(65536)
                if not chunk:
                    return
                self.log.add(chunk)

    def _read_game(self, fd: int):
        pending = bytearray()
        with os.fdopen(fd, 'rb', buffering=0) as stream:
            while not self.finished.is_set():
                chunk = stream.read(1 << 20)
                if not chunk:
                    break
                pending += chunk
                while not self.finished.is_set():
                    end = pending.find(b'\n')
                    if end < 0:
                        break
                    line = bytes(pending[:end])
                    del pending[:end + 1]
                    self._take_line(line)
                if len(pending) >= MAX_DISPLAY_LINE:
                    self._protocol_broken(f'a line longer than {MAX_DISPLAY_LINE} bytes')
        if pending and not self.finished.is_set():
            self._protocol_broken('output ends inside a line')
        self.finished.set()

    def _take_line(self, line: bytes):
        try:
            message = json.loads(line.decode('utf-8'))
        except (UnicodeDecodeError, ValueError):
            self._protocol_broken(f'not a JSON line: {line[:80]!r}')
            return
        if not isinstance(message, dict):
            self._protocol_broken(f'not a JSON object: {line[:80]!r}')
        elif isinstance(message.get('type'), str):
            if message['type'] == 'report_score':
                score = score_of(message)
                if score is not None and (self.best_score is None or score > self.best_score):
                    self.best_score = score
            with self.out_lock:
                self.out.write(line.decode('utf-8') + '\n')
                self.out.flush()
        elif message.get('cf') in CONTROL_KINDS:
            self.control = message
            self.finished.set()
        else:
            self._protocol_broken(f'neither a display message nor a control line: {line[:80]!r}')

    def _protocol_broken(self, reason: str):
        if self.bad_output is None:
            self.bad_output = reason
        self.finished.set()

    def _feed_inputs(self):
        for at_ms, payload in self.inputs:
            if at_ms is not None:
                delay = self.started + at_ms / 1000.0 - time.monotonic()
                if delay > 0 and self.finished.wait(delay):
                    return
            if self.finished.is_set() or self.stop_requested.is_set():
                return
            if not self._send(payload):
                return

    # -- the whole play ----------------------------------------------------------

    def run(self) -> dict:
        with tempfile.TemporaryDirectory(prefix='cf-drive-') as tmp:
            game_dir = os.path.join(tmp, 'game')
            os.mkdir(game_dir)
            self.start(game_dir)
            deadline = self.started + self.seconds
            while not self.finished.is_set() and not self.stop_requested.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self.stop_reason = 'time limit'
                    break
                self.finished.wait(min(remaining, 0.1))
            if self.stop_requested.is_set() and not self.finished.is_set():
                self.stop_reason = 'signal'
            self.close_to_game()  # a stopped game exits at once on EOF
            grace = STOP_GRACE_S if self.stop_reason else EXIT_WAIT_S
            status, rusage = self._wait_child(grace)
            elapsed_ms = int((time.monotonic() - self.started) * 1000)
            for thread in self.threads:
                thread.join(timeout=1.0)
        return self._end_line(status, rusage, elapsed_ms)

    def _wait_child(self, grace: float):
        """Reaps the child (SIGKILL after grace seconds): (status, rusage)."""
        deadline = time.monotonic() + grace
        while True:
            pid, status, rusage = os.wait4(self.proc.pid, os.WNOHANG)
            if pid:
                self.proc.returncode = os.waitstatus_to_exitcode(status)
                self._kill_group()   # whatever the game may have left behind
                return status, rusage
            if time.monotonic() >= deadline:
                self._kill_group()
                deadline = float('inf')
            time.sleep(0.01)

    def _kill_group(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def _end_line(self, status: int, rusage, elapsed_ms: int) -> dict:
        verdict, result, detail = self._verdict(status)
        return {
            'type': 'end', 'status': result, 'verdict': verdict, 'detail': detail,
            'score': self.best_score,
            'cpu_ms': int((rusage.ru_utime + rusage.ru_stime) * 1000),
            'peak_memory_kb': rusage.ru_maxrss, 'log': self.log.text(),
            'elapsed_ms': elapsed_ms,
        }

    def _verdict(self, status: int):
        """(verdict, status, detail) from what happened."""
        exited = os.WIFEXITED(status)
        code = os.WEXITSTATUS(status) if exited else None
        how = (f'exit status {code}' if exited
               else f'killed by signal {os.WTERMSIG(status)}')
        if self.bad_output is not None:
            return 'bad_output', 'failed', self.bad_output
        kind = self.control.get('cf') if self.control else None
        detail = self.control.get('detail') if self.control else None
        if kind == 'crash':
            return 'crashed', 'failed', detail
        if kind == 'memory':
            return 'memory', 'failed', detail
        if kind == 'end':
            if code == 0:
                return 'ok', 'finished', None
            return 'killed', 'failed', f'ended, then {how}'
        if self.stop_reason is not None:
            return 'ok', 'stopped', self.stop_reason
        return 'killed', 'failed', f'no control line ({how})'


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--seconds', type=float, default=10.0,
                        help='stop the game after this many seconds (default 10)')
    parser.add_argument('--input', help='JSON lines to deliver to the game (- for stdin)')
    parser.add_argument('game', help='GAME.py or GAME.zip')
    args = parser.parse_args(argv)
    if not os.path.isfile(args.game):
        parser.error(f'no such file: {args.game}')
    inputs = load_inputs(args.input) if args.input else []
    play = Play(args.game, inputs, args.seconds)

    def on_signal(_signum, _frame):
        play.stop_requested.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    end = play.run()
    with play.out_lock:
        sys.stdout.write(json.dumps(end, ensure_ascii=False) + '\n')
        sys.stdout.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main())
