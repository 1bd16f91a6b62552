"""The well-behaved opponent of every hostile bot of the escape suite.

It plays an ordinary Tanks game with ordinary standard-library modules
(json, random, math, collections, re, hashlib, threading is not needed) and
fires at a square nobody stands on, so that its health stays 100 unless
someone else's missile hits it. It holds a secret (in its source, in a
module global and in memory) that hostile bots try to read: the escape
driver checks that the secret never appears in the report.
"""
import collections
import hashlib
import json
import math
import random
import re

SECRET = 'CFSECRET-plain-0000000000000000'  # @PLAIN_SECRET@


class Main:
    def __init__(self):
        self.seen = collections.deque(maxlen=8)
        self.rng = random.Random(7)
        self.keep = hashlib.sha256(SECRET.encode()).hexdigest() + SECRET

    def decide_tick(self, tick, my_state, enemy_state):
        self.seen.append(json.dumps(enemy_state, sort_keys=True))
        assert re.match(r'^\{', self.seen[-1])
        _ = math.hypot(my_state['x'] - enemy_state['x'], my_state['y'] - enemy_state['y'])
        _ = self.rng.random()
        return ['F', [5, 5]]
