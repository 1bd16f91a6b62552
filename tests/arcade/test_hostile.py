#!/usr/bin/env python3
"""Hostile arcade games (tests/arcade/hostile/) in the real sandbox, through
cf-play: each one ends as its sandbox concern says, and leaves nothing on
the host (ctest arcade.hostile, as root).

    CF_PLAY=build/test/simulator/cf-play /usr/bin/python3 tests/arcade/test_hostile.py

Each case: the cf-play options, the statuses and verdicts it may end with,
and what the host and the output must show afterwards.
"""
import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
HOSTILE = os.path.join(HERE, 'hostile')
CF_PLAY = os.environ.get('CF_PLAY')
LOG_CAP = 4096 + 64  # the controller's log (head and tail) and its "[... N bytes cut ...]" line

# Files the hostile games try to create outside their /tmp.
OUTSIDE = ['/cf-hostile-root', '/etc/cf-hostile', '/var/tmp/cf-hostile', '/dev/shm/cf-hostile',
           '/home/cf-hostile', '/usr/lib/python3.11/cf-hostile.py', '/tmp/escaped']


def play(name, *options, timeout=60):
    """(display messages, end object, stderr) of one hostile game."""
    command = [CF_PLAY, *options, os.path.join(HOSTILE, f'{name}.py')]
    result = subprocess.run(command, capture_output=True, timeout=timeout)
    lines = result.stdout.decode('utf-8', 'replace').splitlines()
    if result.returncode != 0 or not lines:
        raise AssertionError(f'cf-play exited {result.returncode}: {result.stderr[-2000:]!r}')
    end = json.loads(lines[-1])
    if end.get('type') != 'end':
        raise AssertionError(f'no end line: {lines[-1][:200]}')
    return lines[:-1], end, result.stderr


class Hostile(unittest.TestCase):
    def setUp(self):
        if not CF_PLAY:
            self.skipTest('CF_PLAY (the cf-play to test) is not set')
        if os.geteuid() != 0:
            self.fail('the sandbox needs root')

    def ends(self, end, statuses, verdicts):
        self.assertIn(end['status'], statuses, end)
        self.assertIn(end['verdict'], verdicts, end)
        self.assertLessEqual(len(end['log'].encode()), LOG_CAP + 16)

    def test_cpu_spin(self):
        _, end, _ = play('cpu_spin', '--cpu-seconds', '2', '--seconds', '30')
        self.ends(end, {'failed'}, {'cpu_time'})
        self.assertLess(end['elapsed_ms'], 20000)  # four spinning threads, one budget

    def test_memory_bomb(self):
        _, end, _ = play('memory_bomb', '--memory-mb', '128', '--seconds', '30')
        self.ends(end, {'failed'}, {'memory'})
        self.assertLessEqual(end['peak_memory_kb'], 128 * 1024 + 1024)

    def test_thread_bomb(self):
        _, end, _ = play('thread_bomb', '--seconds', '10')
        self.ends(end, {'failed', 'finished', 'stopped'}, {'crashed', 'ok'})
        self.assertIn("can't start new thread", end['log'])

    def test_fork_exec(self):
        _, end, _ = play('fork_exec', '--seconds', '10')
        self.ends(end, {'failed'}, {'illegal', 'crashed'})
        self.assertFalse(os.path.exists('/tmp/escaped'))

    def test_net_connect(self):
        _, end, _ = play('net_connect', '--seconds', '10')
        self.ends(end, {'failed'}, {'illegal'})
        self.assertIn('socket', end['detail'])

    def test_write_outside_tmp(self):
        _, end, _ = play('write_outside_tmp', '--seconds', '10')
        self.ends(end, {'finished'}, {'ok'})
        self.assertNotIn('WROTE /', end['log'].replace('WROTE /tmp/game/', ''))
        self.assertIn('WROTE /tmp/game/ok-inside-tmp', end['log'])
        for path in OUTSIDE:
            self.assertFalse(os.path.exists(path), path)

    def test_display_flood(self):
        seconds = 4
        messages, end, _ = play('display_flood', '--seconds', str(seconds))
        self.ends(end, {'stopped'}, {'ok'})
        # Paced at 500 messages a second, with one second's worth at once
        # (and a second of slack for the start): unpaced, it would be tens
        # of thousands.
        self.assertLessEqual(len(messages), 500 * (seconds + 2))
        self.assertGreater(len(messages), 100)

    def test_log_flood(self):
        _, end, _ = play('log_flood', '--seconds', '3')
        self.ends(end, {'stopped'}, {'ok'})
        # Its head and its tail, the flood between them cut.
        self.assertRegex(end['log'], r'\n\[\.\.\. \d+ bytes cut \.\.\.\]\n', end['log'][:80])
        self.assertLessEqual(len(end['log'].encode()), LOG_CAP)

    def test_forge_control(self):
        messages, end, _ = play('forge_control', '--seconds', '10')
        # Its own "end" ends it; nothing it writes after that is relayed,
        # and no line over 8 MiB ever is.
        self.ends(end, {'finished'}, {'ok'})
        self.assertTrue(all(len(m) < (8 << 20) for m in messages))
        self.assertFalse(any('still here' in m for m in messages), messages)
        # A display message of type "end" never reaches the display: the
        # play's end is the controller's last line only.
        self.assertFalse(any(json.loads(m).get('type') == 'end' for m in messages), messages)


if __name__ == '__main__':
    unittest.main(verbosity=2)
