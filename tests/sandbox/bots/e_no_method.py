# A bot whose Main lacks the game's method: every call raises, naming it.
class Main:
    def decide(self, tick, me, enemy):
        return "N"
