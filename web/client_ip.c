/*
 * client_ip.c — whom a request comes from: the TCP peer, or the address a
 * trusted reverse proxy forwarded.
 *
 * Behind the shipped nginx every TCP peer is nginx, so rate limits keyed on
 * the peer would put every client in one bucket. web.trusted_proxies lists
 * the networks (CIDR) whose requests may name the client: from such a peer,
 * X-Forwarded-For is read right to left and the first address that is not
 * itself a trusted proxy is the client (nginx appends the peer it saw, so
 * whatever a client wrote further left is never believed); without the
 * header, X-Real-IP; without either, the peer. From any other peer both
 * headers are ignored. The result is an address parsed and printed again
 * (inet_pton, inet_ntop): one spelling per client, nothing else in keys.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "web.h"

#define PROXIES_MAX 32

typedef struct net {
    int family;
    unsigned char addr[16];
    int bits;
} net;

static net proxies[PROXIES_MAX];
static int nproxies;

/* An address of either family into a; its length in bytes, 0 when none. */
static int parse_addr(const char *s, unsigned char a[16], int *family)
{
    if (inet_pton(AF_INET, s, a) == 1) {
        *family = AF_INET;
        return 4;
    }
    if (inet_pton(AF_INET6, s, a) == 1) {
        *family = AF_INET6;
        return 16;
    }
    return 0;
}

/* "a.b.c.d/n" or an address alone (all bits). */
static bool parse_net(const char *s, net *out)
{
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%s", s);
    if (n <= 0 || (size_t)n >= sizeof buf)
        return false;
    char *slash = strchr(buf, '/');
    if (slash != NULL)
        *slash = '\0';
    int len = parse_addr(buf, out->addr, &out->family);
    if (len == 0)
        return false;
    out->bits = len * 8;
    if (slash != NULL) {
        char *end;
        long bits = strtol(slash + 1, &end, 10);
        if (slash[1] == '\0' || *end != '\0' || bits < 0 || bits > len * 8)
            return false;
        out->bits = (int)bits;
    }
    return true;
}

bool client_ip_configure(const char *list)
{
    char buf[2048];
    snprintf(buf, sizeof buf, "%s", list);
    nproxies = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ", ", &save); tok != NULL;
         tok = strtok_r(NULL, ", ", &save)) {
        if (nproxies == PROXIES_MAX || !parse_net(tok, &proxies[nproxies])) {
            log_error("web.trusted_proxies: '%s' is not an address or CIDR network (at most %d)",
                      tok, PROXIES_MAX);
            return false;
        }
        nproxies++;
    }
    return true;
}

static bool in_net(const net *n, int family, const unsigned char *a)
{
    if (n->family != family)
        return false;
    int full = n->bits / 8, rest = n->bits % 8;
    if (memcmp(n->addr, a, (size_t)full) != 0)
        return false;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return rest == 0 || (n->addr[full] & mask) == (a[full] & mask);
}

/* An IPv4-mapped IPv6 address in a becomes the IPv4 one; the family. */
static int unmap(unsigned char a[16], int family)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (family == AF_INET6 && memcmp(a, mapped, 12) == 0) {
        memmove(a, a + 12, 4);
        return AF_INET;
    }
    return family;
}

static bool in_proxies(int family, const unsigned char *a)
{
    for (int i = 0; i < nproxies; i++)
        if (in_net(&proxies[i], family, a))
            return true;
    return false;
}

/* Is the address text s (IPv4-mapped IPv6 counts as IPv4) a trusted proxy?
 * Also normalises it into out; false with out empty when it is no address. */
static bool trusted(const char *s, char *out, size_t outlen)
{
    unsigned char a[16];
    int family;
    out[0] = '\0';
    if (parse_addr(s, a, &family) == 0)
        return false;
    family = unmap(a, family);
    inet_ntop(family, a, out, (socklen_t)outlen);
    return in_proxies(family, a);
}

bool client_ip_peer_is_proxy(const struct sockaddr *sa)
{
    unsigned char a[16];
    if (sa->sa_family == AF_INET) {
        memcpy(a, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        return in_proxies(AF_INET, a);
    }
    if (sa->sa_family == AF_INET6) {
        memcpy(a, ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr, 16);
        return in_proxies(unmap(a, AF_INET6), a);
    }
    return false;
}

/* s as an address, printed canonically into out; false when it is none. */
static bool normalise(const char *s, char *out, size_t outlen)
{
    (void)trusted(s, out, outlen);
    return out[0] != '\0';
}

/* From X-Forwarded-For: the rightmost address that is not a trusted proxy
 * into out; false when the header has none (or a word that is no address:
 * then nothing left of it can be believed either). */
static bool from_forwarded(const char *xff, char *out, size_t outlen)
{
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", xff) >= (int)sizeof buf)
        return false; /* cut: its right end, the part nginx wrote, is lost */
    for (;;) {
        char *comma = strrchr(buf, ',');
        char *tok = comma != NULL ? comma + 1 : buf;
        tok += strspn(tok, " \t");
        tok[strcspn(tok, " \t")] = '\0';
        if (!trusted(tok, out, outlen))
            return out[0] != '\0';
        if (comma == NULL)
            return false;
        *comma = '\0';
    }
}

const char *http_client_ip(web_req *r)
{
    if (r->client_ip[0] != '\0')
        return r->client_ip;
    char *addr = NULL;
    ev_uint16_t port = 0;
    struct evhttp_connection *c = evhttp_request_get_connection(r->req);
    if (c != NULL)
        evhttp_connection_get_peer(c, &addr, &port);
    char peer[sizeof r->client_ip];
    if (addr == NULL || !trusted(addr, peer, sizeof peer)) {
        snprintf(r->client_ip, sizeof r->client_ip, "%s",
                 peer[0] != '\0' ? peer
                 : addr != NULL  ? addr
                                 : "?");
        return r->client_ip;
    }
    struct evkeyvalq *h = evhttp_request_get_input_headers(r->req);
    const char *xff = evhttp_find_header(h, "X-Forwarded-For");
    const char *real = evhttp_find_header(h, "X-Real-IP");
    char fwd[sizeof r->client_ip];
    if (xff != NULL && from_forwarded(xff, fwd, sizeof fwd))
        snprintf(r->client_ip, sizeof r->client_ip, "%s", fwd);
    else if (xff == NULL && real != NULL && normalise(real, fwd, sizeof fwd))
        snprintf(r->client_ip, sizeof r->client_ip, "%s", fwd);
    else
        snprintf(r->client_ip, sizeof r->client_ip, "%s", peer);
    return r->client_ip;
}
