/*
 * rating.h — a bot's skill on a game's ladder: TrueSkill, free-for-all.
 *
 * The rating core of issue 18. A bot's skill is a Gaussian belief
 * N(mu, sigma^2); a fight's outcome (the players' ranks, equal ranks a
 * draw) updates the belief of everyone in it by Bayes' rule, approximated
 * as in Herbrich, Minka and Graepel, "TrueSkill(TM): A Bayesian Skill
 * Rating System", NIPS 2006: a factor graph over the ranked chain of
 * performance differences, solved by expectation propagation. Each player
 * is a team of one (a fight's bots), 2 to CF_RATING_MAX_PLAYERS of them.
 *
 * The ladder shows the conservative value mu - 3 sigma: a bot climbs by
 * winning and by being known, never by luck in its first fight.
 * docs/ladder.md tells the model, its parameters and the evidence.
 */
#ifndef CF_RATING_H
#define CF_RATING_H

#include <stddef.h>

#define CF_RATING_MIN_PLAYERS 2
#define CF_RATING_MAX_PLAYERS 16 /* CF_MAX_PLAYERS of bounds.h */

/* A belief about one player's skill. */
typedef struct cf_rating {
    double mu;    /* the mean skill */
    double sigma; /* its standard deviation: the uncertainty, > 0 */
} cf_rating;

/* The model. cf_rating_defaults() gives the paper's: mu0 = 25,
 * sigma0 = 25/3, beta = sigma0/2, tau = sigma0/100, draw 10 %. */
typedef struct cf_rating_params {
    double mu0;              /* a new player's mu */
    double sigma0;           /* a new player's sigma, > 0 */
    double beta;             /* the spread of one fight's performance around the skill, > 0 */
    double tau;              /* skill drift added before each fight (sigma^2 += tau^2), >= 0 */
    double draw_probability; /* of a draw between two equal players, in [0, 1) */
} cf_rating_params;

cf_rating_params cf_rating_defaults(void);

/* A new player's rating under p (NULL: the defaults). */
cf_rating cf_rating_initial(const cf_rating_params *p);

/* mu - 3 sigma: what the ladder ranks by and shows. */
double cf_rating_conservative(cf_rating r);

/* Updates players[0..n) after one fight in which player i finished
 * ranks[i] (smaller is better; equal ranks are a draw; only the order
 * counts, so 1,2,2,4 and 0,5,5,9 are the same outcome). p NULL is the
 * defaults. Returns 0, or -1 with players untouched and a line in err when
 * the input is bad (n outside 2..CF_RATING_MAX_PLAYERS, a NULL pointer, a
 * mu or sigma not finite, sigma <= 0, a parameter out of range, a draw
 * with draw_probability 0) or so extreme that the update cannot be
 * computed in doubles (a mu difference of millions of sigmas). */
int cf_rating_update(cf_rating *players, const int *ranks, int n, const cf_rating_params *p,
                     char *err, size_t errlen);

#endif
