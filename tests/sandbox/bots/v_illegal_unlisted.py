import ctypes


class Main:
    def decide_tick(self, tick, me, enemy):
        ctypes.CDLL(None).syscall(999)  # not on any list: killed by seccomp
