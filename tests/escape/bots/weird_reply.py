"""Hostile Tanks bot: replies that hurt the controller.

decide_tick returns values that strain the controller's JSON side, one per
tick: NaN and infinity, an integer of 4000 digits, a string with lone
surrogates, a list nested 900 then 100,000 deep, a dict with 100,000 keys,
an object json cannot encode, and finally a 64 MB string. Each may be
refused (the call fails, or `bad_output`) but cf-fight must survive, stay
within its limits and report, and the other bot is unaffected.
"""
# @ESCAPE_PRELUDE@


class Unencodable:
    pass


def nested(depth):
    v = 'N'
    for _ in range(depth):
        v = [v]
    return v


REPLIES = [
    lambda: float('nan'),
    lambda: ['F', [float('inf'), -float('inf')]],
    lambda: 10 ** 3999,
    lambda: ['M', '\ud800\udfff\ud800'],
    lambda: nested(900),
    lambda: nested(100000),
    lambda: {str(i): i for i in range(100000)},
    lambda: Unencodable(),
    lambda: 'x' * (64 << 20),
]


class Main:
    def __init__(self):
        self.n = 0

    def decide_tick(self, tick, my_state, enemy_state):
        self.n += 1
        if self.n <= len(REPLIES):
            return REPLIES[self.n - 1]()
        return 'N'
