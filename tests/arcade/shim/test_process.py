"""Whole games in a child process (through drive.py): the ending rule,
crash / memory / end control lines, sys.exit, disconnect, the script's
environment, end of file on fd 3, and refused init messages."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from support import DRIVE_PY, GAME_HEADER, ROOT, play  # noqa: E402

sys.path.insert(0, os.path.dirname(DRIVE_PY))
import drive  # noqa: E402


def game(body: str) -> str:
    return GAME_HEADER + body


class EndingRule(unittest.TestCase):
    """When a script that returned without disconnect() has ended."""

    def assertFinished(self, end, within_ms=None):
        self.assertEqual((end['status'], end['verdict']), ('finished', 'ok'), end['log'])
        if within_ms is not None:
            self.assertLess(end['elapsed_ms'], within_ms)

    def test_nothing_registered_ends_at_once(self):
        messages, end = play(game('device.add_circle(id="c")\n'))
        self.assertFinished(end, within_ms=2000)
        self.assertEqual([m['type'] for m in messages], ['sprite'])

    def test_a_registered_callback_keeps_it_running(self):
        _, end = play(game('device.on_key = lambda: None\n'), seconds=1)
        self.assertEqual((end['status'], end['detail']), ('stopped', 'time limit'))

    def test_callbacks_that_cannot_fire_here_do_not(self):
        _, end = play(game('device.on_devices = print\ndevice.on_room_joined = print\n'))
        self.assertFinished(end, within_ms=2000)

    def test_a_pending_set_timeout_runs_first(self):
        messages, end = play(game(
            'device.set_timeout(lambda: device.add_circle(id="late"), time=0.5)\n'))
        self.assertFinished(end)
        self.assertGreaterEqual(end['elapsed_ms'], 500)
        self.assertEqual(messages[-1]['sprite']['id'], 'late')

    def test_a_chain_of_timeouts_runs_to_its_end(self):
        messages, end = play(game(
            'count = 0\n'
            'def step():\n'
            '    global count\n'
            '    count += 1\n'
            '    device.add_circle(id=str(count))\n'
            '    if count < 4:\n'
            '        device.set_timeout(step, time=0.1)\n'
            'device.set_timeout(step, time=0.1)\n'))
        self.assertFinished(end)
        self.assertEqual([m['sprite']['id'] for m in messages], ['1', '2', '3', '4'])

    def test_a_running_subscription_keeps_it_running(self):
        _, end = play(game('device.subscribe_async(lambda: None, 0.1)\n'), seconds=1)
        self.assertEqual(end['status'], 'stopped')

    def test_a_cancelled_subscription_lets_it_end(self):
        _, end = play(game(
            'job = device.subscribe_async(lambda: None, 0.05)\n'
            'device.set_timeout(job.cancel, time=0.3)\n'))
        self.assertFinished(end)

    def test_a_non_daemon_thread_of_the_game_runs_first(self):
        _, end = play(game(
            'import threading, time\n'
            'threading.Thread(target=lambda: (time.sleep(0.4), print("thread done"))).start()\n'))
        self.assertFinished(end)
        self.assertIn('thread done', end['log'])

    def test_removing_the_last_callback_ends_it(self):
        _, end = play(game(
            'def on_key(data):\n'
            '    print("key", data.key)\n'
            '    device.remove("key")\n'
            'device.on("key", on_key)\n'),
            inputs=[{'type': 'key', 'key': 'up', 'at_ms': 500}], seconds=5)
        self.assertFinished(end, within_ms=4000)
        self.assertIn('key up', end['log'])

    def test_a_callback_in_flight_finishes_first(self):
        _, end = play(game(
            'import time\n'
            'def on_key():\n'
            '    device.on_key = None\n'
            '    time.sleep(0.5)\n'
            '    print("callback done")\n'
            'device.on_key = on_key\n'),
            inputs=[{'type': 'key', 'key': 'up', 'at_ms': 400}], seconds=5)
        self.assertFinished(end)
        self.assertIn('callback done', end['log'])

    def test_wait_in_main_is_the_same_rule(self):
        _, end = play(game('device.wait()\nprint("never")\n'))
        self.assertFinished(end, within_ms=2000)
        self.assertNotIn('never', end['log'])

    def test_disconnect_from_a_callback_while_main_waits(self):
        messages, end = play(game(
            'device.on_key = lambda: device.disconnect()\n'
            'device.wait()\n'), inputs=[{'type': 'key', 'key': 'up', 'at_ms': 400}], seconds=5)
        self.assertFinished(end)
        self.assertEqual(messages[-1]['type'], 'stop_audio')

    def test_disconnect_in_main_ends_at_once(self):
        _, end = play(game('device.on_key = print\ndevice.disconnect()\nprint("after")\n'))
        self.assertFinished(end, within_ms=2000)
        self.assertNotIn('after', end['log'])

    def test_wait_in_a_callback_parks_it(self):
        _, end = play(game(
            'def on_key():\n'
            '    device.on_key = None\n'
            '    device.wait()\n'
            'device.on_key = on_key\n'),
            inputs=[{'type': 'key', 'key': 'up', 'at_ms': 400}], seconds=5)
        self.assertFinished(end, within_ms=3000)


class ControlLines(unittest.TestCase):

    def test_uncaught_exception_crashes(self):
        _, end = play(game('def f():\n    return 1 / 0\nf()\n'))
        self.assertEqual((end['status'], end['verdict']), ('failed', 'crashed'))
        self.assertEqual(end['detail'], 'ZeroDivisionError: division by zero')
        log = end['log']
        self.assertTrue(log.startswith('Traceback (most recent call last):\n  File "'), log)
        self.assertIn('game.py", line 5, in <module>', log)
        self.assertIn('in f\n', log)
        self.assertNotIn('play_harness', log)

    def test_syntax_error(self):
        _, end = play('x = (\n')
        self.assertEqual(end['verdict'], 'crashed')
        self.assertTrue(end['detail'].startswith('SyntaxError: '), end['detail'])

    def test_memory_error(self):
        _, end = play(game('x = bytearray(1 << 62)\n'))
        self.assertEqual((end['status'], end['verdict'], end['detail']),
                         ('failed', 'memory', 'MemoryError'))

    def test_memory_error_in_a_callback(self):
        _, end = play(game('device.on_key = lambda: bytearray(1 << 62)\n'),
                      inputs=[{'type': 'key', 'key': 'up', 'at_ms': 300}])
        self.assertEqual(end['verdict'], 'memory')

    def test_exception_in_a_callback_goes_on(self):
        messages, end = play(game(
            'def on_key(data):\n'
            '    if data.key == "bad":\n'
            '        raise KeyError("oops")\n'
            '    device.add_circle(id=data.key)\n'
            'device.on_key = on_key\n'),
            inputs=[{'type': 'key', 'key': 'bad', 'at_ms': 300}, {'type': 'key', 'key': 'good'}],
            seconds=1.5)
        self.assertEqual(end['status'], 'stopped')
        self.assertIn("KeyError: 'oops'", end['log'])
        self.assertEqual([m['sprite']['id'] for m in messages], ['good'])

    def test_sys_exit_ends_normally(self):
        _, end = play(game('import sys\ndevice.on_key = print\nsys.exit("bye")\n'))
        self.assertEqual((end['status'], end['verdict']), ('finished', 'ok'))
        self.assertIn('bye', end['log'])

    def test_sys_exit_in_a_callback_ends_normally(self):
        _, end = play(game('import sys\ndevice.on_key = lambda: sys.exit(3)\n'),
                      inputs=[{'type': 'key', 'key': 'up', 'at_ms': 300}])
        self.assertEqual((end['status'], end['verdict']), ('finished', 'ok'))

    def test_output_is_flushed_before_the_end(self):
        _, end = play(game('import sys\nsys.stdout.write("no newline")\n'
                           'sys.stderr.write("err")\ndevice.disconnect()\n'))
        self.assertIn('no newline', end['log'])
        self.assertIn('err', end['log'])

    def test_big_display_message_through_the_pipe(self):
        messages, end = play(game(
            'device.add_sprite(id="big", text="x" * (1 << 20))\n'
            'try:\n'
            '    device.add_sprite(id="huge", text="x" * (9 << 20))\n'
            'except ValueError as e:\n'
            '    print("refused:", e)\n'))
        self.assertEqual(end['status'], 'finished')
        self.assertEqual([len(m['sprite']['text']) for m in messages], [1 << 20])
        self.assertIn('refused: display message too large', end['log'])


class ScriptEnvironment(unittest.TestCase):

    def test_runs_like_python_game_py(self):
        _, end = play(
            'import os, sys, random\n'
            'import smartphone_connector, smartphone_connector.types as t\n'
            'print("name", __name__)\n'
            'print("file", __file__)\n'
            'print("argv", sys.argv)\n'
            'print("cwd", os.getcwd())\n'
            'print("path0", sys.path[0])\n'
            'print("main", sys.modules["__main__"].__file__ == __file__)\n'
            'print("stdin", sys.stdin.read())\n'
            'print("types", t.KeyMsg.__name__, smartphone_connector.__version__)\n')
        self.assertEqual(end['status'], 'finished', end['log'])
        fields = dict(line.split(' ', 1) for line in end['log'].splitlines())
        self.assertEqual(fields['name'], '__main__')
        self.assertTrue(fields['file'].endswith('/game/game.py'))
        self.assertEqual(fields['argv'], repr([fields['file']]))
        self.assertEqual(fields['cwd'], os.path.dirname(fields['file']))
        self.assertEqual(fields['path0'], fields['cwd'])
        self.assertEqual(fields['main'], 'True')
        self.assertEqual(fields['stdin'], '')
        self.assertEqual(fields['types'], 'KeyMsg 0.0.115')

    def test_own_modules_and_files_of_a_bundle_are_found(self):
        from support import make_zip
        bundle = make_zip({
            'mygame/game.py': 'import helper\nprint(helper.VALUE, open("data.txt").read())\n',
            'mygame/helper.py': 'VALUE = 42\n',
            'mygame/data.txt': 'payload',
            '__MACOSX/mygame/._game.py': 'junk',
        })
        _, end = play(bundle)
        self.assertEqual(end['status'], 'finished', end['log'])
        self.assertIn('42 payload', end['log'])

    def test_bundle_violation_does_not_start(self):
        from support import make_zip
        _, end = play(make_zip({'a.py': 'print("ran")', 'b.py': 'print("ran")'}))
        self.assertEqual((end['status'], end['verdict']), ('failed', 'crashed'))
        self.assertEqual(end['detail'],
                         'bundle: several .py files at the top level and none is game.py')
        self.assertNotIn('ran', end['log'])


class ControllerGone(unittest.TestCase):

    def test_eof_stops_a_game_at_once_without_traceback(self):
        _, end = play(game('import time\nwhile True:\n    time.sleep(0.01)\n'), seconds=1)
        self.assertEqual((end['status'], end['verdict']), ('stopped', 'ok'))
        self.assertLess(end['elapsed_ms'], 1500)   # no SIGKILL needed
        self.assertEqual(end['log'], '')

    def test_eof_while_a_prompt_waits(self):
        _, end = play(game('device.input("?")\n'), seconds=1)
        self.assertEqual(end['status'], 'stopped')
        self.assertLess(end['elapsed_ms'], 1500)


ZYGOTE = r'''
import json, os, sys, threading, types
harness_path, shim_path = sys.argv[1:3]
harness = types.ModuleType("play_harness")
exec(compile(open(harness_path).read(), "play_harness.py", "exec"), harness.__dict__)
shim = harness.load_shim(open(shim_path).read())   # in the zygote, before any fork
assert threading.active_count() == 1, "loading started a thread"
code = ("import random\nfrom smartphone_connector import *\nd = Connector('x', 'y')\n"
        "d.notify(f'{random.random()} {Colors.random()}')\n")
init = json.dumps({"t": "play", "title": "t", "code": code}).encode()
for index in range(2):
    to_game_r, to_game_w = os.pipe()
    from_game_r, from_game_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.dup2(to_game_r, 3)
        os.dup2(from_game_w, 4)
        harness.serve_play(shim, game_dir=sys.argv[3] + str(index))
        os._exit(99)
    os.close(to_game_r)
    os.close(from_game_w)
    os.write(to_game_w, len(init).to_bytes(4, "big") + init)
    output = b""
    while b'"cf"' not in output:
        output += os.read(from_game_r, 65536)
    os.close(to_game_w)
    _, status = os.waitpid(pid, 0)
    print(json.dumps([output.decode(), os.waitstatus_to_exitcode(status)]))
'''


class Zygote(unittest.TestCase):

    def test_a_shim_loaded_before_fork_serves_several_games(self):
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            result = subprocess.run(
                [sys.executable, '-I', '-c', ZYGOTE, drive.HARNESS_PY, drive.SHIM_PY,
                 os.path.join(tmp, 'game')], capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 0, result.stderr)
        games = [json.loads(line) for line in result.stdout.splitlines()]
        texts = []
        for output, status in games:
            self.assertEqual(status, 0)
            lines = [json.loads(line) for line in output.splitlines()]
            self.assertEqual(lines[-1], {'cf': 'end'})
            texts.append(lines[0]['message'])
        self.assertNotEqual(texts[0], texts[1], 'forked games must not share random state')


class InitMessage(unittest.TestCase):
    """The child as cf-play starts it, fed a hand-made init message."""

    def run_child(self, init: bytes, close: bool = True):
        to_game_r, to_game_w = os.pipe()
        from_game_r, from_game_w = os.pipe()
        child = subprocess.Popen(
            [sys.executable, '-I', '-c', drive.CHILD_BOOT, drive.HARNESS_PY, drive.SHIM_PY,
             '/nonexistent/game', str(to_game_r), str(from_game_w)],
            pass_fds=(to_game_r, from_game_w), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        os.close(to_game_r)
        os.close(from_game_w)
        os.write(to_game_w, init)
        if close:
            os.close(to_game_w)
        with os.fdopen(from_game_r, 'rb') as out:
            output = out.read()
        child.wait(10)
        child.stdout.close()
        if not close:
            os.close(to_game_w)
        return child.returncode, [json.loads(line) for line in output.splitlines()]

    def framed(self, body: bytes) -> bytes:
        return len(body).to_bytes(4, 'big') + body

    def test_eof_before_init_exits_quietly(self):
        self.assertEqual(self.run_child(b''), (0, []))
        self.assertEqual(self.run_child(b'\x00\x00'), (0, []))

    def test_refused_init_messages(self):
        cases = {
            (33 << 20).to_bytes(4, 'big'): 'init: message too large',
            self.framed(b'{nope'): 'init: not UTF-8 JSON',
            self.framed(b'\xff'): 'init: not UTF-8 JSON',
            self.framed(b'{"t": "fight", "code": ""}'): 'init: not a {"t": "play"} object',
            self.framed(b'{"t": "play", "code": "", "bundle": ""}'): 'init: exactly one of',
            self.framed(b'{"t": "play", "code": 5}'): 'init: exactly one of',
            self.framed(b'{"t": "play", "title": 1, "code": ""}'): 'init: "title" must be',
        }
        for init, detail in cases.items():
            with self.subTest(detail=detail):
                status, lines = self.run_child(init, close=False)
                self.assertEqual(status, 70)
                self.assertEqual(len(lines), 1)
                self.assertEqual(lines[0]['cf'], 'crash')
                self.assertTrue(lines[0]['detail'].startswith(detail), lines[0])

    def test_bad_base64_bundle(self):
        status, lines = self.run_child(self.framed(b'{"t": "play", "bundle": "%%%"}'),
                                       close=False)
        self.assertEqual((status, lines), (2, [{'cf': 'crash', 'detail': 'bundle: not valid base64'}]))


if __name__ == '__main__':
    unittest.main()
