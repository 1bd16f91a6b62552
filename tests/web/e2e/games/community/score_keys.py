# The community browser test's game that reports a score
# (tests/web/e2e/community_flow.mjs): each arrow key is a point, reported
# and shown in a text sprite. It runs until its player stops it.
from smartphone_connector import Connector

device = Connector('https://io.gbsl.website', 'keys-race')
score = 0


def on_key(data):
    global score
    if data.key not in ('up', 'down', 'left', 'right'):
        return
    score += 1
    device.update_sprite(id='label', text=f'Score: {score}')
    device.report(score)


device.on_key = on_key
device.configure_playground(width=100, height=60, origin_x=50, origin_y=30, color='honeydew')
device.add_sprite(id='label', text='Score: 0', width=40, height=10, pos_x=-20, pos_y=-5,
                  color='white', border_color='seagreen')
device.wait()
