# The entry point of a bundled game: its own module beside it, and a
# text file it reads from its folder, as `python game.py` would find them.
import points_rule
from smartphone_connector import Connector

device = Connector('https://io.gbsl.website', 'FooBar')
with open('greeting.txt') as f:
    device.notify(f.read().strip())
device.report(points_rule.points_for('bundle'))
device.disconnect()
