/*
 * forkserver.c — the zygote: the slow set-up once, one cheap fork per bot.
 *
 * Started by the controller when a sandbox starts. It empties its
 * environment and signal state, enters the one empty network namespace,
 * builds the minimal read-only root and pivots into it (sandbox_mounts.c),
 * initialises CPython (isolated configuration, no site) and imports the
 * harness. Then, per request on its socketpair (slot, CPU budget, and the
 * bot's three pipe ends by SCM_RIGHTS), it clones one coderunner into fresh
 * PID, mount, IPC and UTS namespaces with CLONE_PARENT, so that the
 * controller is the coderunner's parent (it reaps it and traces it), and
 * answers with its pid. It dies with the controller (PDEATHSIG, and the
 * socket's end of file).
 *
 * The forkserver is a fresh program, not a fork of the controller: the
 * controller's child re-executes /proc/self/exe with a one-variable
 * environment, and a constructor (below) turns that process into the
 * forkserver before main() runs; the plan (flags, Python home, the seccomp
 * program) follows on the socket. A plain fork would hand every bot a copy
 * of the controller's memory — other bots' code, its environment, its
 * configuration — which free() and clearenv() do not wipe and ctypes can
 * read.
 *
 * A raw clone() rather than fork(): fork() takes no namespace flags. The
 * forkserver is single-threaded, so no lock is held across the clone; the
 * Python side is told with PyOS_BeforeFork / PyOS_AfterFork_*.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness_py.h"
#include "sandbox.h"

#define FS_SOCK 3 /* the forkserver's end of the socketpair */
#define FS_ENV "CF_SANDBOX_FORKSERVER"
#define FS_PROG_MAX 4096 /* BPF instructions */

/* The plan, as it crosses the exec. */
typedef struct fs_boot {
    int32_t unsafe, landlock, landlock_abi, apparmor;
    uint32_t skip;
    uint32_t prog_len;
    struct sock_filter prog[FS_PROG_MAX];
} fs_boot;

struct sb_forkserver {
    pid_t pid;
    int sock;
};

typedef struct fs_request {
    int32_t kind; /* enum sb_kind */
    int32_t slot;
    uint32_t cpu_ms;
    int32_t nfds; /* descriptors that come with it (SCM_RIGHTS) */
} fs_request;

typedef struct fs_reply {
    int32_t pid; /* > 0, or -errno */
    char err[200];
} fs_reply;

static void reset_signals(void)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            signal(sig, SIG_DFL);
}

/* The arcade: the play harness as a module, the shim loaded once (its
 * compile costs ~70 ms, paid here rather than by every game), and
 * serve_play bound to the shim, ready to call in a game's coderunner. */
static PyObject *load_arcade(char *err, size_t errlen)
{
    PyObject *code = Py_CompileString(cf_play_harness_py, "play_harness.py", Py_file_input);
    PyObject *mod = code ? PyImport_ExecCodeModule("cf_play_harness", code) : NULL;
    Py_XDECREF(code);
    PyObject *load_shim = mod ? PyObject_GetAttrString(mod, "load_shim") : NULL;
    PyObject *serve_play = mod ? PyObject_GetAttrString(mod, "serve_play") : NULL;
    Py_XDECREF(mod);
    PyObject *shim = load_shim ? PyObject_CallFunction(load_shim, "s", cf_shim_py) : NULL;
    Py_XDECREF(load_shim);
    PyObject *functools = shim && serve_play ? PyImport_ImportModule("functools") : NULL;
    PyObject *entry =
        functools ? PyObject_CallMethod(functools, "partial", "OO", serve_play, shim) : NULL;
    Py_XDECREF(functools);
    Py_XDECREF(shim);
    Py_XDECREF(serve_play);
    if (!entry) {
        PyErr_Print();
        snprintf(err, errlen, "the arcade's play harness failed to load");
    }
    return entry;
}

/* CPython, the harness, and (warm: a sandbox for many fights) the modules
 * bots use most, imported once here rather than by each bot. */
