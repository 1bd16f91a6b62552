#!/usr/bin/env python3
"""Runs every original example game (tests/arcade/games/original) with its
scripted input and checks its expectations: through the real sandbox with
cf-play when CF_PLAY names it (ctest arcade.examples, as root), else
through drive.py (pure Python, no sandbox).

    CF_PLAY=build/test/simulator/cf-play /usr/bin/python3 tests/arcade/test_examples.py
    /usr/bin/python3 -m unittest tests/arcade/test_examples.py

The expectation format and the bundle recipe are described in
games/original/README.md. The same helpers serve shell and C tests that
will run the real `cf-play` on these files:

    test_examples.py bundle NAME OUT.zip          builds NAME's bundle
    test_examples.py check EXPECT.json OUTPUT     checks a recorded output
                                                  (drive.py's / cf-play's
                                                  stdout); exit 1 with the
                                                  problems on stderr
"""
import concurrent.futures
import io
import json
import os
import subprocess
import sys
import tempfile
import unittest
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
GAMES = os.path.join(HERE, 'games', 'original')
DRIVE = os.path.join(HERE, 'drive.py')
PARALLEL = 6                    # the games mostly sleep: cheap to overlap


# ---------------------------------------------------------------------------
# Bundles
# ---------------------------------------------------------------------------

def example_names():
    return sorted(name[:-len('.expect.json')] for name in os.listdir(GAMES)
                  if name.endswith('.expect.json'))


def load_expect(name: str) -> dict:
    with open(os.path.join(GAMES, f'{name}.expect.json'), encoding='utf-8') as f:
        return json.load(f)


def build_bundle(name: str, expect: dict) -> bytes:
    """The zip an example runs as: game.py (the example, unchanged),
    examples/server_address.py (they import examples.server_address), and
    the folders of expect["bundle_dirs"] (images/, tracks/)."""
    members = [(os.path.join(GAMES, f'{name}.py'), 'game.py'),
               (os.path.join(GAMES, 'server_address.py'), 'examples/server_address.py')]
    for folder in expect.get('bundle_dirs', []):
        for file in sorted(os.listdir(os.path.join(GAMES, folder))):
            members.append((os.path.join(GAMES, folder, file), f'{folder}/{file}'))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w', zipfile.ZIP_DEFLATED) as archive:
        for source, target in members:
            archive.write(source, target)
    return buffer.getvalue()


# ---------------------------------------------------------------------------
# Checking an output against an expectation
# ---------------------------------------------------------------------------

