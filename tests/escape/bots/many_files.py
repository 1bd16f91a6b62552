"""Hostile Tanks bot: many open files.

The bot raises its open-file limit as far as it may and opens pipes until
the kernel refuses, keeping them all. Pipes cost kernel memory: the
open-files rlimit and the memory cgroup must stop it early. More than 4096
descriptors is an escape of the open-files limit.
"""
# @ESCAPE_PRELUDE@


import resource


def attack():
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        note('RLIMIT_NOFILE %d/%d' % (soft, hard))
    except (OSError, ValueError) as e:
        note('setrlimit: %s' % e)
    kept = []
    cap = int(CFG.get('files_cap', 200000))
    try:
        while len(kept) < cap:
            kept.extend(os.pipe())
    except OSError as e:
        note('stopped at %d descriptors: %s' % (len(kept), e))
    if len(kept) > 4096:
        evidence('held %d open descriptors' % len(kept))
    for fd in kept:
        os.close(fd)


# @ESCAPE_ATTACK_MAIN@
