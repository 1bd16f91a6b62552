# A priority-inheritance futex operation (FUTEX_LOCK_PI), a classic of kernel
# exploits: traced, so the bot ends "illegal".
import ctypes


class Main:
    def decide_tick(self, tick, me, enemy):
        word = ctypes.c_uint32(0)
        libc = ctypes.CDLL(None)
        libc.syscall(202, ctypes.byref(word), 6 | 128, 0, None, None, 0)  # futex, LOCK_PI|PRIVATE
        return "N"
