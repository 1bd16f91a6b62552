/*
 * sandbox_mounts.c — layer 2: a minimal, read-only view of the filesystem.
 *
 * Built ONCE by the forkserver, which then lives in it: a private mount
 * namespace, a small tmpfs as the new root holding read-only bind mounts of
 * the Python runtime (/usr/lib/python3.11) and the shared libraries its
 * extension modules load (/usr/lib/x86_64-linux-gnu), the harmless devices
 * (null, zero, random, urandom), and an empty /tmp; then pivot_root and the
 * old root detached, and the new root remounted read-only. Nothing else of
 * the host exists in it: no /etc, /home, /proc, /sys, /run, no sockets of
 * the services, no other bot's code (bot code travels over a pipe, never as a
 * file). Each coderunner is cloned into its own copy of this namespace and
 * mounts a private, size-capped, noexec tmpfs on /tmp: the only writable
 * place it has.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"

#define NEWROOT "/tmp" /* shadowed only inside the forkserver's namespace */

const char *const sandbox_view_dirs[] = {
    "/usr/lib/python3.11",
    "/usr/lib/x86_64-linux-gnu",
    NULL,
};
const char *const sandbox_view_devices[] = {"/dev/null", "/dev/zero", "/dev/random", "/dev/urandom",
                                            NULL};

static int fail(char *err, size_t errlen, const char *what, const char *path)
{
    snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
    return -1;
}

/* mkdir -p of path (absolute) */
static int make_dirs(const char *path, char *err, size_t errlen)
{
    char buf[512];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        snprintf(err, errlen, "path too long: %s", path);
        return -1;
    }
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                return fail(err, errlen, "mkdir", buf);
            *p = c;
            if (c == '\0')
                break;
        }
    }
    return 0;
}

/* Remount a bind read-only, keeping the flags the kernel locked on it. */
static int bind_ro(const char *src, const char *dst, bool dev, char *err, size_t errlen)
{
    if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
        return fail(err, errlen, "bind", src);
    struct statvfs sv;
    if (statvfs(dst, &sv) < 0)
        return fail(err, errlen, "statvfs", dst);
    unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID;
    if (!dev)
        flags |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC)
        flags |= MS_NOEXEC;
    if (sv.f_flag & ST_NODEV)
        flags |= MS_NODEV;
    if (sv.f_flag & ST_NOATIME)
        flags |= MS_NOATIME;
    if (sv.f_flag & ST_RELATIME)
        flags |= MS_RELATIME;
    if (mount(NULL, dst, NULL, flags, NULL) < 0)
        return fail(err, errlen, "remount read-only", dst);
    return 0;
}

int sandbox_mounts_prepare(char *err, size_t errlen)
{
    char dst[512];
    if (unshare(CLONE_NEWNS) < 0)
        return fail(err, errlen, "unshare", "CLONE_NEWNS");
    /* Nothing we mount may propagate back to the host. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return fail(err, errlen, "make private", "/");
    if (mount("cf-root", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV,
              "size=64k,nr_inodes=256,mode=755") < 0)
        return fail(err, errlen, "mount tmpfs", NEWROOT);

    for (size_t i = 0; sandbox_view_dirs[i]; i++) {
        snprintf(dst, sizeof dst, NEWROOT "%s", sandbox_view_dirs[i]);
        if (make_dirs(dst, err, errlen) < 0 ||
            bind_ro(sandbox_view_dirs[i], dst, false, err, errlen) < 0)
            return -1;
    }
    if (make_dirs(NEWROOT "/dev", err, errlen) < 0 || make_dirs(NEWROOT "/tmp", err, errlen) < 0 ||
        make_dirs(NEWROOT "/usr/lib64", err, errlen) < 0)
        return -1;
    for (size_t i = 0; sandbox_view_devices[i]; i++) {
        snprintf(dst, sizeof dst, NEWROOT "%s", sandbox_view_devices[i]);
        int fd = open(dst, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        if (fd < 0)
            return fail(err, errlen, "create", dst);
        close(fd);
        if (bind_ro(sandbox_view_devices[i], dst, true, err, errlen) < 0)
            return -1;
    }
    /* Debian's merged /usr: the loader looks in /lib/x86_64-linux-gnu. */
    if (symlink("usr/lib", NEWROOT "/lib") < 0 || symlink("usr/lib64", NEWROOT "/lib64") < 0)
        return fail(err, errlen, "symlink", "/lib");

    if (chdir(NEWROOT) < 0)
        return fail(err, errlen, "chdir", NEWROOT);
    /* pivot_root(".", "."): the old root ends up stacked under the new one,
     * and is detached at once. */
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return fail(err, errlen, "pivot_root", NEWROOT);
    if (umount2(".", MNT_DETACH) < 0)
        return fail(err, errlen, "detach old root", "/");
    if (chdir("/") < 0)
        return fail(err, errlen, "chdir", "/");
    if (mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
        return fail(err, errlen, "remount read-only", "/");
    return 0;
}

int sandbox_mounts_child(int slot, const sb_profile *profile, char *err, size_t errlen)
{
    char opts[128];
    unsigned id = (unsigned)(SB_UID_BASE + slot);
    snprintf(opts, sizeof opts, "size=%s,nr_inodes=%d,mode=700,uid=%u,gid=%u", profile->tmpfs_size,
             profile->tmpfs_inodes, id, id);
    if (mount("cf-tmp", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0)
        return fail(err, errlen, "mount tmpfs", "/tmp");
    return 0;
}
