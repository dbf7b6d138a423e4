// SPDX-License-Identifier: BSD-2-Clause
/*
 * Bounded per-site time series (include/analysis/trend.h).
 */
#include <stdlib.h>

#include "analysis/trend.h"

void trend_init(struct trend *t, uint64_t step_ns, uint64_t start_ns)
{
	t->n = 0;
	t->step_ns = step_ns ? step_ns : TREND_DEFAULT_STEP_NS;
	t->next_ns = start_ns;
}

bool trend_due(const struct trend *t, uint64_t now_ns)
{
	return now_ns >= t->next_ns;
}

/* Keep samples 0, 2, 4...: the first one (the attach) stays. */
static size_t halve_index(size_t i)
{
	return i * 2;
}

size_t trend_begin_sample(struct trend *t, uint64_t now_ns, bool *halved, size_t *old_n)
{
	size_t i;

	*halved = false;
	*old_n = t->n;
	if (t->n == TREND_MAX_POINTS) {
		for (i = 0; halve_index(i) < t->n; i++)
			t->t_ns[i] = t->t_ns[halve_index(i)];
		t->n = i;
		t->step_ns *= 2;
		*halved = true;
	}
	t->t_ns[t->n] = now_ns;
	/* From the sample's own time: a late poll does not make the next
	 * one early (samples stay about a step apart). */
	t->next_ns = now_ns + t->step_ns;
	return t->n++;
}

static uint32_t clamp32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

int trend_series_set(struct trend_series *s, size_t i, uint64_t live, uint64_t created,
		     uint64_t exited)
{
	if (i >= TREND_MAX_POINTS)
		return -1;
	if (!s->live) {
		s->live = calloc(TREND_MAX_POINTS, sizeof(*s->live));
		s->created = calloc(TREND_MAX_POINTS, sizeof(*s->created));
		s->exited = calloc(TREND_MAX_POINTS, sizeof(*s->exited));
		if (!s->live || !s->created || !s->exited) {
			trend_series_free(s);
			return -1;
		}
	}
	s->live[i] = clamp32(live);
	s->created[i] = clamp32(created);
	s->exited[i] = clamp32(exited);
	return 0;
}

void trend_series_halve(struct trend_series *s, size_t old_n)
{
	size_t i;

	if (!s->live)
		return;
	for (i = 0; halve_index(i) < old_n; i++) {
		s->live[i] = s->live[halve_index(i)];
		s->created[i] = s->created[halve_index(i)];
		s->exited[i] = s->exited[halve_index(i)];
	}
	for (; i < TREND_MAX_POINTS; i++)
		s->live[i] = s->created[i] = s->exited[i] = 0;
}

void trend_series_free(struct trend_series *s)
{
	free(s->live);
	free(s->created);
	free(s->exited);
	s->live = s->created = s->exited = NULL;
}
