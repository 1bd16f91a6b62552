# Sandbox: the task limit (about 60 threads) must hold — thread creation fails inside the game, the host's pid space is untouched.
import threading
import time

from smartphone_connector import Connector

device = Connector('https://io.gbsl.website', 'hostile')
threads = 0
try:
    while True:
        threading.Thread(target=time.sleep, args=(600,), daemon=True).start()
        threads += 1
except RuntimeError as exc:
    print(f'stopped after {threads} threads: {exc}')
device.notify(f'{threads} threads')
device.subscribe_async(lambda: None, 0.01)   # the shim's own threads must still work
device.sleep(1)
device.disconnect()
