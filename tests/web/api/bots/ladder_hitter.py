"""Hitter (the ladder's integration test): stands still, so that each
missile does full damage, and fires where the enemy will be: on its square
when it stood still last tick, else on one of the squares it can move to
(never on its own square)."""
import random

STEPS = ((0, 1), (1, 0), (0, -1), (-1, 0))


class Main:
    def decide_tick(self, tick, my_state, enemy_state):
        x, y = enemy_state['x'], enemy_state['y']
        if not enemy_state['moved']:
            return ['F', [x, y]]
        me = (my_state['x'], my_state['y'])
        squares = [(x + dx, y + dy) for dx, dy in STEPS
                   if 0 <= x + dx <= 9 and 0 <= y + dy <= 9 and (x + dx, y + dy) != me]
        if not squares:
            return ['F', [x, y]]
        tx, ty = random.choice(squares)
        return ['F', [tx, ty]]
