"""Hostile Tanks bot: keyctl and add_key through ctypes.

Kernel keyrings are not namespaced: a bot that may call add_key/keyctl can
read and fill the keyrings of its uid on the host. The bot adds a key to its
process keyring and asks for its user keyring's id. A key serial back is an
escape of the system-call filter.
"""
# @ESCAPE_PRELUDE@


import ctypes


def attack():
    lib = libc()
    serial = lib.syscall(248, b'user', CFG.get('token', 'cfesc').encode(), b'payload', 7, -2)  # process keyring
    if serial >= 0:
        evidence('add_key returned serial %d' % serial)
    else:
        note('add_key: errno %d' % ctypes.get_errno())
    ring = lib.syscall(250, 0, -4, 0)  # KEYCTL_GET_KEYRING_ID of the user keyring
    if ring >= 0:
        evidence('keyctl(GET_KEYRING_ID, user) returned %d' % ring)
    else:
        note('keyctl: errno %d' % ctypes.get_errno())


# @ESCAPE_ATTACK_MAIN@
