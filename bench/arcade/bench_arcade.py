#!/usr/bin/env python3
"""bench/arcade/bench_arcade.py — the arcade's latencies through the real
pipeline (never run by ctest): a cf-simulator with arcade workers plays
echo_keys.py, and the benchmark stands where cf-web stands, on Redis.

  * key -> callback: XADD of a key event on cf:play:<id>:in (what cf-web's
    POST /api/plays/<id>/input does) to the game's on_key callback running
    in the sandbox (the callback's time.time(), the same clock);
  * key -> display: the same key to its display message on
    cf:play:<id>:out (what cf-web's live stream relays, within its 20 ms
    tick, to the browser);
  * stop: SET cf:cancel:<id> to the play's end object on its out stream;
  * start: XADD cf:plays to the game's first display message.

Prints p50, p99 and max of each (targets: key -> callback p99 < 50 ms,
stop < 1 s). Run as root (the sandbox), with CF_REDIS_URL set:

  CF_REDIS_URL=redis://127.0.0.1:6379 bench/arcade/bench_arcade.py BUILD_DIR \\
      [--keys 1000] [--rate 60] [--stops 20] [--plays 1]

--plays N runs N plays at once, each sent --keys keys at --rate per second
(a player's key repeat is about 30 a second; motion sensors 60).
"""
import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from urllib.parse import urlparse

HERE = os.path.dirname(os.path.abspath(__file__))


class Redis:
    """Just enough RESP for the benchmark: one connection, one command at
    a time."""

    def __init__(self, url):
        u = urlparse(url)
        self.sock = socket.create_connection((u.hostname or '127.0.0.1', u.port or 6379))
        self.buf = self.sock.makefile('rb')
        if u.password:
            self.call('AUTH', u.password)
        db = (u.path or '/0').lstrip('/') or '0'
        self.call('SELECT', db)

    def call(self, *args):
        out = [b'*%d\r\n' % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b'$%d\r\n%s\r\n' % (len(a), a))
        self.sock.sendall(b''.join(out))
        return self.read()

    def read(self):
        line = self.buf.readline()
        kind, rest = line[:1], line[1:-2]
        if kind == b'+':
            return rest.decode()
        if kind == b'-':
            raise RuntimeError(rest.decode())
        if kind == b':':
            return int(rest)
        if kind == b'$':
            n = int(rest)
            if n < 0:
                return None
            data = self.buf.read(n + 2)[:-2]
            return data.decode('utf-8', 'replace')
        if kind == b'*':
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise RuntimeError(f'bad reply {line!r}')


def claim_db(base):
    """An empty logical database of the server (SET NX, like the tests)."""
    u = urlparse(base)
    for db in random.sample(range(1, 16), 15):
        url = f'redis://{u.netloc}/{db}'
        r = Redis(url)
        if r.call('DBSIZE') == 0 and r.call('SET', 'cf:test:owner', f'bench-{os.getpid()}', 'NX') == 'OK':
            return url
    sys.exit('no empty Redis database (1-15)')


def pct(values, p):
    s = sorted(values) or [float('nan')]
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def line(name, ms):
    print(f'  {name:<22} n={len(ms):<5} p50 {pct(ms, 50):7.2f} ms   p99 {pct(ms, 99):7.2f} ms'
          f'   max {max(ms):7.2f} ms')


def start_play(r, code):
    play = str(uuid.uuid4())
    t0 = time.time()
    r.call('XADD', 'cf:plays', '*', 'id', play, 'title', 'bench', 'code', code)
    r.call('SET', f'cf:play:{play}:seen', 1, 'EX', 600)
    reply = r.call('XREAD', 'BLOCK', 30000, 'STREAMS', f'cf:play:{play}:out', '0')
    if not reply:
        sys.exit('the play did not start within 30 s')
    last = reply[0][1][-1][0]
    return play, (time.time() - t0) * 1000, last


