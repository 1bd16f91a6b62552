#!/usr/bin/env python3
"""Functional tests of the sandbox through cf-fight (label: sandbox).

Real sandbox, real fights: must run as root (fails otherwise). Each group is
one ctest entry:

  python3 test_sandbox.py --cf-fight PATH --source DIR GROUP

GROUP is one of the TestCase classes below (Layers, StdlibBot, AllPairs,
Verdicts, Cleanup, NoSandbox, Report).
"""
import argparse
import glob
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "lib"))
import kernel_probe  # noqa: E402  (tests/lib)

CF_FIGHT = None
SOURCE = None
BOTS = None

REPORT_KEYS = ["fight_id", "game", "seed", "status", "players", "result", "explanation",
               "ticks", "data", "elapsed_ms"]
PLAYER_KEYS = ["name", "result", "rank", "score", "verdict", "detail", "cpu_ms",
               "peak_memory_kb", "log"]
VERDICTS = {"ok", "timeout", "cpu_time", "memory", "illegal", "crashed", "bad_output", "killed"}


def fight(*args, env=None, user=None, timeout=120):
    """Runs cf-fight; returns (exit status, stdout, stderr)."""
    cmd = [CF_FIGHT] + list(args)
    if user is not None:
        cmd = ["setpriv", "--reuid=%d" % user, "--regid=%d" % user, "--clear-groups"] + cmd
    full_env = dict(os.environ)
    full_env.update(env or {})
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=full_env)
    return p.returncode, p.stdout, p.stderr


def fight_json(*args, **kw):
    rc, out, err = fight("--json", *args, **kw)
    if rc != 0:
        raise AssertionError("cf-fight exited %d: %s" % (rc, err))
    return json.loads(out), err


def bot(name):
    return os.path.join(BOTS, name)


def probed(tc, player, prefix):
    """What a probe bot saw: the JSON on the one line of its log that starts
    with prefix and a space; the bot must have played to the end (ok)."""
    tc.assertEqual(player["verdict"], "ok", player)
    line = [l for l in player["log"].splitlines() if l.startswith(prefix + " ")]
    tc.assertEqual(len(line), 1, player["log"])
    return json.loads(line[0][len(prefix) + 1:])


def codefights_cgroups(controller):
    """Cgroups left by the cf-fight of this pid."""
    left = []
    for ctrl in ("memory", "pids", "cpuacct", "cpu", ""):
        base = os.path.join("/sys/fs/cgroup", ctrl, "codefights")
        if os.path.isdir(base):
            left += [d for d in os.listdir(base) if d.startswith("cf-%d-" % controller)]
    return left


def bot_processes(controller):
    """Live processes (zombies are dead) in a cgroup of the cf-fight of this pid."""
    found = []
    needle = "/codefights/cf-%d-" % controller
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cgroup" % pid) as f:
                if needle not in f.read():
                    continue
            with open("/proc/%s/stat" % pid) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
            if state != "Z":
                found.append(int(pid))
        except (OSError, IndexError):
            pass
    return found


class RootRequired(unittest.TestCase):
    def setUp(self):
        if os.geteuid() != 0:
            self.fail("the sandbox tests must run as root (real sandbox)")


