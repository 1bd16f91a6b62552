# Controller: a flood of display messages must be rate-limited or capped (and the game stopped), the controller and the browser must stay responsive.
from smartphone_connector import Connector

device = Connector('https://io.gbsl.website', 'hostile')
count = 0
while True:
    count += 1
    device.add_sprite(id=f's{count % 1000}', pos_x=count % 100, pos_y=count % 97,
                      text='x' * 1000)
