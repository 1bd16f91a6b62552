/*
 * rating.c — TrueSkill for free-for-all fights with ties (rating.h).
 *
 * Written from the paper (Herbrich, Minka, Graepel, NIPS 2006, section 2
 * and its Table 1) with Jeff Moser's "Computing Your Skill" (2010) as the
 * guide to its factor graph. For one fight of n players, sorted by rank:
 *
 *   skill s_i    ~ N(mu_i, sigma_i^2 + tau^2)       prior, with the drift
 *   performance  p_i ~ N(s_i, beta^2)                one fight's form
 *   difference   d_k = p_k - p_(k+1), k < n-1        neighbours in the order
 *   outcome      d_k > eps    when k finished ahead of k+1
 *                |d_k| <= eps when they drew
 *
 * eps, the draw margin, is the difference below which two equal players
 * draw with the configured probability: eps = Phi^-1((P+1)/2) sqrt(2) beta.
 *
 * The posterior is not Gaussian; expectation propagation approximates it.
 * The priors and the performance factors send one message each, down the
 * graph. The chain of differences is then swept forwards and backwards:
 * at each difference its Gaussian (from its two performances' other
 * messages) is cut by its outcome, the cut is matched by the Gaussian of
 * the same mean and variance (the paper's functions v and w), and the
 * change goes back up to both performances. Sweeps
 * repeat until no difference moves; with two players one sweep is exact.
 * The performances' messages then go up to the skills: the new ratings.
 *
 * Messages are Gaussians in natural parameters (precision, precision times
 * mean), so that multiplying beliefs is adding and a uniform message is
 * zeros. Everything lives on the stack: n is at most 16.
 */
#include <math.h>
#include <stdbool.h>

#include "error.h"
#include "rating.h"

#define SQRT2 1.41421356237309504880
#define INV_SQRT_2PI 0.39894228040143267794

/* Sweeps stop when no difference's marginal moves by more than this many
 * of its standard deviations (in mean and in standard deviation), or
 * after MAX_SWEEPS. */
#define CONVERGED 1e-10
#define MAX_SWEEPS 100

/* Past this the tail of the normal distribution is taken from its
 * asymptotic series rather than erfc(), which underflows near 38. */
#define MILLS_SERIES_FROM 35.0

cf_rating_params cf_rating_defaults(void)
{
    const double sigma0 = 25.0 / 3.0;
    return (cf_rating_params){.mu0 = 25.0,
                              .sigma0 = sigma0,
                              .beta = sigma0 / 2.0,
                              .tau = sigma0 / 100.0,
                              .draw_probability = 0.10};
}

cf_rating cf_rating_initial(const cf_rating_params *p)
{
    cf_rating_params d = p != NULL ? *p : cf_rating_defaults();
    return (cf_rating){.mu = d.mu0, .sigma = d.sigma0};
}

double cf_rating_conservative(cf_rating r)
{
    return r.mu - 3.0 * r.sigma;
}

/* ---- the standard normal distribution ---------------------------------- */

static double pdf(double x)
{
    return INV_SQRT_2PI * exp(-0.5 * x * x);
}

static double cdf(double x)
{
    return 0.5 * erfc(-x / SQRT2);
}

/* Mills' ratio (1 - cdf(y)) / pdf(y), for y > 0 large: its asymptotic
 * series 1/y (1 - 1/y^2 + 3/y^4 - 15/y^6 + 105/y^8 - 945/y^10). */
static double mills_series(double y)
{
    double u = 1.0 / (y * y);
    return (1.0 - u * (1.0 - 3.0 * u * (1.0 - 5.0 * u * (1.0 - 7.0 * u * (1.0 - 9.0 * u))))) / y;
}

static double mills(double y)
{
    if (y > MILLS_SERIES_FROM)
        return mills_series(y);
    return 0.5 * erfc(y / SQRT2) / pdf(y);
}

/* Phi^-1(q) for q in [0.5, 1): Newton's method from 0. cdf is concave
 * there, so x climbs to the root from below and never overshoots. */
static double inverse_cdf_upper(double q)
{
    double x = 0.0;
    for (int i = 0; i < 200; i++) {
        double step = (q - cdf(x)) / pdf(x);
        x += step;
        if (step < 1e-15 * (1.0 + x))
            break;
    }
    return x;
}

/* ---- the cut of a Gaussian by an outcome (the paper's v and w) --------- */

/* For d ~ N(t, 1) cut to d > e (a win) or to |d| <= e (a draw): the cut
 * distribution's mean is t + *v and its variance *keep (the paper's
 * 1 - w), in (0, 1]. false when the doubles cannot say (an outcome of
 * probability far below 1e-300). */
