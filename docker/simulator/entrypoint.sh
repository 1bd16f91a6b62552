#!/bin/sh
# cf-simulator's entrypoint: gives the sandbox a writable cgroup tree of its
# own and a view of AppArmor, then becomes cf-simulator (same PID, so the consumer name stays
# hostname-1).
#
# Docker mounts the container's own control groups read-only under
# /sys/fs/cgroup. Remounting them read-write (CAP_SYS_ADMIN, granted for the
# sandbox's namespaces anyway) lets the sandbox create its "codefights"
# groups there — inside this container's groups, so its limits still apply
# and no other group of the host is visible or writable.
#   cgroup v1: each controller the sandbox uses (memory, pids, cpuacct).
#   cgroup v2 (private cgroup namespace, Docker's default there): the one
#   tree; this process first moves to a leaf group "service", because v2
#   only delegates controllers from a group with no process of its own.
# A failure is reported, not fatal: the sandbox then says "cgroup: absent"
# at start-up (and refuses to start if simulator.require_layers has cgroup).
set -u
cg=/sys/fs/cgroup
say() { echo "cf-simulator-entrypoint: $*" >&2; }
remount_rw() {
    grep -q " $1 cgroup2\? ro," /proc/self/mounts || return 0
    mount -o remount,rw "$1" 2>/dev/null || mount -o remount,bind,rw "$1" 2>/dev/null ||
        say "cannot remount $1 read-write (is CAP_SYS_ADMIN granted?)"
}
if [ -f "$cg/cgroup.controllers" ]; then
    remount_rw "$cg"
    if mkdir -p "$cg/service" 2>/dev/null && echo $$ >"$cg/service/cgroup.procs" 2>/dev/null; then
        :
    else
        say "cannot move into $cg/service; the sandbox may find cgroup v2 busy"
    fi
else
    for c in memory pids cpuacct; do
        [ -d "$cg/$c" ] && remount_rw "$cg/$c"
    done
fi
# AppArmor: Docker does not mount securityfs in containers, so the sandbox
# could not see that the host loaded codefights-coderunner. Mount it
# read-only (loading policy would need CAP_MAC_ADMIN, which is not granted).
if [ -d /sys/module/apparmor ] && [ ! -e /sys/kernel/security/apparmor ]; then
    mount -t securityfs -o ro,nosuid,nodev,noexec securityfs /sys/kernel/security 2>/dev/null ||
        say "cannot mount securityfs: apparmor will be reported absent"
fi
exec "$@"
