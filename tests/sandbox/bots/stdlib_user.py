# An ordinary bot that leans on the standard library: the allow-list must
# let every one of these through without a trap.
import asyncio
import bisect
import concurrent.futures
import collections
import datetime
import decimal
import fractions
import functools
import hashlib
import heapq
import itertools
import json
import math
import os
import random
import re
import statistics
import string
import tempfile
import threading
import time


class Main:
    def __init__(self):
        self.rng = random.Random(42)
        self.seen = collections.Counter()
        self.lock = threading.Lock()
        worker = threading.Thread(target=self._warm)
        worker.start()
        worker.join()
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "state.json")
            with open(path, "w") as f:
                json.dump({"ok": True}, f)
            with open(path) as f:
                assert json.load(f)["ok"]
        self.digest = hashlib.sha256(b"codefights").hexdigest()
        self.answer = asyncio.run(self._async_answer())
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            self.squares = list(pool.map(lambda x: x * x, range(8)))
        time.sleep(0.001)
        self.when = datetime.datetime.now().isoformat()
        self.ratio = fractions.Fraction(1, 3) + int(decimal.Decimal(2).sqrt())
        print("started", self.digest[:8], os.cpu_count() or 1, time.monotonic() > 0)

    async def _async_answer(self):
        await asyncio.sleep(0)
        return 42

    def _warm(self):
        with self.lock:
            self.table = [math.sqrt(i) for i in range(1000)]

    def decide_tick(self, tick, me, enemy):
        self.seen[tick % 3] += 1
        heap = [self.rng.random() for _ in range(20)]
        heapq.heapify(heap)
        bisect.insort(heap, 0.5)
        statistics.mean(heap)
        functools.reduce(lambda a, b: a + b, itertools.islice(heap, 5))
        re.match(r"[a-z]+", string.ascii_lowercase)
        if tick % 2:
            return ["M", self.rng.choice("URDL")]
        return ["F", [enemy["x"], enemy["y"]]]