class Layers(RootRequired):
    def test_layer_lines(self):
        rc, out, err = fight("--game", "tanks", "--seed", "1", bot("idle.py"), bot("idle.py"))
        self.assertEqual(rc, 0, err)
        lines = dict(l.split(": ", 1) for l in err.splitlines() if ": " in l)
        for layer in ("namespaces", "mounts", "cgroup", "rlimits", "landlock", "seccomp",
                      "ptrace"):
            self.assertIn(layer, lines)
            self.assertTrue(lines[layer].startswith("active"), "%s: %s" % (layer, lines[layer]))
        self.assertIn("apparmor", lines)
        if not os.path.exists("/sys/kernel/security/apparmor"):
            self.assertEqual(lines["apparmor"], "absent (kernel has no AppArmor)")

    def test_layers_seen_from_inside(self):
        r, err = fight_json("--game", "tanks", "--seed", "1", bot("probe_layers.py"),
                            bot("probe_layers.py"))
        seen = []
        for slot, p in enumerate(r["players"]):
            obs = probed(self, p, "PROBE")
            seen.append(obs)
            uid = 60000 + slot
            self.assertEqual(obs["uid"], [uid] * 4)              # uid drop, one per slot
            self.assertEqual(obs["groups"], [])
            self.assertEqual((obs["pid"], obs["ppid"]), (1, 0))  # own PID namespace
            self.assertEqual(obs["hostname"], "codefights")      # own UTS namespace
            self.assertEqual(obs["environ"], {})                 # empty environment
            self.assertEqual(obs["host_paths"], [])                # minimal view
            self.assertTrue(obs["runtime"])
            self.assertEqual(obs["root"]["errno"], "EACCES")     # Landlock: no listing of /
            self.assertFalse(obs["proc"])
            self.assertFalse(obs["etc"])
            self.assertEqual(obs["fds"], [0, 1, 2, 3, 4])        # only its own pipes
            self.assertEqual(obs["write_root"]["errno"], "EROFS")
            self.assertEqual(obs["write_stdlib"]["errno"], "EROFS")
            self.assertTrue(obs["write_tmp"]["ok"])
            self.assertTrue(obs["mkdir_tmp"]["ok"])
            self.assertIn(obs["fill_tmp"].get("errno"), ("ENOSPC", "EFBIG"))  # capped /tmp
            self.assertEqual(obs["signal_pid2"]["errno"], "ESRCH")
            self.assertEqual(obs["rlimit_cpu"], [2, 3])          # Tanks: 1 s budget + 1
            self.assertEqual(obs["rlimit_nofile"], [64, 64])
            self.assertEqual(obs["rlimit_core"], [0, 0])
            self.assertEqual(obs["rlimit_fsize"], [4 << 20, 4 << 20])
            self.assertEqual(obs["rlimit_as"], [-1, -1])         # never an address-space limit

    def test_require_present_layers(self):
        rc, out, err = fight("--game", "tanks", "--require-layers", "seccomp,landlock,cgroup",
                             bot("idle.py"), bot("idle.py"))
        self.assertEqual(rc, 0, err)

    def test_require_absent_layer_refused(self):
        if os.path.exists("/sys/kernel/security/apparmor"):
            self.skipTest("this kernel has AppArmor")
        rc, out, err = fight("--game", "tanks", "--require-layers", "apparmor",
                             bot("idle.py"), bot("idle.py"))
        self.assertEqual(rc, 1)
        self.assertIn("required sandbox layer apparmor is not active", err)
        self.assertEqual(out, "")

    def test_unknown_layer_refused(self):
        rc, out, err = fight("--game", "tanks", "--require-layers", "moat",
                             bot("idle.py"), bot("idle.py"))
        self.assertEqual(rc, 1)
        self.assertIn("unknown sandbox layer", err)


class StdlibBot(RootRequired):
    def test_stdlib_bot_plays_without_trap(self):
        r, err = fight_json("--game", "tanks", "--seed", "3", bot("stdlib_user.py"),
                            bot("idle.py"), env={"CF_FIGHT_DEBUG": "1"})
        p = r["players"][0]
        self.assertEqual(p["verdict"], "ok", p)
        self.assertEqual(p["detail"], "")
        self.assertIn("started", p["log"])
        self.assertGreater(r["ticks"], 1)
        # Its threads (one, asyncio's, a pool of two) cost a few stops each
        # (clone event, the new thread's first stop, its exit) at start; the
        # call loop itself adds none (see test_steady_loop_has_no_ptrace_stop).
        self.assertLessEqual(p["debug"]["ptrace_stops"], 20, p)

    def test_steady_loop_has_no_ptrace_stop(self):
        r, err = fight_json("--game", "tanks", "--seed", "3", bot("idle.py"), bot("idle.py"),
                            env={"CF_FIGHT_DEBUG": "1"})
        self.assertEqual(r["ticks"], 100)
        for p in r["players"]:
            # two stops at most, none in the call loop: the set-up's last
            # act (SB_SIG_CODE_STARTS) and the exit stop when the fight
            # kills it
            self.assertLessEqual(p["debug"]["ptrace_stops"], 2, p)


class AllPairs(RootRequired):
    def test_every_starter_bot_against_every_other(self):
        games = sorted(d for d in os.listdir(os.path.join(SOURCE, "games"))
                       if glob.glob(os.path.join(SOURCE, "games", d, "templates", "*.py")))
        self.assertTrue(games, "no starter bots found under games/*/templates")
        for game in games:
            templates = sorted(glob.glob(os.path.join(SOURCE, "games", game, "templates",
                                                      "*.py")))
            for a, b in itertools.product(templates, repeat=2):
                with self.subTest(game=game, a=os.path.basename(a), b=os.path.basename(b)):
                    r, err = fight_json("--game", game, "--seed", "11", a, b)
                    self.assertEqual(r["status"], "finished")
                    for p in r["players"]:
                        self.assertEqual(p["verdict"], "ok", (game, p))


