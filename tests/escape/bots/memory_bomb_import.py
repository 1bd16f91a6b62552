"""Hostile Tanks bot: memory bomb at import.

The bot allocates and touches memory in 8 MB steps while it is being
imported, before any Main exists: the cgroup's limit must stop it and the
verdict must be `memory` (not `crashed`, which an import failure would
otherwise be), and the other bot wins.
"""
# @ESCAPE_PRELUDE@


def attack():
    cap_mb = int(CFG.get('mem_cap_mb', 2048))
    step = 8 * 1024 * 1024
    chunks = []
    while len(chunks) * 8 < cap_mb:
        b = bytearray(step)
        for off in range(0, step, 4096):
            b[off] = 1
        chunks.append(b)
        if len(chunks) * 8 == int(CFG.get('mem_evidence_mb', 152)):
            evidence('touched %d MB at import' % (len(chunks) * 8))
    note('stopped at the cap of %d MB' % cap_mb)


attack()


class Main:
    def decide_tick(self, tick, my_state, enemy_state):
        return (['M', 'U'] if my_state['y'] < 9 else ['M', 'D']) if ESCAPED else 'N'
