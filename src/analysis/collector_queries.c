// SPDX-License-Identifier: BSD-2-Clause
/*
 * What the collector answers (include/analysis/collector.h): totals, sites
 * and their call paths in order, ages, lifetimes, survivors, park counters
 * and the series' samples.
 */
#include <stdlib.h>
#include <string.h>
#include <uthash.h>
#include <utlist.h>

#include "analysis/collector.h"
#include "collector_impl.h"

void collector_totals(const struct collector *c, struct collector_totals *t)
{
	const struct site *s, *tmp;

	memset(t, 0, sizeof(*t));
	HASH_ITER(hh, c->sites, s, tmp) {
		t->created += s->created;
		t->exited += s->exited;
		t->live += s->live;
		t->live_at_start += s->live_at_start;
		if (!s->info.system)
			t->live_user += s->live;
	}
	t->exited_unattributed = c->exited_unattributed;
	t->exited_before_baseline = c->exited_before_baseline;
	t->records_after_cut = c->after_cut;
	t->baseline_phantoms = c->phantoms;
	t->duplicate_records = c->duplicates;
	t->creation_stacks = HASH_CNT(hh_frames, c->cstacks_by_frames);
	t->stack_mismatches = c->stack_mismatches;
	t->stacks_unreadable = c->stacks_unreadable;
}

static int cmp_sites(const void *a, const void *b)
{
	const struct site *x = *(const struct site *const *)a;
	const struct site *y = *(const struct site *const *)b;

	if (x->live != y->live)
		return x->live < y->live ? 1 : -1;
	if (x->created != y->created)
		return x->created < y->created ? 1 : -1;
	return x->gopc < y->gopc ? -1 : (x->gopc > y->gopc);
}

/* Room for *n pointers (*n = 0 when there is none). */
static void *ptr_array(size_t *n)
{
	void *arr = calloc(*n ? *n : 1, sizeof(void *));

	if (!arr)
		*n = 0;
	return arr;
}

const struct site *collector_find_site(const struct collector *c, uint64_t gopc)
{
	const struct site *s;

	HASH_FIND(hh, c->sites, &gopc, sizeof(gopc), s);
	return s;
}

const struct site **collector_sorted_sites(const struct collector *c, size_t *n)
{
	const struct site **arr, *s, *tmp;
	size_t i = 0;

	*n = HASH_COUNT(c->sites);
	arr = ptr_array(n);
	if (!arr)
		return NULL;
	HASH_ITER(hh, c->sites, s, tmp)
		arr[i++] = s;
	qsort(arr, *n, sizeof(*arr), cmp_sites);
	return arr;
}

/* A live goroutine's age at now_ns (0 for none), a lower bound when it
 * was born before attach. */
static uint64_t gor_age(const struct gor *g, uint64_t now_ns, bool *lower_bound)
{
	uint64_t since;

	*lower_bound = false;
	if (!g)
		return 0;
	*lower_bound = g->from_baseline;
	since = g->from_baseline ? g->seen_since_ns : g->born_ns;
	return now_ns > since ? now_ns - since : 0;
}

uint64_t collector_oldest_age(const struct collector *c, const struct site *s,
			      uint64_t now_ns, bool *lower_bound)
{
	return gor_age(s->live_list, now_ns, lower_bound);
}

static int cmp_stacks(const void *a, const void *b)
{
	const struct site_stack *x = *(const struct site_stack *const *)a;
	const struct site_stack *y = *(const struct site_stack *const *)b;

	if (x->live != y->live)
		return x->live < y->live ? 1 : -1;
	if (x->created != y->created)
		return x->created < y->created ? 1 : -1;
	if (x->site != y->site)	/* same order as the sites */
		return x->site->gopc < y->site->gopc ? -1 : 1;
	return x->id < y->id ? -1 : (x->id > y->id);
}

const struct site_stack **collector_sorted_stacks(const struct collector *c, size_t *n)
{
	const struct site_stack **arr, *st, *sttmp;
	const struct site *s, *tmp;
	size_t i = 0;

	*n = 0;
	HASH_ITER(hh, c->sites, s, tmp)
		*n += HASH_COUNT(s->stacks);
	arr = ptr_array(n);
	if (!arr)
		return NULL;
	HASH_ITER(hh, c->sites, s, tmp)
		HASH_ITER(hh, s->stacks, st, sttmp)
			arr[i++] = st;
	qsort(arr, *n, sizeof(*arr), cmp_stacks);
	return arr;
}

