// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests of the collector: per-site aggregation and the reconciliation
 * of the attach-time baseline with probe records (collector.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "collector.h"

#define SITE_A 0x401000	/* a user go statement */
#define SITE_B 0x402000	/* another one */
#define SITE_RT 0x403000	/* a runtime go statement (system goroutines) */
#define START_USER 0x500000
#define START_RT 0x600000

static int symbolize_calls;

static void fake_symbolize(void *ctx, uint64_t gopc, uint64_t startpc,
			   struct site_info *info)
{
	symbolize_calls++;
	snprintf(info->function, sizeof(info->function), "site_%lx", (unsigned long)gopc);
	snprintf(info->file, sizeof(info->file), "/src/f.go");
	info->line = (int)(gopc & 0xffff);
	snprintf(info->start_function, sizeof(info->start_function), "%s",
		 startpc == START_RT ? "runtime.bgsweep" : "main.worker");
	info->system = startpc == START_RT;
}

static struct gs_record rec_create(uint64_t goid, uint64_t gopc, uint64_t ts)
{
	struct gs_record r = { .type = GS_REC_CREATE, .tgid = 1, .ts_ns = ts, .goid = goid };

	r.create.gopc = gopc;
	r.create.startpc = gopc == SITE_RT ? START_RT : START_USER;
	r.create.parent_goid = 1;
	return r;
}

static struct gs_record rec_exit(uint64_t goid, uint64_t ts)
{
	struct gs_record r = { .type = GS_REC_EXIT, .tgid = 1, .ts_ns = ts, .goid = goid };

	return r;
}

/* An exit record as the BPF side makes it: with the goroutine's site. */
static struct gs_record rec_exit_site(uint64_t goid, uint64_t gopc, uint64_t ts)
{
	struct gs_record r = rec_exit(goid, ts);

	r.exit.gopc = gopc;
	r.exit.startpc = gopc == SITE_RT ? START_RT : START_USER;
	return r;
}

static struct gs_record rec_park(uint64_t goid, unsigned reason, uint64_t ts)
{
	struct gs_record r = { .type = GS_REC_PARK, .tgid = 1, .ts_ns = ts, .goid = goid };

	r.park.reason = reason;
	return r;
}

static void feed(struct collector *c, struct gs_record r)
{
	collector_on_record(c, &r);
}

static const struct site *find_site(struct collector *c, uint64_t gopc)
{
	const struct site **arr, *found = NULL;
	size_t n, i;

	arr = collector_sorted_sites(c, &n);
	for (i = 0; i < n; i++)
		if (arr[i]->gopc == gopc)
			found = arr[i];
	free(arr);
	return found;
}

static struct snap_g snap(uint64_t goid, uint64_t gopc, uint32_t status, uint8_t reason)
{
	struct snap_g g = { .goid = goid, .gopc = gopc, .status = status,
			    .waitreason = reason };

	g.startpc = gopc == SITE_RT ? START_RT : START_USER;
	return g;
}

/* Churn: every created goroutine exits; live ends at 0. */
static void test_churn_counts(void **state)
{
	struct collector *c = collector_new(fake_symbolize, NULL);
	struct snapshot empty = { 0 };
	struct collector_totals t;
	const struct site *s;
	uint64_t goid;

	collector_merge_baseline(c, &empty, 1000);
	for (goid = 100; goid < 1100; goid++) {
		feed(c, rec_create(goid, SITE_A, 2000 + goid));
		feed(c, rec_exit(goid, 3000 + goid));
	}
	s = find_site(c, SITE_A);
	assert_non_null(s);
	assert_int_equal(s->created, 1000);
	assert_int_equal(s->exited, 1000);
	assert_int_equal(s->live, 0);
	assert_int_equal(s->live_at_start, 0);
	collector_totals(c, &t);
	assert_int_equal(t.live, 0);
	assert_int_equal(t.created, 1000);
	assert_int_equal(symbolize_calls > 0, 1);
	collector_free(c);
}

/* Baseline goroutines count as live at start; a later exit of one of them is
 * an exit of its site. */
static void test_baseline_then_exit(void **state)
{
	struct collector *c = collector_new(fake_symbolize, NULL);
	struct snap_g gs[] = {
		snap(1, SITE_B, G_WAITING, 14),
		snap(5, SITE_A, G_WAITING, 15),
		snap(6, SITE_A, G_WAITING, 15),
		snap(7, SITE_A, G_RUNNABLE, 0),
		snap(2, SITE_RT, G_WAITING, 12),
	};
	struct snapshot base = { .gs = gs, .n = 5 };
	struct collector_totals t;
	const struct site *a;

	collector_merge_baseline(c, &base, 1000);
	feed(c, rec_exit(6, 2000));
	a = find_site(c, SITE_A);
	assert_int_equal(a->live_at_start, 3);
	assert_int_equal(a->live, 2);
	assert_int_equal(a->exited, 1);
	assert_int_equal(a->created, 0);
	collector_totals(c, &t);
	assert_int_equal(t.live, 4);
	assert_int_equal(t.live_user, 3);	/* SITE_RT is a system site */
	assert_int_equal(t.live_at_start, 5);
	collector_free(c);
}

/* A goroutine born after attach that the snapshot also saw is counted once,
 * as created, whichever comes first. */
static void test_created_and_in_snapshot_counted_once(void **state)
{
	struct collector *c = collector_new(fake_symbolize, NULL);
	struct snap_g gs[] = { snap(40, SITE_A, G_RUNNABLE, 0), snap(41, SITE_A, G_RUNNABLE, 0) };
	struct snapshot base = { .gs = gs, .n = 2 };
	const struct site *a;

	/* 40's record was drained before the merge, 41's comes after it. */
	feed(c, rec_create(40, SITE_A, 1100));
	collector_merge_baseline(c, &base, 1000);
	feed(c, rec_create(41, SITE_A, 1200));
	a = find_site(c, SITE_A);
	assert_int_equal(a->created, 2);
	assert_int_equal(a->live, 2);
	assert_int_equal(a->live_at_start, 0);
	collector_free(c);
}

/* An exit recorded before the merge, of a goroutine the snapshot still shows
 * (torn read, or it died between the read and the drain), is not resurrected. */
static void test_tombstone_prevents_resurrection(void **state)
{
	struct collector *c = collector_new(fake_symbolize, NULL);
	struct snap_g gs[] = { snap(9, SITE_A, G_WAITING, 15), snap(10, SITE_A, G_WAITING, 15) };
	struct snapshot base = { .gs = gs, .n = 2 };
	struct collector_totals t;
	const struct site *a;

	feed(c, rec_exit(9, 1100));
	feed(c, rec_exit(9, 1101));	/* duplicate: idempotent */
	collector_merge_baseline(c, &base, 1000);
	a = find_site(c, SITE_A);
	assert_int_equal(a->live, 1);
	assert_int_equal(a->live_at_start, 1);
	collector_totals(c, &t);
	assert_int_equal(t.exited_unattributed, 1);
	assert_int_equal(t.duplicate_records, 1);
	collector_free(c);
}

/* A create record that fires twice (probe re-hit) does not double count; an
 * exit of an unknown goroutine after the merge is counted apart. */
static void test_idempotent_records(void **state)
{
	struct collector *c = collector_new(fake_symbolize, NULL);
	struct snapshot empty = { 0 };
	struct collector_totals t;
	const struct site *a;

	collector_merge_baseline(c, &empty, 1000);
	feed(c, rec_create(50, SITE_A, 1100));
	feed(c, rec_create(50, SITE_A, 1101));
	feed(c, rec_exit(77, 1200));
	a = find_site(c, SITE_A);
	assert_int_equal(a->created, 1);
	assert_int_equal(a->live, 1);
	collector_totals(c, &t);
	assert_int_equal(t.duplicate_records, 1);
	assert_int_equal(t.exited_unattributed, 1);
	assert_int_equal(t.exited, 0);
	collector_free(c);
}

/* Sites come out most live first; wait reasons come from a snapshot. */
static void test_sorting_and_wait_reasons(void **state)
{
	struct collector *c = collector_new(fake_symbolize, NULL);
	struct snapshot empty = { 0 };
	struct snap_g now[] = {
		snap(60, SITE_B, G_WAITING, 15),
		snap(61, SITE_B, G_WAITING, 15),
		snap(62, SITE_B, G_WAITING, 14),
		snap(63, SITE_B, G_RUNNING, 15),	/* running: not parked */
		snap(70, SITE_A, G_WAITING, 3),
	};
	struct snapshot s = { .gs = now, .n = 5 };
	const struct site **arr, *b;
	size_t n;
	uint64_t goid;

	collector_merge_baseline(c, &empty, 1000);
	feed(c, rec_create(70, SITE_A, 1100));
	for (goid = 60; goid < 64; goid++)
		feed(c, rec_create(goid, SITE_B, 1200 + goid));
	feed(c, rec_park(70, 3, 1500));
	arr = collector_sorted_sites(c, &n);
	assert_int_equal(n, 2);
	assert_int_equal(arr[0]->gopc, SITE_B);
	assert_int_equal(arr[1]->gopc, SITE_A);
	free(arr);
	collector_apply_snapshot(c, &s);
	b = find_site(c, SITE_B);
	assert_int_equal(b->parked_by_reason[15], 2);
	assert_int_equal(b->parked_by_reason[14], 1);
	assert_int_equal(find_site(c, SITE_A)->parked_by_reason[3], 1);
	collector_free(c);
}

/* Oldest age: a baseline goroutine's age is a lower bound from attach (or
 * from the runtime's waitsince when older); later births are exact. */
static void test_oldest_age(void **state)
{
	struct collector *c = collector_new(fake_symbolize, NULL);
	struct snap_g gs[] = { snap(3, SITE_A, G_WAITING, 15), snap(4, SITE_A, G_WAITING, 15) };
	struct snapshot base = { .gs = gs, .n = 2 };
	struct snapshot empty = { 0 };
	const struct site *a, *b;
	bool lower;

	gs[1].waitsince = 400;	/* parked since before attach at 1000 */
	collector_merge_baseline(c, &base, 1000);
	a = find_site(c, SITE_A);
	assert_int_equal(collector_oldest_age(c, a, 5000, &lower), 4600);
	assert_true(lower);
	feed(c, rec_exit(4, 1500));
	assert_int_equal(collector_oldest_age(c, a, 5000, &lower), 4000);
	collector_free(c);

	c = collector_new(fake_symbolize, NULL);
	collector_merge_baseline(c, &empty, 1000);
	feed(c, rec_create(90, SITE_B, 2000));
	feed(c, rec_create(91, SITE_B, 3000));
	feed(c, rec_exit(90, 3500));
	b = find_site(c, SITE_B);
	assert_int_equal(collector_oldest_age(c, b, 5000, &lower), 2000);
	assert_false(lower);
	collector_free(c);
}

/* Go <= 1.23: the attach snapshot can read a reused g as runnable with the
 * goid of the goroutine that died in it.  A later snapshot that no longer
 * shows it, with no exit recorded, drops it without counting an exit. */
static void test_baseline_phantom_dropped(void **state)
{
	struct collector *c = collector_new(fake_symbolize, NULL);
	struct snap_g first[] = { snap(20, SITE_A, G_RUNNABLE, 0), snap(21, SITE_A, G_WAITING, 15) };
	struct snap_g later[] = { snap(21, SITE_A, G_WAITING, 15), snap(300, SITE_A, G_RUNNABLE, 0) };
	struct snapshot base = { .gs = first, .n = 2 };
	struct snapshot s2 = { .gs = later, .n = 2 };
	struct collector_totals t;
	const struct site *a;

	collector_merge_baseline(c, &base, 1000);
	collector_apply_snapshot(c, &base);
	assert_int_equal(find_site(c, SITE_A)->live, 2);
	feed(c, rec_create(300, SITE_A, 1100));	/* the real new goroutine */
	collector_apply_snapshot(c, &s2);
	a = find_site(c, SITE_A);
	assert_int_equal(a->live, 2);		/* 21 and 300 */
	assert_int_equal(a->live_at_start, 1);
	assert_int_equal(a->exited, 0);
	assert_int_equal(a->created, 1);
	collector_totals(c, &t);
	assert_int_equal(t.baseline_phantoms, 1);

	/* an unreadable slot might hide a real goroutine: keep it then */
	s2.n = 1;	/* 300 not shown, but it is not from the baseline */
	s2.unreadable = 1;
	collector_apply_snapshot(c, &s2);
	assert_int_equal(find_site(c, SITE_A)->live, 2);
	collector_free(c);
}

/* Goroutines born before the creation probe went live and gone before the
 * baseline (or after it, if the snapshot missed them) are still counted at
 * their site: alive at the start, then exited; live stays right. */
static void test_exit_of_unseen_goroutine_lands_on_its_site(void **state)
{
	struct collector *c = collector_new(fake_symbolize, NULL);
	struct snap_g gs[] = { snap(5, SITE_A, G_WAITING, 15), snap(6, SITE_A, G_RUNNABLE, 0) };
	struct snapshot base = { .gs = gs, .n = 2 };
	struct collector_totals t;
	const struct site *a;

	feed(c, rec_exit_site(6, SITE_A, 1100));	/* before the merge */
	collector_merge_baseline(c, &base, 1000);
	feed(c, rec_exit_site(8, SITE_A, 1200));	/* after: never seen */
	a = find_site(c, SITE_A);
	assert_int_equal(a->live, 1);			/* only 5 */
	assert_int_equal(a->live_at_start, 3);		/* 5, 6 and 8 */
	assert_int_equal(a->exited, 2);
	assert_int_equal(a->live, a->live_at_start + a->created - a->exited);
	collector_totals(c, &t);
	assert_int_equal(t.exited_before_baseline, 2);
	assert_int_equal(t.exited_unattributed, 0);
	collector_free(c);
}

/* Exits of goroutines never seen, once the probes are being removed
 * (creation first), belong to goroutines born after the trace: ignored.
 * Known goroutines still exit normally. */
static void test_exits_after_end_ignored(void **state)
{
	struct collector *c = collector_new(fake_symbolize, NULL);
	struct snapshot empty = { 0 };
	struct collector_totals t;
	const struct site *a;

	collector_merge_baseline(c, &empty, 1000);
	feed(c, rec_create(10, SITE_A, 1100));
	collector_trace_ending(c, 2000);
	feed(c, rec_exit_site(11, SITE_A, 2100));	/* born after the end */
	feed(c, rec_exit_site(10, SITE_A, 2200));	/* known: counts */
	a = find_site(c, SITE_A);
	assert_int_equal(a->live, 0);
	assert_int_equal(a->live_at_start, 0);
	assert_int_equal(a->created, 1);
	assert_int_equal(a->exited, 1);
	collector_totals(c, &t);
	assert_int_equal(t.exited_after_end, 1);
	collector_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_churn_counts),
		cmocka_unit_test(test_baseline_then_exit),
		cmocka_unit_test(test_created_and_in_snapshot_counted_once),
		cmocka_unit_test(test_tombstone_prevents_resurrection),
		cmocka_unit_test(test_idempotent_records),
		cmocka_unit_test(test_sorting_and_wait_reasons),
		cmocka_unit_test(test_oldest_age),
		cmocka_unit_test(test_baseline_phantom_dropped),
		cmocka_unit_test(test_exit_of_unseen_goroutine_lands_on_its_site),
		cmocka_unit_test(test_exits_after_end_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
