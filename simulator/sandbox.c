/*
 * sandbox.c — the one function that locks a coderunner in, layer by layer, in
 * the order the kernel needs. Read it top to bottom to check the story:
 *
 *   (clone)    fresh PID, mount, IPC and UTS namespaces; the forkserver's one
 *              empty network namespace; the forkserver's read-only minimal
 *              root (sandbox_ns_clone_flags, sandbox_mounts_prepare)
 *   (cgroup)   the coderunner moves itself into its cgroups first thing
 *              (coderunner.c; v2: the controller moves it)
 *   (seized)   the coderunner waits until the controller has attached with
 *              ptrace, so attaching never races the uid drop below
 *   1 mounts   a private size-capped tmpfs on /tmp      needs CAP_SYS_ADMIN
 *   2 uts      hostname "codefights"                    needs CAP_SYS_ADMIN
 *   3 rlimits  CPU, FSIZE, NOFILE, CORE, ...            lowering is free
 *   4 apparmor change to the coderunner profile         before the uid drop
 *   5 uid      setgroups(0), gid and uid 60000+slot     all capabilities go
 *   6 nnp      PR_SET_NO_NEW_PRIVS                      needed by 7 and 8
 *   7 landlock read-only everything but /tmp            after the mounts
 *   (go)       the controller has seen us in our cgroups;
 *              the go message lowers RLIMIT_CPU to the fight's budget
 *   8 seccomp  the allow-list, last: every call above is then forbidden
 *
 * The environment was emptied in the forkserver before Python started, and
 * the coderunner keeps only its pipes (coderunner.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "sandbox.h"

static const char *const layer_names[SB_LAYER_COUNT] = {
    [SB_LAYER_NAMESPACES] = "namespaces", [SB_LAYER_MOUNTS] = "mounts",
    [SB_LAYER_CGROUP] = "cgroup",         [SB_LAYER_RLIMITS] = "rlimits",
    [SB_LAYER_APPARMOR] = "apparmor",     [SB_LAYER_LANDLOCK] = "landlock",
    [SB_LAYER_SECCOMP] = "seccomp",       [SB_LAYER_PTRACE] = "ptrace",
};

const char *sandbox_layer_name(enum sb_layer layer)
{
    if ((int)layer < 0 || layer >= SB_LAYER_COUNT)
        return "?";
    return layer_names[layer];
}

/* A bot needs little room; a game unpacks its bundle (at most 64 MiB in
 * 1000 files of 16 MiB each, play_harness.py) into /tmp. tmpfs pages are
 * charged to the coderunner's memory cgroup, so the room is also bounded by
 * the job's memory limit. */
static const sb_profile profiles[] = {
    [SB_KIND_BOT] = {.tmpfs_size = "4m", .tmpfs_inodes = 64, .fsize = 4ul << 20},
    [SB_KIND_GAME] = {.tmpfs_size = "80m", .tmpfs_inodes = 2048, .fsize = 17ul << 20},
};

const sb_profile *sandbox_profile(enum sb_kind kind)
{
    return &profiles[kind == SB_KIND_GAME ? SB_KIND_GAME : SB_KIND_BOT];
}

__attribute__((weak)) uint32_t sandbox_test_skip_layers(void)
{
    return 0;
}

int sandbox_apply(const sb_child_plan *plan, char *err, size_t errlen)
{
    bool mounts = !(plan->skip & (1u << SB_LAYER_MOUNTS));
    if (plan->unsafe) {
        /* No layer at all; a process group so the controller can kill the
         * bot's children with it. */
        (void)setpgid(0, 0);
        return 0;
    }
    const sb_profile *profile = sandbox_profile(plan->kind);
    if (mounts && sandbox_mounts_child(plan->slot, profile, err, errlen) < 0)
        return -1;
    if (sandbox_ns_set_hostname(err, errlen) < 0)
        return -1;
    if (sandbox_rlimits_apply(plan->cpu_ms, profile, err, errlen) < 0)
        return -1;
    if (plan->apparmor && sandbox_apparmor_apply(err, errlen) < 0)
        return -1;
    if (sandbox_ns_drop_uid(plan->slot, err, errlen) < 0)
        return -1;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        snprintf(err, errlen, "no_new_privs: %s", strerror(errno));
        return -1;
    }
    if (plan->landlock && sandbox_landlock_apply(plan->landlock_abi, mounts, err, errlen) < 0)
        return -1;
    return 0;
}
