# Tries what the missing layer would have stopped, and prints the outcome as
# one JSON line (prefixed ALONE) for test_layers_alone.c. PORT, ABSTRACT and
# NET are prepended by the test: a TCP listener and an abstract unix socket
# it opened on the host, and whether to try them (only with seccomp off:
# with it, socket() ends the bot at once).
import errno
import json
import os
import socket


def attempt(fn):
    try:
        fn()
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def tcp():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(1)
    s.connect(("127.0.0.1", PORT))  # noqa: F821 - prepended


def abstract():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(1)
    s.connect("\0" + ABSTRACT)  # noqa: F821 - prepended


obs = {
    "read_passwd": attempt(lambda: open("/etc/passwd").read()),
    "list_home": attempt(lambda: os.listdir("/home")),
    "write_tmp": attempt(lambda: open("/tmp/cf-alone-%d" % os.getpid(), "w").write("x")),
    "write_stdlib": attempt(lambda: open("/usr/lib/python3.11/cf-alone.py", "w").write("x")),
}
if NET:  # noqa: F821 - prepended
    obs["tcp"] = attempt(tcp)
    obs["abstract"] = attempt(abstract)
print("ALONE " + json.dumps(obs), flush=True)


class Main:
    def decide_tick(self, tick, me, enemy):
        return "N"