static int python_start(const char *home, bool arcade, bool warm, PyObject **serve, PyObject **play,
                        char *err, size_t errlen)
{
    PyPreConfig pre;
    PyPreConfig_InitIsolatedConfig(&pre);
    pre.utf8_mode = 1;
    PyStatus st = Py_PreInitialize(&pre);
    if (PyStatus_Exception(st)) {
        snprintf(err, errlen, "python pre-init: %s", st.err_msg ? st.err_msg : "?");
        return -1;
    }
    PyConfig cfg;
    PyConfig_InitIsolatedConfig(&cfg);
    cfg.site_import = 0;
    cfg.write_bytecode = 0;
    cfg.buffered_stdio = 0;
    cfg.install_signal_handlers = 1; /* SIGPIPE ignored: EPIPE, as in python3 */
    cfg.user_site_directory = 0;
    st = PyConfig_SetBytesString(&cfg, &cfg.home, home);
    if (!PyStatus_Exception(st))
        st = PyConfig_SetBytesString(&cfg, &cfg.program_name, "cf-coderunner");
    if (!PyStatus_Exception(st))
        st = Py_InitializeFromConfig(&cfg);
    PyConfig_Clear(&cfg);
    if (PyStatus_Exception(st)) {
        snprintf(err, errlen, "python init: %s", st.err_msg ? st.err_msg : "?");
        return -1;
    }
    PyObject *code = Py_CompileString(cf_harness_py, "harness.py", Py_file_input);
    PyObject *mod = code ? PyImport_ExecCodeModule("cf_harness", code) : NULL;
    Py_XDECREF(code);
    PyObject *prepared =
        mod ? PyObject_CallMethod(mod, "prepare", "O", warm ? Py_True : Py_False) : NULL;
    *serve = prepared ? PyObject_GetAttrString(mod, "serve") : NULL;
    Py_XDECREF(prepared);
    Py_XDECREF(mod);
    if (!*serve) {
        PyErr_Print();
        snprintf(err, errlen, "the harness failed to load");
        return -1;
    }
    *play = arcade ? load_arcade(err, errlen) : NULL;
    return arcade && !*play ? -1 : 0;
}

