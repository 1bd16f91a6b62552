"""Hostile Tanks bot: TCP connections.

The bot tries TCP connections to a listener the escape driver opens on a
random port (bound to every address, IPv4 and IPv6), to every TCP port
listening on the host's loopback (the local Redis and PostgreSQL among
them), to 127.0.0.1:6379 and :5432, and through the host's other
addresses. The driver's listener records any connection; a connect() that
succeeds anywhere is reported in the log and by walking up.
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


def targets():
    hosts = ['127.0.0.1', '::1', 'localhost', '0.0.0.0'] + list(CFG.get('host_ips', []))
    out = []
    if CFG.get('tcp_port'):
        for h in hosts:
            out.append((h, int(CFG['tcp_port'])))
    for port in [6379, 5432] + list(CFG.get('loopback_ports', [])):
        out.append(('127.0.0.1', int(port)))
    return out


def attack():
    for host, port in targets():
        try:
            family = socket.AF_INET6 if ':' in host else socket.AF_INET
            s = socket.socket(family, socket.SOCK_STREAM)
        except OSError as e:
            note('socket(): %s' % e)
            return
        s.settimeout(0.2)
        try:
            s.connect((host, port))
            s.sendall(b'ESCAPE ' + CFG.get('token', 'cfesc').encode() + b'\r\n')
            evidence('TCP connect to %s:%d' % (host, port))
        except OSError:
            pass
        finally:
            s.close()


class Main:
    def __init__(self):
        self.attacked = False

    def decide_tick(self, tick, my_state, enemy_state):
        if not self.attacked:
            self.attacked = True
            attack()
        return (['M', 'U'] if my_state['y'] < 9 else ['M', 'D']) if ESCAPED else 'N'
