/*
 * sandbox_life.c — a cf_sandbox from start to stop (fight.h's sandbox verbs).
 *
 * cf_sandbox_start probes every layer once (which the host has, which are
 * required), builds the seccomp program, blocks SIGCHLD into a signalfd for
 * the tracer's loop, ignores SIGPIPE (a dead coderunner's pipe must not kill
 * us), starts the forkserver (a fresh exec that initialises CPython while
 * the layers are probed here) and fills the pool of coderunners. Every job
 * of the sandbox then costs one clone per coderunner.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "controller.h"

#ifndef CF_PYTHON_HOME
#define CF_PYTHON_HOME "/usr"
#endif

static void layer(cf_sandbox *sb, enum sb_layer l, bool active, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void layer(cf_sandbox *sb, enum sb_layer l, bool active, const char *fmt, ...)
{
    sb->layers[l].active = active;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sb->layers[l].detail, sizeof sb->layers[l].detail, fmt, ap);
    va_end(ap);
}

static void probe_layers(cf_sandbox *sb, char *err, size_t errlen)
{
    if (sb->opts.unsafe_no_sandbox) {
        for (int l = 0; l < SB_LAYER_COUNT; l++)
            layer(sb, l, false, "absent (--no-sandbox: UNSAFE, plain Python processes)");
        return;
    }
    layer(sb, SB_LAYER_NAMESPACES, true,
          "active (pid, mount, ipc, uts per bot; one empty net; uid %d+slot)", SB_UID_BASE);
    layer(sb, SB_LAYER_MOUNTS, true, "active (read-only minimal root, private %s /tmp%s)",
          sandbox_profile(SB_KIND_BOT)->tmpfs_size, sb->opts.arcade ? ", 80m for games" : "");
    (void)sandbox_cgroup_probe(&sb->layers[SB_LAYER_CGROUP]);
    layer(sb, SB_LAYER_RLIMITS, true, "active (cpu, fsize, nofile, core, memlock, msgqueue)");
    if (sandbox_apparmor_probe(&sb->layers[SB_LAYER_APPARMOR]) == 1)
        sb->plan.apparmor = true;
    int abi = sandbox_landlock_abi();
    if (abi > 0) {
        sb->plan.landlock = true;
        sb->plan.landlock_abi = abi;
        layer(sb, SB_LAYER_LANDLOCK, true, "active (ABI %d%s%s)", abi,
              abi >= 4 ? ", tcp denied" : "", abi >= 6 ? ", scoped signals and unix sockets" : "");
    } else {
        layer(sb, SB_LAYER_LANDLOCK, false, "absent (kernel has no Landlock)");
    }
    sb->plan.seccomp_prog = sandbox_seccomp_build(err, errlen);
    if (sb->plan.seccomp_prog)
        layer(sb, SB_LAYER_SECCOMP, true,
              "active (allow-list, kill by default, rare calls traced)");
    else
        layer(sb, SB_LAYER_SECCOMP, false, "absent (%s)", err);
    layer(sb, SB_LAYER_PTRACE, true, "active (seize, exitkill, fork/clone/seccomp/exit events)");

    /* Only a test program can ask for this (sandbox_test_skip_layers). */
    uint32_t skip =
        sandbox_test_skip_layers() &
        ((1u << SB_LAYER_MOUNTS) | (1u << SB_LAYER_LANDLOCK) | (1u << SB_LAYER_SECCOMP));
    sb->plan.skip = skip;
    for (int l = 0; l < SB_LAYER_COUNT; l++)
        if (skip & (1u << l))
            layer(sb, l, false, "absent (turned off by a test program)");
    if (skip & (1u << SB_LAYER_LANDLOCK))
        sb->plan.landlock = false;
    if (skip & (1u << SB_LAYER_SECCOMP)) {
        sandbox_seccomp_free((void *)sb->plan.seccomp_prog);
        sb->plan.seccomp_prog = NULL;
    }
}

/* Is every layer named in the comma-separated list active? */
static int check_required(const cf_sandbox *sb, const char *list, char *err, size_t errlen)
{
    if (!list || !*list)
        return 0;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", list);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
        int found = -1;
        for (int l = 0; l < SB_LAYER_COUNT; l++)
            if (strcmp(tok, sandbox_layer_name(l)) == 0)
                found = l;
        if (found < 0) {
            snprintf(err, errlen, "unknown sandbox layer \"%s\" in the required list", tok);
            return -1;
        }
        if (!sb->layers[found].active) {
            snprintf(err, errlen, "required sandbox layer %s is not active: %s", tok,
                     sb->layers[found].detail);
            return -1;
        }
    }
    return 0;
}

