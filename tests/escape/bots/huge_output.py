"""Hostile Tanks bot: huge stdout and stderr.

The bot writes 200 MB to stdout and to stderr as fast as it can, in one
call. The controller must cap what it keeps (the report's log stays small),
never block on the bot, and the fight must end within the limits; the other
bot is unaffected.
"""
# @ESCAPE_PRELUDE@


def attack():
    line = ('x' * 1023 + '\n').encode()
    block = line * 1024  # 1 MB
    total = int(CFG.get('output_mb', 200))
    for fd in (1, 2):
        written = 0
        try:
            while written < total * len(block):
                written += os.write(fd, block)
        except OSError as e:
            note('fd %d: %s after %d bytes' % (fd, e, written))


# @ESCAPE_ATTACK_MAIN@
