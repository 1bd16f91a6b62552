class Main:
    def decide_tick(self, tick, me, enemy):
        hoard = []
        while True:
            hoard.append(bytearray(1 << 20))
