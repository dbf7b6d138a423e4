// SPDX-License-Identifier: BSD-2-Clause
/*
 * Probe-free tracing (include/analysis/snapdiff.h): snapshots alone make
 * every site's live count that of the last snapshot, creations and exits
 * the goroutines that appeared and went between snapshots, ages from the
 * first snapshot that showed a goroutine.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "analysis/snapdiff.h"

#define SITE_A 0x401000
#define SITE_B 0x402000
#define START 0x500000
#define S(x) ((uint64_t)(x) * 1000000000ull)

static void fake_symbolize(void *ctx, uint64_t gopc, uint64_t startpc,
			   struct site_info *info)
{
	snprintf(info->function, sizeof(info->function), "main.site_%lx", (unsigned long)gopc);
	snprintf(info->file, sizeof(info->file), "/src/app/f.go");
	info->line = 1;
	snprintf(info->start_function, sizeof(info->start_function), "main.worker");
}

static struct snap_g g_at(uint64_t goid, uint64_t gopc, uint8_t reason)
{
	return (struct snap_g){ .goid = goid, .gopc = gopc, .startpc = START,
				.parent_goid = 1, .status = G_WAITING, .waitreason = reason };
}

static const struct site *site_of(struct collector *c, uint64_t gopc)
{
	const struct site **all, *found = NULL;
	size_t n, i;

	all = collector_sorted_sites(c, &n);
	for (i = 0; i < n; i++)
		if (all[i]->gopc == gopc)
			found = all[i];
	free(all);
	assert_non_null(found);
	return found;
}

static void test_live_exact_counts_lower_bounds(void **state)
{
	struct collector *c = collector_new(fake_symbolize, NULL);
	struct snapdiff *d = snapdiff_new();
	struct snap_g base_gs[] = { g_at(1, SITE_A, 14), g_at(2, SITE_A, 14), g_at(3, SITE_B, 14) };
	struct snap_g s1_gs[] = { g_at(1, SITE_A, 14), g_at(4, SITE_A, 14), g_at(5, SITE_A, 14),
				  g_at(3, SITE_B, 15) };
	struct snap_g s2_gs[] = { g_at(4, SITE_A, 14), g_at(5, SITE_A, 14), g_at(6, SITE_B, 14) };
	struct snapshot base = { .gs = base_gs, .n = 3, .started_ns = S(10), .finished_ns = S(10) + 1 };
	struct snapshot s1 = { .gs = s1_gs, .n = 4, .started_ns = S(11), .finished_ns = S(11) + 1 };
	struct snapshot s2 = { .gs = s2_gs, .n = 3, .started_ns = S(14), .finished_ns = S(14) + 1 };
	struct snapdiff_counts k;
	const struct site *a, *b;
	bool lower;

	assert_non_null(c);
	assert_non_null(d);
	collector_merge_baseline(c, &base, S(10));
	assert_int_equal(snapdiff_seed(d, &base), 0);
	assert_int_equal(snapdiff_live(d), 3);

	/* g 2 gone, 4 and 5 new, 3 now waits on another reason. */
	assert_int_equal(snapdiff_feed(d, &s1, 7, c, &k), 0);
	assert_int_equal(k.appeared, 2);
	assert_int_equal(k.gone, 1);
	a = site_of(c, SITE_A);
	b = site_of(c, SITE_B);
	assert_int_equal(a->live, 3);
	assert_int_equal(a->live_at_start, 2);
	assert_int_equal(a->created, 2);
	assert_int_equal(a->exited, 1);
	assert_int_equal(b->live, 1);
	assert_int_equal(b->parked_by_reason[15], 1);
	assert_int_equal(b->parked_by_reason[14], 0);

	/* 1 and 3 gone, 6 new. */
	assert_int_equal(snapdiff_feed(d, &s2, 7, c, &k), 0);
	assert_int_equal(k.appeared, 1);
	assert_int_equal(k.gone, 2);
	assert_int_equal(a->live, 2);
	assert_int_equal(a->exited, 2);
	assert_int_equal(b->live, 1);
	assert_int_equal(b->created, 1);
	assert_int_equal(b->exited, 1);
	/* What the last snapshot alone found: per site, new and gone. */
	assert_int_equal(a->created - a->marked_created, 0);
	assert_int_equal(a->exited - a->marked_exited, 1);
	assert_int_equal(b->created - b->marked_created, 1);
	assert_int_equal(b->exited - b->marked_exited, 1);
	assert_int_equal(snapdiff_live(d), 3);
	/* Ages from the first snapshot that showed them: 4 and 5 at 11 s. */
	assert_int_equal(collector_oldest_age(c, a, S(14), &lower), S(3));
	/* A goroutine first seen in a later snapshot lived from there. */
	assert_int_equal(a->timed_exits, 0);	/* 1 and 2 were from the baseline */
	snapdiff_free(d);
	collector_free(c);
}

/* A goroutine born after one snapshot and gone before the next is never
 * seen: lower bounds, not guesses. */
static void test_unseen_between_snapshots(void **state)
{
	struct collector *c = collector_new(fake_symbolize, NULL);
	struct snapdiff *d = snapdiff_new();
	struct snap_g gs[] = { g_at(1, SITE_A, 14) };
	struct snapshot base = { .gs = gs, .n = 1, .started_ns = S(1) };
	struct snapshot later = { .gs = gs, .n = 1, .started_ns = S(2) };
	struct snapshot empty = { .started_ns = S(3) };
	struct snapdiff_counts k;
	const struct site *a;

	collector_merge_baseline(c, &base, S(1));
	assert_int_equal(snapdiff_seed(d, &base), 0);
	assert_int_equal(snapdiff_feed(d, &later, 7, c, &k), 0);
	assert_int_equal(k.appeared + k.gone, 0);
	assert_int_equal(snapdiff_feed(d, &empty, 7, c, &k), 0);
	assert_int_equal(k.gone, 1);
	a = site_of(c, SITE_A);
	assert_int_equal(a->live, 0);
	assert_int_equal(a->created, 0);
	assert_int_equal(a->exited, 1);
	assert_int_equal(snapdiff_live(d), 0);
	snapdiff_free(d);
	collector_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_exact_counts_lower_bounds),
		cmocka_unit_test(test_unseen_between_snapshots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
