"""Straight ahead: never turns (the cycle keeps its heading). Start here."""

UP, RIGHT, DOWN, LEFT = 'U', 'R', 'D', 'L'


class Main:
    def decide_move(self, tick, state):
        # state: {"me": my index, "size": grid side,
        #         "players": [{"x", "y", "head", "alive"}, ...],
        #         "grid": rows from y = 0 up, '.' free, '0'..'5' a wall}
        # Return 'U', 'R', 'D' or 'L'; anything else keeps the heading.
        return state['players'][state['me']]['head']
