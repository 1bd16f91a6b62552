# Controller: the game's log (fd 1/2) must be capped — endless printing must neither fill memory nor disk, and must not block the controller.
from smartphone_connector import Connector

device = Connector('https://io.gbsl.website', 'hostile')
line = 'log flood ' * 100
while True:
    print(line)
