#!/usr/bin/python3
"""escape.py — the hostile-bot escape suite of Codefights.

One run = one attack. The driver sets traps on the host, plays a real Tanks
fight `cf-fight --game tanks --json HOSTILE.py PLAIN.py`, then asserts both
what the report says (the hostile bot's verdict, the other bot untouched)
and what the host saw: no file written, no connection or datagram received,
sentinel processes alive and untraced, no secret in the report, no process
left behind, no cgroup left behind, the hostname and a root-owned file
unchanged, nothing typed into the terminal, the fight over within its limits
plus one second.

The traps, set fresh for every run (the bot learns the addresses because its
source is generated from the template bots/NAME.py, the parts every bot shares
put in, bots/_prelude.py and bots/_attack_main.py, and a CFG line filled in):
  * a TCP and a UDP listener on a random port bound to every address (IPv4
    and IPv6), a unix-socket listener in a world-traversable directory, an
    abstract unix socket;
  * three sentinel processes (root, nobody, and the baseline uid) whose
    command line carries the plain bot's secret;
  * a world-writable directory and a root-only directory on the host;
  * a secret in cf-fight's environment, a secret configuration file, the
    digests of /etc/shadow and of the repository's configuration;
  * a pseudo-terminal as cf-fight's controlling terminal (tty_inject).

Modes:
  sandbox   (default; the ctest tests escape.NAME) the real sandbox. Passes
            when no evidence at all and the verdicts are as expected.
  baseline  (the ctest tests escape.baseline.NAME) the same bot under a plain
            unsandboxed harness (baseline_harness.py) with the host
            /usr/bin/python3: passes when the attack's evidence DOES show up,
            which proves the attack is real and the evidence checks can fail.
            Attacks that could hurt the host run as an unprivileged uid with
            rlimits (a fresh unused uid per run, see baseline_uid()).
  nosandbox cf-fight --no-sandbox: prints every piece of evidence; for manual
            use (dangerous attacks refused).

Before an attack that would hurt the host if the sandbox were absent
(kill(-1), ptrace, sethostname...), a probe fight checks that the bot
cannot signal host processes; if it can, the test fails without running the
attack.

    /usr/bin/python3 escape.py --cf-fight PATH --attack NAME [--mode M] [-v]
    /usr/bin/python3 escape.py --list
Exit status: 0 pass, 1 fail, 2 usage or environment error (not root...).
"""
import argparse
import fcntl
import hashlib
import json
import os
import pty
import pwd
import re
import resource
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import termios
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'lib'))
import kernel_probe  # noqa: E402  (tests/lib)
BOTS = os.path.join(HERE, 'bots')
REPO = os.path.dirname(os.path.dirname(HERE))
HOST_PYTHON = '/usr/bin/python3'


def baseline_uid():
    """A uid no account and no process has, fresh for each run: the baseline
    of a dangerous attack runs as it, and runs of the suite that overlap
    (two build trees) never kill each other's processes."""
    while True:
        uid = 2000000 + secrets.randbelow(1000000)
        try:
            pwd.getpwuid(uid)
            continue
        except KeyError:
            pass
        if not any(proc_uid(int(p)) == uid for p in os.listdir('/proc') if p.isdigit()):
            return uid
NOBODY = 65534
SANDBOX_UIDS = range(60000, 60016)  # the sandbox's bot uids: 60000 + slot (docs/sandbox.md)
CFG_LINE = 'CFG = {}  # @ESCAPE_CONFIG@'
PLAIN_LINE = "SECRET = 'CFSECRET-plain-0000000000000000'  # @PLAIN_SECRET@"
# A bot file under bots/ is a template of its attack alone: each of these
# lines stands for a part every bot shares, written once under bots/ and put
# in its place (between marker comments) when the driver writes the bot for a
# run, so that the bot cf-fight (or the baseline harness) gets is still one
# self-contained module.
SHARED_PARTS = {'# @ESCAPE_PRELUDE@': '_prelude.py',          # CFG, evidence, note...
                '# @ESCAPE_ATTACK_MAIN@': '_attack_main.py'}  # Main: attack(), walk

# Tanks limits, used when no --limits file is given (games/tanks/tanks.c).
DEFAULT_LIMITS = {'first_call_wall_ms': 2000, 'call_wall_ms': 200, 'cpu_ms': 1000,
                  'memory_kb': 68360}

DEAD = {'crashed', 'memory', 'cpu_time', 'illegal', 'killed', 'bad_output'}
ANY_FAILURE = DEAD | {'ok', 'timeout'}


class Attack:
    """What an attack is allowed to end as, and how to prove it unsandboxed.

    verdicts  the hostile bot's allowed verdicts in the sandbox.
    dangerous run the safety probe first (sandbox mode) and never under
              --no-sandbox.
    cfg       extra CFG for the bot in the sandbox.
    tick_wall wall time the bot spends on purpose in each call (within the
              per-call limit): added to the fight's time bound per tick.
    kill_controller  the driver kills cf-fight (SIGKILL) mid-fight: no report;
              every process of the bots must be gone 300 ms later.
    pair      both players are the hostile bot (bots meeting each other);
              player 2 walks up too when it escapes.
    bot       the bots/*.py file when it is another attack's (a variant).
    second    the hostile bot plays second (spawned after the plain bot).
    kernel    a kernel_probe function the attack depends on: where it says
              the kernel lacks the feature, the baseline is skipped (the
              attack cannot work on this host, sandbox or not) and the
              sandbox may also end the bot with a verdict of without_kernel
              (the kernel's own answer, e.g. SIGSEGV: 'killed').
    base      baseline: None (a verdict test: nothing to escape), or a dict
              with expect (evidence kinds that must show up), uid ('root' or
              'baseline'), cfg overrides, ticks, wall (s), nproc, as_mb.
    """

    def __init__(self, verdicts, base, dangerous=False, cfg=None, tick_wall=0.0,
                 kill_controller=False, pair=False, bot=None, second=False, kernel=None,
                 without_kernel=()):
        self.verdicts = set(verdicts)
        self.kernel = kernel
        self.without_kernel = set(without_kernel)
        self.bot = bot
        self.second = second
        self.pair = pair
        self.kill_controller = kill_controller
        self.tick_wall = tick_wall
        self.base = base
        self.dangerous = dangerous
        self.cfg = cfg or {}


def B(expect, uid='root', cfg=None, ticks=5, wall=6.0, nproc=None, as_mb=None):
    return {'expect': set(expect), 'uid': uid, 'cfg': cfg or {}, 'ticks': ticks,
            'wall': wall, 'nproc': nproc, 'as_mb': as_mb}


SAFE_FAIL = {'ok', 'illegal'}  # the call was refused, or the bot killed for it

