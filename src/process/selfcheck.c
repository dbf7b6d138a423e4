// SPDX-License-Identifier: BSD-2-Clause
/*
 * The attach-time self-check (selfcheck.h).  Every test is against the
 * binary's own pclntab, so it needs nothing but the target.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "process/selfcheck.h"

/* goids are handed out from 1 upward; a trillion is no process's count. */
#define GOID_PLAUSIBLE_MAX (1ull << 40)

static bool in_go_text(const struct target *t, uint64_t pc, struct gobin_pcinfo *pi)
{
	return pc > t->bias && !gobin_pc_lookup(t->gb, pc - t->bias, pi);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static size_t count_repeats(const struct snapshot *s)
{
	uint64_t *ids = malloc((s->n ? s->n : 1) * sizeof(*ids));
	size_t i, repeats = 0;

	if (!ids)
		return 0;
	for (i = 0; i < s->n; i++)
		ids[i] = s->gs[i].goid;
	qsort(ids, s->n, sizeof(*ids), cmp_u64);
	for (i = 1; i < s->n; i++)
		repeats += ids[i] == ids[i - 1];
	free(ids);
	return repeats;
}

int selfcheck_snapshot(const struct target *t, const struct snapshot *s,
		       struct selfcheck_result *res, char *err, size_t errlen)
{
	struct gobin_pcinfo pi;
	size_t i, tolerated;

	memset(res, 0, sizeof(*res));
	if (!s->allglen) {
		snprintf(err, errlen, "runtime.allglen reads 0: wrong address of "
			 "runtime.allgs, refusing to report garbage");
		return -EPROTO;
	}
	if (!s->n) {
		snprintf(err, errlen, "struct offsets do not fit this process: none "
			 "of the %zu g's in runtime.allgs has a live status (g.atomicstatus "
			 "at %u); refusing to report garbage", s->allglen,
			 t->off.g_atomicstatus);
		return -EPROTO;
	}
	for (i = 0; i < s->n; i++) {
		const struct snap_g *g = &s->gs[i];

		res->checked++;
		if (!g->goid || g->goid >= GOID_PLAUSIBLE_MAX)
			res->bad_goid++;
		/* gopc is a return address: the CALL is just before it. */
		if (!in_go_text(t, g->gopc - 1, &pi))
			res->bad_gopc++;
		if (!in_go_text(t, g->startpc, &pi) || pi.func_entry != g->startpc - t->bias)
			res->bad_startpc++;
	}
	res->bad_goid += count_repeats(s);
	tolerated = res->checked / 10;
	if (res->bad_goid > tolerated || res->bad_gopc > tolerated ||
	    res->bad_startpc > tolerated) {
		snprintf(err, errlen, "struct offsets do not fit this process: of %zu "
			 "goroutines in runtime.allgs, %zu have an implausible goid "
			 "(g.goid at %u), %zu a creation PC outside the Go text (g.gopc "
			 "at %u), %zu a start PC that is no function entry (g.startpc "
			 "at %u); refusing to report garbage", res->checked, res->bad_goid,
			 t->off.g_goid, res->bad_gopc, t->off.g_gopc, res->bad_startpc,
			 t->off.g_startpc);
		return -EPROTO;
	}
	return 0;
}
