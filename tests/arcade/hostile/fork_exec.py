# Sandbox: no new process and no other program — fork/clone, exec and subprocess must fail (or the child be killed at once), nothing must outlive the game.
import os
import subprocess

from smartphone_connector import Connector

device = Connector('https://io.gbsl.website', 'hostile')
results = []
try:
    pid = os.fork()
    if pid == 0:
        os.execv('/bin/sh', ['/bin/sh', '-c', 'echo escaped > /tmp/escaped; sleep 600'])
    results.append(f'FORKED {pid}')
except OSError as exc:
    results.append(f'blocked fork: {exc.strerror}')
try:
    output = subprocess.run(['/bin/echo', 'EXECUTED'], capture_output=True, timeout=5).stdout
    results.append(output.decode().strip())
except (OSError, subprocess.SubprocessError) as exc:
    results.append(f'blocked subprocess: {exc.__class__.__name__}')
try:
    os.system('id')
    results.append('SYSTEM ran')
except OSError as exc:
    results.append(f'blocked system: {exc.strerror}')
print('\n'.join(results))
device.notify('; '.join(results))
device.disconnect()