const struct site_stack **collector_site_stacks(const struct site *s, size_t *n)
{
	const struct site_stack **arr, *st, *sttmp;
	size_t i = 0;

	*n = HASH_COUNT(s->stacks);
	arr = ptr_array(n);
	if (!arr)
		return NULL;
	HASH_ITER(hh, s->stacks, st, sttmp)
		arr[i++] = st;
	qsort(arr, *n, sizeof(*arr), cmp_stacks);
	return arr;
}

uint64_t collector_stack_oldest_age(const struct collector *c,
				    const struct site_stack *st, uint64_t now_ns,
				    bool *lower_bound)
{
	const struct gor *g;

	/* the site's list is oldest first: its first goroutine of st */
	DL_FOREACH(st->site->live_list, g)
		if (g->stack == st)
			break;
	return gor_age(g, now_ns, lower_bound);
}

void collector_set_parks(struct collector *c, uint64_t gopc, uint32_t reason,
			 uint64_t count)
{
	struct site *s;

	if (reason >= WAIT_REASONS_MAX)
		return;
	/* every goroutine that parks was in the baseline or created since,
	 * so its site is known; site_get only for a stray gopc */
	s = coll_site_get(c, gopc, 0);
	if (!s)
		return;
	if (!s->parks_by_reason) {
		s->parks_by_reason = calloc(WAIT_REASONS_MAX, sizeof(*s->parks_by_reason));
		if (!s->parks_by_reason)
			return;
	}
	if (count < s->parks_by_reason[reason])
		return;	/* counters only grow; an older read arrived late */
	s->parks += count - s->parks_by_reason[reason];
	s->parks_by_reason[reason] = count;
}

const struct trend *collector_trend(const struct collector *c)
{
	return &c->trend;
}

void collector_sample(struct collector *c, uint64_t now_ns, bool force)
{
	struct site *s, *tmp;
	bool halved;
	size_t i, old_n;

	if (!c->trend_started) {
		trend_init(&c->trend, TREND_DEFAULT_STEP_NS, now_ns);
		c->trend_started = true;
	}
	if (!force && !trend_due(&c->trend, now_ns))
		return;
	i = trend_begin_sample(&c->trend, now_ns, &halved, &old_n);
	HASH_ITER(hh, c->sites, s, tmp) {
		if (halved)
			trend_series_halve(&s->series, old_n);
		trend_series_set(&s->series, i, s->live, s->created, s->exited);
	}
}

uint64_t collector_lifetime_p90(const struct site *s)
{
	uint64_t want, seen = 0;
	int b;

	if (!s->timed_exits)
		return 0;
	want = (s->timed_exits * 9 + 9) / 10;
	for (b = 0; b < 64; b++) {
		seen += s->lifetime_log2[b];
		if (seen >= want)
			return b >= 63 ? UINT64_MAX : (2ull << b) - 1;
	}
	return UINT64_MAX;
}

void collector_site_survivors(const struct collector *c, const struct site *s,
			      uint64_t now_ns, uint64_t min_age_ns, uint64_t long_ns,
			      struct site_survivors *out)
{
	uint64_t first_aged = 0, last_aged = 0;
	const struct gor *g;

	memset(out, 0, sizeof(*out));
	DL_FOREACH(s->live_list, g) {
		if (g->from_baseline) {
			out->baseline_alive++;
			if (now_ns > g->seen_since_ns && now_ns - g->seen_since_ns >= long_ns)
				out->long_parked++;
			continue;
		}
		out->new_alive++;
		if (now_ns < g->born_ns || now_ns - g->born_ns < min_age_ns)
			continue;
		out->new_aged++;
		if (!first_aged || g->born_ns < first_aged)
			first_aged = g->born_ns;
		if (g->born_ns > last_aged)
			last_aged = g->born_ns;
	}
	out->aged_birth_span_ns = last_aged - first_aged;
}

void collector_mark(struct collector *c)
{
	struct site *s, *tmp;

	HASH_ITER(hh, c->sites, s, tmp) {
		s->marked_created = s->created;
		s->marked_exited = s->exited;
	}
}
