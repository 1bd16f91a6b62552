/*
 * test_layers_alone.c — each layer alone must hold (docs/sandbox.md): the same
 * probe bot runs with one layer turned off, and what that layer would have
 * stopped is still stopped by the others. Layers are turned off through
 * sandbox_test_skip_layers(), which only a test program can define.
 *
 *   mounts off   (the host's whole filesystem in view): Landlock still
 *                refuses reading /etc/passwd, listing /home, writing /tmp
 *                and the standard library.
 *   landlock off: the minimal read-only view still hides /etc and /home and
 *                refuses writing the standard library.
 *   seccomp off  (socket() allowed): the empty network namespace and
 *                Landlock still keep TCP to 127.0.0.1 and abstract unix
 *                sockets on the host out of reach; the listeners get nothing.
 *
 *   test_layers_alone SOURCE_DIR       (root)
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fight.h"
#include "fight_entry.h"
#include "sandbox.h"
#include "sandbox_testing.h"

static uint32_t skip_mask;

uint32_t sandbox_test_skip_layers(void)
{
    return skip_mask;
}

/* Runs the probe against an idle bot; returns the probe's observations. */
static cJSON *run_probe(const char *source, int port, const char *abstract_name, bool net)
{
    char *body = load_bot(source, "probe_alone.py");
    char *idle = load_bot(source, "idle.py");
    size_t len = strlen(body) + 256;
    char *code = malloc(len);
    snprintf(code, len, "PORT = %d\nABSTRACT = \"%s\"\nNET = %s\n%s", port, abstract_name,
             net ? "True" : "False", body);

    char err[512];
    cf_sandbox_options opts = {.single_fight = true};
    cf_sandbox *sb = cf_sandbox_start(&opts, err, sizeof err);
    CHECK(sb != NULL, "sandbox start: %s", err);
    cJSON *obs = NULL;
    if (sb) {
        cf_fight_entry m;
        make_msg(&m, "tanks", "probe.py", "idle.py", code, idle);
        cJSON *r = cf_fight_run(sb, &m, NULL, err, sizeof err);
        CHECK(r != NULL, "fight: %s", err);
        const cJSON *p = r ? cJSON_GetArrayItem(cJSON_GetObjectItem(r, "players"), 0) : NULL;
        const char *log = p ? cJSON_GetStringValue(cJSON_GetObjectItem(p, "log")) : NULL;
        const char *line = log ? strstr(log, "ALONE ") : NULL;
        CHECK(line != NULL, "no observations in the probe's log (verdict %s: %s): %s",
              p ? cJSON_GetStringValue(cJSON_GetObjectItem(p, "verdict")) : "?",
              p ? cJSON_GetStringValue(cJSON_GetObjectItem(p, "detail")) : "?",
              log ? log : "(none)");
        if (line) {
            obs = cJSON_Parse(line + 6);
            printf("skip 0x%x: %.*s\n", skip_mask, (int)strcspn(line, "\n"), line);
        }
        cJSON_Delete(r);
        cf_sandbox_stop(sb);
    }
    free(code);
    free(body);
    free(idle);
    return obs;
}

static const char *seen(const cJSON *obs, const char *key)
{
    const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(obs, key));
    return v ? v : "?";
}

static int listener_tcp(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 8) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) < 0) {
        perror("tcp listener");
        exit(2);
    }
    *port = ntohs(a.sin_port);
    return fd;
}

static int listener_abstract(char *name, size_t len)
{
    snprintf(name, len, "cf-alone-%d", (int)getpid());
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    memcpy(a.sun_path + 1, name, strlen(name));
    socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, alen) < 0 || listen(fd, 8) < 0) {
        perror("abstract listener");
        exit(2);
    }
    return fd;
}

static bool host_tmp_written(void)
{
    glob_t g;
    bool found = glob("/tmp/cf-alone-*", 0, NULL, &g) == 0 && g.gl_pathc > 0;
    globfree(&g);
    return found;
}

int main(int argc, char **argv)
{
    int bad_args = sandbox_test_args(argc, "test_layers_alone");
    if (bad_args != 0)
        return bad_args;
    int port;
    char abstract_name[64];
    int tcp = listener_tcp(&port);
    int unx = listener_abstract(abstract_name, sizeof abstract_name);

    skip_mask = 1u << SB_LAYER_MOUNTS;
    cJSON *obs = run_probe(argv[1], port, abstract_name, false);
    if (obs) {
        CHECK(strcmp(seen(obs, "read_passwd"), "EACCES") == 0, "mounts off, read: %s",
              seen(obs, "read_passwd"));
        CHECK(strcmp(seen(obs, "list_home"), "EACCES") == 0 ||
                  strcmp(seen(obs, "list_home"), "ENOENT") == 0,
              "mounts off, list /home: %s", seen(obs, "list_home"));
        CHECK(strcmp(seen(obs, "write_tmp"), "EACCES") == 0, "mounts off, write /tmp: %s",
              seen(obs, "write_tmp"));
        CHECK(strcmp(seen(obs, "write_stdlib"), "ok") != 0, "mounts off, write stdlib: %s",
              seen(obs, "write_stdlib"));
        CHECK(!host_tmp_written(), "mounts off: a file appeared in the host's /tmp");
    }
    cJSON_Delete(obs);

    skip_mask = 1u << SB_LAYER_LANDLOCK;
    obs = run_probe(argv[1], port, abstract_name, false);
    if (obs) {
        CHECK(strcmp(seen(obs, "read_passwd"), "ENOENT") == 0, "landlock off, read: %s",
              seen(obs, "read_passwd"));
        CHECK(strcmp(seen(obs, "list_home"), "ENOENT") == 0, "landlock off, list: %s",
              seen(obs, "list_home"));
        CHECK(strcmp(seen(obs, "write_stdlib"), "EROFS") == 0, "landlock off, write stdlib: %s",
              seen(obs, "write_stdlib"));
        CHECK(strcmp(seen(obs, "write_tmp"), "ok") == 0, "landlock off, private /tmp: %s",
              seen(obs, "write_tmp"));
        CHECK(!host_tmp_written(), "landlock off: a file appeared in the host's /tmp");
    }
    cJSON_Delete(obs);

    skip_mask = 1u << SB_LAYER_SECCOMP;
    obs = run_probe(argv[1], port, abstract_name, true);
    if (obs) {
        CHECK(strcmp(seen(obs, "tcp"), "ok") != 0, "seccomp off, tcp: %s", seen(obs, "tcp"));
        CHECK(strcmp(seen(obs, "abstract"), "ok") != 0, "seccomp off, abstract: %s",
              seen(obs, "abstract"));
    }
    cJSON_Delete(obs);
    int c1 = accept(tcp, NULL, NULL), c2 = accept(unx, NULL, NULL);
    CHECK(c1 < 0 && c2 < 0, "a listener on the host received a connection");
    close(tcp);
    close(unx);

    if (failures)
        fprintf(stderr, "%d failure(s)\n", failures);
    else
        printf("test_layers_alone: all checks passed\n");
    return failures ? 1 : 0;
}
