# Observes the sandbox from inside and prints what it saw as one JSON line
# (prefixed PROBE) on stdout, for test_sandbox.py to check layer by layer.
import errno
import json
import os
import resource
import sys


def attempt(fn):
    try:
        value = fn()
        return {"ok": True, "value": value}
    except OSError as e:
        return {"ok": False, "errno": errno.errorcode.get(e.errno, str(e.errno))}
    except Exception as e:  # noqa: BLE001 - we report whatever happened
        return {"ok": False, "error": type(e).__name__}


def fill_tmp():
    written = 0
    with open("/tmp/fill", "wb") as f:
        chunk = b"\0" * 65536
        while written < (64 << 20):
            f.write(chunk)
            f.flush()
            written += len(chunk)
    return written


def open_fds():
    fds = []
    for fd in range(64):
        try:
            os.fstat(fd)
            fds.append(fd)
        except OSError:
            pass
    return fds


obs = {
    "uid": [os.getuid(), os.geteuid(), os.getgid(), os.getegid()],
    "groups": os.getgroups(),
    "pid": os.getpid(),
    "ppid": os.getppid(),
    "hostname": os.uname().nodename,
    "environ": dict(os.environ),
    "root": attempt(lambda: sorted(os.listdir("/"))),
    "host_paths": [p for p in ("/etc", "/home", "/proc", "/sys", "/run", "/var", "/root", "/bin")
                   if os.path.lexists(p)],
    "runtime": os.path.isdir("/usr/lib/python3.11"),
    "fds": open_fds(),
    "proc": os.path.exists("/proc/self"),
    "etc": os.path.exists("/etc"),
    "write_root": attempt(lambda: open("/x", "w").close()),
    "write_stdlib": attempt(lambda: open("/usr/lib/python3.11/x.py", "w").close()),
    "write_tmp": attempt(lambda: open("/tmp/ok", "w").write("hi")),
    "mkdir_tmp": attempt(lambda: os.mkdir("/tmp/d")),
    "fill_tmp": attempt(fill_tmp),
    "signal_pid2": attempt(lambda: os.kill(2, 0)),
    "rlimit_cpu": list(resource.getrlimit(resource.RLIMIT_CPU)),
    "rlimit_nofile": list(resource.getrlimit(resource.RLIMIT_NOFILE)),
    "rlimit_core": list(resource.getrlimit(resource.RLIMIT_CORE)),
    "rlimit_fsize": list(resource.getrlimit(resource.RLIMIT_FSIZE)),
    "rlimit_as": list(resource.getrlimit(resource.RLIMIT_AS)),
}
print("PROBE " + json.dumps(obs), flush=True)


class Main:
    def decide_tick(self, tick, me, enemy):
        return "N"