ATTACKS = {
    'fork_bomb': Attack({'ok', 'illegal', 'cpu_time', 'killed', 'memory', 'timeout'},
                        B({'bot', 'leftover'}, uid='baseline', nproc=400,
                          cfg={'fork_cap': 300, 'spin': False}),
                        cfg={'fork_cap': 2000}),
    'thread_bomb': Attack({'ok', 'illegal', 'cpu_time', 'killed', 'memory', 'timeout'},
                          B({'bot'}, uid='baseline', nproc=400,
                            cfg={'thread_cap': 300, 'spin': False}),
                          cfg={'thread_cap': 2000}),
    'memory_bomb': Attack({'memory'}, B({'bot'}, cfg={'mem_cap_mb': 200}),
                          cfg={'mem_cap_mb': 2048}),
    'memory_bomb_import': Attack({'memory'}, B({'bot'}, cfg={'mem_cap_mb': 200}),
                                 cfg={'mem_cap_mb': 2048}),
    'infinite_loop': Attack({'cpu_time', 'timeout'}, B({'time'}, wall=3.6)),
    'sleep_forever': Attack({'timeout'}, B({'time'}, wall=3.6)),
    'ignore_sigterm': Attack({'cpu_time', 'timeout'}, B({'signal', 'time'}, wall=3.6)),
    'huge_output': Attack({'ok', 'timeout', 'cpu_time'}, B({'output'}, cfg={'output_mb': 40})),
    'write_anywhere': Attack(SAFE_FAIL, B({'marker'})),
    'read_secrets': Attack(SAFE_FAIL, B({'leak', 'bot'})),
    'read_other_bot': Attack(SAFE_FAIL | {'timeout', 'cpu_time'}, B({'leak', 'bot'})),
    'env_leak': Attack(SAFE_FAIL, B({'leak', 'bot'})),
    'net_tcp': Attack(SAFE_FAIL, B({'listener', 'bot'})),
    'net_udp': Attack(SAFE_FAIL, B({'listener'})),
    'net_unix': Attack(SAFE_FAIL, B({'listener', 'bot'})),
    'kill_all': Attack(SAFE_FAIL, B({'sentinel'}, uid='baseline'), dangerous=True),
    'kill_parent': Attack(SAFE_FAIL, B({'parent'}, uid='baseline'), dangerous=True),
    # A bot that is its PID namespace's init cannot kill itself: the kernel
    # drops the signals it sends itself (SIGNAL_UNKILLABLE), so 'ok' is fair.
    'kill_group': Attack({'killed', 'ok'}, B({'parent'}, uid='baseline'), dangerous=True),
    'kill_self': Attack({'killed', 'ok'}, None),
    'ptrace': Attack(SAFE_FAIL, B({'sentinel', 'bot'}, cfg={'ptrace_scan': False}),
                     dangerous=True),
    'setuid': Attack(SAFE_FAIL, B({'marker', 'leak', 'bot', 'chown'},
                                  cfg={'set_hostname': False}), dangerous=True),
    'unshare_mount_chroot': Attack(SAFE_FAIL, B({'marker'}), dangerous=True,
                                   cfg={'host_disks': ['/dev/vda', '/dev/sda', '/dev/nvme0n1']}),
    'exec_shell': Attack(SAFE_FAIL | {'crashed', 'bad_output', 'timeout'},
                         B({'marker', 'listener', 'bot'})),
    'syscall_io_uring': Attack(SAFE_FAIL, B({'bot'})),
    'syscall_bpf': Attack(SAFE_FAIL, B({'bot'})),
    'syscall_perf_event_open': Attack(SAFE_FAIL, B({'bot'})),
    'syscall_userfaultfd': Attack(SAFE_FAIL, B({'bot'})),
    'syscall_keyctl': Attack(SAFE_FAIL, B({'bot'})),
    'syscall_memfd_exec': Attack(SAFE_FAIL, B({'bot'})),
    'sock_filter': Attack(SAFE_FAIL, B({'bot'})),
    'unix_oob': Attack(SAFE_FAIL, B({'bot'})),
    # Where the kernel runs no 32-bit system calls, int 0x80 is answered by
    # SIGSEGV before seccomp sees anything: a contained death.
    'int80': Attack({'illegal'}, B({'bot', 'listener', 'marker'}),
                    kernel=kernel_probe.i386_syscalls, without_kernel={'killed'}),
    # In the sandbox the daemon only sleeps and writes: a connect would get
    # the whole bot killed (illegal) and hide whether the daemon outlives
    # a fight that ends normally.
    'double_fork_daemon': Attack(SAFE_FAIL | {'killed'},
                                 B({'leftover', 'marker', 'listener'},
                                   cfg={'daemon_life_s': 8, 'daemon_connect': True}),
                                 cfg={'daemon_connect': False}),
    'many_files': Attack(SAFE_FAIL | {'memory'}, B({'bot'})),
    'protocol_garbage': Attack({'ok', 'bad_output'}, B({'protocol'})),
    'stack_overflow': Attack({'crashed', 'killed', 'memory'}, None),
    'early_exit_os': Attack({'crashed'}, None),
    'early_exit_sys': Attack({'crashed'}, None),
    'tty_inject': Attack(SAFE_FAIL, B({'tty', 'bot'})),
    'weird_reply': Attack({'ok', 'bad_output'}, None),
    'memory_scan': Attack(SAFE_FAIL, B({'leak', 'bot'})),
    # The same two, playing second: spawned after the other bot.
    'memory_scan_second': Attack(SAFE_FAIL, None, bot='memory_scan', second=True),
    'read_other_bot_second': Attack(SAFE_FAIL | {'timeout', 'cpu_time'}, None,
                                    bot='read_other_bot', second=True),
    # The controller must keep serving the other bot: the storms cost it
    # ptrace stops, not the bot's CPU (15 ms of each 150 ms storm per call).
    'signal_storm': Attack({'ok', 'cpu_time', 'timeout'}, None, tick_wall=0.16),
    'fork_storm': Attack({'ok', 'cpu_time', 'timeout'}, None, tick_wall=0.16),
    'fd_scan': Attack(SAFE_FAIL, None),
    'controller_killed': Attack(set(), None, kill_controller=True),
    'tmp_share': Attack(SAFE_FAIL, B({'bot'}), pair=True),
    'abstract_collusion': Attack(SAFE_FAIL, None, pair=True),
    'clone_untraced': Attack(SAFE_FAIL, B({'bot'})),
    'close_pipes': Attack({'crashed', 'bad_output', 'killed', 'ok', 'timeout'}, None),
    'cpu_in_child': Attack({'cpu_time', 'illegal', 'killed'}, B({'bot', 'leftover'}, ticks=100,
                                                                wall=14.0), tick_wall=0.13),
}


# Verified by hand, 2026-11-25, with `--mode nosandbox` (cf-fight --no-sandbox,
# as root): the evidence each attack left when the sandbox was off. The
# baseline tests (escape.baseline.NAME) re-prove the same on every run
# without cf-fight; the dangerous attacks are never run under --no-sandbox.
VERIFIED_NO_SANDBOX = {
    'write_anywhere': 'marker', 'read_secrets': 'bot, leak', 'read_other_bot': 'bot',
    'env_leak': 'bot, leak', 'net_tcp': 'bot, listener', 'net_udp': 'listener',
    'net_unix': 'bot, listener', 'exec_shell': 'bot, listener, marker',
    'syscall_io_uring': 'bot', 'syscall_bpf': 'bot', 'syscall_perf_event_open': 'bot',
    'syscall_userfaultfd': 'bot', 'syscall_keyctl': 'bot', 'syscall_memfd_exec': 'bot',
    'int80': 'bot, listener, marker', 'memory_scan': 'bot, leak', 'tmp_share': 'bot, marker',
    'abstract_collusion': 'bot', 'sock_filter': 'bot', 'unix_oob': 'bot',
    'tty_inject': 'bot, tty', 'clone_untraced': 'bot',
}


