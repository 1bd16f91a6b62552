"""Hostile Tanks bot: TCP connections.

The bot tries TCP connections to a listener the escape driver opens on a
random port (bound to every address, IPv4 and IPv6), to every TCP port
listening on the host's loopback (the local Redis and PostgreSQL among
them), to 127.0.0.1:6379 and :5432, and through the host's other
addresses. The driver's listener records any connection; a connect() that
succeeds anywhere is reported in the log and by walking up.
"""
# @ESCAPE_PRELUDE@


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


# @ESCAPE_ATTACK_MAIN@
