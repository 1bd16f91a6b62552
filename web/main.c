/*
 * main.c — cf-web: configuration, the listening sockets, the worker threads.
 *
 * Each worker thread gets its own SO_REUSEPORT socket, so the kernel spreads
 * connections across threads and no lock sits on the request path. Before
 * serving, the games registry is written to the database (so fights can
 * reference games by name) and the outbox relay, the ladder scheduler, the
 * progress reader and the revocation reader start. With --grant-operator
 * or --revoke-operator it only changes that account's role and exits
 * (docs/operations.md).
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/thread.h>
#include <sodium.h>

#include "config.h"
#include "heartbeat.h"
#include "log.h"
#include "web.h"

web_settings web_cfg;

static const cf_config_key web_keys[] = {
    {.name = "web.listen",
     .type = CF_CONFIG_STRING,
     .def = "127.0.0.1:8080",
     .doc = "address:port cf-web listens on"},
    {.name = "web.static_dir",
     .type = CF_CONFIG_STRING,
     .def = CF_WEB_STATIC_DIR_DEFAULT,
     .doc = "directory of the front end served at /"},
    {.name = "web.games_dir",
     .type = CF_CONFIG_STRING,
     .def = CF_WEB_GAMES_DIR_DEFAULT,
     .doc = "directory of the games' folders (viewers read from <dir>/<game>/web first)"},
    {.name = "web.public_url",
     .type = CF_CONFIG_STRING,
     .def = "http://127.0.0.1:8080",
     .doc = "external URL of the site, used in password reset links"},
    {.name = "web.max_upload",
     .type = CF_CONFIG_INT,
     .def = "1048576",
     .min = 1024,
     .max = 16777216,
     .doc = "largest bot source accepted, in bytes (larger: 413)"},
    {.name = "web.secure_cookies",
     .type = CF_CONFIG_BOOL,
     .def = "false",
     .doc = "mark the session cookie Secure (turn on behind HTTPS)"},
    {.name = "web.threads",
     .type = CF_CONFIG_INT,
     .def = "2",
     .min = 1,
     .max = 64,
     .doc = "worker threads, each with its own database and Redis connection"},
    {.name = "web.session_days",
     .type = CF_CONFIG_INT,
     .def = "14",
     .min = 1,
     .max = 365,
     .doc = "days a login session lasts"},
    {.name = "web.hash_threads",
     .type = CF_CONFIG_INT,
     .def = "2",
     .min = 1,
     .max = 64,
     .doc = "threads that hash and check passwords (Argon2id, 64 MiB each), off the "
            "event loops"},
    {.name = "web.hash_queue",
     .type = CF_CONFIG_INT,
     .def = "64",
     .min = 1,
     .max = 10000,
     .doc = "password hashes that may wait for a thread; past them, 503 with Retry-After"},
    {.name = "web.trusted_proxies",
     .type = CF_CONFIG_STRING,
     .def = "",
     .doc = "comma-separated addresses or CIDR networks of reverse proxies whose "
            "X-Forwarded-For / X-Real-IP name the client (empty: none)"},
    {.name = "web.live_max_per_ip",
     .type = CF_CONFIG_INT,
     .def = "20",
     .min = 1,
     .max = 100000,
     .doc = "live streams (SSE) of one client address without a session at once (over it: "
            "429; the address is http_client_ip()'s: a trusted proxy's client)"},
    {.name = "web.live_max_per_user",
     .type = CF_CONFIG_INT,
     .def = "20",
     .min = 1,
     .max = 100000,
     .doc = "live streams (SSE) of one account at once (over it: 429)"},
    {.name = "web.live_max_seconds",
     .type = CF_CONFIG_INT,
     .def = "3600",
     .min = 1,
     .max = 86400,
     .doc = "seconds a live stream lasts at most; then it ends with a \"reconnect\" event"},
    {.name = "web.max_connections",
     .type = CF_CONFIG_INT,
     .def = "10000",
     .min = 1,
     .max = 4000000,
     .doc = "client connections open at once, in all (over it: 503 and closed; at most the "
            "descriptor limit leaves room for)"},
    {.name = "web.max_connections_per_ip",
     .type = CF_CONFIG_INT,
     .def = "128",
     .min = 1,
     .max = 4000000,
     .doc = "client connections open at once from one address (an IPv6 /64 counts as one; a "
            "trusted proxy only in all): over it, 503 and closed"},
    {.name = "web.request_timeout_s",
     .type = CF_CONFIG_INT,
     .def = "20",
     .min = 1,
     .max = 3600,
     .doc = "seconds a request's head and body have to arrive, from its first byte (from the "
            "connection's opening for the first request): past it, 408 and closed"},
    {.name = "web.request_min_rate",
     .type = CF_CONFIG_INT,
     .def = "1000",
     .min = 0,
     .max = 1000000000,
     .doc = "bytes received that give a request one more second (0: none), up to "
            "web.request_max_s"},
    {.name = "web.request_max_s",
     .type = CF_CONFIG_INT,
     .def = "120",
     .min = 1,
     .max = 86400,
     .doc = "seconds a request's head and body have at most, however fast they come"},
    {.name = "web.session_cache_ms",
     .type = CF_CONFIG_INT,
     .def = "2000",
     .min = 0,
     .max = 60000,
     .doc = "milliseconds a session looked up in PostgreSQL serves this process's reads "
            "before it is looked up again (revocations end it at once); 0: every request "
            "asks PostgreSQL"},
    {.name = "web.max_open_fights",
     .type = CF_CONFIG_INT,
     .def = "10",
     .min = 1,
     .max = 100000,
     .doc = "open fights (hosting) one user may host at a time (more: 409)"},
    {.name = "web.max_queued_fights",
     .type = CF_CONFIG_INT,
     .def = "3",
     .min = 1,
     .max = 100000,
     .doc = "fights of one host queued or running at a time (more: 429)"},
    {.name = "web.max_bots",
     .type = CF_CONFIG_INT,
     .def = "50",
     .min = 1,
     .max = 100000,
     .doc = "bots one user may own (more: 409)"},
    {.name = "web.max_bot_versions",
     .type = CF_CONFIG_INT,
     .def = "200",
     .min = 1,
     .max = 100000,
     .doc = "versions one bot may have (more: 409)"},
    {.name = "web.max_invitations",
     .type = CF_CONFIG_INT,
     .def = "50",
     .min = 1,
     .max = 100000,
     .doc = "pending invitations one host may have sent at a time (more: 409)"},
    {.name = "web.max_fights_in_stream",
     .type = CF_CONFIG_INT,
     .def = "1",
     .min = 1,
     .max = 100000,
     .doc = "fights of one host in cf:fights at a time; the others wait in the outbox "
            "and go as theirs end (the fair queue)"},
    {.name = "ladder.interval_ms",
     .type = CF_CONFIG_INT,
     .def = "10000",
     .min = 0,
     .max = 86400000,
     .doc = "each game's ladder gets at most one new ladder fight this often (the latest "
            "one's creation counts); 0: no ladder fights are made"},
    {.name = "ladder.max_in_flight",
     .type = CF_CONFIG_INT,
     .def = "1",
     .min = 1,
     .max = 10000,
     .doc = "ladder fights queued or running at once, all games together (the ladder's "
            "share of the simulators); none is made while a user's fight or play is queued"},
    {.name = NULL},
};

static web_thread *threads;
static struct event_base *main_base;

static int listen_socket(const char *host, int port)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    if (getaddrinfo(host, portstr, &hints, &res) != 0 || res == NULL) {
        log_error("cannot resolve listen address %s", host);
        return -1;
    }
    int one = 1;
    int fd = socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
        log_error("cannot listen on %s:%d: %s", host, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

static int parse_listen(const char *s)
{
    const char *colon = strrchr(s, ':');
    if (colon == NULL)
        return -1;
    size_t hl = (size_t)(colon - s);
    if (hl == 0 || hl >= sizeof web_cfg.host)
        return -1;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end != '\0' || port < 0 || port > 65535)
        return -1;
    memcpy(web_cfg.host, s, hl);
    web_cfg.host[hl] = '\0';
    /* [::1]:8080 */
    if (web_cfg.host[0] == '[' && web_cfg.host[hl - 1] == ']') {
        memmove(web_cfg.host, web_cfg.host + 1, hl - 2);
        web_cfg.host[hl - 2] = '\0';
    }
    web_cfg.port = (int)port;
    return 0;
}

