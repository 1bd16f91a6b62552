# The community browser test's game that never reports a score
# (tests/web/e2e/community_flow.mjs): a pond with a duck. It runs
# until its player stops it (a game with a callback keeps running; one
# without ends as soon as its script does).
from smartphone_connector import Connector

device = Connector('https://io.gbsl.website', 'quiet-pond')


def on_key(data):
    # The duck swims; nothing is ever scored.
    device.update_sprite(id='duck', pos_x=-30 if data.key == 'left' else 10)


device.on_key = on_key
device.configure_playground(width=100, height=60, origin_x=50, origin_y=30, color='lightblue')
device.add_sprite(id='duck', form='round', width=8, height=8, pos_x=-30, pos_y=0, color='gold')
device.add_sprite(id='label', text='Quiet pond', width=40, height=10, pos_x=-20, pos_y=15,
                  color='white', border_color='steelblue')
device.wait()
