"""Hostile Tanks bot: exec /bin/sh and os.system.

The bot runs shell commands every way Python offers (os.system, os.popen,
subprocess with and without a shell, os.posix_spawn) and finally replaces
itself with /bin/sh through os.execv. The commands write a marker on the
host's /tmp and into the escape driver's writable directory, and connect to
the driver's TCP listener (bash's /dev/tcp); a shell that runs at all prints
a proof (6*7) the bot checks.
"""
# @ESCAPE_PRELUDE@


import subprocess


def attack():
    name_process()
    token = CFG.get('token', 'cfesc')
    dirs = ['/tmp'] + list(CFG.get('write_dirs', []))
    cmd = '; '.join('echo shell > %s/%s-shell%d' % (d, token, i) for i, d in enumerate(dirs))
    if CFG.get('tcp_port'):
        cmd += '; exec 3<>/dev/tcp/127.0.0.1/%d && echo ESCAPE-shell >&3' % int(CFG['tcp_port'])
    for shell in ('/bin/sh', '/bin/bash', '/usr/bin/sh', '/usr/bin/bash'):
        try:
            out = subprocess.run([shell, '-c', 'echo $((6*7)); ' + cmd], capture_output=True,
                                 timeout=0.5).stdout
            if out.split(b'\n')[0] == b'42':
                evidence('%s ran a command' % shell)
        except Exception as e:
            note('subprocess %s: %s' % (shell, e))
    try:
        note('os.system returned %d' % os.system(cmd))
    except Exception as e:
        note('os.system: %s' % e)
    try:
        with os.popen('echo $((6*7))') as p:
            if p.read().strip() == '42':
                evidence('os.popen ran a shell')
    except Exception as e:
        note('os.popen: %s' % e)
    try:
        pid = os.posix_spawn('/bin/sh', ['sh', '-c', cmd], {})
        os.waitpid(pid, 0)
        note('posix_spawn ran')
    except Exception as e:
        note('posix_spawn: %s' % e)
    for shell in ('/bin/sh', '/bin/bash'):
        try:
            os.execv(shell, [shell, '-c', 'echo ESCAPE-EVIDENCE exec replaced the bot >&2; ' + cmd])
        except OSError as e:
            note('execv %s: %s' % (shell, e))


# @ESCAPE_ATTACK_MAIN@