class Verdicts(RootRequired):
    def verdict(self, name, expected, detail_part):
        r, err = fight_json("--game", "tanks", "--seed", "5", bot(name), bot("idle.py"))
        p = r["players"][0]
        self.assertEqual(p["verdict"], expected, p)
        self.assertIn(detail_part, p["detail"])
        self.assertEqual(p["result"], "loss")
        self.assertEqual(r["players"][1]["verdict"], "ok")
        self.assertEqual(r["players"][1]["result"], "win")
        return r

    def test_nonblocking_pipes_still_ok(self):
        # The bot sets O_NONBLOCK on its pipes: the harness must still wait
        # for each request and write each reply whole (it crashed on
        # BlockingIOError before).
        r, err = fight_json("--game", "tanks", "--seed", "5", bot("nonblocking_pipes.py"),
                            bot("idle.py"))
        self.assertEqual([p["verdict"] for p in r["players"]], ["ok", "ok"], r["players"][0])
        self.assertGreater(r["ticks"], 10, r)

    def test_timeout(self):
        t0 = time.monotonic()
        self.verdict("v_timeout.py", "timeout", "no reply within")
        self.assertLess(time.monotonic() - t0, 10)

    def test_cpu_time(self):
        r = self.verdict("v_cpu_time.py", "cpu_time", "CPU")
        self.assertGreaterEqual(r["players"][0]["cpu_ms"], 1000)

    def test_memory(self):
        r = self.verdict("v_memory.py", "memory", "memory limit")
        self.assertGreater(r["players"][0]["peak_memory_kb"], 60000)

    def test_stale_reply_flood_still_times_out(self):
        t0 = time.monotonic()
        self.verdict("v_stale_flood.py", "timeout", "no reply within")
        self.assertLess(time.monotonic() - t0, 10)

    def test_crashed(self):
        r = self.verdict("v_crashed.py", "crashed", "RuntimeError: broken at import")
        self.assertIn("Traceback", r["players"][0]["log"])

    def test_crash_names_the_line(self):
        # The bot's code is compiled as module "bot": a crash at import names
        # the line of the bot's own code (a SyntaxError's, or the innermost
        # frame of the bot's code in the traceback), so an upload's check
        # can show it.
        self.verdict("v_syntax_error.py", "crashed", "SyntaxError: expected ':' (line 3)")
        self.verdict("v_crashed.py", "crashed", "RuntimeError: broken at import (line 1)")
        r = self.verdict("v_import_raises.py", "crashed", "JSONDecodeError")
        self.assertTrue(r["players"][0]["detail"].endswith("(line 4)"), r["players"][0])

    def test_missing_method_named(self):
        r, err = fight_json("--game", "tanks", "--seed", "5", bot("e_no_method.py"),
                            bot("idle.py"))
        self.assertEqual(r["players"][0]["errors"]["first"],
                         {"tick": 0, "kind": "raised",
                          "message": "AttributeError: Main has no decide_tick"})

    def test_bad_output(self):
        self.verdict("v_bad_output.py", "bad_output", "not a JSON object")

    def test_illegal_traced(self):
        self.verdict("v_illegal.py", "illegal", "socket")

    def test_illegal_unlisted(self):
        self.verdict("v_illegal_unlisted.py", "illegal", "forbidden system call")

    def test_illegal_futex_pi(self):
        self.verdict("v_illegal_futex_pi.py", "illegal", "forbidden system call futex")

    def test_illegal_x32_abi(self):
        self.verdict("v_illegal_x32.py", "illegal", "x32 system call 39")

    def test_illegal_i386_abi(self):
        runs, why = kernel_probe.i386_syscalls()
        if runs:
            self.verdict("v_illegal_int80.py", "illegal", "32-bit system call 20 (int 0x80)")
        else:
            # The kernel answers int 0x80 itself (SIGSEGV), before seccomp
            # sees a call: the bot dies, contained, all the same.
            sys.stderr.write("note: %s\n" % why)
            self.verdict("v_illegal_int80.py", "killed", "SIGSEGV")

    def test_killed(self):
        self.verdict("v_killed.py", "killed", "SIGSEGV")


