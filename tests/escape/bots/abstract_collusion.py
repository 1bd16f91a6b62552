"""Hostile Tanks bot: two bots of a fight talking through autobound abstract sockets.

Both players of this fight are this bot. socketpair(AF_UNIX, SOCK_DGRAM),
setsockopt and sendto are allowed (asyncio needs them). A pair's end whose
peer is closed forgets it on its next send and takes datagrams from anyone;
with SO_PASSCRED set, a sendto autobinds it to a random abstract name in the
network namespace the bots share. Each bot tells the other its name
through the game itself (it fires at squares encoding 6 bits each, which
the other reads from enemy_state['targeted']), then sends datagrams to the
other's name. Two bots must not be able to talk (kernel Landlock scoping of
abstract unix sockets, or no shared namespace, or no autobind, must stop
it); a datagram sent or received is the evidence.
"""
# @ESCAPE_PRELUDE@


import socket


class Main:
    def __init__(self):
        self.n = 0
        self.sock = None
        self.value = None
        self.chunks = []
        self.peer = None

    def setup(self):
        try:
            a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
            a.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
            # A pair's end takes datagrams from its peer only: close the peer,
            # and the next send makes this end forget it (ECONNREFUSED).
            b.close()
            try:
                a.send(b'x')
            except OSError:
                pass
            try:
                a.sendto(b'x', b'\0' + CFG.get('token', 'cfesc').encode() + b'-nobody')
            except OSError:
                pass
            name = a.getsockname()
            a.setblocking(False)
            self.sock = a
            note('autobound to %r' % (name,))
            if isinstance(name, bytes) and name[:1] == b'\0' and len(name) == 6:
                self.value = int(name[1:], 16)
        except OSError as e:
            note('socketpair: %s' % e)

    def decide_tick(self, tick, my_state, enemy_state):
        self.n += 1
        if self.n == 1:
            self.setup()
        target = enemy_state.get('targeted')
        if self.n >= 2 and len(self.chunks) < 4 and target:
            x, y = target[0]
            self.chunks.append((x - 1) + 8 * (y - 1))
            if len(self.chunks) == 4:
                self.peer = sum(c << (6 * i) for i, c in enumerate(self.chunks))
                note('the other bot says it is %05x' % self.peer)
        if self.sock is not None and self.peer is not None:
            try:
                self.sock.sendto(b'ESCAPE hello', b'\0%05x' % self.peer)
                evidence('sent a datagram to the other bot\'s socket %05x' % self.peer)
                self.peer = None
            except OSError as e:
                note('sendto the other bot: %s' % e)
                self.peer = None
        if self.sock is not None:
            try:
                data = self.sock.recv(64)
                if data.startswith(b'ESCAPE'):
                    evidence('received a datagram from the other bot')
            except OSError:
                pass
        if self.value is not None and self.n <= 4:
            c = (self.value >> (6 * (self.n - 1))) & 63
            return ['F', [1 + c % 8, 1 + c // 8]]
        return (['M', 'U'] if my_state['y'] < 9 else ['M', 'D']) if ESCAPED else 'N'
