"""Hostile Tanks bot: two bots of one fight meeting through the filesystem.

Both players of this fight are this bot. Each one leaves a note carrying
its slot in every writable place it finds (/tmp, /dev/shm, /var/tmp, its
working directory) and, on every tick, looks for the other one's note. Bots
of a fight (let alone of different fights) must not be able to talk: each
one's writable /tmp is its own.
"""
# @ESCAPE_PRELUDE@


import glob

PLACES = ['/tmp', '/dev/shm', '/var/tmp', '.']


def leave(slot):
    for d in PLACES:
        try:
            with open(os.path.join(d, '%s-slot%s' % (CFG.get('token', 'cfesc'), slot)), 'w') as f:
                f.write('from slot %s\n' % slot)
        except OSError:
            pass


def look(slot):
    for d in PLACES:
        for path in glob.glob(os.path.join(d, '*-slot*')):
            if not path.endswith('-slot%s' % slot):
                evidence('found the other bot\'s note %s' % path)
                return True
    return False


class Main:
    def __init__(self):
        self.slot = None
        self.seen = False

    def decide_tick(self, tick, my_state, enemy_state):
        if self.slot is None:
            self.slot = '1' if (my_state['x'], my_state['y']) == (0, 0) else '2'
            leave(self.slot)
        if not self.seen:
            self.seen = look(self.slot)
        return (['M', 'U'] if my_state['y'] < 9 else ['M', 'D']) if ESCAPED else 'N'