static void *thread_main(void *arg)
{
    web_thread *t = arg;
    event_base_dispatch(t->base);
    return NULL;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    (void)arg;
    log_info("signal %d: stopping", (int)sig);
    for (int i = 0; i < web_cfg.threads; i++)
        event_base_loopbreak(threads[i].base);
    event_base_loopbreak(main_base);
}

/* [arcade] is shared with cf-simulator: the sizes of a game it takes. */
static const cf_config_key *const key_tables[] = {cf_config_common_keys, web_keys,
                                                  cf_config_arcade_keys, NULL};

static void usage(FILE *out)
{
    fprintf(out, "usage: cf-web [--config FILE]\n"
                 "       cf-web [--config FILE] --grant-operator NAME | --revoke-operator NAME\n"
                 "The second form gives or takes the operator role of account NAME in the\n"
                 "database, prints what it did and exits (1: no such account, or the last\n"
                 "active operator).\n"
                 "The file defaults to $CF_CONFIG; every key can be set by environment,\n"
                 "e.g. CF_WEB_LISTEN=127.0.0.1:8080. Keys:\n");
    cf_config_describe(key_tables, out);
}

/* The command line's one-off task instead of serving. */
typedef struct cli_task {
    const char *grant, *revoke; /* the account named, or NULL */
} cli_task;

