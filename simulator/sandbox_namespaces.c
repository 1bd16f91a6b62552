/*
 * sandbox_namespaces.c — layer 1: namespaces and the uid drop.
 *
 * Each coderunner is cloned into fresh PID, mount, IPC and UTS namespaces:
 * it is PID 1 of a namespace of its own, so it sees no other process, and
 * killing it kills everything it started (daemons included). The network
 * namespace is created ONCE by the forkserver (about 0.6 ms here, far more on
 * some hosts) and shared by every bot: it has no interface up, and because
 * abstract unix sockets live in the network namespace, socket() is forbidden
 * by seccomp so bots cannot meet there.
 *
 * No user namespace: each bot of a fight runs as its own unprivileged uid
 * (60000 + slot) with no capabilities, so bots of one fight cannot signal or
 * trace each other even without the PID namespaces.
 */
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"

unsigned long sandbox_ns_clone_flags(bool unsafe)
{
    /* CLONE_PARENT: the controller, not the forkserver, is the parent, so
     * it reaps the bot and receives SIGCHLD. */
    if (unsafe)
        return CLONE_PARENT;
    return CLONE_PARENT | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS;
}

int sandbox_ns_enter_empty_net(char *err, size_t errlen)
{
    if (unshare(CLONE_NEWNET) < 0) {
        snprintf(err, errlen, "unshare(CLONE_NEWNET): %s", strerror(errno));
        return -1;
    }
    return 0;
}

int sandbox_ns_set_hostname(char *err, size_t errlen)
{
    static const char name[] = "codefights";
    if (sethostname(name, sizeof name - 1) < 0) {
        snprintf(err, errlen, "sethostname: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int sandbox_ns_drop_uid(int slot, char *err, size_t errlen)
{
    uid_t id = (uid_t)(SB_UID_BASE + slot);
    if (setgroups(0, NULL) < 0 || setresgid(id, id, id) < 0 || setresuid(id, id, id) < 0) {
        snprintf(err, errlen, "uid drop to %u: %s", (unsigned)id, strerror(errno));
        return -1;
    }
    /* Make sure the drop is real and irreversible. */
    if (setresuid(0, 0, 0) == 0 || geteuid() != id || getegid() != id) {
        snprintf(err, errlen, "uid drop to %u did not hold", (unsigned)id);
        return -1;
    }
    return 0;
}