static int recv_request(fs_request *req, int fds[SB_SPAWN_FDS_MAX])
{
    char cbuf[CMSG_SPACE(SB_SPAWN_FDS_MAX * sizeof(int))];
    struct iovec iov = {.iov_base = req, .iov_len = sizeof *req};
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
    ssize_t n;
    do {
        n = recvmsg(FS_SOCK, &mh, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n <= 0)
        return -1; /* the controller is gone */
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    if (n != sizeof *req || !c || c->cmsg_type != SCM_RIGHTS || req->nfds < 3 ||
        req->nfds > SB_SPAWN_FDS_MAX || c->cmsg_len != CMSG_LEN(req->nfds * sizeof(int)))
        return -1;
    memcpy(fds, CMSG_DATA(c), (size_t)req->nfds * sizeof(int));
    return 0;
}

static _Noreturn void serve_forever(const sb_child_plan *tmpl, PyObject *serve, PyObject *play)
{
    unsigned long flags = sandbox_ns_clone_flags(tmpl->unsafe) | SIGCHLD;
    for (;;) {
        fs_request req;
        int fds[SB_SPAWN_FDS_MAX];
        if (recv_request(&req, fds) < 0)
            _exit(0);
        fs_reply rep;
        memset(&rep, 0, sizeof rep);
        PyObject *entry = req.kind == SB_KIND_GAME ? play : serve;
        if (!entry) {
            for (int i = 0; i < req.nfds; i++)
                close(fds[i]);
            rep.pid = -EINVAL;
            snprintf(rep.err, sizeof rep.err, "this sandbox does not run arcade games");
            if (send(FS_SOCK, &rep, sizeof rep, MSG_NOSIGNAL) != sizeof rep)
                _exit(0);
            continue;
        }
        PyOS_BeforeFork();
        long pid = syscall(SYS_clone, flags, NULL, NULL, NULL, 0);
        if (pid == 0) {
            PyOS_AfterFork_Child();
            close(FS_SOCK);
            sb_child_plan plan = *tmpl;
            plan.kind = req.kind == SB_KIND_GAME ? SB_KIND_GAME : SB_KIND_BOT;
            plan.slot = req.slot;
            plan.cpu_ms = req.cpu_ms;
            coderunner_main(&plan, fds, req.nfds, entry);
        }
        int saved = errno;
        PyOS_AfterFork_Parent();
        for (int i = 0; i < req.nfds; i++)
            close(fds[i]);
        if (pid < 0) {
            rep.pid = -saved;
            snprintf(rep.err, sizeof rep.err, "clone: %s", strerror(saved));
        } else {
            rep.pid = (int32_t)pid;
        }
        if (send(FS_SOCK, &rep, sizeof rep, MSG_NOSIGNAL) != sizeof rep)
            _exit(0);
    }
}

static _Noreturn void forkserver_main(const char *home, pid_t parent, bool arcade, bool warm);

/*
 * Runs before main() in every program linked with cf_sandbox: in the
 * re-executed child only (the variable and the socket on fd 3), it becomes
 * the forkserver and never returns.
 */
__attribute__((constructor)) static void forkserver_entry(int argc, char **argv)
{
    const char *v = getenv(FS_ENV);
    struct stat st;
    if (!v || strcmp(v, "1") != 0 || argc != 5 || fstat(FS_SOCK, &st) < 0 || !S_ISSOCK(st.st_mode))
        return;
    forkserver_main(argv[1], (pid_t)atoi(argv[2]), strcmp(argv[3], "arcade") == 0,
                    strcmp(argv[4], "warm") == 0);
}

/* The plan, once CPython is up (the controller builds it meanwhile). */
static int recv_plan(sb_child_plan *plan)
{
    static fs_boot boot;
    static struct sock_fprog prog;
    ssize_t n;
    do {
        n = recv(FS_SOCK, &boot, sizeof boot, 0);
    } while (n < 0 && errno == EINTR);
    if (n < (ssize_t)offsetof(fs_boot, prog) || boot.prog_len > FS_PROG_MAX ||
        (size_t)n != offsetof(fs_boot, prog) + boot.prog_len * sizeof(struct sock_filter))
        return -1;
    prog.len = (unsigned short)boot.prog_len;
    prog.filter = boot.prog;
    *plan = (sb_child_plan){
        .unsafe = boot.unsafe != 0,
        .landlock = boot.landlock != 0,
        .landlock_abi = boot.landlock_abi,
        .apparmor = boot.apparmor != 0,
        .seccomp_prog = boot.prog_len ? &prog : NULL,
        .skip = boot.skip,
    };
    return 0;
}

static _Noreturn void forkserver_main(const char *home, pid_t parent, bool arcade, bool warm)
{
    fs_reply ready;
    memset(&ready, 0, sizeof ready);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
        _exit(1);
    (void)prctl(PR_SET_NAME, "cf-forkserver", 0, 0, 0);
    reset_signals();
    clearenv();
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull >= 0) {
        dup2(devnull, 0);
        dup2(devnull, 1);
        close(devnull);
    }
    /* CPython first: the slowest step, while the controller probes the
     * layers and builds the seccomp program. */
    PyObject *serve = NULL, *play = NULL;
    int py = python_start(home, arcade, warm, &serve, &play, ready.err, sizeof ready.err);
    static sb_child_plan plan;
    if (recv_plan(&plan) < 0)
        _exit(1);
    if (py < 0)
        goto report;
    if (!plan.unsafe) {
        if (sandbox_ns_enter_empty_net(ready.err, sizeof ready.err) < 0 ||
            (!(plan.skip & (1u << SB_LAYER_MOUNTS)) &&
             sandbox_mounts_prepare(ready.err, sizeof ready.err) < 0))
            goto report;
    }
    ready.pid = getpid();
report:
    if (ready.pid == 0)
        ready.pid = -1;
    if (send(FS_SOCK, &ready, sizeof ready, MSG_NOSIGNAL) != sizeof ready || ready.pid < 0)
        _exit(1);
    serve_forever(&plan, serve, play);
}

