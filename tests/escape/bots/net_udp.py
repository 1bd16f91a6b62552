"""Hostile Tanks bot: UDP datagrams.

The bot sends UDP datagrams carrying the run's token to a listener the
escape driver opens on a random port (every address), through loopback and
the host's other addresses, and to the DNS port of the host. The driver's
listener records any datagram that arrives.
"""
import os
import sys
import time

CFG = {}  # @ESCAPE_CONFIG@

ESCAPED = []


def evidence(what):
    """An attack step worked: say so in the log and in the game (walk up)."""
    ESCAPED.append(what)
    try:
        sys.stderr.write('ESCAPE-EVIDENCE %s\n' % what)
        sys.stderr.flush()
    except Exception:
        pass


def note(what):
    try:
        sys.stderr.write('note: %s\n' % what)
        sys.stderr.flush()
    except Exception:
        pass


def libc():
    import ctypes
    lib = ctypes.CDLL(None, use_errno=True)
    lib.syscall.restype = ctypes.c_long
    return lib


def name_process():
    """Put the run's token in the process name so the host can find strays."""
    try:
        libc().prctl(15, CFG.get('token', 'cfesc').encode()[:15], 0, 0, 0)  # PR_SET_NAME
    except Exception:
        pass


import socket


def attack():
    hosts = ['127.0.0.1', '::1', '0.0.0.0', '255.255.255.255'] + list(CFG.get('host_ips', []))
    port = int(CFG.get('udp_port', 9))
    for host in hosts:
        try:
            family = socket.AF_INET6 if ':' in host else socket.AF_INET
            s = socket.socket(family, socket.SOCK_DGRAM)
        except OSError as e:
            note('socket(): %s' % e)
            return
        try:
            if host.startswith('255'):
                s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
            s.sendto(b'ESCAPE ' + CFG.get('token', 'cfesc').encode(), (host, port))
            note('sendto %s:%d accepted by the kernel' % (host, port))
        except OSError:
            pass
        finally:
            s.close()
    # A connected UDP socket to a closed port reports ECONNREFUSED on the next
    # call only when something answered: that is a path out as well.
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(0.2)
        s.connect(('127.0.0.1', port))
        s.send(b'ping')
        s.recv(16)
        evidence('UDP answer from 127.0.0.1:%d' % port)
    except OSError:
        pass


class Main:
    def __init__(self):
        self.attacked = False

    def decide_tick(self, tick, my_state, enemy_state):
        if not self.attacked:
            self.attacked = True
            attack()
        return (['M', 'U'] if my_state['y'] < 9 else ['M', 'D']) if ESCAPED else 'N'
