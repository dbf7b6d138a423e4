// SPDX-License-Identifier: BSD-2-Clause
/*
 * From a collector's counts to verdicts (include/analysis/diagnose.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/diagnose.h"
#include "common/timeunits.h"
#include "binary/waitreasons.h"


void diagnose_wait_name(int go_minor, unsigned reason, char *buf, size_t len)
{
	const char *name = go_waitreason_name(go_minor, reason);

	if (name && *name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "waitreason %u", reason);
}

/* The live count in the sample nearest the middle of the window. */
static uint64_t live_mid(const struct diagnose_ctx *dc, const struct site *s)
{
	const struct trend *t = collector_trend(dc->c);
	uint64_t mid = dc->start_ns + (dc->now_ns - dc->start_ns) / 2;
	size_t i;

	if (!s->series.live || !t->n)
		return s->live;
	for (i = 0; i + 1 < t->n && t->t_ns[i] < mid; i++)
		;
	return s->series.live[i];
}

/* Sorts the site's parked goroutines by what could wake them. */
static void add_waits(const struct diagnose_ctx *dc, const struct site *s,
		      struct verdict_input *in, struct diagnosis *out)
{
	uint32_t forever_max = 0;
	unsigned i;

	for (i = 0; i < WAIT_REASONS_MAX; i++) {
		const char *name;
		uint32_t n = s->parked_by_reason[i];

		if (!n)
			continue;
		name = go_waitreason_name(dc->go_minor, i);
		switch (verdict_wait_class(name)) {
		case WAIT_FOREVER:
			in->forever += n;
			if (n > forever_max) {
				forever_max = n;
				in->forever_reason = name;
			}
			break;
		case WAIT_SELECT_EMPTY:
			in->select_empty += n;
			break;
		case WAIT_INTERNAL:
			in->internal += n;
			break;
		case WAIT_EXTERNAL:
			in->external += n;
			break;
		default:
			break;
		}
		if (n > out->main_reason_count) {
			diagnose_wait_name(dc->go_minor, i, out->main_reason,
					   sizeof(out->main_reason));
			out->main_reason_count = n;
		}
	}
	if (s->gc_leaked) {
		in->forever += s->gc_leaked;
		if (!in->forever_reason)
			in->forever_reason = "what Go's GC proved unreachable";
	}
	in->main_reason = out->main_reason_count ? out->main_reason : NULL;
	in->main_reason_count = out->main_reason_count;
}

void diagnose_site(const struct diagnose_ctx *dc, const struct site *s,
		   struct diagnosis *out)
{
	struct verdict_input in = { 0 };
	struct site_survivors sv;
	uint64_t window = dc->now_ns > dc->start_ns ? dc->now_ns - dc->start_ns : 0;

	memset(out, 0, sizeof(*out));
	out->site = s;
	in.system = s->info.system;
	in.main_goroutine = !strcmp(s->info.start_function, "runtime.main");
	in.window_ns = window;
	in.live = s->live;
	in.live_at_start = s->live_at_start;
	in.created = s->created;
	in.exited = s->exited;
	in.timed_exits = s->timed_exits;
	in.lifetime_p90_ns = collector_lifetime_p90(s);
	collector_site_survivors(dc->c, s, dc->now_ns,
				 verdict_age_threshold(in.lifetime_p90_ns, in.timed_exits),
				 VERDICT_LONG_PARKED_NS, &sv);
	in.new_alive = sv.new_alive;
	in.new_aged = sv.new_aged;
	in.aged_birth_span_ns = sv.aged_birth_span_ns;
	in.baseline_alive = sv.baseline_alive;
	in.long_parked = sv.long_parked;
	in.oldest_ns = collector_oldest_age(dc->c, s, dc->now_ns, &in.oldest_lower_bound);
	in.live_mid = live_mid(dc, s);
	add_waits(dc, s, &in, out);
	verdict_judge(&in, &out->verdict);
	out->created_per_s = per_second(s->created, window);
	out->exited_per_s = per_second(s->exited, window);
}

struct diagnosis *diagnose_all(const struct diagnose_ctx *dc, size_t *n)
{
	const struct site **sites = collector_sorted_sites(dc->c, n);
	struct diagnosis *out;
	size_t i;

	if (!sites)
		return NULL;
	out = calloc(*n ? *n : 1, sizeof(*out));
	if (!out) {
		free(sites);
		*n = 0;
		return NULL;
	}
	for (i = 0; i < *n; i++)
		diagnose_site(dc, sites[i], &out[i]);
	free(sites);
	return out;
}