def bot_source(path):
    """The whole bot of a bots/ template: every SHARED_PARTS line replaced by
    its file, between marker comments (the CFG line is still to fill)."""
    with open(path) as f:
        lines = f.read().splitlines(keepends=True)
    out = []
    for line in lines:
        part = SHARED_PARTS.get(line.rstrip('\n'))
        if part is None:
            out.append(line)
            continue
        with open(os.path.join(BOTS, part)) as f:
            text = f.read()
        out.append('# ---- begin bots/%s (shared; escape.py put it here) ----\n' % part)
        out.append(text if text.endswith('\n') else text + '\n')
        out.append('# ---- end bots/%s ----\n' % part)
    return ''.join(out)


def log(msg):
    sys.stderr.write('escape: %s\n' % msg)
    sys.stderr.flush()


# ---- host-side traps ---------------------------------------------------------

class Listeners:
    """TCP, UDP, unix and abstract listeners that record whatever reaches them."""

    def __init__(self, workdir, token):
        self.events = []
        self.lock = threading.Lock()
        self.socks = []
        tcp = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        tcp.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        tcp.bind(('::', 0))
        tcp.listen(64)
        self.tcp_port = tcp.getsockname()[1]
        udp = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        udp.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        udp.bind(('::', 0))
        self.udp_port = udp.getsockname()[1]
        self.unix_path = os.path.join(workdir, 'listen.sock')
        unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        unix.bind(self.unix_path)
        os.chmod(self.unix_path, 0o777)
        unix.listen(16)
        self.abstract_name = token + '-abstract'
        abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        abstract.bind('\0' + self.abstract_name)
        abstract.listen(16)
        self.socks = [('tcp', tcp), ('udp', udp), ('unix', unix), ('abstract', abstract)]
        self.stop_r, self.stop_w = os.pipe()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _record(self, kind, detail):
        with self.lock:
            self.events.append('%s %s' % (kind, detail))

    def _run(self):
        by_fd = {s.fileno(): (k, s) for k, s in self.socks}
        while True:
            ready, _, _ = select.select(list(by_fd) + [self.stop_r], [], [], 1.0)
            if self.stop_r in ready:
                return
            for fd in ready:
                kind, s = by_fd[fd]
                try:
                    if kind == 'udp':
                        data, peer = s.recvfrom(4096)
                        self._record(kind, 'datagram from %s: %r' % (peer, data[:80]))
                        continue
                    conn, peer = s.accept()
                    conn.settimeout(0.3)
                    try:
                        data = conn.recv(256)
                    except OSError:
                        data = b''
                    conn.close()
                    self._record(kind, 'connection from %r: %r' % (peer, data[:80]))
                except OSError:
                    pass

    def close(self):
        os.write(self.stop_w, b'x')
        self.thread.join(2)
        for _, s in self.socks:
            s.close()
        os.close(self.stop_r)
        os.close(self.stop_w)

    def seen(self):
        time.sleep(0.2)  # a datagram or connection in flight
        with self.lock:
            return list(self.events)


def demote(uid):
    def run():
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    return run


class Sentinels:
    """Processes that must survive every fight: root, nobody and the baseline uid."""

    def __init__(self, plain_secret, uid):
        self.procs = {}
        code = 'import time; S = %r; time.sleep(10 ** 6)' % plain_secret
        for label, uid in (('root', 0), ('nobody', NOBODY), ('baseline', uid)):
            self.procs[label] = subprocess.Popen(
                [HOST_PYTHON, '-c', code], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                preexec_fn=demote(uid) if uid else None, start_new_session=True, cwd='/')
        time.sleep(0.1)

    def pids(self):
        return [p.pid for p in self.procs.values()]

    def check(self):
        bad = []
        for label, p in self.procs.items():
            if p.poll() is not None:
                bad.append('%s sentinel %d died (status %s)' % (label, p.pid, p.returncode))
                continue
            try:
                with open('/proc/%d/status' % p.pid) as f:
                    status = f.read()
            except OSError:
                continue
            state = re.search(r'^State:\s+(\S)', status, re.M)
            tracer = re.search(r'^TracerPid:\s+(\d+)', status, re.M)
            if state and state.group(1) in ('T', 't'):
                bad.append('%s sentinel %d is stopped' % (label, p.pid))
            if tracer and tracer.group(1) != '0':
                bad.append('%s sentinel %d is traced by %s' % (label, p.pid, tracer.group(1)))
        return bad

    def close(self):
        for p in self.procs.values():
            try:
                os.kill(p.pid, signal.SIGKILL)
            except OSError:
                pass
            p.wait()


# ---- host-side observations -------------------------------------------------

def proc_snapshot():
    """{pid: starttime} of every process on the host."""
    out = {}
    for p in os.listdir('/proc'):
        if p.isdigit():
            st = proc_stat(int(p))
            if st:
                out[int(p)] = st['start']
    return out


def proc_stat(pid):
    try:
        with open('/proc/%d/stat' % pid, 'rb') as f:
            raw = f.read().decode('ascii', 'replace')
    except OSError:
        return None
    comm = raw[raw.index('(') + 1:raw.rindex(')')]
    rest = raw[raw.rindex(')') + 2:].split()
    return {'comm': comm, 'state': rest[0], 'ppid': int(rest[1]), 'start': int(rest[19])}


def proc_uid(pid):
    try:
        with open('/proc/%d/status' % pid) as f:
            m = re.search(r'^Uid:\s+(\d+)', f.read(), re.M)
            return int(m.group(1)) if m else -1
    except OSError:
        return -1


def proc_exe(pid):
    try:
        return os.readlink('/proc/%d/exe' % pid)
    except OSError:
        return ''


def children_of(ppid):
    out = []
    for p in os.listdir('/proc'):
        if p.isdigit():
            st = proc_stat(int(p))
            if st and st['ppid'] == ppid:
                out.append(int(p))
    return out


def in_container(pid):
    """Is the process inside a Docker container (the deployment tests run
    beside this suite)? Its cgroup says so; a bot of ours never is."""
    text = read_text('/proc/%d/cgroup' % pid) or ''
    return '/docker' in text or 'docker-' in text


def simulator_running(exclude=()):
    """Is another cf-fight, cf-simulator or cf-play (someone else's fight or
    play) running on this host, outside containers?"""
    for p in os.listdir('/proc'):
        if p.isdigit() and int(p) not in exclude:
            st = proc_stat(int(p))
            if st and st['comm'].startswith(('cf-fight', 'cf-simulator', 'cf-play')) \
                    and not in_container(int(p)):
                return True
    return False


