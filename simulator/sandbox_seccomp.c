/*
 * sandbox_seccomp.c — layer 5: the system-call allow-list (libseccomp).
 *
 * Built once per sandbox by the controller, exported as a BPF program and
 * loaded by each coderunner as its very last step (a prctl, no rebuild).
 *
 *   allowed       what glibc and CPython 3.11 really call for a bot that
 *                 computes, imports the standard library, uses threads, and
 *                 writes in its /tmp (rseq, getrandom, futex, clone for
 *                 threads, ...). clone3 answers ENOSYS so glibc falls back to
 *                 clone, whose flags the filter can check.
 *   traced        forbidden calls a hostile bot is likely to try (socket,
 *                 execve, ptrace, mount, unshare, setuid, bpf, io_uring, ...)
 *                 go to the tracer (SECCOMP_RET_TRACE), which kills the bot
 *                 with verdict "illegal" naming the call. Without a tracer
 *                 the kernel fails them with ENOSYS: never allowed.
 *   anything else kills the process (SECCOMP_RET_KILL_PROCESS).
 *   other ABIs    32-bit (int 0x80) and x32 calls kill the process.
 *
 * ioctl and prctl are allowed for a few requests only (isatty, terminal
 * size, non-blocking and close-on-exec flags; thread names); any other
 * request takes the default action.
 *
 * socket() is forbidden outright: bots share one empty network namespace,
 * where abstract unix sockets would otherwise let them meet.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox.h"

#define TRACE_DATA 1

/* The lists group the calls by kind, several to a line. */
/* clang-format off */
static const char *const allowed[] = {
    /* memory */
    "brk", "mmap", "munmap", "mprotect", "mremap", "madvise", "msync", "mincore",
    /* files and descriptors (paths are for mounts and Landlock to judge) */
    "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2",
    "pwritev2", "open", "openat", "close", "close_range", "fstat", "stat", "lstat", "newfstatat",
    "statx", "lseek", "getdents", "getdents64", "getcwd", "readlink", "readlinkat", "access",
    "faccessat", "faccessat2", "fcntl", "dup", "dup2", "dup3", "pipe", "fsync",
    "fdatasync", "ftruncate", "truncate", "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat",
    "rename", "renameat", "renameat2", "chmod", "fchmod", "fchmodat", "umask", "chdir", "fchdir",
    "utimensat", "fadvise64", "statfs", "fstatfs", "flock", "sendfile", "copy_file_range",
    /* waiting and time */
    "select", "pselect6", "poll", "ppoll", "epoll_create", "epoll_create1", "epoll_ctl",
    "epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd2", "nanosleep", "clock_nanosleep",
    "clock_gettime", "clock_getres", "gettimeofday", "time", "sched_yield",
    "restart_syscall", /* an interrupted sleep or poll resumes through it */
    /* signals (the PID namespace and the uid confine whom they reach) */
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending", "rt_sigtimedwait",
    "rt_sigsuspend", "sigaltstack", "pause", "kill", "tgkill", "tkill",
    /* processes and threads (the pids controller bounds them) */
    "fork", "vfork", "wait4", "waitid", "exit", "exit_group", "set_tid_address",
    "set_robust_list", "get_robust_list", "rseq", "arch_prctl",
    /* identity and information */
    "getpid", "gettid", "getppid", "getuid", "geteuid", "getgid", "getegid", "getresuid",
    "getresgid", "getgroups", "getpgrp", "getpgid", "getsid", "setsid", "setpgid", "getrusage", "times", "uname",
    "sysinfo", "getrlimit", "setrlimit", "setitimer", "getitimer", "alarm", "getrandom", "sched_getaffinity", "sched_getparam",
    "sched_getscheduler", "sched_get_priority_max", "sched_get_priority_min", "getpriority",
    "setpriority", /* without capabilities: only ever nicer */
    "getcpu", "getxattr", "lgetxattr", "fgetxattr", "listxattr", "llistxattr", "flistxattr",
    /* on socketpair() descriptors, the only sockets a bot can have (asyncio's
     * self-pipe): socket() itself is traced; sendto and recvfrom below */
    "shutdown", "getsockname", "getpeername",
    NULL,
};