def key_latencies(url, code, keys, rate, out):
    """One play: keys sent at rate; (key->callback, key->display) in ms."""
    r, rd = Redis(url), Redis(url)
    play, _, last = start_play(r, code)
    sent, back = {}, []
    done = threading.Event()

    def reader():
        cursor = last
        while not done.is_set() or len(back) < len(sent):
            reply = rd.call('XREAD', 'BLOCK', 2000, 'COUNT', 100, 'STREAMS', f'cf:play:{play}:out', cursor)
            if not reply:
                if done.is_set():
                    return
                continue
            now = time.time()
            for entry_id, fields in reply[0][1]:
                cursor = entry_id
                msg = json.loads(fields[1])
                text = msg.get('message', '') if msg.get('type') == 'notification' else ''
                if not text.startswith('k'):
                    continue
                name, at = text.split(' ')
                if name in sent:
                    back.append(((float(at) - sent[name]) * 1000, (now - sent[name]) * 1000, int(name[1:])))

    t = threading.Thread(target=reader)
    t.start()
    gap = 1.0 / rate
    for i in range(keys):
        name = f'k{i}'
        sent[name] = time.time()
        r.call('XADD', f'cf:play:{play}:in', '*', 'msg', f'{{"type": "key", "key": "{name}"}}')
        time.sleep(gap)
    done.set()
    t.join(timeout=10)
    r.call('SET', f'cf:cancel:{play}', 1, 'EX', 600)
    out.append(back)


def stop_latency(r, code):
    play, start_ms, last = start_play(r, code)
    t0 = time.time()
    r.call('SET', f'cf:cancel:{play}', 1, 'EX', 600)
    cursor = last
    while True:
        reply = r.call('XREAD', 'BLOCK', 5000, 'STREAMS', f'cf:play:{play}:out', cursor)
        if not reply:
            sys.exit(f'play {play} did not stop within 5 s')
        for entry_id, fields in reply[0][1]:
            cursor = entry_id
            if fields[1].startswith('{"type":"end"'):
                return start_ms, (time.time() - t0) * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('build')
    ap.add_argument('--keys', type=int, default=1000)
    ap.add_argument('--rate', type=float, default=60)
    ap.add_argument('--stops', type=int, default=20)
    ap.add_argument('--plays', type=int, default=1)
    a = ap.parse_args()
    base = os.environ.get('CF_REDIS_URL') or sys.exit('set CF_REDIS_URL')
    sim = os.path.join(a.build, 'simulator', 'cf-simulator')
    code = open(os.path.join(HERE, 'echo_keys.py')).read()
    url = claim_db(base)
    env = dict(PATH=os.environ['PATH'], CF_REDIS_URL=url, CF_SIMULATOR_CONCURRENCY='1',
               CF_ARCADE_SLOTS=str(max(2, a.plays)), CF_LOG_LEVEL='warn')
    proc = subprocess.Popen([sim], env=env, stderr=subprocess.DEVNULL)
    try:
        r = Redis(url)
        time.sleep(1)
        print(f'arcade latencies, cf-simulator {sim}, {a.plays} play(s) at once, '
              f'{a.keys} keys each at {a.rate:g}/s')
        results = []
        threads = [threading.Thread(target=key_latencies, args=(url, code, a.keys, a.rate, results))
                   for _ in range(a.plays)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        pairs = [p for res in results for p in res]
        lost = a.keys * a.plays - len(pairs)
        line('key -> callback', [p[0] for p in pairs] or [float('nan')])
        line('key -> display', [p[1] for p in pairs] or [float('nan')])
        print(f'  keys without an answer: {lost}')
        if os.environ.get('CF_BENCH_SLOWEST'):
            print('  slowest:', sorted(((round(p[0]), p[2]) for p in pairs), reverse=True)[:15])
        starts, stops = [], []
        for _ in range(a.stops):
            s, t = stop_latency(r, code)
            starts.append(s)
            stops.append(t)
        line('start -> first message', starts)
        line('stop -> end', stops)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        Redis(url).call('FLUSHDB')


if __name__ == '__main__':
    main()
