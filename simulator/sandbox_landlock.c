/*
 * sandbox_landlock.c — layer 4a: Landlock, by raw system calls.
 *
 * Applied after the mounts, and holding alone: reading is allowed only in
 * the Python runtime and the harmless devices (the view's own list), writing
 * only in the bot's private /tmp and /dev/null, executing nowhere. From ABI 4 on, TCP
 * bind and connect are handled (so denied); from ABI 6 on, the bot is scoped
 * so it can neither connect to abstract unix sockets outside its domain nor
 * signal processes outside it. The installed <linux/landlock.h> is older than
 * the kernel, so the newer constants are written here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH 1

#define LL_FS_EXECUTE (1ULL << 0)
#define LL_FS_WRITE_FILE (1ULL << 1)
#define LL_FS_READ_FILE (1ULL << 2)
#define LL_FS_READ_DIR (1ULL << 3)
#define LL_FS_REMOVE_DIR (1ULL << 4)
#define LL_FS_REMOVE_FILE (1ULL << 5)
#define LL_FS_MAKE_CHAR (1ULL << 6)
#define LL_FS_MAKE_DIR (1ULL << 7)
#define LL_FS_MAKE_REG (1ULL << 8)
#define LL_FS_MAKE_SOCK (1ULL << 9)
#define LL_FS_MAKE_FIFO (1ULL << 10)
#define LL_FS_MAKE_BLOCK (1ULL << 11)
#define LL_FS_MAKE_SYM (1ULL << 12)
#define LL_FS_REFER (1ULL << 13)           /* ABI 2 */
#define LL_FS_TRUNCATE (1ULL << 14)        /* ABI 3 */
#define LL_FS_IOCTL_DEV (1ULL << 15)       /* ABI 5 */
#define LL_NET_BIND_TCP (1ULL << 0)        /* ABI 4 */
#define LL_NET_CONNECT_TCP (1ULL << 1)     /* ABI 4 */
#define LL_SCOPE_ABSTRACT_UNIX (1ULL << 0) /* ABI 6 */
#define LL_SCOPE_SIGNAL (1ULL << 1)        /* ABI 6 */

struct ll_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};

struct ll_path_beneath {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

int sandbox_landlock_abi(void)
{
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
    return abi < 0 ? 0 : (int)abi;
}

static uint64_t fs_rights(int abi)
{
    uint64_t all = LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | LL_FS_READ_DIR |
                   LL_FS_REMOVE_DIR | LL_FS_REMOVE_FILE | LL_FS_MAKE_CHAR | LL_FS_MAKE_DIR |
                   LL_FS_MAKE_REG | LL_FS_MAKE_SOCK | LL_FS_MAKE_FIFO | LL_FS_MAKE_BLOCK |
                   LL_FS_MAKE_SYM;
    if (abi >= 2)
        all |= LL_FS_REFER;
    if (abi >= 3)
        all |= LL_FS_TRUNCATE;
    if (abi >= 5)
        all |= LL_FS_IOCTL_DEV;
    return all;
}

static int add_path(int ruleset, const char *path, uint64_t access, char *err, size_t errlen)
{
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "landlock open %s: %s", path, strerror(errno));
        return -1;
    }
    struct ll_path_beneath pb = {.allowed_access = access, .parent_fd = fd};
    long rc = syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &pb, 0);
    int saved = errno;
    close(fd);
    if (rc < 0) {
        snprintf(err, errlen, "landlock_add_rule %s: %s", path, strerror(saved));
        return -1;
    }
    return 0;
}

int sandbox_landlock_apply(int abi, bool writable_tmp, char *err, size_t errlen)
{
    struct ll_ruleset_attr attr = {.handled_access_fs = fs_rights(abi)};
    size_t size = sizeof attr.handled_access_fs;
    if (abi >= 4) {
        attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
        size = 2 * sizeof(uint64_t);
    }
    if (abi >= 6) {
        attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
        size = sizeof attr;
    }
    int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
    if (rs < 0) {
        snprintf(err, errlen, "landlock_create_ruleset: %s", strerror(errno));
        return -1;
    }
    /* Reading: the Python runtime and the harmless devices, nothing else
     * (the same list the mounts bind), so this layer alone keeps the host's
     * files unreadable even in a full view of the host. Writing: the bot's
     * private /tmp and /dev/null. */
    uint64_t ro = LL_FS_READ_FILE | LL_FS_READ_DIR;
    uint64_t rw = attr.handled_access_fs & ~(LL_FS_EXECUTE | LL_FS_MAKE_CHAR | LL_FS_MAKE_BLOCK |
                                             LL_FS_MAKE_SOCK | LL_FS_MAKE_FIFO | LL_FS_IOCTL_DEV);
    int rc = 0;
    for (size_t i = 0; rc == 0 && sandbox_view_dirs[i]; i++)
        rc = add_path(rs, sandbox_view_dirs[i], ro, err, errlen);
    for (size_t i = 0; rc == 0 && sandbox_view_devices[i]; i++)
        rc = add_path(rs, sandbox_view_devices[i], LL_FS_READ_FILE, err, errlen);
    if (rc == 0 && writable_tmp)
        rc = add_path(rs, "/tmp", rw, err, errlen);
    /* /dev/null stays writable (print(file=open(os.devnull, "w"))). */
    if (rc == 0)
        rc = add_path(rs, "/dev/null", LL_FS_READ_FILE | LL_FS_WRITE_FILE, err, errlen);
    if (rc == 0 && syscall(SYS_landlock_restrict_self, rs, 0) != 0) {
        snprintf(err, errlen, "landlock_restrict_self: %s", strerror(errno));
        rc = -1;
    }
    close(rs);
    return rc;
}
