/*
 * sandbox_rlimits.c — layer 3b: resource limits, a second net under the
 * cgroup. CPU (the cgroup's CPU accounting is the first net: the controller
 * reads it after every call; RLIMIT_CPU catches a bot between calls, per
 * process), file size, open files, no core dumps, no locked memory, no POSIX
 * message queues. Deliberately NOT RLIMIT_AS: four idle Python threads
 * reserve about 300 MB of address space, so the memory limit is the
 * cgroup's, on resident memory. NOT RLIMIT_NPROC either: it counts per uid
 * across the whole host, and the pids controller counts per bot.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "sandbox.h"

static int set(int res, rlim_t soft, rlim_t hard, const char *name, char *err, size_t errlen)
{
    struct rlimit rl = {soft, hard};
    if (setrlimit(res, &rl) < 0) {
        snprintf(err, errlen, "setrlimit %s: %s", name, strerror(errno));
        return -1;
    }
    return 0;
}

int sandbox_rlimits_cpu(uint32_t cpu_ms, char *err, size_t errlen)
{
    rlim_t cpu_s = (rlim_t)(cpu_ms + 999) / 1000 + 1;
    return set(RLIMIT_CPU, cpu_s, cpu_s + 1, "CPU", err, errlen);
}

int sandbox_rlimits_apply(uint32_t cpu_ms, const sb_profile *profile, char *err, size_t errlen)
{
    /* Whole seconds, rounded up, plus one: the cgroup decides first. */
    rlim_t cpu_s = (rlim_t)(cpu_ms + 999) / 1000 + 1;
    if (set(RLIMIT_CPU, cpu_s, cpu_s + 1, "CPU", err, errlen) < 0 ||
        set(RLIMIT_FSIZE, profile->fsize, profile->fsize, "FSIZE", err, errlen) < 0 ||
        set(RLIMIT_NOFILE, 64, 64, "NOFILE", err, errlen) < 0 ||
        set(RLIMIT_CORE, 0, 0, "CORE", err, errlen) < 0 ||
        set(RLIMIT_MEMLOCK, 0, 0, "MEMLOCK", err, errlen) < 0 ||
        set(RLIMIT_MSGQUEUE, 0, 0, "MSGQUEUE", err, errlen) < 0)
        return -1;
    return 0;
}
