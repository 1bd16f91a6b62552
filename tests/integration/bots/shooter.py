"""Tanks bot that fires at the enemy's square every tick."""


class Main:
    def decide_tick(self, tick, my_state, enemy_state):
        return ['F', [enemy_state['x'], enemy_state['y']]]
