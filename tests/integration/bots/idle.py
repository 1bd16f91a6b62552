"""Trivial Tanks bot: does nothing."""


class Main:
    def decide_tick(self, tick, my_state, enemy_state):
        return 'N'