class Cleanup(RootRequired):
    def test_nothing_left_after_fights(self):
        p = subprocess.Popen([CF_FIGHT, "--json", "--game", "tanks", "--seed", "2",
                              bot("daemon.py"), bot("idle.py")], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True,
                             env=dict(os.environ, CF_FIGHT_DEBUG="1"))
        out, _ = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 0)
        r = json.loads(out)
        self.assertEqual(r["players"][0]["verdict"], "ok")
        self.assertIn("daemon running", r["players"][0]["log"])
        self.assertEqual(r["players"][0]["debug"]["stragglers"], 0)
        self.assertEqual(bot_processes(p.pid), [])
        self.assertEqual(codefights_cgroups(p.pid), [])

    def test_controller_killed_takes_bots_with_it(self):
        p = subprocess.Popen([CF_FIGHT, "--game", "tanks", bot("v_timeout.py"),
                              bot("daemon.py")], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and len(bot_processes(p.pid)) < 3:
            time.sleep(0.02)
        self.assertGreaterEqual(len(bot_processes(p.pid)), 3, "bots did not start")
        p.kill()
        p.wait()
        deadline = time.monotonic() + 1
        while time.monotonic() < deadline and bot_processes(p.pid):
            time.sleep(0.01)
        self.assertEqual(bot_processes(p.pid), [])


class Pinning(RootRequired):
    """cf-fight keeps the fight (itself, its forkserver, its bots) on the CPU
    it starts on (cpu_pin.h); --no-pin leaves them every CPU it may use."""

    def cpus_seen(self, *flags):
        r, err = fight_json("--game", "tanks", "--seed", "1", *flags, bot("probe_cpus.py"),
                            bot("probe_cpus.py"))
        return [probed(self, p, "CPUS") for p in r["players"]]

    def setUp(self):
        super().setUp()
        self.allowed = sorted(os.sched_getaffinity(0))
        if len(self.allowed) < 2:
            self.skipTest("this test may use one CPU (%s): nothing to pin" % self.allowed)

    def test_fight_kept_on_one_cpu(self):
        a, b = self.cpus_seen()
        self.assertEqual(len(a), 1, a)
        self.assertEqual(a, b)
        self.assertIn(a[0], self.allowed)

    def test_no_pin_leaves_every_cpu(self):
        self.assertEqual(self.cpus_seen("--no-pin"), [self.allowed, self.allowed])


class NoSandbox(unittest.TestCase):
    def test_non_root_without_flag_refused(self):
        rc, out, err = fight("--game", "tanks", bot("idle.py"), bot("idle.py"), user=65534)
        self.assertEqual(rc, 1)
        self.assertIn("needs root", err)
        self.assertIn("--no-sandbox", err)

    def test_no_sandbox_as_non_root(self):
        rc, out, err = fight("--json", "--no-sandbox", "--game", "tanks", "--seed", "4",
                             bot("stdlib_user.py"), bot("idle.py"), user=65534)
        self.assertEqual(rc, 0, err)
        self.assertIn("UNSAFE", err)
        r = json.loads(out)
        self.assertEqual([p["verdict"] for p in r["players"]], ["ok", "ok"])

    def test_no_sandbox_crash_verdict(self):
        r, err = fight_json("--no-sandbox", "--game", "tanks", bot("v_crashed.py"),
                            bot("idle.py"), user=65534)
        self.assertEqual(r["players"][0]["verdict"], "crashed")


class Report(RootRequired):
    def check_report(self, r, game, n):
        self.assertEqual(list(r.keys()), REPORT_KEYS)
        self.assertEqual(r["game"], game)
        self.assertRegex(r["fight_id"], r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                        r"[0-9a-f]{12}$")
        self.assertIsInstance(r["seed"], int)
        self.assertEqual(r["status"], "finished")
        self.assertIsInstance(r["explanation"], str)
        self.assertIsInstance(r["ticks"], int)
        self.assertIsInstance(r["data"], (list, dict))
        self.assertIsInstance(r["elapsed_ms"], int)
        self.assertEqual(len(r["players"]), n)
        for p in r["players"]:
            # "errors" follows only when some call raised or was refused
            self.assertIn(list(p.keys()), (PLAYER_KEYS, PLAYER_KEYS + ["errors"]))
            self.assertIn(p["verdict"], VERDICTS)
            self.assertIsInstance(p["detail"], str)
            self.assertIsInstance(p["cpu_ms"], int)
            self.assertIsInstance(p["peak_memory_kb"], int)
            self.assertIsInstance(p["log"], str)
            self.assertIsInstance(p["rank"], int)

    def test_tanks_report(self):
        with tempfile.TemporaryDirectory() as d:
            replay = os.path.join(d, "replay.json")
            r, err = fight_json("--game", "tanks", "--seed", "7", "--replay", replay,
                                bot("idle.py"), bot("stdlib_user.py"))
            self.check_report(r, "tanks", 2)
            self.assertEqual(r["seed"], 7)
            self.assertIn(r["players"][0]["result"], ("win", "loss", "draw"))
            with open(replay) as f:
                self.assertEqual(json.load(f), r["data"])
        # Same seed, same bots: same fight.
        again, err = fight_json("--game", "tanks", "--seed", "7", bot("idle.py"),
                                bot("stdlib_user.py"))
        self.assertEqual(again["data"], r["data"])
        self.assertEqual(again["result"], r["result"])

    def test_rank_game_report(self):
        lc = os.path.join(SOURCE, "games", "light_cycles", "templates")
        bots = sorted(glob.glob(os.path.join(lc, "*.py")))
        if not bots:
            self.skipTest("no light_cycles templates")
        r, err = fight_json("--game", "light_cycles", "--seed", "3", *(bots + bots))
        self.check_report(r, "light_cycles", 2 * len(bots))
        for p in r["players"]:
            self.assertIsInstance(p["result"], int)
            self.assertEqual(p["result"], p["rank"])

    def test_human_summary(self):
        rc, out, err = fight("--game", "tanks", "--seed", "1", bot("idle.py"), bot("idle.py"))
        self.assertEqual(rc, 0, err)
        self.assertIn("tanks, seed 1: finished after 100 tick(s)", out)
        self.assertIn("result: \"D\"", out)

    def test_errors_raised_and_invalid(self):
        r, err = fight_json("--game", "tanks", "--seed", "5", bot("e_raises.py"),
                            bot("e_invalid.py"))
        self.check_report(r, "tanks", 2)
        raises, invalid = r["players"]
        self.assertEqual(raises["verdict"], "ok")
        self.assertEqual(raises["errors"]["invalid"], 0)
        self.assertEqual(raises["errors"]["raised"], r["ticks"] - 2)
        self.assertEqual(raises["errors"]["first"],
                         {"tick": 2, "kind": "raised",
                          "message": "ValueError: no plan for tick 2 (line 5)"})
        self.assertEqual(invalid["errors"]["raised"], 0)
        self.assertEqual(invalid["errors"]["invalid"], r["ticks"])
        first = invalid["errors"]["first"]
        self.assertEqual((first["tick"], first["kind"]), (0, "invalid"))
        self.assertIn('"dance" is not a decision', first["message"])
        # A bot whose calls all did something has no "errors".
        r, err = fight_json("--game", "tanks", "--seed", "5", bot("idle.py"), bot("idle.py"))
        self.assertEqual([list(p.keys()) for p in r["players"]], [PLAYER_KEYS, PLAYER_KEYS])

    def test_time_bank(self):
        # One call past the 200 ms limit: the 1 s time bank takes it.
        r, err = fight_json("--game", "tanks", "--seed", "5", "--set", "max_ticks=8",
                            bot("e_slow_once.py"), bot("idle.py"))
        self.assertEqual(r["players"][0]["verdict"], "ok", r["players"][0])
        self.assertEqual(r["ticks"], 8)
        # Always 100 ms past it: the bank is spent, then the bot times out.
        r, err = fight_json("--game", "tanks", "--seed", "5", "--set", "max_ticks=20",
                            bot("e_slow_always.py"), bot("idle.py"))
        p = r["players"][0]
        self.assertEqual(p["verdict"], "timeout", p)
        self.assertLess(r["ticks"], 20)
        self.assertGreaterEqual(r["ticks"], 10)

    def test_log_keeps_head_and_tail(self):
        r, err = fight_json("--game", "tanks", "--seed", "5", bot("e_chatty.py"), bot("idle.py"))
        log = r["players"][0]["log"]
        self.assertTrue(log.startswith("FIRST LINE: hello from the start\n"), log[:200])
        self.assertRegex(log, r"\n\[\.\.\. \d+ bytes cut \.\.\.\]\n")
        self.assertTrue(log.rstrip("\n").endswith("LAST LINE: goodbye"), log[-200:])
        self.assertLessEqual(len(log.encode()), 4096 + 64)

    def test_failed_fight_exit_status(self):
        rc, out, err = fight("--game", "no_such_game", bot("idle.py"), bot("idle.py"))
        self.assertEqual(rc, 1)
        self.assertIn("unknown game", err)
        rc, out, err = fight("--game", "tanks", bot("idle.py"))
        self.assertEqual(rc, 1)
        rc, out, err = fight("--game", "tanks")
        self.assertEqual(rc, 2)


def main():
    global CF_FIGHT, SOURCE, BOTS
    ap = argparse.ArgumentParser()
    ap.add_argument("--cf-fight", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("group")
    args = ap.parse_args()
    CF_FIGHT = os.path.abspath(args.cf_fight)
    SOURCE = os.path.abspath(args.source)
    BOTS = os.path.join(SOURCE, "tests", "sandbox", "bots")
    suite = unittest.defaultTestLoader.loadTestsFromName(args.group, sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
