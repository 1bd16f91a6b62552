# Sandbox: no network at all — every connect() below must fail (no route / refused / denied) and nothing may reach the host or the internet.
import socket

from smartphone_connector import Connector

device = Connector('https://io.gbsl.website', 'hostile')
results = []
for family, address in ((socket.AF_INET, ('1.1.1.1', 80)), (socket.AF_INET, ('127.0.0.1', 6379)),
                        (socket.AF_INET, ('127.0.0.1', 5432)), (socket.AF_INET6, ('::1', 8080))):
    try:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(2)
            s.connect(address)
            results.append(f'CONNECTED {address}')
    except OSError as exc:
        results.append(f'blocked {address}: {exc.__class__.__name__}')
try:
    socket.getaddrinfo('example.com', 443)
    results.append('DNS RESOLVED example.com')
except OSError as exc:
    results.append(f'blocked DNS: {exc.__class__.__name__}')
print('\n'.join(results))
device.notify('; '.join(results))
device.disconnect()