sb_forkserver *forkserver_launch(const char *python_home, bool arcade, bool warm, char *err,
                                 size_t errlen)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        snprintf(err, errlen, "socketpair: %s", strerror(errno));
        return NULL;
    }
    sb_forkserver *fs = calloc(1, sizeof *fs);
    if (!fs) {
        close(sv[0]);
        close(sv[1]);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    char parent[24];
    snprintf(parent, sizeof parent, "%d", (int)getpid());
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(sv[0]);
        close(sv[1]);
        free(fs);
        return NULL;
    }
    if (pid == 0) {
        /* Keep the socket (as fd 3) and stderr; nothing else of the
         * controller (Redis connections, files, memory) survives. */
        if (dup2(sv[1], FS_SOCK) < 0)
            _exit(1);
        syscall(SYS_close_range, FS_SOCK + 1, ~0U, 0);
        char *const argv[] = {"cf-forkserver",
                              (char *)python_home,
                              parent,
                              arcade ? "arcade" : "bots",
                              warm ? "warm" : "cold",
                              NULL};
        char *const envp[] = {FS_ENV "=1", NULL};
        execve("/proc/self/exe", argv, envp);
        _exit(127);
    }
    close(sv[1]);
    fs->pid = pid;
    fs->sock = sv[0];
    return fs;
}

int forkserver_boot(sb_forkserver *fs, const sb_child_plan *tmpl, char *err, size_t errlen)
{
    static fs_boot boot; /* large: not on the stack */
    memset(&boot, 0, sizeof boot);
    const struct sock_fprog *prog = tmpl->seccomp_prog;
    boot.unsafe = tmpl->unsafe;
    boot.landlock = tmpl->landlock;
    boot.landlock_abi = tmpl->landlock_abi;
    boot.apparmor = tmpl->apparmor;
    boot.skip = tmpl->skip;
    if (prog) {
        if (prog->len > FS_PROG_MAX) {
            snprintf(err, errlen, "seccomp program too long (%u)", prog->len);
            return -1;
        }
        boot.prog_len = prog->len;
        memcpy(boot.prog, prog->filter, prog->len * sizeof(struct sock_filter));
    }
    size_t blen = offsetof(fs_boot, prog) + boot.prog_len * sizeof(struct sock_filter);
    if (send(fs->sock, &boot, blen, MSG_NOSIGNAL) != (ssize_t)blen) {
        snprintf(err, errlen, "forkserver boot: %s", strerror(errno));
        return -1;
    }
    fs_reply ready;
    ssize_t n;
    do {
        n = recv(fs->sock, &ready, sizeof ready, 0);
    } while (n < 0 && errno == EINTR);
    if (n != sizeof ready || ready.pid <= 0) {
        snprintf(err, errlen, "forkserver failed to start: %s",
                 n == sizeof ready ? ready.err : "it died");
        return -1;
    }
    return 0;
}

pid_t forkserver_spawn(sb_forkserver *fs, enum sb_kind kind, int slot, uint32_t cpu_ms,
                       const int *fds, int nfds, char *err, size_t errlen)
{
    if (nfds < 3 || nfds > SB_SPAWN_FDS_MAX) {
        snprintf(err, errlen, "forkserver request: %d descriptors", nfds);
        return -1;
    }
    fs_request req = {.kind = kind, .slot = slot, .cpu_ms = cpu_ms, .nfds = nfds};
    char cbuf[CMSG_SPACE(SB_SPAWN_FDS_MAX * sizeof(int))];
    memset(cbuf, 0, sizeof cbuf);
    struct iovec iov = {.iov_base = &req, .iov_len = sizeof req};
    struct msghdr mh = {.msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = cbuf,
                        .msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int))};
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    if (!c) {
        snprintf(err, errlen, "forkserver request: no control buffer");
        return -1;
    }
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
    memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
    if (sendmsg(fs->sock, &mh, MSG_NOSIGNAL) != sizeof req) {
        snprintf(err, errlen, "forkserver request: %s", strerror(errno));
        return -1;
    }
    fs_reply rep;
    ssize_t n;
    do {
        n = recv(fs->sock, &rep, sizeof rep, 0);
    } while (n < 0 && errno == EINTR);
    if (n != sizeof rep) {
        snprintf(err, errlen, "forkserver died");
        return -1;
    }
    if (rep.pid <= 0) {
        snprintf(err, errlen, "%s", rep.err);
        return -1;
    }
    return rep.pid;
}

pid_t forkserver_pid(const sb_forkserver *fs)
{
    return fs->pid;
}

void forkserver_stop(sb_forkserver *fs)
{
    if (!fs)
        return;
    close(fs->sock);
    kill(fs->pid, SIGKILL);
    int st;
    while (waitpid(fs->pid, &st, __WALL) < 0 && errno == EINTR)
        ;
    free(fs);
}
