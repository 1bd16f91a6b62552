import os


class Main:
    def decide_tick(self, tick, me, enemy):
        os.write(4, b"\x00\x00\x00\x05hello")
        return "N"