cf_sandbox *cf_sandbox_start(const cf_sandbox_options *opts, char *err, size_t errlen)
{
    cf_sandbox *sb = calloc(1, sizeof *sb);
    if (!sb) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    sb->opts = *opts;
    sb->sigchld_fd = -1;
    sb->plan.unsafe = opts->unsafe_no_sandbox;
    if (!opts->unsafe_no_sandbox && geteuid() != 0) {
        snprintf(err, errlen,
                 "the sandbox needs root (namespaces, cgroups, ptrace); run as root, "
                 "or use --no-sandbox for an UNSAFE development run");
        free(sb);
        return NULL;
    }
    /* The forkserver starts CPython (the slow part) while the layers are
     * probed and the seccomp program built here. */
    sb->fs = forkserver_launch(opts->python_home ? opts->python_home : CF_PYTHON_HOME, opts->arcade,
                               !opts->single_fight, err, errlen);
    if (!sb->fs)
        goto fail;
    char perr[256] = "";
    probe_layers(sb, perr, sizeof perr);
    if (!opts->unsafe_no_sandbox) {
        /* These layers are the sandbox: without them nothing runs. */
        static const enum sb_layer essential[] = {SB_LAYER_CGROUP, SB_LAYER_SECCOMP};
        for (size_t i = 0; i < sizeof essential / sizeof essential[0]; i++)
            if (!sb->layers[essential[i]].active && !(sb->plan.skip & (1u << essential[i]))) {
                snprintf(err, errlen, "sandbox layer %s unavailable: %s",
                         sandbox_layer_name(essential[i]), sb->layers[essential[i]].detail);
                goto fail;
            }
    }
    if (check_required(sb, opts->require_layers, err, errlen) < 0)
        goto fail;

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &set, &sb->old_mask) < 0) {
        snprintf(err, errlen, "sigprocmask: %s", strerror(errno));
        goto fail;
    }
    sb->mask_set = true;
    if ((sb->sigchld_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
        snprintf(err, errlen, "signalfd: %s", strerror(errno));
        goto fail;
    }
    signal(SIGPIPE, SIG_IGN);
    if (forkserver_boot(sb->fs, &sb->plan, err, errlen) < 0)
        goto fail;
    ctl_pool_fill(sb);
    return sb;
fail:
    cf_sandbox_stop(sb);
    return NULL;
}

void cf_sandbox_describe(const cf_sandbox *sb, FILE *out)
{
    if (sb->opts.unsafe_no_sandbox)
        fprintf(out, "WARNING: --no-sandbox: bots run as plain, UNSAFE Python processes with "
                     "your privileges; never run untrusted code like this\n");
    for (int l = 0; l < SB_LAYER_COUNT; l++)
        fprintf(out, "%s: %s\n", sandbox_layer_name(l), sb->layers[l].detail);
}

/* One row of the table; false when memory ran out. */
static bool add_layer_json(cJSON *arr, const char *name, bool active, const char *detail)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || !cJSON_AddItemToArray(arr, o)) {
        cJSON_Delete(o);
        return false;
    }
    return cJSON_AddStringToObject(o, "layer", name) != NULL &&
           cJSON_AddBoolToObject(o, "active", active) != NULL &&
           cJSON_AddStringToObject(o, "detail", detail) != NULL;
}

char *cf_sandbox_layers_json(const cf_sandbox *sb)
{
    cJSON *arr = cJSON_CreateArray();
    bool ok = arr != NULL;
    if (ok && sb->opts.unsafe_no_sandbox)
        ok = add_layer_json(arr, "sandbox", false, "UNSAFE: simulator.unsafe_no_sandbox is on");
    for (int l = 0; ok && l < SB_LAYER_COUNT; l++)
        ok = add_layer_json(arr, sandbox_layer_name(l), sb->layers[l].active, sb->layers[l].detail);
    char *text = ok ? cJSON_PrintUnformatted(arr) : NULL;
    cJSON_Delete(arr);
    return text;
}

void cf_sandbox_stop(cf_sandbox *sb)
{
    if (!sb)
        return;
    ctl_pool_drain(sb);
    forkserver_stop(sb->fs);
    if (sb->sigchld_fd >= 0)
        close(sb->sigchld_fd);
    if (sb->mask_set)
        sigprocmask(SIG_SETMASK, &sb->old_mask, NULL);
    sandbox_seccomp_free((void *)sb->plan.seccomp_prog);
    free(sb);
}
