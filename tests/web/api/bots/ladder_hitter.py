"""Hitter (the ladder's integration test): fires every tick at the square
the enemy is most likely to be on next, standing still for full damage.
While an enemy that shoots stands at a wall (where its moves can be
refused, so that it fires standing, accurately), it steps aside instead.
Never targets or steps on its own square or the enemy's."""
import random

MOVES = {'U': (0, 1), 'R': (1, 0), 'D': (0, -1), 'L': (-1, 0)}


def on_board(x, y):
    return 0 <= x <= 9 and 0 <= y <= 9


class Main:
    def decide_tick(self, tick, my_state, enemy_state):
        me = (my_state['x'], my_state['y'])
        ex, ey = enemy_state['x'], enemy_state['y']
        steps = [(ex + dx, ey + dy) for dx, dy in MOVES.values() if on_board(ex + dx, ey + dy)]
        if tick > 0 and not enemy_state['moved']:
            target = (ex, ey)  # it stays where it is
        elif len(steps) < 4:
            target = (ex, ey)  # a refused move keeps it there: its likeliest square
        else:
            target = random.choice(steps)
        if target == me:
            target = (ex, ey)
        fire = ['F', list(target)]
        shooter = tick == 0 or enemy_state['targeted'] is not None
        if shooter and len(steps) < 4:
            dodges = [d for d, (dx, dy) in MOVES.items()
                      if on_board(me[0] + dx, me[1] + dy) and (me[0] + dx, me[1] + dy) != (ex, ey)]
            if dodges:
                return [['M', random.choice(dodges)], fire]
        return fire