/* --config FILE (or -c), --grant-operator / --revoke-operator NAME and
 * --help; 0 to go on, else the exit status. */
static int parse_args(int argc, char **argv, const char **config_path, cli_task *task)
{
    for (int i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "-c") == 0) && i + 1 < argc) {
            *config_path = argv[++i];
        } else if (strcmp(argv[i], "--grant-operator") == 0 && i + 1 < argc &&
                   task->revoke == NULL) {
            task->grant = argv[++i];
        } else if (strcmp(argv[i], "--revoke-operator") == 0 && i + 1 < argc &&
                   task->grant == NULL) {
            task->revoke = argv[++i];
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return -1;
        } else {
            usage(stderr);
            return 2;
        }
    }
    return 0;
}

/* web_cfg from the loaded configuration; false for a bad web.listen. */
static bool read_settings(const cf_config *cfg)
{
    if (parse_listen(cf_config_str(cfg, "web.listen")) != 0) {
        log_error("web.listen must be host:port, got '%s'", cf_config_str(cfg, "web.listen"));
        return false;
    }
    snprintf(web_cfg.static_dir, sizeof web_cfg.static_dir, "%s",
             cf_config_str(cfg, "web.static_dir"));
    snprintf(web_cfg.games_dir, sizeof web_cfg.games_dir, "%s",
             cf_config_str(cfg, "web.games_dir"));
    snprintf(web_cfg.public_url, sizeof web_cfg.public_url, "%s",
             cf_config_str(cfg, "web.public_url"));
    web_cfg.max_upload = (size_t)cf_config_int(cfg, "web.max_upload");
    web_cfg.arcade_max_code = (size_t)cf_config_int(cfg, "arcade.max_code_bytes");
    /* cf-simulator takes bundles up to 64 MiB, the schema stores 16. */
    web_cfg.arcade_max_bundle = (size_t)cf_config_int(cfg, "arcade.max_bundle_bytes");
    if (web_cfg.arcade_max_bundle > ARCADE_SIZE_MAX) {
        log_warn("arcade.max_bundle_bytes %zu: cf-web stores bundles up to %d bytes",
                 web_cfg.arcade_max_bundle, ARCADE_SIZE_MAX);
        web_cfg.arcade_max_bundle = ARCADE_SIZE_MAX;
    }
    web_cfg.secure_cookies = cf_config_bool(cfg, "web.secure_cookies");
    web_cfg.threads = (int)cf_config_int(cfg, "web.threads");
    web_cfg.session_days = (int)cf_config_int(cfg, "web.session_days");
    web_cfg.hash_threads = (int)cf_config_int(cfg, "web.hash_threads");
    web_cfg.hash_queue = (int)cf_config_int(cfg, "web.hash_queue");
    if (!client_ip_configure(cf_config_str(cfg, "web.trusted_proxies")))
        return false;
    web_cfg.live_max_per_ip = (int)cf_config_int(cfg, "web.live_max_per_ip");
    web_cfg.live_max_per_user = (int)cf_config_int(cfg, "web.live_max_per_user");
    web_cfg.live_max_seconds = (int)cf_config_int(cfg, "web.live_max_seconds");
    web_cfg.max_open_fights = cf_config_int(cfg, "web.max_open_fights");
    web_cfg.max_queued_fights = cf_config_int(cfg, "web.max_queued_fights");
    web_cfg.max_bots = cf_config_int(cfg, "web.max_bots");
    web_cfg.max_bot_versions = cf_config_int(cfg, "web.max_bot_versions");
    web_cfg.max_invitations = cf_config_int(cfg, "web.max_invitations");
    web_cfg.max_fights_in_stream = cf_config_int(cfg, "web.max_fights_in_stream");
    web_cfg.max_connections = cf_config_int(cfg, "web.max_connections");
    web_cfg.max_connections_per_ip = cf_config_int(cfg, "web.max_connections_per_ip");
    web_cfg.request_timeout_s = (int)cf_config_int(cfg, "web.request_timeout_s");
    web_cfg.request_min_rate = cf_config_int(cfg, "web.request_min_rate");
    web_cfg.request_max_s = (int)cf_config_int(cfg, "web.request_max_s");
    web_cfg.session_cache_ms = (int)cf_config_int(cfg, "web.session_cache_ms");
    web_cfg.ladder_interval_ms = cf_config_int(cfg, "ladder.interval_ms");
    web_cfg.ladder_max_in_flight = cf_config_int(cfg, "ladder.max_in_flight");
    web_cfg.database_url = cf_config_str(cfg, "database.url");
    web_cfg.redis_url = cf_config_str(cfg, "redis.url");
    return true;
}