static const char *const traced[] = {
    "socket", "connect", "bind", "listen", "accept", "accept4", "execve",
    /* setsockopt takes classic BPF (SO_ATTACH_FILTER), sendmsg passes
     * descriptors (SCM_RIGHTS): kernel surface no bot needs */
    "setsockopt", "getsockopt", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "execveat", "ptrace", "mount",
    "umount2", "unshare", "setns", "chroot", "pivot_root", "setuid", "setgid", "setreuid",
    "setregid", "setresuid", "setresgid", "setgroups", "setfsuid", "setfsgid", "capset", "bpf",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "perf_event_open", "userfaultfd",
    "keyctl", "add_key", "request_key", "kexec_load", "kexec_file_load", "init_module",
    "finit_module", "delete_module", "reboot", "swapon", "swapoff", "personality",
    "process_vm_readv", "process_vm_writev", "pidfd_open", "pidfd_getfd", "pidfd_send_signal",
    "open_by_handle_at", "name_to_handle_at", "mknod", "mknodat", "acct", "quotactl", "syslog",
    "sethostname", "setdomainname", "iopl", "ioperm", "modify_ldt", "memfd_create",
    "memfd_secret", "shmget", "shmat", "msgget", "semget", "mq_open", "fanotify_init",
    "inotify_init", "inotify_init1", "link", "linkat", "symlink", "symlinkat", "chown", "fchown",
    "lchown", "fchownat", "mlock", "mlock2", "mlockall", "mbind", "set_mempolicy", "migrate_pages",
    "move_pages", "sched_setaffinity", "sched_setscheduler", "sched_setparam",
    "settimeofday", "clock_settime", "adjtimex", "clock_adjtime",
    "vhangup", "fsopen", "fsmount", "fsconfig", "fspick", "open_tree", "move_mount",
    "mount_setattr", "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self",
    "seccomp", "lookup_dcookie", "kcmp",
    NULL,
};
/* clang-format on */

static int rule(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned nargs,
                const struct scmp_arg_cmp *args, char *err, size_t errlen)
{
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR)
        return 0; /* not on this architecture */
    int rc = seccomp_rule_add_array(ctx, action, nr, nargs, args);
    if (rc < 0 && rc != -EEXIST) {
        snprintf(err, errlen, "seccomp rule %s: %s", name, strerror(-rc));
        return -1;
    }
    return 0;
}

