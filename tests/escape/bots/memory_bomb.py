"""Hostile Tanks bot: memory bomb.

On its first tick the bot allocates and touches memory in 8 MB steps until
it dies. The limit is the cgroup's on resident memory (70 MB for Tanks): the
verdict must be `memory`, never `crashed`, and the report's peak memory must
stay near the limit. Touching more than 150 MB (twice the limit) is an
escape of the memory limit.
"""
# @ESCAPE_PRELUDE@


def attack():
    cap_mb = int(CFG.get('mem_cap_mb', 2048))
    step = 8 * 1024 * 1024
    chunks = []
    reported = False
    while len(chunks) * 8 < cap_mb:
        b = bytearray(step)
        # Touch every page so that the memory is resident, not just reserved.
        for off in range(0, step, 4096):
            b[off] = 1
        chunks.append(b)
        if not reported and len(chunks) * 8 >= int(CFG.get('mem_evidence_mb', 150)):
            reported = True
            evidence('touched %d MB' % (len(chunks) * 8))
    note('stopped at the cap of %d MB' % cap_mb)


# @ESCAPE_ATTACK_MAIN@
