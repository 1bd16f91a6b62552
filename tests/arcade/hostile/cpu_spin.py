# Sandbox: the CPU budget must end it (verdict cpu_time) however many threads spin, and the host's other work must go on.
import threading

from smartphone_connector import Connector

device = Connector('https://io.gbsl.website', 'hostile')


def spin():
    while True:
        pass


for _ in range(4):
    threading.Thread(target=spin, daemon=True).start()
device.on_key = lambda: spin()   # callbacks spin too
spin()
