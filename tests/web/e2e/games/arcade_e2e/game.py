# The browser test's arcade game (tests/web/e2e/arcade_flow.mjs zips this
# folder): a hero drawn from images/hero.png that the arrow keys move (one
# point per step), a clickable coin (images/coin.png) that asks the player's
# name and gives ten points, the score reported and shown in a text sprite.
# It listens before it draws, so no key sent after the first sprite is lost,
# and it runs until the player stops it.
from smartphone_connector import Connector

device = Connector('https://io.gbsl.website', 'arcade-e2e')
STEP = 5
hero = {'x': -5, 'y': -5}
score = 0
# Markup in the log must reach the page as text, never run.
print('<img src=x onerror="window.__xss=1"> arcade e2e game started')


def show_score(who='Score'):
    device.update_sprite(id='label', text=f'{who}: {score}')
    device.report(score)


def on_key(data):
    global score
    moves = {'left': (-STEP, 0), 'right': (STEP, 0), 'up': (0, STEP), 'down': (0, -STEP)}
    if data.key not in moves:
        return
    dx, dy = moves[data.key]
    hero['x'] = max(-50, min(40, hero['x'] + dx))
    hero['y'] = max(-30, min(20, hero['y'] + dy))
    device.update_sprite(id='hero', pos_x=hero['x'], pos_y=hero['y'])
    score += 1
    print('key', data.key, 'hero at', hero['x'], hero['y'])
    show_score()


def on_sprite_clicked(data):
    global score
    if data.id != 'coin':
        return
    name = device.input('What is your name?')
    if not name:
        return
    score += 10
    print('coin taken by', name)
    show_score(name)
    device.print(f'Well done, {name}!', display_time=30)


device.on_key = on_key
device.on_sprite_clicked = on_sprite_clicked
device.configure_playground(width=100, height=60, origin_x=50, origin_y=30,
                            color='aliceblue', images='images')
device.add_sprite(id='hero', image='hero', width=10, height=10,
                  pos_x=hero['x'], pos_y=hero['y'])
device.add_sprite(id='coin', image='coin', width=8, height=8, pos_x=30, pos_y=10,
                  clickable=True)
device.add_sprite(id='label', text='Score: 0', width=40, height=8, pos_x=-48, pos_y=20,
                  color='white', border_color='steelblue')
device.wait()
