# An arcade game for the pipeline's tests: a ball, one point per "up" key
# (each reported as the score), and "q" ends the game. Until then it waits
# for keys, as a game waits for its player. It listens before it draws, so
# a key sent once its first display message is out is never missed.
from smartphone_connector import Connector

device = Connector('https://io.gbsl.website', 'FooBar')
points = 0


def on_key(data):
    global points
    if data.key == 'up':
        points += 1
        device.update_circle(id='ball', pos_y=points)
        device.report(points)
    elif data.key == 'q':
        print('bye after', points, 'points')
        device.disconnect()


device.on_key = on_key
device.configure_playground(width=100, height=100, origin_x=50, origin_y=50)
device.add_circle(id='ball', pos_x=0, pos_y=0, radius=5, color='red')
device.wait()
