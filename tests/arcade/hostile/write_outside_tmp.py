# Sandbox: only /tmp is writable — every write below outside /tmp must fail (EROFS/EACCES/EPERM) and leave no file on the host.
import os

from smartphone_connector import Connector

device = Connector('https://io.gbsl.website', 'hostile')
results = []
for path in ('/cf-hostile-root', '/etc/cf-hostile', '/var/tmp/cf-hostile', '/dev/shm/cf-hostile',
             '/home/cf-hostile', '/usr/lib/python3.11/cf-hostile.py', '/proc/self/cf-hostile',
             '/tmp/game/ok-inside-tmp'):
    try:
        with open(path, 'w') as f:
            f.write('hostile')
        results.append(f'WROTE {path}')
    except OSError as exc:
        results.append(f'blocked {path}: {exc.strerror}')
print('\n'.join(results))
device.notify('; '.join(results))
device.disconnect()
