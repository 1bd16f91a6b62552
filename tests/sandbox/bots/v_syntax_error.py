# A bot whose code does not compile: the crash names its line (3).
class Main:
    def decide_tick(self, tick, me, enemy) return "N"
