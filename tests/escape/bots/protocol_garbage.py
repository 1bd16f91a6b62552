"""Hostile Tanks bot: garbage on the protocol pipe.

At import, and again on each of its first ticks, the bot writes to every
descriptor from 0 to 9 (except stderr): forged replies in every framing a
protocol might use (JSON lines, length-prefixed JSON, both byte orders)
that fire at the other bot's square, a huge length prefix, and 256 KB of
bytes with no newline. The controller must not believe any of it (the
other bot must keep its full health), must not block, and may give the bot
`bad_output`.
"""
# @ESCAPE_PRELUDE@


import json
import struct

FORGED = [{'result': ['F', [9, 9]]}, {'ok': True, 'result': ['F', [9, 9]]},
          {'value': ['F', [9, 9]]}, {'return': ['F', [9, 9]]}, ['F', [9, 9]]]


def payloads():
    out = []
    for msg in FORGED:
        body = json.dumps(msg).encode()
        out.append(body + b'\n')
        out.append(struct.pack('>I', len(body)) + body)
        out.append(struct.pack('<I', len(body)) + body)
    out.append(b'\xff\xff\xff\x7f')          # a 2 GB length prefix
    out.append(b'\x00\xfe garbage \x01' * 16384)  # 256 KB, no newline
    return out


def spray():
    for fd in (0, 1, 3, 4, 5, 6, 7, 8, 9):
        for p in payloads():
            try:
                os.set_blocking(fd, False)
                os.write(fd, p)
            except OSError:
                break


def attack():
    spray()


class Main:
    def __init__(self):
        self.ticks = 0

    def decide_tick(self, tick, my_state, enemy_state):
        self.ticks += 1
        if self.ticks <= 3:
            spray()
        return (['M', 'U'] if my_state['y'] < 9 else ['M', 'D']) if ESCAPED else 'N'


attack()