static bool cut_win(double t, double e, double *v, double *keep)
{
    double x = t - e;
    if (-x > MILLS_SERIES_FROM) {
        /* A huge upset: 1 - w is about 1/x^2, the difference of two
         * numbers near 1, so it comes from its own series in u = 1/x^2:
         * (1 - w) (y M)^2 = u (1 - 8u + 69u^2 - 696u^3 + ...). */
        double y = -x, u = 1.0 / (y * y);
        double m = mills_series(y);
        *v = 1.0 / m;
        *keep = u * (1.0 - u * (8.0 - u * (69.0 - 696.0 * u))) / ((y * m) * (y * m));
    } else {
        *v = pdf(x) / cdf(x);
        *keep = 1.0 - *v * (*v + x);
    }
    return isfinite(*v) && *keep > 0.0 && *keep <= 1.0;
}

static bool cut_draw(double t, double e, double *v, double *keep)
{
    /* Symmetric: work with u = |t| >= 0, cut to [-e-u, e-u], written with
     * a = u - e and b = u + e (so b >= |a|). */
    double u = fabs(t);
    double a = u - e, b = u + e;
    double ratio, spread;
    if (a <= 0.0) { /* the mean lies in the draw band: no tail to lose */
        double z = cdf(-a) - cdf(-b);
        ratio = (pdf(b) - pdf(a)) / z;
        spread = (b * pdf(b) - a * pdf(a)) / z;
    } else {                          /* both bounds in the upper tail: divide through by pdf(a) */
        double r = exp(-2.0 * u * e); /* pdf(b) / pdf(a) */
        double z = mills(a) - r * mills(b);
        ratio = (r - 1.0) / z;
        spread = (b * r - a) / z;
    }
    *v = t < 0.0 ? -ratio : ratio;
    *keep = 1.0 - (ratio * ratio + spread);
    return isfinite(*v) && *keep > 0.0 && *keep <= 1.0;
}

/* ---- messages ------------------------------------------------------------ */

/* A Gaussian in natural parameters; {0, 0} is uniform. */
typedef struct msg {
    double prec; /* 1 / variance */
    double pm;   /* mean / variance */
} msg;

static msg msg_of(double mean, double var)
{
    return (msg){.prec = 1.0 / var, .pm = mean / var};
}

static msg msg_mul(msg a, msg b)
{
    return (msg){.prec = a.prec + b.prec, .pm = a.pm + b.pm};
}

/* The distribution of x + sign * y for independent x ~ a, y ~ b. */
static msg msg_sum(msg a, msg b, double sign)
{
    if (a.prec <= 0.0 || b.prec <= 0.0)
        return (msg){0.0, 0.0};
    return msg_of(a.pm / a.prec + sign * b.pm / b.prec, 1.0 / a.prec + 1.0 / b.prec);
}

/* ---- one fight ------------------------------------------------------------ */

typedef struct chain {
    int n;
    double eps;
    msg down[CF_RATING_MAX_PLAYERS];       /* performance i from its skill */
    msg from_left[CF_RATING_MAX_PLAYERS];  /* performance i from difference i-1 */
    msg from_right[CF_RATING_MAX_PLAYERS]; /* performance i from difference i */
    msg cut[CF_RATING_MAX_PLAYERS - 1];    /* difference k from its outcome */
    bool draw[CF_RATING_MAX_PLAYERS - 1];  /* difference k is a draw */
} chain;

/* Updates difference k: its outcome's message and the messages up to its
 * two performances; *moved grows to how far the difference's marginal
 * moved (mean and standard deviation, in standard deviations). false when
 * the doubles could not say. */
static bool chain_update(chain *c, int k, double *moved)
{
    msg left = msg_mul(c->down[k], c->from_left[k]);
    msg right = msg_mul(c->down[k + 1], c->from_right[k + 1]);
    msg into = msg_sum(left, right, -1.0); /* d_k from its performances */

    double var = 1.0 / into.prec, mean = into.pm * var, sd = sqrt(var);
    double v, keep;
    bool ok = c->draw[k] ? cut_draw(mean / sd, c->eps / sd, &v, &keep)
                         : cut_win(mean / sd, c->eps / sd, &v, &keep);
    if (!ok)
        return false;
    double new_mean = mean + sd * v, new_var = var * keep;

    msg old_marginal = msg_mul(into, c->cut[k]);
    msg marginal = msg_of(new_mean, new_var);
    c->cut[k] = (msg){.prec = marginal.prec - into.prec, .pm = marginal.pm - into.pm};
    if (c->cut[k].prec <= 0.0) /* only by rounding: the cut never widens */
        c->cut[k] = (msg){0.0, 0.0};

    /* p_k = d_k + p_(k+1) and p_(k+1) = p_k - d_k */
    c->from_right[k] = msg_sum(c->cut[k], right, +1.0);
    c->from_left[k + 1] = msg_sum(left, c->cut[k], -1.0);

    double old_var = 1.0 / old_marginal.prec, old_sd = sqrt(old_var);
    *moved = fmax(*moved, fabs(new_mean - old_marginal.pm * old_var) / old_sd);
    *moved = fmax(*moved, fabs(sqrt(new_var) - old_sd) / old_sd);
    return true;
}

/* Sweeps the chain forwards and backwards until it settles (two players:
 * one difference, exact at once; 16 in the tests: at most 8 sweeps).
 * false when a difference could not be computed. */
