/*
 * coderunner.c — the child that becomes one bot.
 *
 * Cloned by the forkserver into fresh namespaces (sandbox_namespaces.c), it
 * first moves itself into its cgroups (the controller sent the groups'
 * "tasks" files; see sandbox_cgroup_self_fds), puts its pipes in their fixed
 * places (stdout and stderr: the log pipe;
 * 3: requests; 4: replies) and closes every other descriptor, then waits for
 * the controller's seized byte (SB_SEIZED): the controller attaches with
 * ptrace while the coderunner still has its uid, never after the drop. It
 * then applies the layers (sandbox_apply) and waits for the go message: by
 * then the controller has checked it is in its cgroups, and the message
 * carries the fight's CPU budget (a coderunner may have been spawned ahead of
 * its fight). Only then are RLIMIT_CPU and the
 * seccomp filter set, and the harness's serve() reads
 * the bot's code and runs it. If any step fails, the bot never runs: the
 * reason goes to the log and the process exits with status 111. Right
 * before the code runs the coderunner signals itself SB_SIG_CODE_STARTS,
 * which the controller sees through ptrace: a status 111 after that is the
 * bot's own exit, and its log line is not shown as a set-up failure.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"

#define SETUP_FAILED 111

static _Noreturn void die(const char *what)
{
    char line[400];
    int n = snprintf(line, sizeof line, "codefights: sandbox set-up failed: %s\n", what);
    if (n > 0)
        (void)!write(SB_FD_LOG_ERR, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    _exit(SETUP_FAILED);
}

static void place_fds(const int fds[3])
{
    int high[3];
    for (int i = 0; i < 3; i++) {
        high[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 100);
        if (high[i] < 0)
            _exit(SETUP_FAILED);
    }
    if (dup2(high[2], SB_FD_LOG_OUT) < 0 || dup2(high[2], SB_FD_LOG_ERR) < 0 ||
        dup2(high[0], SB_FD_REQ) < 0 || dup2(high[1], SB_FD_REP) < 0)
        _exit(SETUP_FAILED);
    /* Only 0 (/dev/null), the log, and the two protocol pipes remain. */
    if (syscall(SYS_close_range, SB_FD_REP + 1, ~0U, 0) < 0)
        die("close_range");
}

/* Into its own cgroups first, before anything else: "0" moves the writer. */
static int move_self(const int *cg_fds, int n, char *err, size_t errlen)
{
    for (int i = 0; i < n; i++) {
        if (write(cg_fds[i], "0", 1) != 1) {
            snprintf(err, errlen, "cgroup self-move: %s", strerror(errno));
            return -1;
        }
        close(cg_fds[i]);
    }
    return 0;
}

/* Reads exactly len bytes of the request pipe; the process ends quietly when
 * the controller gave up on it (end of file, or an error). */
static void read_control(unsigned char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(SB_FD_REQ, buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(0);
        got += (size_t)n;
    }
}

/* Runs the job. An unsafe game (--no-sandbox: no private /tmp) unpacks into
 * a folder of its own under the host's /tmp, left there for the developer. */
static PyObject *call_entry(const sb_child_plan *plan, PyObject *entry)
{
    if (!plan->unsafe || plan->kind != SB_KIND_GAME)
        return PyObject_CallNoArgs(entry);
    char dir[] = "/tmp/cf-play-XXXXXX";
    if (!mkdtemp(dir))
        die("mkdtemp /tmp/cf-play-XXXXXX");
    PyObject *args = PyTuple_New(0);
    PyObject *kw = Py_BuildValue("{s:s}", "game_dir", dir);
    PyObject *rv = args && kw ? PyObject_Call(entry, args, kw) : NULL;
    Py_XDECREF(args);
    Py_XDECREF(kw);
    return rv;
}

_Noreturn void coderunner_main(const sb_child_plan *plan, const int *fds, int nfds, void *entry)
{
    char err[256];
    int moved = move_self(fds + 3, nfds - 3, err, sizeof err);
    (void)prctl(PR_SET_NAME, "cf-coderunner", 0, 0, 0);
    place_fds(fds);
    if (moved < 0)
        die(err);
    unsigned char seized;
    read_control(&seized, 1);
    if (seized != SB_SEIZED)
        _exit(0);
    if (sandbox_apply(plan, err, sizeof err) < 0)
        die(err);
    unsigned char go[SB_GO_LEN];
    read_control(go, sizeof go);
    if (go[0] != 'G')
        _exit(0);
    uint32_t cpu_ms = (uint32_t)go[1] << 24 | (uint32_t)go[2] << 16 | (uint32_t)go[3] << 8 | go[4];
    if (!plan->unsafe && sandbox_rlimits_cpu(cpu_ms, err, sizeof err) < 0)
        die(err);
    if (!plan->unsafe && plan->seccomp_prog &&
        sandbox_seccomp_load(plan->seccomp_prog, err, sizeof err) < 0)
        die(err);
    /* Set up: tell the controller (SB_SIG_CODE_STARTS) before the code runs.
     * Unblocked first, or it would stay pending and never be seen. */
    sigset_t mark;
    sigemptyset(&mark);
    sigaddset(&mark, SB_SIG_CODE_STARTS);
    if (sigprocmask(SIG_UNBLOCK, &mark, NULL) != 0 || raise(SB_SIG_CODE_STARTS) != 0)
        die("cannot signal the start of the code");
    PyObject *rv = call_entry(plan, (PyObject *)entry);
    if (!rv)
        PyErr_Print();
    _exit(1);
}
