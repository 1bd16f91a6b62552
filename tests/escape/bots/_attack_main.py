# The Tanks Main of an attack bot, once. escape.py puts this file where a bot
# file has the line `# @ESCAPE_ATTACK_MAIN@`. The attack runs once, on the
# first tick; the tank walks only when an attack step worked (evidence()),
# which the driver sees in the replay.
class Main:
    def __init__(self):
        self.attacked = False

    def decide_tick(self, tick, my_state, enemy_state):
        if not self.attacked:
            self.attacked = True
            attack()
        return (['M', 'U'] if my_state['y'] < 9 else ['M', 'D']) if ESCAPED else 'N'
