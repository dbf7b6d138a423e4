/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Time series of every site's counts over a trace, for verdicts (is the
 * live count still rising?) and charts.  One clock is shared by all
 * series, so that sample i of every site is taken at the same moment.
 * Memory is bounded: when the clock is full, every series keeps one
 * sample in two and the step doubles (a 15 s capture keeps one point a
 * second, a day of `top` one every 6 minutes).
 */
#ifndef GOSTRAY_TREND_H
#define GOSTRAY_TREND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TREND_MAX_POINTS 240
#define TREND_DEFAULT_STEP_NS 1000000000ull

struct trend {
	uint64_t t_ns[TREND_MAX_POINTS];	/* CLOCK_MONOTONIC of each sample */
	size_t n;
	uint64_t step_ns;	/* between samples now (doubles when full) */
	uint64_t next_ns;	/* when the next sample is due */
};

/* One site's counts at each of the clock's samples. */
struct trend_series {
	uint32_t *live;		/* NULL until the first sample (or out of memory) */
	uint32_t *created;	/* cumulative */
	uint32_t *exited;	/* cumulative */
};

void trend_init(struct trend *t, uint64_t step_ns, uint64_t start_ns);

/* Whether a sample is due at now_ns. */
bool trend_due(const struct trend *t, uint64_t now_ns);

/*
 * Start sample at now_ns; returns its index.  When the clock was full it
 * is halved first and *halved is set: the caller must trend_series_halve()
 * every series (with the old n, *old_n) before writing sample i.
 */
size_t trend_begin_sample(struct trend *t, uint64_t now_ns, bool *halved, size_t *old_n);

/* A series joining late reads 0 for the samples before it existed. */
int trend_series_set(struct trend_series *s, size_t i, uint64_t live, uint64_t created,
		     uint64_t exited);
void trend_series_halve(struct trend_series *s, size_t old_n);
void trend_series_free(struct trend_series *s);

#endif /* GOSTRAY_TREND_H */