static int add_rules(scmp_filter_ctx ctx, char *err, size_t errlen)
{
    for (size_t i = 0; allowed[i]; i++)
        if (rule(ctx, SCMP_ACT_ALLOW, allowed[i], 0, NULL, err, errlen) < 0)
            return -1;
    for (size_t i = 0; traced[i]; i++)
        if (rule(ctx, SCMP_ACT_TRACE(TRACE_DATA), traced[i], 0, NULL, err, errlen) < 0)
            return -1;
    /* clone3 takes its flags in memory, which no filter can read: ENOSYS
     * makes glibc fall back to clone. */
    if (rule(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL, err, errlen) < 0)
        return -1;
    /* clone: threads and forks, never new namespaces, and never a child
     * the tracer would not see (CLONE_UNTRACED: in it, traced calls would
     * merely fail instead of ending the bot). */
    static const uint64_t bits[] = {CLONE_NEWNS,  CLONE_NEWUSER, CLONE_NEWPID,    CLONE_NEWNET,
                                    CLONE_NEWIPC, CLONE_NEWUTS,  CLONE_NEWCGROUP, CLONE_UNTRACED};
    uint64_t forbidden = 0;
    for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
        forbidden |= bits[i];
    struct scmp_arg_cmp none = SCMP_A0(SCMP_CMP_MASKED_EQ, forbidden, 0);
    if (rule(ctx, SCMP_ACT_ALLOW, "clone", 1, &none, err, errlen) < 0)
        return -1;
    /* Any forbidden bit set: a single masked test per bit, all traced. */
    for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++) {
        struct scmp_arg_cmp bit = SCMP_A0(SCMP_CMP_MASKED_EQ, bits[i], bits[i]);
        if (rule(ctx, SCMP_ACT_TRACE(TRACE_DATA), "clone", 1, &bit, err, errlen) < 0)
            return -1;
    }
    /* ioctl: isatty() and non-blocking flags only; the rest fail. */
    static const unsigned long ioctls[] = {TCGETS,  TIOCGWINSZ, FIONBIO,
                                           FIOCLEX, FIONCLEX,   FIONREAD};
    for (size_t i = 0; i < sizeof ioctls / sizeof ioctls[0]; i++) {
        struct scmp_arg_cmp req = SCMP_A1(SCMP_CMP_EQ, ioctls[i], 0);
        if (rule(ctx, SCMP_ACT_ALLOW, "ioctl", 1, &req, err, errlen) < 0)
            return -1;
    }
    /* socketpair: AF_UNIX pairs only, bound to nothing, reaching no one. */
    struct scmp_arg_cmp unix_pair = SCMP_A0(SCMP_CMP_EQ, AF_UNIX, 0);
    if (rule(ctx, SCMP_ACT_ALLOW, "socketpair", 1, &unix_pair, err, errlen) < 0)
        return -1;
    struct scmp_arg_cmp other_pair = SCMP_A0(SCMP_CMP_NE, AF_UNIX, 0);
    if (rule(ctx, SCMP_ACT_TRACE(TRACE_DATA), "socketpair", 1, &other_pair, err, errlen) < 0)
        return -1;
    /* send and recv on those pairs, never out-of-band data (MSG_OOB on
     * unix sockets is young, bug-prone kernel code). */
    struct scmp_arg_cmp no_oob = SCMP_A3(SCMP_CMP_MASKED_EQ, MSG_OOB, 0);
    struct scmp_arg_cmp oob = SCMP_A3(SCMP_CMP_MASKED_EQ, MSG_OOB, MSG_OOB);
    if (rule(ctx, SCMP_ACT_ALLOW, "sendto", 1, &no_oob, err, errlen) < 0 ||
        rule(ctx, SCMP_ACT_ALLOW, "recvfrom", 1, &no_oob, err, errlen) < 0 ||
        rule(ctx, SCMP_ACT_TRACE(TRACE_DATA), "sendto", 1, &oob, err, errlen) < 0 ||
        rule(ctx, SCMP_ACT_TRACE(TRACE_DATA), "recvfrom", 1, &oob, err, errlen) < 0)
        return -1;
#ifndef O_NOTIFICATION_PIPE
#define O_NOTIFICATION_PIPE O_EXCL /* <linux/watch_queue.h>, which clashes with fcntl.h */
#endif
    /* pipe2, but no notification pipe (watch_queue: kernel surface with a
     * history of holes). */
    struct scmp_arg_cmp plain_pipe = SCMP_A1(SCMP_CMP_MASKED_EQ, O_NOTIFICATION_PIPE, 0);
    struct scmp_arg_cmp notif_pipe =
        SCMP_A1(SCMP_CMP_MASKED_EQ, O_NOTIFICATION_PIPE, O_NOTIFICATION_PIPE);
    if (rule(ctx, SCMP_ACT_ALLOW, "pipe2", 1, &plain_pipe, err, errlen) < 0 ||
        rule(ctx, SCMP_ACT_TRACE(TRACE_DATA), "pipe2", 1, &notif_pipe, err, errlen) < 0)
        return -1;
    /* futex: the operations glibc uses (wait, wake, requeue, bitsets);
     * the priority-inheritance ones, a classic of kernel exploits, are
     * traced. The private and clock flags are ignored by the mask. */
    static const unsigned long futex_ok[] = {FUTEX_WAIT,        FUTEX_WAKE,    FUTEX_REQUEUE,
                                             FUTEX_CMP_REQUEUE, FUTEX_WAKE_OP, FUTEX_WAIT_BITSET,
                                             FUTEX_WAKE_BITSET};
    static const unsigned long futex_pi[] = {FUTEX_FD,
                                             FUTEX_LOCK_PI,
                                             FUTEX_UNLOCK_PI,
                                             FUTEX_TRYLOCK_PI,
                                             FUTEX_WAIT_REQUEUE_PI,
                                             FUTEX_CMP_REQUEUE_PI,
                                             13 /* FUTEX_LOCK_PI2 */};
    for (size_t i = 0; i < sizeof futex_ok / sizeof futex_ok[0]; i++) {
        struct scmp_arg_cmp op = SCMP_A1(SCMP_CMP_MASKED_EQ, FUTEX_CMD_MASK, futex_ok[i]);
        if (rule(ctx, SCMP_ACT_ALLOW, "futex", 1, &op, err, errlen) < 0)
            return -1;
    }
    for (size_t i = 0; i < sizeof futex_pi / sizeof futex_pi[0]; i++) {
        struct scmp_arg_cmp op = SCMP_A1(SCMP_CMP_MASKED_EQ, FUTEX_CMD_MASK, futex_pi[i]);
        if (rule(ctx, SCMP_ACT_TRACE(TRACE_DATA), "futex", 1, &op, err, errlen) < 0)
            return -1;
    }
    /* prlimit64 on itself only (glibc's getrlimit is a prlimit64; without
     * capabilities a limit can only go down). */
    struct scmp_arg_cmp self = SCMP_A0(SCMP_CMP_EQ, 0, 0);
    if (rule(ctx, SCMP_ACT_ALLOW, "prlimit64", 1, &self, err, errlen) < 0)
        return -1;
    /* prctl: thread names only. */
    struct scmp_arg_cmp set_name = SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME, 0);
    struct scmp_arg_cmp get_name = SCMP_A0(SCMP_CMP_EQ, PR_GET_NAME, 0);
    if (rule(ctx, SCMP_ACT_ALLOW, "prctl", 1, &set_name, err, errlen) < 0 ||
        rule(ctx, SCMP_ACT_ALLOW, "prctl", 1, &get_name, err, errlen) < 0)
        return -1;
    return 0;
}