def matches(pattern, value) -> bool:
    """A pattern matches a value: dicts by their pattern's keys (recursively),
    lists element by element (same length), anything else by equality."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(
            key in value and matches(sub, value[key]) for key, sub in pattern.items())
    if isinstance(pattern, list):
        return (isinstance(value, list) and len(value) == len(pattern)
                and all(matches(p, v) for p, v in zip(pattern, value)))
    return pattern == value and type(pattern) is type(value) or (
        isinstance(pattern, (int, float)) and not isinstance(pattern, bool)
        and isinstance(value, (int, float)) and not isinstance(value, bool) and pattern == value)


def parse_output(text: str):
    """(display messages, end line) from drive.py's / cf-play's stdout."""
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    if not lines or lines[-1].get('type') != 'end':
        raise ValueError('the output does not end with an end line')
    return lines[:-1], lines[-1]


def _check_counts(expect, messages, problems):
    counts = {}
    for message in messages:
        counts[message.get('type')] = counts.get(message.get('type'), 0) + 1
    for kind, bounds in expect.get('count', {}).items():
        seen = counts.get(kind, 0)
        if bounds.get('min') is not None and seen < bounds['min']:
            problems.append(f'{seen} "{kind}" messages, expected at least {bounds["min"]}')
        if bounds.get('max') is not None and seen > bounds['max']:
            problems.append(f'{seen} "{kind}" messages, expected at most {bounds["max"]}')


def _check_patterns(expect, messages, problems):
    for pattern in expect.get('contains', []):
        if not any(matches(pattern, m) for m in messages):
            problems.append(f'no display message matches {json.dumps(pattern)}')
    position = 0
    for pattern in expect.get('sequence', []):
        while position < len(messages) and not matches(pattern, messages[position]):
            position += 1
        if position == len(messages):
            problems.append(f'sequence: nothing matches {json.dumps(pattern)} (in order)')
            return
        position += 1


def _check_end(expect, end, problems):
    for field in ('status', 'verdict'):
        if field in expect and end.get(field) != expect[field]:
            problems.append(f'{field} is {end.get(field)!r}, expected {expect[field]!r}')
    if 'detail_contains' in expect and expect['detail_contains'] not in (end.get('detail') or ''):
        problems.append(f'detail {end.get("detail")!r} lacks {expect["detail_contains"]!r}')
    if 'score' in expect:
        bounds, score = expect['score'], end.get('score')
        if bounds is None:
            if score is not None:
                problems.append(f'score {score}, expected none')
        elif score is None:
            problems.append('no score reported')
        elif not (bounds.get('min', score) <= score <= bounds.get('max', score)):
            problems.append(f'score {score} outside {bounds}')
    log = end.get('log') or ''
    for text in expect.get('log_contains', []):
        if text not in log:
            problems.append(f'the log lacks {text!r}')
    for text in expect.get('log_excludes', []):
        if text in log:
            problems.append(f'the log contains {text!r}')
    for text, count in expect.get('log_count', {}).items():
        if log.count(text) != count:
            problems.append(f'the log has {text!r} {log.count(text)} times, expected {count}')


def check(expect: dict, messages: list, end: dict) -> list:
    """The ways an output misses its expectation (empty: it meets it)."""
    problems = []
    _check_end(expect, end, problems)
    _check_counts(expect, messages, problems)
    _check_patterns(expect, messages, problems)
    return problems


# ---------------------------------------------------------------------------
# Running an example
# ---------------------------------------------------------------------------

def run_example(name: str):
    """Plays one example through drive.py: (expect, messages, end, stderr)."""
    expect = load_expect(name)
    with tempfile.TemporaryDirectory(prefix='cf-example-') as tmp:
        bundle = os.path.join(tmp, f'{name}.zip')
        with open(bundle, 'wb') as f:
            f.write(build_bundle(name, expect))
        runner = [os.environ['CF_PLAY']] if os.environ.get('CF_PLAY') else [sys.executable, DRIVE]
        command = runner + ['--seconds', str(expect.get('seconds', 3)), bundle]
        input_file = os.path.join(GAMES, f'{name}.input.jsonl')
        if os.path.exists(input_file):
            command[len(runner):len(runner)] = ['--input', input_file]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    messages, end = parse_output(result.stdout)
    return expect, messages, end, result.stderr


class OriginalExamples(unittest.TestCase):
    results = {}

    @classmethod
    def setUpClass(cls):
        with concurrent.futures.ThreadPoolExecutor(PARALLEL) as pool:
            futures = {name: pool.submit(run_example, name) for name in example_names()}
            for name, future in futures.items():
                try:
                    cls.results[name] = future.result()
                except Exception as exc:  # reported by the example's test
                    cls.results[name] = exc

    def check_example(self, name):
        result = self.results[name]
        if isinstance(result, Exception):
            self.fail(f'{name}: drive.py failed: {result!r}')
        expect, messages, end, stderr = result
        problems = check(expect, messages, end)
        if problems:
            self.fail(f'{name}:\n  ' + '\n  '.join(problems)
                      + f'\n  end: {json.dumps({k: v for k, v in end.items() if k != "log"})}'
                      + f'\n  log: {end.get("log")!r}\n  drive stderr: {stderr!r}')


def _add_example_tests():
    for name in example_names():
        setattr(OriginalExamples, f'test_{name}',
                lambda self, name=name: self.check_example(name))


_add_example_tests()


def _cli(argv) -> int:
    if argv[0] == 'bundle' and len(argv) == 3:
        with open(argv[2], 'wb') as f:
            f.write(build_bundle(argv[1], load_expect(argv[1])))
        return 0
    if argv[0] == 'check' and len(argv) == 3:
        with open(argv[1], encoding='utf-8') as f:
            expect = json.load(f)
        with open(argv[2], encoding='utf-8') as f:
            messages, end = parse_output(f.read())
        problems = check(expect, messages, end)
        for problem in problems:
            sys.stderr.write(problem + '\n')
        return 1 if problems else 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] in ('bundle', 'check'):
        sys.exit(_cli(sys.argv[1:]))
    unittest.main()