def leftovers(before, token, extra_uids=()):
    """Processes of the run still alive: (sure, maybe). Sure: the run's token
    in their name (hostile bots that spawn processes name them so), or a uid
    only the run used. Maybe: born during the fight, orphaned (parent 1),
    running Python or a cf-* program: ours unless someone else's fight runs."""
    sure, maybe = [], []
    me = os.getpid()
    for p in os.listdir('/proc'):
        if not p.isdigit():
            continue
        pid = int(p)
        st = proc_stat(pid)
        if st is None or pid == me or st['state'] == 'Z':
            continue
        tagged = token[:15] in st['comm']
        fresh = before.get(pid) != st['start']
        if not (tagged or fresh):
            continue
        exe = os.path.basename(proc_exe(pid))
        uid = proc_uid(pid)
        line = 'pid %d comm %r exe %r uid %d ppid %d' % (pid, st['comm'], exe, uid, st['ppid'])
        orphan = st['ppid'] == 1 and any(x.startswith(('python', 'cf-')) for x in (exe, st['comm']))
        if tagged or (fresh and uid in extra_uids):
            sure.append(line)
        elif fresh and (orphan or uid in SANDBOX_UIDS) and not in_container(pid):
            maybe.append(line)
    return sure, maybe


def kill_uid(uid):
    """Every process of uid, at once: kill(-1) from that uid (a fork bomb
    forks faster than a /proc scan kills)."""
    for _ in range(5):
        pid = os.fork()
        if pid == 0:
            try:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
                os.kill(-1, signal.SIGKILL)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        if not any(proc_uid(int(p)) == uid for p in os.listdir('/proc') if p.isdigit()):
            return
        time.sleep(0.05)


def kill_leftovers(token, uids, spare=()):
    for uid in uids:
        if uid != 0 and not spare:
            kill_uid(uid)
    for _ in range(3):
        for p in os.listdir('/proc'):
            if not p.isdigit() or int(p) == os.getpid() or int(p) in spare:
                continue
            st = proc_stat(int(p))
            if st and (token[:15] in st['comm'] or proc_uid(int(p)) in uids):
                try:
                    os.kill(int(p), signal.SIGKILL)
                except OSError:
                    pass
        time.sleep(0.05)


CGROUP_ROOT = '/sys/fs/cgroup'


def cgroup_snapshot():
    out = set()
    for top in os.listdir(CGROUP_ROOT):
        base = os.path.join(CGROUP_ROOT, top)
        if not os.path.isdir(base) or os.path.islink(base):
            continue
        for dirpath, dirnames, _ in os.walk(base):
            if dirpath.count('/') - base.count('/') >= 5:
                dirnames[:] = []
            out.add(dirpath)
    return out


def cgroup_leaks(before, fight_id, cf_pid):
    """cgroups created during the fight that are still there and empty."""
    leaks, maybe = [], []
    for path in sorted(cgroup_snapshot() - before):
        try:
            with open(os.path.join(path, 'cgroup.procs')) as f:
                procs = f.read().split()
        except OSError:
            procs = []
        name = os.path.basename(path)
        other = re.fullmatch(r'cf-(\d+)-\d+', name)
        if (fight_id and fight_id in path) or re.search(r'\b%d\b' % cf_pid, name):
            leaks.append('%s (%d processes)' % (path, len(procs)))
        elif other and int(other.group(1)) != cf_pid:
            # Another controller's (its pid in the name): a simulator of
            # another suite that started, or died, during the fight.
            continue
        elif not procs and '/docker' not in path:
            maybe.append(path)
    return leaks, maybe


def host_python_dirs():
    dirs = set()
    for base in ('/usr/lib', '/usr/local/lib'):
        for name in os.listdir(base) if os.path.isdir(base) else []:
            if name.startswith('python3'):
                dirs.add(os.path.join(base, name))
    pyenv = '/root/.pyenv/versions'
    if os.path.isdir(pyenv):
        for v in os.listdir(pyenv):
            lib = os.path.join(pyenv, v, 'lib')
            if os.path.isdir(lib):
                dirs.update(os.path.join(lib, n) for n in os.listdir(lib) if n.startswith('python3'))
    for d in list(dirs):
        for sub in ('site-packages', 'dist-packages', 'lib-dynload', '__pycache__'):
            if os.path.isdir(os.path.join(d, sub)):
                dirs.add(os.path.join(d, sub))
    return sorted(dirs)


def marker_dirs(workdir, extra):
    dirs = ['/', '/tmp', '/dev/shm', '/var/tmp', '/run', '/root', '/etc', '/home', '/work',
            '/usr', '/usr/local', REPO, HERE, BOTS] + host_python_dirs() + list(extra)
    pyenv = '/root/.pyenv/versions'
    if os.path.isdir(pyenv):
        dirs += [os.path.join(pyenv, v) for v in os.listdir(pyenv)]
    if os.path.isdir('/home'):
        dirs += [os.path.join('/home', h) for h in os.listdir('/home')]
    for dirpath, _, _ in os.walk(workdir):
        dirs.append(dirpath)
    return dirs


def find_markers(dirs, token, reported_paths, exclude=()):
    found = []
    for d in dirs:
        try:
            names = os.listdir(d)
        except OSError:
            continue
        for n in names:
            if token in n and os.path.join(d, n) not in exclude:
                found.append(os.path.join(d, n))
    for p in reported_paths:
        if token in os.path.basename(p) and os.path.lexists(p) and p not in found:
            found.append(p)
    return sorted(set(found))


def remove_markers(paths):
    for p in paths:
        try:
            if os.path.isdir(p) and not os.path.islink(p):
                shutil.rmtree(p, ignore_errors=True)
            else:
                os.unlink(p)
        except OSError:
            pass


def loopback_ports():
    ports = set()
    for table in ('/proc/net/tcp', '/proc/net/tcp6'):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    addr, port = parts[1].split(':')
                    if parts[3] == '0A' and (addr.endswith('0100007F') or set(addr) == {'0'}):
                        ports.add(int(port, 16))
        except (OSError, StopIteration, ValueError, IndexError):
            pass
    return sorted(ports)[:64]


def host_ips():
    try:
        out = subprocess.run(['ip', '-o', 'addr'], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    ips = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) > 3 and parts[2] in ('inet', 'inet6'):
            ip = parts[3].split('/')[0]
            if not ip.startswith('fe80') and ip not in ('127.0.0.1', '::1'):
                ips.append(ip)
    return ips