void *sandbox_seccomp_build(char *err, size_t errlen)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (!ctx) {
        snprintf(err, errlen, "seccomp_init failed");
        return NULL;
    }
    struct sock_fprog *prog = NULL;
    int fd = -1;
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
    if (rc == 0)
        rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0); /* we set it ourselves */
    /* A binary tree over syscall numbers rather than a linear list; the
     * kernel's per-syscall cache already makes unconditional allows O(1). */
    if (rc == 0)
        (void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    if (rc < 0) {
        snprintf(err, errlen, "seccomp_attr_set: %s", strerror(-rc));
        goto out;
    }
    if (add_rules(ctx, err, errlen) < 0)
        goto out;
    fd = memfd_create("cf-seccomp", MFD_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "memfd_create: %s", strerror(errno));
        goto out;
    }
    rc = seccomp_export_bpf(ctx, fd);
    if (rc < 0) {
        snprintf(err, errlen, "seccomp_export_bpf: %s", strerror(-rc));
        goto out;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size % sizeof(struct sock_filter)) {
        snprintf(err, errlen, "seccomp program has a bad size");
        goto out;
    }
    prog = calloc(1, sizeof *prog);
    struct sock_filter *insns = malloc((size_t)st.st_size);
    if (!prog || !insns) {
        free(prog);
        free(insns);
        prog = NULL;
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (pread(fd, insns, (size_t)st.st_size, 0) != st.st_size) {
        free(prog);
        free(insns);
        prog = NULL;
        snprintf(err, errlen, "seccomp program read failed");
        goto out;
    }
    prog->len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
    prog->filter = insns;
out:
    if (fd >= 0)
        close(fd);
    seccomp_release(ctx);
    return prog;
}

void sandbox_seccomp_free(void *p)
{
    struct sock_fprog *prog = p;
    if (!prog)
        return;
    free(prog->filter);
    free(prog);
}

int sandbox_seccomp_load(const void *prog, char *err, size_t errlen)
{
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prog, 0, 0) < 0) {
        snprintf(err, errlen, "seccomp load: %s", strerror(errno));
        return -1;
    }
    return 0;
}

void sandbox_seccomp_name(long nr, char *out, size_t outlen)
{
    char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, (int)nr);
    if (name)
        snprintf(out, outlen, "%s", name);
    else
        snprintf(out, outlen, "syscall %ld", nr);
    free(name);
}