/* Worker i: its connections, its socket, its evhttp server and live state.
 * The first one also writes the games registry to the database. */
static bool prepare_thread(int i)
{
    web_thread *t = &threads[i];
    char err[512];
    t->index = i;
    t->pg = cf_pg_connect(web_cfg.database_url, err, sizeof err);
    if (t->pg == NULL) {
        log_error("database: %s", err);
        return false;
    }
    t->redis = cf_redis_connect(web_cfg.redis_url, 300, err, sizeof err);
    if (t->redis == NULL) {
        log_error("redis: %s", err);
        return false;
    }
    if (i == 0 && catalog_sync(t->pg) != 0) {
        log_error("could not write the games registry to the database: %s", cf_pg_error(t->pg));
        return false;
    }
    t->base = event_base_new();
    int fd = listen_socket(web_cfg.host, web_cfg.port);
    if (t->base == NULL || fd < 0)
        return false;
    http_start_thread(t, fd);
    live_init_thread(t);
    return true;
}

/* cf:service:web:<host>:<pid>: one cf-web process (all its threads). */
static cf_heartbeat *heartbeat;

static void start_heartbeat(void)
{
    char host[100], name[CF_HEARTBEAT_NAME_MAX];
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "?");
    host[sizeof host - 1] = '\0';
    snprintf(name, sizeof name, "%s:%ld", host, (long)getpid());
    heartbeat = cf_heartbeat_start(web_cfg.redis_url, "web", name);
}

/* After the loops have stopped: the background threads, then each
 * worker's server, connections and loop. */
static void stop_all(pthread_t *tids)
{
    for (int i = 0; i < web_cfg.threads; i++)
        pthread_join(tids[i], NULL);
    pwhash_stop();
    ladder_scheduler_stop();
    outbox_relay_stop();
    progress_reader_stop();
    revocation_stop();
    cf_heartbeat_stop(heartbeat);
    for (int i = 0; i < web_cfg.threads; i++) {
        /* evhttp_free closes the connections, SSE streams included (their
         * close callbacks free live.c's clients), before the loop goes. */
        evhttp_free(threads[i].http);
        conn_stop_thread(&threads[i]);
        live_free_thread(&threads[i]);
        event_base_free(threads[i].base);
        prepared_free(&threads[i]);
        cf_pg_free(threads[i].pg);
        cf_redis_free(threads[i].redis);
    }
    accept_backoff_free();
    conn_free_all();
    log_info("stopped");
}

