# The benchmark's game: every key comes straight back as a notification
# naming the key and the moment its callback ran (time.time(), the same
# clock as the benchmark's: the sandbox has no time namespace).
import time

from smartphone_connector import Connector

device = Connector('https://io.gbsl.website', 'bench')


def on_key(data):
    device.notify(f'{data.key} {time.time():.6f}')


device.on_key = on_key
device.notify('ready')
device.wait()
