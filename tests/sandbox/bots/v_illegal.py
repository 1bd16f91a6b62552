import socket


class Main:
    def decide_tick(self, tick, me, enemy):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).connect(("127.0.0.1", 6379))
