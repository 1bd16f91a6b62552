class Main:
    def decide_tick(self, tick, me, enemy):
        return "N"
