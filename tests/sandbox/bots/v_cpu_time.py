class Main:
    def decide_tick(self, tick, me, enemy):
        while True:
            pass