/* The running cf-web processes drop user_id's cached sessions, so that
 * its new role shows at once (else within web.session_cache_ms). */
static void tell_role_changed(const char *user_id)
{
    char err[512];
    cf_redis *redis = cf_redis_connect(web_cfg.redis_url, 0, err, sizeof err);
    if (redis == NULL || revocation_publish_role(redis, user_id) != 0)
        fprintf(stderr,
                "cf-web: redis: %s; running cf-web processes see the role within "
                "web.session_cache_ms\n",
                redis == NULL ? err : "the change was not announced");
    cf_redis_free(redis);
}

/* cf-web --grant-operator / --revoke-operator NAME (docs/operations.md):
 * the exit status. */
static int run_task(const cli_task *task)
{
    char err[512];
    cf_pg *pg = cf_pg_connect(web_cfg.database_url, err, sizeof err);
    if (pg == NULL) {
        fprintf(stderr, "cf-web: database: %s\n", err);
        return 1;
    }
    bool grant = task->grant != NULL;
    char user_id[WEB_INT_ID_SIZE];
    int rc = admin_operator_by_name(pg, grant ? task->grant : task->revoke, grant, user_id, err,
                                    sizeof err);
    cf_pg_free(pg);
    fprintf(rc < 0 ? stderr : stdout, "%s%s\n", rc < 0 ? "cf-web: " : "", err);
    if (rc == 1)
        tell_role_changed(user_id);
    return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    const char *config_path = NULL;
    cli_task task = {0};
    int rc = parse_args(argc, argv, &config_path, &task);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    signal(SIGPIPE, SIG_IGN);
    /* Before any thread exists: it seeds the RNG behind session tokens. */
    if (sodium_init() < 0) {
        fprintf(stderr, "cf-web: libsodium could not initialise\n");
        return 1;
    }
    if (config_path == NULL)
        config_path = cf_config_default_path();
    char err[512];
    cf_config *cfg = cf_config_load_tables(key_tables, config_path, err, sizeof err);
    if (cfg == NULL) {
        fprintf(stderr, "cf-web: %s\n", err);
        return 2;
    }
    cf_config_apply_log(cfg, "cf-web");
    if (!read_settings(cfg))
        return 2;
    if (task.grant != NULL || task.revoke != NULL) {
        rc = run_task(&task);
        cf_config_free(cfg);
        return rc;
    }

    if (evthread_use_pthreads() != 0) {
        log_error("libevent threads unavailable");
        return 1;
    }
    threads = calloc((size_t)web_cfg.threads, sizeof *threads);
    pthread_t *tids = calloc((size_t)web_cfg.threads, sizeof *tids);
    main_base = event_base_new();
    if (threads == NULL || tids == NULL || main_base == NULL || !conn_init())
        return 1;
    for (int i = 0; i < web_cfg.threads; i++)
        if (!prepare_thread(i))
            return 1;
    pwhash_start(web_cfg.hash_threads, web_cfg.hash_queue);
    outbox_relay_start();
    ladder_scheduler_start();
    progress_reader_start();
    revocation_start();
    start_heartbeat();
    for (int i = 0; i < web_cfg.threads; i++)
        if (pthread_create(&tids[i], NULL, thread_main, &threads[i]) != 0) {
            log_error("pthread_create failed");
            return 1;
        }
    log_info("listening on http://%s:%d (%d threads, static %s)", web_cfg.host, web_cfg.port,
             web_cfg.threads, web_cfg.static_dir);

    struct event *sigint = evsignal_new(main_base, SIGINT, on_signal, NULL);
    struct event *sigterm = evsignal_new(main_base, SIGTERM, on_signal, NULL);
    if (sigint == NULL || sigterm == NULL || evsignal_add(sigint, NULL) != 0 ||
        evsignal_add(sigterm, NULL) != 0)
        return 1;
    event_base_dispatch(main_base);
    stop_all(tids);
    event_free(sigint);
    event_free(sigterm);
    event_base_free(main_base);
    free(tids);
    free(threads);
    cf_config_free(cfg);
    return 0;
}