def read_text(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def sha256_file(path):
    try:
        with open(path, 'rb') as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return None


# ---- one run -----------------------------------------------------------------

class Run:
    def __init__(self, args, name):
        self.args = args
        self.name = name
        self.attack = ATTACKS[name]
        self.token = 'cfesc-' + secrets.token_hex(5)
        self.plain_secret = 'CFSECRET-plain-' + secrets.token_hex(8)
        self.env_secret = 'CFSECRET-env-' + secrets.token_hex(8)
        self.conf_secret = 'CFSECRET-conf-' + secrets.token_hex(8)
        self.evidence = []
        self.failures = []
        self.skip = None  # why this attack cannot run on this host
        self.limits = dict(DEFAULT_LIMITS)
        if args.limits_cmd:
            out = subprocess.run([args.limits_cmd, 'tanks'], capture_output=True, check=True,
                                 timeout=30).stdout
            self.limits.update(json.loads(out))

    def ev(self, kind, detail):
        self.evidence.append((kind, detail))

    def allowed_verdicts(self):
        """The attack's verdicts, and the kernel's own answer where this
        kernel lacks what the attack depends on."""
        allowed = set(self.attack.verdicts)
        if self.attack.kernel:
            present, why = self.attack.kernel()
            if not present:
                log('%s; the sandbox may also end the bot as %s' % (
                    why, ', '.join(sorted(self.attack.without_kernel))))
                allowed |= self.attack.without_kernel
        return allowed

    def fail(self, msg):
        self.failures.append(msg)

    # -- set-up --

    def setup(self):
        self.workdir = '/tmp/' + self.token
        os.mkdir(self.workdir, 0o755)
        os.chmod(self.workdir, 0o755)
        self.opendir = os.path.join(self.workdir, 'open')
        self.cwd = os.path.join(self.workdir, 'cwd')
        self.rootdir = os.path.join(self.workdir, 'rootonly')
        self.botdir = os.path.join(self.workdir, 'bots')
        for d, mode in ((self.opendir, 0o777), (self.cwd, 0o777), (self.rootdir, 0o700),
                        (self.botdir, 0o755)):
            os.mkdir(d)
            os.chmod(d, mode)
        self.owned = os.path.join(self.workdir, 'owned')
        with open(self.owned, 'w') as f:
            f.write('root owns this\n')
        self.secret_conf = os.path.join(self.workdir, 'secret.conf')
        with open(self.secret_conf, 'w') as f:
            f.write('password = %s\n' % self.conf_secret)
        os.chmod(self.secret_conf, 0o600)
        self.secret_paths = ['/etc/shadow', self.secret_conf]
        for p in (os.path.join(REPO, 'config', 'codefights.conf'),):
            if os.path.isfile(p):
                self.secret_paths.append(p)
        self.digests = {p: sha256_file(p) for p in self.secret_paths if sha256_file(p)}
        self.hostname = socket.gethostname()
        self.uid = baseline_uid()
        self.listeners = Listeners(self.workdir, self.token)
        self.sentinels = Sentinels(self.plain_secret, self.uid)
        with open(os.path.join(HERE, 'plain_bot.py')) as f:
            plain = f.read()
        assert PLAIN_LINE in plain
        self.plain_path = os.path.join(self.botdir, 'plain.py')
        with open(self.plain_path, 'w') as f:
            f.write(plain.replace(PLAIN_LINE, "SECRET = %r" % self.plain_secret))
        self.pty_master = self.pty_slave = None

    def bot_cfg(self, overrides):
        cfg = {
            'token': self.token,
            'markers': [os.path.join(d, self.token + '-m%d' % i) for i, d in enumerate(
                ['/tmp', '/dev/shm', '/var/tmp', self.opendir, self.cwd, self.botdir,
                 '/usr/lib/python3.11'])],
            'write_dirs': [self.opendir, self.cwd],
            'tcp_port': self.listeners.tcp_port,
            'udp_port': self.listeners.udp_port,
            'unix_path': self.listeners.unix_path,
            'abstract_name': self.listeners.abstract_name,
            'loopback_ports': [p for p in loopback_ports() if p != self.listeners.tcp_port],
            'host_ips': host_ips(),
            'sentinels': self.sentinels.pids(),
            'plain_path': self.plain_path,
            'secret_paths': self.secret_paths,
            'secret_digests': sorted(self.digests.values()),
            'root_dir': self.rootdir,
            'chown_path': self.owned,
        }
        cfg.update(self.attack.cfg)
        cfg.update(overrides)
        return cfg

    def write_bot(self, name, cfg, src_path=None):
        src = bot_source(src_path or os.path.join(BOTS, name + '.py'))
        if CFG_LINE not in src:
            raise SystemExit('escape: %s has no %r line' % (name, CFG_LINE))
        path = os.path.join(self.botdir, name + '.py')
        with open(path, 'w') as f:
            f.write(src.replace(CFG_LINE, 'CFG = %r' % cfg))
        os.chmod(path, 0o644)
        return path

    def teardown(self):
        try:
            self.listeners.close()
        except Exception:
            pass
        self.sentinels.close()
        kill_uid(self.uid)
        kill_leftovers(self.token, ())
        if socket.gethostname() != self.hostname:
            socket.sethostname(self.hostname)
        for fd in (self.pty_master, self.pty_slave):
            if fd is not None:
                os.close(fd)
        if not self.args.keep:
            remove_markers(find_markers(marker_dirs(self.workdir, []), self.token, [],
                                        (self.workdir,)))
            shutil.rmtree(self.workdir, ignore_errors=True)

    # -- running --

    def terminal(self):
        self.pty_master, self.pty_slave = pty.openpty()
        slave = self.pty_slave

        def become_session():
            os.setsid()
            fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        return become_session

    def cf_fight(self, hostile, plain, sandbox=True, with_tty=False):
        cmd = [self.args.cf_fight, '--game', 'tanks', '--seed', '7', '--json']
        if not sandbox:
            cmd.append('--no-sandbox')
        cmd += [hostile, plain]
        env = {'PATH': '/usr/sbin:/usr/bin:/sbin:/bin', 'CF_ESCAPE_ENV_SECRET': self.env_secret,
               'HOME': '/root', 'LANG': 'C.UTF-8'}
        for k in ('CF_REDIS_URL', 'CF_DATABASE_URL'):
            if k in os.environ:
                env[k] = os.environ[k]
        preexec = self.terminal() if with_tty else None
        stdin = self.pty_slave if with_tty else subprocess.DEVNULL
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             cwd=self.cwd, env=env, preexec_fn=preexec,
                             start_new_session=not with_tty)
        try:
            out, err = p.communicate(timeout=self.args.hard_timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            self.fail('cf-fight still running after %d s: killed' % self.args.hard_timeout)
        elapsed = time.monotonic() - t0
        return p, out, err, elapsed

    def parse_report(self, p, out, err):
        if self.args.verbose:
            log('cf-fight stderr:\n' + err.decode('utf-8', 'replace')[-4000:])
        if p.returncode != 0:
            self.fail('cf-fight exited with status %s: %s' % (
                p.returncode, err.decode('utf-8', 'replace')[-600:]))
            return None
        try:
            report = json.loads(out)
        except ValueError as e:
            self.fail('cf-fight printed no JSON report (%s): %r' % (e, out[:300]))
            return None
        if not isinstance(report, dict) or not isinstance(report.get('players'), list) \
                or len(report['players']) != 2:
            self.fail('report has no two players: %r' % out[:300])
            return None
        return report

    def probe(self):
        """Is it safe to run a dangerous attack? (see probe_bot.py)"""
        path = self.write_bot('probe', self.bot_cfg({}), os.path.join(HERE, 'probe_bot.py'))
        p, out, err, _ = self.cf_fight(path, self.plain_path)
        report = self.parse_report(p, out, err)
        if report is None:
            return False
        text = report['players'][0].get('log') or ''
        m = re.search(r'PROBE (\{.*\})', text)
        if not m:
            self.fail('safety probe: no PROBE line in the bot log (log: %r); not running a '
                      'dangerous attack blind' % text[-300:])
            return False
        info = json.loads(m.group(1))
        log('probe: %s' % json.dumps(info))
        signalable = [pid for pid, s in info.get('sentinels', {}).items() if s == 'may signal']
        if signalable:
            self.ev('sentinel', 'a sandboxed bot may signal host processes %s (uid %s)' % (
                signalable, info.get('uid')))
            self.fail('UNSAFE: the sandboxed bot may signal host processes; not running %s'
                      % self.name)
            return False
        return True

    def baseline_time(self):
        """How long a fight of two plain bots takes: the base of the time bound."""
        p, out, err, elapsed = self.cf_fight(self.plain_path, self.plain_path)
        report = self.parse_report(p, out, err)
        if report is None:
            self.fail('a fight of two plain bots does not work: nothing to test against')
            return None
        for pl in report['players']:
            if pl.get('verdict') != 'ok':
                self.fail('a plain bot got %r in a plain fight: %r' % (pl.get('verdict'),
                                                                       pl.get('detail')))
        return elapsed

    def run_sandbox(self, sandbox=True):
        if sandbox:
            normal = self.baseline_time()
            if normal is None:
                return
        else:
            normal = 1.0
        if self.attack.dangerous and sandbox and not self.probe():
            return
        if self.attack.dangerous and not sandbox:
            self.fail('%s is not run under --no-sandbox: it would hurt the host' % self.name)
            return
        hostile = self.write_bot(self.attack.bot or self.name, self.bot_cfg({}))
        if self.attack.kill_controller:
            return self.kill_controller(hostile)
        cgroups_before = cgroup_snapshot()
        procs_before = proc_snapshot()
        pyc_before = {d: set(os.listdir(d)) for d in host_python_dirs() if d.endswith('__pycache__')}
        other = hostile if self.attack.pair else self.plain_path
        first, second = (other, hostile) if self.attack.second else (hostile, other)
        p, out, err, elapsed = self.cf_fight(first, second, sandbox,
                                             with_tty=self.name == 'tty_inject')
        time.sleep(0.5)  # a daemon's next heartbeat, a datagram in flight
        report = self.parse_report(p, out, err)
        # The plain fight's time, the attack's first call (its limit), one
        # second, the wall time the bot spends on purpose per call, and 20 ms
        # per tick for a bot slowed by its own processes (a fork bomb's
        # children share its CPU): far below the literal sum of the per-call
        # limits (200 ms a call), far above a controller that does its job.
        ticks = (report or {}).get('ticks') or 0
        bound = (normal + self.limits['first_call_wall_ms'] / 1000.0 + 1.0
                 + (self.attack.tick_wall + 0.02) * ticks)
        log('fight took %.2f s (plain fight %.2f s, bound %.2f s)' % (elapsed, normal, bound))
        if elapsed > bound:
            self.ev('time', 'the fight took %.2f s, more than %.2f s (plain fight + first call '
                    'limit + 1 s + the bot\'s own time per tick)' % (elapsed, bound))
        if report is not None:
            self.check_report(report, out)
        logs = [(pl.get('log') or '') for pl in (report or {}).get('players', [])]
        if self.attack.second:
            logs.reverse()
        hostile_log = '\n'.join(logs if self.attack.pair else logs[:1])
        self.observe(hostile_log + '\n' + err.decode('utf-8', 'replace'))
        sure, maybe = leftovers(procs_before, self.token)
        for line in sure:
            self.ev('leftover', line)
        if maybe and simulator_running():
            log('orphans born during the fight, but another fight is running: %s' % maybe)
        else:
            for line in maybe:
                self.ev('leftover', 'orphan ' + line)
        fight_id = (report or {}).get('fight_id') or ''
        time.sleep(0.3)
        leaks, maybe = cgroup_leaks(cgroups_before, fight_id, p.pid)
        for line in leaks:
            self.ev('cgroup', 'left behind: ' + line)
        if maybe:
            time.sleep(1.0)
            still = [m for m in maybe if os.path.isdir(m)]
            if still and not simulator_running():
                for m in still:
                    self.ev('cgroup', 'new empty cgroup left behind: %s' % m)
            elif still:
                log('new empty cgroups exist but another fight is running: %s' % still)
        for d, names in pyc_before.items():
            try:
                new = set(os.listdir(d)) - names
            except OSError:
                new = set()
            for n in sorted(new):
                self.ev('marker', 'new file in the host\'s standard library: %s/%s' % (d, n))

    def kill_controller(self, hostile):
        procs_before = proc_snapshot()
        cgroups_before = cgroup_snapshot()
        p = subprocess.Popen([self.args.cf_fight, '--game', 'tanks', '--json', hostile,
                              self.plain_path], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.cwd,
                             start_new_session=True)
        time.sleep(1.5)
        if p.poll() is not None:
            self.fail('cf-fight ended (status %s) before the driver could kill it' % p.returncode)
        p.kill()
        p.wait()
        time.sleep(0.3)
        sure, maybe = leftovers(procs_before, self.token)
        for line in sure:
            self.ev('leftover', '300 ms after the controller died: ' + line)
        if maybe and simulator_running():
            log('orphans born during the fight, but another fight is running: %s' % maybe)
        else:
            for line in maybe:
                self.ev('leftover', '300 ms after the controller died: orphan ' + line)
        # A controller killed with SIGKILL cannot remove its cgroups; the next
        # controller must (stale cgroups of dead controllers).
        leaks, _ = cgroup_leaks(cgroups_before, '', p.pid)
        if leaks:
            log('cgroups of the killed controller: %s; running another fight' % leaks)
            q, out, err, _ = self.cf_fight(self.plain_path, self.plain_path)
            self.parse_report(q, out, err)
            leaks, _ = cgroup_leaks(cgroups_before, '', p.pid)
            for line in leaks:
                self.ev('cgroup', 'still there after the next fight: ' + line)
        self.observe('')

    def check_report(self, report, raw):
        hostile, plain = report['players']
        h, o = 0, 1  # replay columns of the hostile bot and the other
        if self.attack.second:
            hostile, plain = plain, hostile
            h, o = 1, 0
        text = raw.decode('utf-8', 'replace')
        log('hostile: verdict %r detail %r cpu_ms %r peak_memory_kb %r' % (
            hostile.get('verdict'), hostile.get('detail'), hostile.get('cpu_ms'),
            hostile.get('peak_memory_kb')))
        log('plain: verdict %r result %r; result %r explanation %r ticks %r' % (
            plain.get('verdict'), plain.get('result'), report.get('result'),
            report.get('explanation'), report.get('ticks')))
        if report.get('status') != 'finished':
            self.fail('status %r, expected finished' % report.get('status'))
        allowed = self.allowed_verdicts()
        for who, pl in ((('hostile', hostile), ('hostile 2', plain)) if self.attack.pair
                        else (('hostile', hostile),)):
            if pl.get('verdict') not in allowed:
                self.fail('%s verdict %r (detail %r), expected one of %s' % (
                    who, pl.get('verdict'), pl.get('detail'), sorted(allowed)))
        if not self.attack.pair:
            if plain.get('verdict') != 'ok':
                self.fail('the plain bot got verdict %r (detail %r): it was affected' % (
                    plain.get('verdict'), plain.get('detail')))
            expected = ('win',) if hostile.get('verdict') in DEAD else ('win', 'draw')
            if plain.get('result') not in expected:
                self.fail('the plain bot\'s result is %r, expected %s' % (
                    plain.get('result'), ' or '.join(expected)))
        frames = report.get('data') or []
        for i, frame in enumerate(frames if isinstance(frames, list) else []):
            try:
                hx, hy, hh = frame[h][0], frame[h][1], frame[h][2]
                px, py, ph = frame[o][0], frame[o][1], frame[o][2]
            except (TypeError, IndexError, KeyError):
                self.fail('replay frame %d has an unexpected layout: %r' % (i, frame))
                break
            home = (9, 9) if self.attack.second else (0, 0)
            if (hx, hy) != home or (self.attack.pair and (px, py) != (9, 9)):
                self.ev('bot', 'a hostile bot walked (frame %d: %s,%s / %s,%s): it signalled a '
                        'successful step' % (i, hx, hy, px, py))
                break
            if ph not in (100, 0) or (self.attack.pair and hh not in (100, 0)) or \
                    (ph == 0 and plain.get('verdict') == 'ok'):
                self.ev('protocol', 'a bot lost health (frame %d: %s, %s) although nobody '
                        'fires at it' % (i, hh, ph))
                break
        for pl in report['players']:
            if len(pl.get('log') or '') > (1 << 20):
                self.ev('output', 'a log of %d characters: not capped' % len(pl['log']))
        cpu, mem = hostile.get('cpu_ms'), hostile.get('peak_memory_kb')
        if isinstance(cpu, (int, float)) and cpu > self.limits['cpu_ms'] + 1000:
            self.ev('limit', 'the hostile bot used %s ms of CPU (limit %d)' % (
                cpu, self.limits['cpu_ms']))
        if isinstance(mem, (int, float)) and mem > self.limits['memory_kb'] * 1.10 + 4096:
            self.ev('limit', 'the hostile bot peaked at %s KB (limit %d)' % (
                mem, self.limits['memory_kb']))
        self.check_secrets(text)

    def check_secrets(self, text):
        for label, value in (('the simulator environment secret', self.env_secret),
                             ('the plain bot\'s secret', self.plain_secret),
                             ('the secret configuration file', self.conf_secret)):
            if value in text:
                self.ev('leak', '%s is in the report/log' % label)
        for path, digest in self.digests.items():
            if digest in text:
                self.ev('leak', 'the digest of the host\'s %s is in the report/log' % path)
        for var in ('CF_REDIS_URL', 'CF_DATABASE_URL'):
            if os.environ.get(var) and os.environ[var] in text:
                self.ev('leak', '%s is in the report/log' % var)

    def observe(self, logtext):
        """Evidence common to every mode, from the host and from the bot's log."""
        for line in logtext.splitlines():
            if 'ESCAPE-EVIDENCE' in line:
                self.ev('bot', line.strip()[:300])
        reported = re.findall(r'(?:wrote|made|compiled into) (/\S+)', logtext)
        for m in find_markers(marker_dirs(self.workdir, []), self.token, reported,
                              (self.workdir,)):
            self.ev('marker', 'host file %s' % m)
        for e in self.listeners.seen():
            self.ev('listener', e)
        for s in self.sentinels.check():
            self.ev('sentinel', s)
        if socket.gethostname() != self.hostname:
            self.ev('hostname', 'the host\'s hostname is now %r' % socket.gethostname())
        st = os.stat(self.owned)
        if (st.st_uid, st.st_gid) != (0, 0):
            self.ev('chown', '%s now belongs to %d:%d' % (self.owned, st.st_uid, st.st_gid))
        if self.pty_slave is not None:
            os.set_blocking(self.pty_slave, False)
            try:
                data = os.read(self.pty_slave, 4096)
            except OSError:
                data = b''
            if self.token.encode() in data:
                self.ev('tty', 'typed into the terminal: %r' % data[:120])

    # -- baseline: the same bot with no sandbox at all --

    def run_baseline(self):
        base = self.attack.base
        if base is None:
            log('%s is a verdict test: nothing can escape, no baseline' % self.name)
            return
        if self.name == 'tty_inject' and read_text('/proc/sys/dev/tty/legacy_tiocsti') == '0':
            self.skip = ('this kernel refuses TIOCSTI to everyone (dev.tty.legacy_tiocsti = 0): '
                         'the attack cannot work on this host, sandbox or not')
            return
        if self.attack.kernel:
            present, why = self.attack.kernel()
            if not present:
                self.skip = why + ': the attack cannot work on this host, sandbox or not'
                return
        cfg = dict(base['cfg'])
        hostile = self.write_bot(self.attack.bot or self.name, self.bot_cfg(cfg))
        uid = self.uid if base['uid'] == 'baseline' else 0
        a_r, a_w = os.pipe()
        b_r, b_w = os.pipe()
        with_tty = self.name == 'tty_inject'
        become = self.terminal() if with_tty else None

        def prepare():
            if become:
                become()
            else:
                os.setsid()
            os.dup2(a_w, 3)
            os.dup2(b_w, 4)
            resource.setrlimit(resource.RLIMIT_CPU, (20, 20))
            if base['nproc']:
                resource.setrlimit(resource.RLIMIT_NPROC, (base['nproc'], base['nproc']))
            if base['as_mb']:
                lim = base['as_mb'] << 20
                resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
            if uid:
                demote(uid)()
        # A parent shim, so that "kill the parent" has a parent to kill.
        shim = [HOST_PYTHON, '-c',
                'import subprocess, sys; subprocess.call(sys.argv[1:], pass_fds=(3, 4)); sys.exit(77)',
                HOST_PYTHON, os.path.join(HERE, 'baseline_harness.py'), hostile, str(base['ticks'])]
        env = dict(os.environ, CF_ESCAPE_ENV_SECRET=self.env_secret)
        if self.attack.pair:
            # The other player first: what it leaves is what player 1 looks for.
            subprocess.run([HOST_PYTHON, os.path.join(HERE, 'baseline_harness.py'), hostile, '2',
                            '2'], cwd=self.cwd, env=env, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=30)
        procs_before = proc_snapshot()
        t0 = time.monotonic()
        p = subprocess.Popen(shim, stdin=self.pty_slave if with_tty else subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=self.cwd,
                             env=env, preexec_fn=prepare, pass_fds=(3, 4, a_w, b_w))
        os.close(a_w)
        os.close(b_w)
        out = Drain(p.stdout)
        errs = Drain(p.stderr)
        pipes = [Drain(os.fdopen(a_r, 'rb')), Drain(os.fdopen(b_r, 'rb'))]
        sigterm_sent = False
        while p.poll() is None and time.monotonic() - t0 < base['wall']:
            if self.name == 'ignore_sigterm' and not sigterm_sent and time.monotonic() - t0 > 1.5:
                sigterm_sent = True
                for child in children_of(p.pid):
                    os.kill(child, signal.SIGTERM)
            time.sleep(0.05)
        elapsed = time.monotonic() - t0
        still_running = p.poll() is None
        if still_running:
            if sigterm_sent:
                self.ev('signal', 'the bot survived SIGTERM')
            self.ev('time', 'the unsandboxed bot still ran after %.1f s (the limit is %.1f s)' % (
                elapsed, self.limits['first_call_wall_ms'] / 1000.0 + 1))
        time.sleep(0.5)
        sure, _ = leftovers(procs_before, self.token, (self.uid,) if uid else ())
        for line in sure:
            self.ev('leftover', line)
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except OSError:
            pass
        p.wait()
        kill_leftovers(self.token, (self.uid,) if uid else (), self.sentinels.pids())
        for d in [out, errs] + pipes:
            d.join()
        stderr = errs.data
        if self.args.verbose:
            log('harness stderr:\n' + stderr.decode('utf-8', 'replace')[-3000:])
        if p.returncode != 77 and not still_running:
            self.ev('parent', 'the harness\'s parent died (status %s)' % p.returncode)
        if out.total + errs.total > 10 << 20:
            self.ev('output', '%d bytes of output' % (out.total + errs.total))
        replies = pipes[1].data.decode('utf-8', 'replace')
        for line in replies.splitlines():
            try:
                msg = json.loads(line)
                ok = isinstance(msg, dict) and set(msg) == {'tick', 'reply'}
            except ValueError:
                ok = False
            if not ok:
                self.ev('protocol', 'garbage on the reply pipe: %r' % line[:80])
                break
            if msg['reply'] == ['M', 'U']:
                self.ev('bot', 'the bot walked: it signalled a successful step')
                break
        if pipes[0].total:
            self.ev('protocol', '%d bytes of garbage on the request pipe' % pipes[0].total)
        text = stderr.decode('utf-8', 'replace')
        self.check_secrets(text)
        self.observe(text)


class Drain(threading.Thread):
    """Reads a pipe to its end, keeping the first MB and counting the rest."""

    def __init__(self, f):
        super().__init__(daemon=True)
        self.f = f
        self.data = b''
        self.total = 0
        self.start()

    def run(self):
        while True:
            try:
                chunk = self.f.read1(1 << 16) if hasattr(self.f, 'read1') else self.f.read(1 << 16)
            except (OSError, ValueError):
                break
            if not chunk:
                break
            self.total += len(chunk)
            if len(self.data) < (1 << 20):
                self.data += chunk[:(1 << 20) - len(self.data)]
        try:
            self.f.close()
        except OSError:
            pass


def run_one(args, name):
    run = Run(args, name)
    run.setup()
    try:
        if args.mode == 'baseline':
            run.run_baseline()
        else:
            run.run_sandbox(sandbox=args.mode == 'sandbox')
    finally:
        run.teardown()
    kinds = sorted({k for k, _ in run.evidence})
    for kind in kinds:
        details = [d for k, d in run.evidence if k == kind]
        for d in details[:6]:
            log('evidence [%s] %s' % (kind, d))
        if len(details) > 6:
            log('evidence [%s] ... and %d more' % (kind, len(details) - 6))
    for f in run.failures:
        log('FAIL %s' % f)
    if run.skip:
        log('SKIP %s: %s' % (name, run.skip))
        return kernel_probe.SKIP
    if args.mode == 'baseline':
        base = run.attack.base
        if base is None:
            return 0
        missing = sorted(base['expect'] - set(kinds))
        if missing or run.failures:
            log('FAIL %s: unsandboxed, the attack left no %s evidence: it proves nothing' % (
                name, ', '.join(missing)))
            return 1
        log('PASS %s: unsandboxed, the attack works (%s)' % (name, ', '.join(kinds)))
        return 0
    if args.mode == 'nosandbox':
        log('%s under --no-sandbox: evidence %s' % (name, kinds or 'none'))
        return 0 if kinds and not run.failures else 1
    if run.evidence:
        log('FAIL %s: ESCAPE, evidence: %s' % (name, ', '.join(kinds)))
        return 1
    if run.failures:
        return 1
    log('PASS %s: held' % name)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--cf-fight', help='the cf-fight executable')
    ap.add_argument('--attack', action='append', help='attack name (repeatable); default all')
    ap.add_argument('--mode', choices=('sandbox', 'baseline', 'nosandbox'), default='sandbox')
    ap.add_argument('--limits-cmd', help='cf-escape-limits: prints the Tanks limits as JSON')
    ap.add_argument('--names', choices=('sandbox', 'baseline'),
                    help='print the attacks that have a test in this mode')
    ap.add_argument('--check-suite', action='store_true',
                    help='every bots/*.py (but the shared parts) is a known attack, every '
                    'attack has a bot, every generated bot is whole')
    ap.add_argument('--hard-timeout', type=int, default=60)
    ap.add_argument('--keep', action='store_true', help='keep the work directory')
    ap.add_argument('--list', action='store_true')
    ap.add_argument('-v', '--verbose', action='store_true')
    args = ap.parse_args()
    if args.names:
        print(' '.join(n for n, a in ATTACKS.items() if args.names == 'sandbox' or a.base))
        return 0
    if args.check_suite:
        files = {f[:-3] for f in os.listdir(BOTS)
                 if f.endswith('.py') and f not in SHARED_PARTS.values()}
        used = {a.bot or n for n, a in ATTACKS.items()}
        bad = sorted(files ^ used)
        for n in bad:
            log('FAIL %s: %s' % (n, 'a bot with no attack entry' if n in files
                                 else 'an attack with no bots/%s.py' % n))
        for n in sorted(files & used):
            src = bot_source(os.path.join(BOTS, n + '.py'))
            if src.count(CFG_LINE) != 1:
                log('FAIL %s: not one %r line for the driver to fill (its own or '
                    'bots/_prelude.py\'s)' % (n, CFG_LINE))
                bad.append(n)
                continue
            # The bot the sandbox gets is the template made whole: it must be
            # Python (a syntax error would pass as the early exits' 'crashed').
            try:
                compile(src, n + '.py', 'exec')
            except SyntaxError as e:
                log('FAIL %s: the generated bot is not Python: %s' % (n, e))
                bad.append(n)
                continue
            # The shared Main calls attack() on the first tick: a NameError
            # there would also pass as a verdict the attack allows.
            if '# ---- begin bots/_attack_main.py' in src and \
                    not re.search(r'^def attack\(', src, re.M):
                log('FAIL %s: uses bots/_attack_main.py but has no attack()' % n)
                bad.append(n)
        return 1 if bad else 0
    if args.list:
        for name, a in ATTACKS.items():
            base = 'verdict test' if a.base is None else 'baseline expects ' + ','.join(
                sorted(a.base['expect']))
            if name in VERIFIED_NO_SANDBOX:
                base += '; --no-sandbox showed ' + VERIFIED_NO_SANDBOX[name]
            print('%-24s %-40s %s' % (name, ','.join(sorted(a.verdicts)), base))
        return 0
    if os.geteuid() != 0:
        log('FAIL: the escape suite must run as root (it sets traps as root and cf-fight '
            'needs root)')
        return 2
    if args.mode != 'baseline' and not (args.cf_fight and os.access(args.cf_fight, os.X_OK)):
        log('FAIL: no cf-fight executable (%r)' % args.cf_fight)
        return 2
    names = args.attack or list(ATTACKS)
    for n in names:
        if n not in ATTACKS:
            log('unknown attack %r' % n)
            return 2
    status = 0
    for n in names:
        log('--- %s (%s)' % (n, args.mode))
        status |= run_one(args, n)
    return status


if __name__ == '__main__':
    sys.exit(main())
