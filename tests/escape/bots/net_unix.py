"""Hostile Tanks bot: unix-socket connections.

The bot connects to unix sockets: a listener the escape driver opens on the
host filesystem, an abstract-namespace listener (which a shared network
namespace would let through whatever the filesystem view), the local
PostgreSQL and Redis sockets, and the usual system ones (docker, systemd,
dbus). The driver's listeners record any connection; a connect() that
succeeds anywhere is reported in the log and by walking up.
"""
# @ESCAPE_PRELUDE@


import glob
import socket


def attack():
    paths = []
    if CFG.get('unix_path'):
        paths.append(CFG['unix_path'])
    if CFG.get('abstract_name'):
        paths.append('\0' + CFG['abstract_name'])
    for pattern in ('/work/*/pg/.s.PGSQL.*', '/work/*/.run/*/.s.PGSQL.*', '/work/*/*/.s.PGSQL.*',
                    '/var/run/postgresql/.s.PGSQL.*', '/run/postgresql/.s.PGSQL.*',
                    '/work/*/redis*.sock', '/work/*/*/redis*.sock', '/tmp/*.sock',
                    '/run/*.sock', '/var/run/docker.sock', '/run/systemd/private',
                    '/run/dbus/system_bus_socket', '/dev/log'):
        paths.extend(glob.glob(pattern))
    for path in paths:
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            try:
                s = socket.socket(socket.AF_UNIX, kind)
            except OSError as e:
                note('socket(AF_UNIX): %s' % e)
                return
            s.settimeout(0.2)
            try:
                s.connect(path)
                try:
                    s.send(b'ESCAPE ' + CFG.get('token', 'cfesc').encode())
                except OSError:
                    pass
                evidence('unix connect to %r' % path)
            except OSError:
                pass
            finally:
                s.close()


# @ESCAPE_ATTACK_MAIN@
