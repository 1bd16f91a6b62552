/*
 * sandbox_cgroup.c — layer 3a: one control group per bot, for resident memory,
 * process count and CPU time.
 *
 * cgroup v2 is used when the unified hierarchy has the memory and pids
 * controllers (memory.max, pids.max, memory.peak, memory.events, cpu.stat);
 * otherwise the v1 hierarchies memory, pids and cpuacct (this machine):
 * memory.limit_in_bytes, pids.max, memory.max_usage_in_bytes,
 * memory.oom_control, cpuacct.usage. Every bot's group lives under a
 * "codefights" parent. The controller creates the group; the coderunner is
 * in it before the bot runs a line (v1: it moves itself in, see
 * sandbox_cgroup_self_fds; v2: the controller moves it); everything the bot
 * starts is born inside it. At the end, whatever is left is killed and
 * counted and the group removed.
 *
 * The memory limit is on resident memory, never on address space (an
 * RLIMIT_AS breaks threaded Python), so a memory bomb meets the OOM killer
 * inside its own group and its verdict is "memory".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"

#define ROOT "/sys/fs/cgroup"
#define PARENT "codefights"
#define PARENT_CPU_TASKS 8

/* cpu (scheduler weight) is optional: each bot's group gets the same share,
 * so a bot's many processes cannot starve the other bots. */
enum { CG_V1_MEMORY, CG_V1_PIDS, CG_V1_CPUACCT, CG_V1_CPU, CG_V1_COUNT };
static const char *const v1_ctrl[CG_V1_COUNT] = {"memory", "pids", "cpuacct", "cpu"};
static bool v1_cpu; /* a separate, writable cpu hierarchy */

static int cg_version; /* 0 unknown/absent, 1, 2 */

struct sb_cgroup {
    int version;
    char name[64];
    char dir[CG_V1_COUNT][256]; /* v2: dir[0] only */
    int cpu_fd;                 /* kept open: read after every call */
};

static int write_file(const char *dir, const char *file, const char *val)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, val, strlen(val));
    int saved = errno;
    close(fd);
    errno = saved;
    return n == (ssize_t)strlen(val) ? 0 : -1;
}

static int read_file(const char *dir, const char *file, char *buf, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, len - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return 0;
}

static bool file_has_word(const char *path, const char *word)
{
    char buf[1024];
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    for (char *tok = strtok(buf, " \n"); tok; tok = strtok(NULL, " \n"))
        if (strcmp(tok, word) == 0)
            return true;
    return false;
}

static int ensure_dir(const char *path)
{
    if (mkdir(path, 0755) < 0 && errno != EEXIST)
        return -1;
    return 0;
}

/* Groups of controllers that died (kill -9) stay behind, empty: their bots
 * died with them (EXITKILL). Names are cf-<controller pid>-<n>. */
static void remove_stale(const char *parent)
{
    DIR *d = opendir(parent);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        int pid;
        unsigned long n;
        if (sscanf(e->d_name, "cf-%d-%lu", &pid, &n) != 2 || pid <= 0)
            continue;
        if (kill(pid, 0) == 0 || errno != ESRCH)
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", parent, e->d_name);
        (void)rmdir(path);
    }
    closedir(d);
}

int sandbox_cgroup_probe(sb_layer_status *st)
{
    if (file_has_word(ROOT "/cgroup.controllers", "memory") &&
        file_has_word(ROOT "/cgroup.controllers", "pids")) {
        if (ensure_dir(ROOT "/" PARENT) < 0 ||
            write_file(ROOT, "cgroup.subtree_control", "+memory +pids") < 0 ||
            write_file(ROOT "/" PARENT, "cgroup.subtree_control", "+memory +pids") < 0) {
            snprintf(st->detail, sizeof st->detail, "absent (cgroup v2 not writable: %s)",
                     strerror(errno));
            return -1;
        }
        /* cpu weights too, where the controller is there. */
        if (file_has_word(ROOT "/cgroup.controllers", "cpu")) {
            (void)write_file(ROOT, "cgroup.subtree_control", "+cpu");
            (void)write_file(ROOT "/" PARENT, "cgroup.subtree_control", "+cpu");
            char weight[32];
            snprintf(weight, sizeof weight, "%d", 100 * PARENT_CPU_TASKS);
            (void)write_file(ROOT "/" PARENT, "cpu.weight", weight);
        }
        cg_version = 2;
        remove_stale(ROOT "/" PARENT);
        st->active = true;
        snprintf(st->detail, sizeof st->detail, "active (v2: memory, pids, cpu)");
        return 0;
    }
    char path[256];
    for (int i = 0; i < CG_V1_CPU; i++) {
        snprintf(path, sizeof path, ROOT "/%s/" PARENT, v1_ctrl[i]);
        if (ensure_dir(path) < 0) {
            snprintf(st->detail, sizeof st->detail, "absent (no writable v1 %s hierarchy: %s)",
                     v1_ctrl[i], strerror(errno));
            return -1;
        }
    }
    /* cpu only when it is its own hierarchy (not co-mounted with cpuacct). */
    char real_cpu[PATH_MAX], real_acct[PATH_MAX];
    v1_cpu = realpath(ROOT "/cpu", real_cpu) && realpath(ROOT "/cpuacct", real_acct) &&
             strcmp(real_cpu, real_acct) != 0 && ensure_dir(ROOT "/cpu/" PARENT) == 0;
    /* All bots share the parent's weight against the rest of the host:
     * give it that of PARENT_CPU_TASKS ordinary processes, so a busy host
     * does not starve every bot at once (each bot's group then splits it
     * equally with the others). */
    if (v1_cpu) {
        char shares[32];
        snprintf(shares, sizeof shares, "%d", 1024 * PARENT_CPU_TASKS);
        (void)write_file(ROOT "/cpu/" PARENT, "cpu.shares", shares);
    }
    for (int i = 0; i < CG_V1_COUNT; i++) {
        snprintf(path, sizeof path, ROOT "/%s/" PARENT, v1_ctrl[i]);
        remove_stale(path);
    }
    cg_version = 1;
    st->active = true;
    snprintf(st->detail, sizeof st->detail, "active (v1: memory, pids, cpuacct%s)",
             v1_cpu ? ", cpu" : "");
    return 0;
}

