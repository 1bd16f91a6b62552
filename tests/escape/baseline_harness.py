"""A plain, unsandboxed stand-in for the bot harness, for the escape suite.

The escape driver runs each hostile bot under this harness with no sandbox
at all (`escape.py --mode baseline`), to prove that the attack really does
something when nothing stops it: an attack that fails even here would prove
nothing when it fails in the sandbox.

It keeps the bot API (docs/games.md, "The bot API"): import the module, build Main(), set
.context, call decide_tick(tick, my_state, enemy_state) for a few ticks. The
replies go to descriptor 4 as JSON lines {"tick": n, "reply": value};
descriptor 3 is a second pipe the driver reads, standing for a request pipe
a bot could scribble on.

    /usr/bin/python3 baseline_harness.py BOT.py [TICKS [PLAYER]]
"""
import importlib.util
import json
import os
import sys


def main():
    path = sys.argv[1]
    ticks = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    slot = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    out = os.fdopen(4, 'w', buffering=1) if slot == 1 else open(os.devnull, 'w')
    spec = importlib.util.spec_from_file_location('bot', path)
    bot = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bot)
    player = bot.Main()
    player.context = {}
    me = {'x': 0, 'y': 0, 'health': 100, 'head': 'R', 'moved': False, 'targeted': None}
    enemy = {'x': 9, 'y': 9, 'health': 100, 'head': 'L', 'moved': False, 'targeted': None}
    if slot == 2:
        me, enemy = enemy, me
    for tick in range(1, ticks + 1):
        try:
            reply = player.decide_tick(tick, dict(me), dict(enemy))
        except Exception as e:  # a call that raises counts as doing nothing
            reply = 'raised %s' % type(e).__name__
        try:
            out.write(json.dumps({'tick': tick, 'reply': reply}, default=repr) + '\n')
        except (ValueError, TypeError, RecursionError) as e:
            out.write(json.dumps({'tick': tick, 'reply': 'unencodable %s' % type(e).__name__}) + '\n')
        if reply == ['M', 'U'] and me['y'] < 9:
            me['y'] += 1


if __name__ == '__main__':
    main()