static bool chain_solve(chain *c)
{
    for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
        double moved = 0.0;
        for (int k = 0; k < c->n - 1; k++)
            if (!chain_update(c, k, &moved))
                return false;
        for (int k = c->n - 3; k >= 0; k--)
            if (!chain_update(c, k, &moved))
                return false;
        if (c->n == 2 || (sweep > 0 && moved < CONVERGED))
            break;
    }
    return true;
}

/* ---- the verb ------------------------------------------------------------ */

static bool params_valid(const cf_rating_params *p, char *err, size_t errlen)
{
    if (!isfinite(p->mu0) || !isfinite(p->sigma0) || !(p->sigma0 > 0.0)) {
        cf_seterr(err, errlen, "rating: mu0 and sigma0 must be finite, sigma0 > 0");
        return false;
    }
    if (!isfinite(p->beta) || !(p->beta > 0.0) || !isfinite(p->tau) || !(p->tau >= 0.0)) {
        cf_seterr(err, errlen, "rating: beta must be finite and > 0, tau finite and >= 0");
        return false;
    }
    if (!(p->draw_probability >= 0.0 && p->draw_probability < 1.0)) {
        cf_seterr(err, errlen, "rating: draw_probability must be in [0, 1)");
        return false;
    }
    return true;
}

static bool players_valid(const cf_rating *players, const int *ranks, int n, char *err,
                          size_t errlen)
{
    if (players == NULL || ranks == NULL) {
        cf_seterr(err, errlen, "rating: no players or no ranks");
        return false;
    }
    if (n < CF_RATING_MIN_PLAYERS || n > CF_RATING_MAX_PLAYERS) {
        cf_seterr(err, errlen, "rating: %d players, must be %d to %d", n, CF_RATING_MIN_PLAYERS,
                  CF_RATING_MAX_PLAYERS);
        return false;
    }
    for (int i = 0; i < n; i++) {
        if (!isfinite(players[i].mu) || !isfinite(players[i].sigma) || !(players[i].sigma > 0.0)) {
            cf_seterr(err, errlen, "rating: player %d: mu and sigma must be finite, sigma > 0", i);
            return false;
        }
    }
    return true;
}

/* order[0..n): the players by rank, best first; ties keep their input
 * order (insertion sort: stable, and n is small). */
static void sort_by_rank(const int *ranks, int n, int *order)
{
    for (int i = 0; i < n; i++) {
        int j = i;
        while (j > 0 && ranks[order[j - 1]] > ranks[i]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
}

int cf_rating_update(cf_rating *players, const int *ranks, int n, const cf_rating_params *p,
                     char *err, size_t errlen)
{
    cf_rating_params d = p != NULL ? *p : cf_rating_defaults();
    if (!params_valid(&d, err, errlen) || !players_valid(players, ranks, n, err, errlen))
        return -1;

    int order[CF_RATING_MAX_PLAYERS];
    sort_by_rank(ranks, n, order);

    chain c = {.n = n, .eps = inverse_cdf_upper((d.draw_probability + 1.0) / 2.0) * SQRT2 * d.beta};
    msg prior[CF_RATING_MAX_PLAYERS];
    for (int i = 0; i < n; i++) {
        const cf_rating *r = &players[order[i]];
        double var = r->sigma * r->sigma + d.tau * d.tau;
        prior[i] = msg_of(r->mu, var);
        c.down[i] = msg_of(r->mu, var + d.beta * d.beta);
        if (!isfinite(prior[i].prec) || !isfinite(prior[i].pm) || !(c.down[i].prec > 0.0)) {
            cf_seterr(err, errlen, "rating: player %d: sigma too large or too small", order[i]);
            return -1;
        }
    }
    for (int k = 0; k < n - 1; k++) {
        c.draw[k] = ranks[order[k]] == ranks[order[k + 1]];
        if (c.draw[k] && d.draw_probability == 0.0) {
            cf_seterr(err, errlen, "rating: a draw, but draw_probability is 0");
            return -1;
        }
    }
    if (!chain_solve(&c)) {
        cf_seterr(err, errlen, "rating: outcome too unlikely to compute under these ratings");
        return -1;
    }

    cf_rating out[CF_RATING_MAX_PLAYERS];
    for (int i = 0; i < n; i++) {
        msg perf = msg_mul(c.from_left[i], c.from_right[i]);
        msg up = msg_sum(perf, msg_of(0.0, d.beta * d.beta), +1.0);
        msg post = msg_mul(prior[i], up);
        out[order[i]] = (cf_rating){.mu = post.pm / post.prec, .sigma = sqrt(1.0 / post.prec)};
        if (!isfinite(out[order[i]].mu) || !(out[order[i]].sigma > 0.0) ||
            !isfinite(out[order[i]].sigma)) {
            cf_seterr(err, errlen, "rating: player %d: the update is not finite", order[i]);
            return -1;
        }
    }
    for (int i = 0; i < n; i++)
        players[i] = out[i];
    return 0;
}