sb_cgroup *sandbox_cgroup_create(const char *name, uint64_t memory_kb, int pids_max, char *err,
                                 size_t errlen)
{
    if (cg_version == 0) {
        snprintf(err, errlen, "cgroups not probed");
        return NULL;
    }
    sb_cgroup *cg = calloc(1, sizeof *cg);
    if (!cg) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    cg->version = cg_version;
    cg->cpu_fd = -1;
    snprintf(cg->name, sizeof cg->name, "%s", name);
    char val[64];
    uint64_t bytes = memory_kb * 1024;
    if (cg->version == 2) {
        snprintf(cg->dir[0], sizeof cg->dir[0], ROOT "/" PARENT "/%s", name);
        if (mkdir(cg->dir[0], 0755) < 0)
            goto fail;
        snprintf(val, sizeof val, "%" PRIu64, bytes);
        if (write_file(cg->dir[0], "memory.max", val) < 0)
            goto fail;
        (void)write_file(cg->dir[0], "memory.swap.max", "0"); /* absent without swap */
        snprintf(val, sizeof val, "%d", pids_max);
        if (write_file(cg->dir[0], "pids.max", val) < 0)
            goto fail;
        char path[300];
        snprintf(path, sizeof path, "%s/cpu.stat", cg->dir[0]);
        cg->cpu_fd = open(path, O_RDONLY | O_CLOEXEC);
        return cg;
    }
    for (int i = 0; i < CG_V1_COUNT; i++) {
        if (i == CG_V1_CPU && !v1_cpu)
            continue;
        snprintf(cg->dir[i], sizeof cg->dir[i], ROOT "/%s/" PARENT "/%s", v1_ctrl[i], name);
        if (mkdir(cg->dir[i], 0755) < 0)
            goto fail;
    }
    snprintf(val, sizeof val, "%" PRIu64, bytes);
    if (write_file(cg->dir[CG_V1_MEMORY], "memory.limit_in_bytes", val) < 0)
        goto fail;
    (void)write_file(cg->dir[CG_V1_MEMORY], "memory.memsw.limit_in_bytes", val);
    snprintf(val, sizeof val, "%d", pids_max);
    if (write_file(cg->dir[CG_V1_PIDS], "pids.max", val) < 0)
        goto fail;
    char path[300];
    snprintf(path, sizeof path, "%s/cpuacct.usage", cg->dir[CG_V1_CPUACCT]);
    cg->cpu_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (cg->cpu_fd < 0)
        goto fail;
    return cg;
fail:
    snprintf(err, errlen, "cgroup %s: %s", name, strerror(errno));
    sandbox_cgroup_destroy(cg);
    return NULL;
}

int sandbox_cgroup_set_memory(sb_cgroup *cg, uint64_t memory_kb, char *err, size_t errlen)
{
    char val[64];
    snprintf(val, sizeof val, "%" PRIu64, memory_kb * 1024);
    if (cg->version == 2) {
        if (write_file(cg->dir[0], "memory.max", val) < 0)
            goto fail;
        return 0;
    }
    /* v1 refuses a memory limit above the memsw one: order matters. */
    if (write_file(cg->dir[CG_V1_MEMORY], "memory.limit_in_bytes", val) < 0) {
        (void)write_file(cg->dir[CG_V1_MEMORY], "memory.memsw.limit_in_bytes", val);
        if (write_file(cg->dir[CG_V1_MEMORY], "memory.limit_in_bytes", val) < 0)
            goto fail;
    }
    (void)write_file(cg->dir[CG_V1_MEMORY], "memory.memsw.limit_in_bytes", val);
    return 0;
fail:
    snprintf(err, errlen, "cgroup %s memory limit: %s", cg->name, strerror(errno));
    return -1;
}

int sandbox_cgroup_self_fds(sb_cgroup *cg, int *fds, int max, char *err, size_t errlen)
{
    if (cg->version == 2)
        return 0;
    int n = 0;
    for (int i = 0; i < CG_V1_COUNT; i++) {
        if (!cg->dir[i][0])
            continue;
        char path[300];
        snprintf(path, sizeof path, "%s/tasks", cg->dir[i]);
        int fd = n < max ? open(path, O_WRONLY | O_CLOEXEC) : -1;
        if (fd < 0) {
            snprintf(err, errlen, "cgroup %s: %s", path, n < max ? strerror(errno) : "too many");
            while (n > 0)
                close(fds[--n]);
            return -1;
        }
        fds[n++] = fd;
    }
    return n;
}

int sandbox_cgroup_attach(sb_cgroup *cg, pid_t pid, char *err, size_t errlen)
{
    char val[32];
    snprintf(val, sizeof val, "%d", (int)pid);
    int n = cg->version == 2 ? 1 : CG_V1_COUNT;
    for (int i = 0; i < n; i++) {
        if (!cg->dir[i][0])
            continue;
        if (write_file(cg->dir[i], "cgroup.procs", val) < 0) {
            snprintf(err, errlen, "cgroup attach %s: %s", cg->dir[i], strerror(errno));
            return -1;
        }
    }
    return 0;
}

uint64_t sandbox_cgroup_cpu_ns(sb_cgroup *cg)
{
    char buf[512];
    if (!cg || cg->cpu_fd < 0)
        return 0;
    ssize_t n = pread(cg->cpu_fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    if (cg->version == 2) {
        char *p = strstr(buf, "usage_usec ");
        return p ? strtoull(p + 11, NULL, 10) * 1000 : 0;
    }
    return strtoull(buf, NULL, 10);
}

uint64_t sandbox_cgroup_peak_kb(sb_cgroup *cg)
{
    char buf[64];
    if (!cg)
        return 0;
    if (cg->version == 2) {
        if (read_file(cg->dir[0], "memory.peak", buf, sizeof buf) < 0)
            return 0;
    } else if (read_file(cg->dir[CG_V1_MEMORY], "memory.max_usage_in_bytes", buf, sizeof buf) < 0) {
        return 0;
    }
    return strtoull(buf, NULL, 10) / 1024;
}

bool sandbox_cgroup_oom_killed(sb_cgroup *cg)
{
    char buf[1024];
    if (!cg)
        return false;
    const char *dir = cg->version == 2 ? cg->dir[0] : cg->dir[CG_V1_MEMORY];
    const char *file = cg->version == 2 ? "memory.events" : "memory.oom_control";
    if (read_file(dir, file, buf, sizeof buf) < 0)
        return false;
    char *p = strstr(buf, "oom_kill ");
    if (p && strtoull(p + 9, NULL, 10) > 0)
        return true;
    if (cg->version == 1) {
        /* Older v1 kernels have no oom_kill counter: a hit limit tells. */
        if (read_file(dir, "memory.failcnt", buf, sizeof buf) == 0 && strtoull(buf, NULL, 10) > 0 &&
            !p)
            return true;
    }
    return false;
}

/* Kills every task listed in dir/cgroup.procs; returns how many. */
static int kill_listed(const char *dir)
{
    char path[300];
    snprintf(path, sizeof path, "%s/cgroup.procs", dir);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    int n = 0, pid;
    while (fscanf(f, "%d", &pid) == 1) {
        if (pid > 0 && kill(pid, SIGKILL) == 0)
            n++;
    }
    fclose(f);
    return n;
}

int sandbox_cgroup_destroy(sb_cgroup *cg)
{
    if (!cg)
        return 0;
    int stragglers = 0;
    int n = cg->version == 2 ? 1 : CG_V1_COUNT;
    if (cg->cpu_fd >= 0)
        close(cg->cpu_fd);
    for (int i = 0; i < n; i++) {
        if (!cg->dir[i][0])
            continue;
        /* The tasks are normally gone: the PID namespace died with its init.
         * Anything left is killed; rmdir succeeds once the kernel has
         * finished with them (a few ms at most). */
        for (int attempt = 0; attempt < 200; attempt++) {
            if (rmdir(cg->dir[i]) == 0 || errno == ENOENT)
                break;
            if (errno != EBUSY)
                break;
            if (cg->version == 2 && attempt == 0)
                (void)write_file(cg->dir[i], "cgroup.kill", "1");
            int k = kill_listed(cg->dir[i]);
            if (attempt == 0 || k > stragglers)
                stragglers = k > stragglers ? k : stragglers;
            struct timespec ts = {0, 5 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    free(cg);
    return stragglers;
}

bool sandbox_cgroup_contains(const sb_cgroup *cg, pid_t tid)
{
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%d/cgroup", (int)tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    char needle[96];
    snprintf(needle, sizeof needle, "/" PARENT "/%s\n", cg->name);
    return strstr(buf, needle) != NULL;
}
