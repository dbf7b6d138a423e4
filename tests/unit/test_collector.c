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

#include "analysis/collector.h"

#define SITE_A 0x401000	/* a user go statement */
#define SITE_B 0x402000	/* another one */
#define SITE_RT 0x403000	/* a runtime go statement (system goroutines) */
#define SITE_C 0x404000	/* one no goroutine of the test was created at */
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

static struct gs_record rec_create_at(uint64_t goid, uint64_t gopc, uint64_t g, uint64_t ts)
{
	struct gs_record r = rec_create(goid, gopc, ts);

	r.create.g = g;
	return r;
}

/* An exit as the BPF side makes it once the baseline is merged: no goid,
 * no site, only the g's address. */
static struct gs_record rec_exit_of_g(uint64_t g, uint64_t ts)
{
	struct gs_record r = rec_exit(0, ts);

	r.exit.g = g;
	return r;
}

/* Exits by g address land on the goroutine the baseline read at that g or
 * the creation record put there, with its lifetime. */
static void test_exit_by_g(void **state)
{
	struct collector *c = collector_new(fake_symbolize, NULL);
	struct snap_g gs[] = { snap(5, SITE_A, G_WAITING, 15), snap(6, SITE_A, G_WAITING, 15) };
	struct snapshot base = { .gs = gs, .n = 2 };
	struct collector_totals t;
	const struct site *a, *b;

	gs[0].addr = 0xc000001000;
	gs[1].addr = 0xc000002000;
	collector_merge_baseline(c, &base, 1000);
	feed(c, rec_create_at(10, SITE_B, 0xc000003000, 2000));
	feed(c, rec_exit_of_g(0xc000001000, 3000));
	feed(c, rec_exit_of_g(0xc000003000, 3500));
	a = find_site(c, SITE_A);
	b = find_site(c, SITE_B);
	assert_int_equal(a->live, 1);
	assert_int_equal(a->exited, 1);
	assert_int_equal(b->created, 1);
	assert_int_equal(b->exited, 1);
	assert_int_equal(b->live, 0);
	assert_int_equal(b->timed_exits, 1);
	collector_totals(c, &t);
	assert_int_equal(t.live, 1);
	assert_int_equal(t.exited_unattributed, 0);
	/* a g nobody is known at: not counted anywhere but there */
	feed(c, rec_exit_of_g(0xc000009000, 4000));
	collector_totals(c, &t);
	assert_int_equal(t.exited_unattributed, 1);
	assert_int_equal(t.live, 1);
	collector_free(c);
}

/* g structs are reused: each exit at an address is of the goroutine that
 * took the g last, and a g taken again while its previous goroutine seemed
 * alive (that exit lost) does not end the wrong one. */
static void test_exit_by_g_reused(void **state)
{
	struct collector *c = collector_new(fake_symbolize, NULL);
	struct snapshot empty = { 0 };
	struct snap_g gs[] = { snap(7, SITE_A, G_RUNNABLE, 0) };
	struct snapshot racy = { .gs = gs, .n = 1 };
	const struct site *a, *b;
	uint64_t goid;

	collector_merge_baseline(c, &empty, 1000);
	for (goid = 100; goid < 200; goid++) {
		feed(c, rec_create_at(goid, SITE_A, 0xc000001000, 2000 + goid));
		feed(c, rec_exit_of_g(0xc000001000, 3000 + goid));
	}
	a = find_site(c, SITE_A);
	assert_int_equal(a->created, 100);
	assert_int_equal(a->exited, 100);
	assert_int_equal(a->live, 0);
	/* 300's exit was lost: 301 takes its g, the exit there is 301's */
	feed(c, rec_create_at(300, SITE_B, 0xc000002000, 5000));
	feed(c, rec_create_at(301, SITE_B, 0xc000002000, 5100));
	feed(c, rec_exit_of_g(0xc000002000, 5200));
	b = find_site(c, SITE_B);
	assert_int_equal(b->created, 2);
	assert_int_equal(b->exited, 1);
	assert_int_equal(b->live, 1);
	feed(c, rec_exit(300, 5300));	/* still known by its goid */
	assert_int_equal(b->exited, 2);
	assert_int_equal(b->live, 0);
	collector_free(c);

	/* The baseline read a g a creation record had already taken: the
	 * record's goroutine keeps the address. */
	c = collector_new(fake_symbolize, NULL);
	feed(c, rec_create_at(400, SITE_B, 0xc000004000, 900));
	gs[0].addr = 0xc000004000;
	collector_merge_baseline(c, &racy, 1000);
	feed(c, rec_exit_of_g(0xc000004000, 2000));
	a = find_site(c, SITE_A);
	b = find_site(c, SITE_B);
	assert_int_equal(b->live, 0);
	assert_int_equal(b->exited, 1);
	assert_int_equal(a->live, 1);
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

/* Park counters arrive as the kernel's running totals per (go statement,
 * wait reason): a site's parks are their sum, a repeated or late (smaller)
 * read changes nothing, a gopc never seen gets a site of its own. */
static void test_park_counters(void **state)
{
	struct collector *c = collector_new(fake_symbolize, NULL);
	struct snapshot empty = { 0 };
	const struct site *a, *stray;

	collector_merge_baseline(c, &empty, 1000);
	feed(c, rec_create(70, SITE_A, 1100));
	a = find_site(c, SITE_A);
	assert_int_equal(a->parks, 0);
	assert_null(a->parks_by_reason);
	collector_set_parks(c, SITE_A, 3, 10);
	collector_set_parks(c, SITE_A, 14, 5);
	assert_int_equal(a->parks, 15);
	collector_set_parks(c, SITE_A, 3, 10);	/* the same read again */
	assert_int_equal(a->parks, 15);
	collector_set_parks(c, SITE_A, 3, 25);
	assert_int_equal(a->parks, 30);
	assert_int_equal(a->parks_by_reason[3], 25);
	assert_int_equal(a->parks_by_reason[14], 5);
	collector_set_parks(c, SITE_A, 3, 20);	/* older than what we have */
	assert_int_equal(a->parks, 30);
	collector_set_parks(c, SITE_A, WAIT_REASONS_MAX, 99);	/* out of range */
	assert_int_equal(a->parks, 30);
	collector_set_parks(c, SITE_C, 7, 4);
	stray = find_site(c, SITE_C);
	assert_non_null(stray);
	assert_int_equal(stray->parks, 4);
	assert_int_equal(stray->live, 0);
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

/* The cut: no record stamped at or after it counts, whichever probe made
 * it (a known goroutine's exit included), so live is the count at the cut;
 * records between the cut and the end snapshot's end are its tolerance. */
static void test_cut_is_one_instant(void **state)
{
	struct collector *c = collector_new(fake_symbolize, NULL);
	struct snapshot empty = { 0 };
	struct collector_totals t;
	struct collector_end_check ec;
	const struct site *a;
	/* at the end: 10 still there, 12 born after the cut; 11 gone after
	 * the cut, so not in it */
	struct snap_g end[] = { snap(10, SITE_A, G_WAITING, 7), snap(12, SITE_A, G_RUNNABLE, 0) };
	struct snapshot es = { .gs = end, .n = 2, .started_ns = 2010, .finished_ns = 2050 };

	collector_merge_baseline(c, &empty, 1000);
	feed(c, rec_create(10, SITE_A, 1100));
	feed(c, rec_create(11, SITE_A, 1200));
	assert_false(collector_end_check(c, &ec));	/* no end snapshot yet */
	collector_cut(c, 2000);
	collector_cut(c, 3000);				/* the first cut stays */
	assert_int_equal(collector_cut_ns(c), 2000);
	collector_end_snapshot(c, &es);
	feed(c, rec_exit_site(11, SITE_A, 2020));	/* during the read */
	feed(c, rec_create(12, SITE_A, 2030));		/* during the read */
	feed(c, rec_exit_site(10, SITE_A, 2100));	/* after the read */
	feed(c, rec_exit_site(99, SITE_A, 2200));	/* born after the cut */
	a = find_site(c, SITE_A);
	assert_int_equal(a->live, 2);			/* 10 and 11 at the cut */
	assert_int_equal(a->created, 2);
	assert_int_equal(a->exited, 0);
	assert_int_equal(a->end_live, 2);		/* 10 and 12 */
	assert_int_equal(a->end_changed, 2);
	assert_int_equal(a->parked_by_reason[7], 1);
	collector_totals(c, &t);
	assert_int_equal(t.records_after_cut, 4);
	assert_int_equal(t.exited_unattributed, 0);
	assert_true(collector_end_check(c, &ec));
	assert_int_equal(ec.cut_ns, 2000);
	assert_int_equal(ec.finished_ns, 2050);
	assert_int_equal(ec.snapshot_live, 2);
	assert_int_equal(ec.diff, 0);
	assert_int_equal(ec.abs_diff, 0);
	assert_int_equal(ec.changed_during_read, 2);
	collector_free(c);
}

/* A stopped target: the end snapshot equals the counts, site by site; a
 * site the snapshot shows and the counts do not know differs. */
static void test_end_check_counts_differences(void **state)
{
	struct collector *c = collector_new(fake_symbolize, NULL);
	struct snap_g gs[] = { snap(5, SITE_A, G_WAITING, 7), snap(6, SITE_B, G_WAITING, 7) };
	struct snapshot base = { .gs = gs, .n = 2 };
	struct snap_g end[] = { snap(5, SITE_A, G_WAITING, 7), snap(6, SITE_B, G_WAITING, 7),
				snap(7, SITE_C, G_RUNNABLE, 0) };
	struct snapshot es = { .gs = end, .n = 3, .finished_ns = 5100 };
	struct collector_end_check ec;

	collector_merge_baseline(c, &base, 1000);
	collector_cut(c, 5000);
	collector_end_snapshot(c, &es);
	assert_true(collector_end_check(c, &ec));
	assert_int_equal(ec.snapshot_live, 3);
	assert_int_equal(ec.diff, 1);
	assert_int_equal(ec.abs_diff, 1);
	assert_int_equal(ec.sites_differing, 1);
	assert_int_equal(find_site(c, SITE_C)->end_live, 1);
	assert_int_equal(find_site(c, SITE_C)->live, 0);
	assert_int_equal(find_site(c, SITE_A)->end_live, 1);
	/* the baseline goroutines stay: the end snapshot drops no phantom */
	assert_int_equal(find_site(c, SITE_A)->live, 1);
	collector_free(c);
}

/*
 * Creation stacks.  The fake BPF map: each id's walk starts with the
 * runtime's lead frames (one, or two from Go 1.21), then the go statement.
 */
#define LEAD_SYS 0x470000	/* return address into runtime.systemstack */
#define LEAD_NEWPROC 0x470100	/* into runtime.newproc (Go 1.21+) */
#define CALLER_1 0x401100	/* two callers of the helper at SITE_A */
#define CALLER_2 0x401200
#define OUTER 0x401300		/* their common caller */
#define OUTER_2 0x401400	/* past the depth kept */

struct fake_stack {
	uint32_t id;
	int n;
	uint64_t pcs[6];
};

static const struct fake_stack fake_stacks[] = {
	{ 7, 4, { LEAD_SYS, SITE_A, CALLER_1, OUTER } },
	{ 9, 5, { LEAD_SYS, LEAD_NEWPROC, SITE_A, CALLER_2, OUTER } },
	/* the same frames as 7 once the lead is dropped and cut to 3 */
	{ 13, 6, { LEAD_SYS, LEAD_NEWPROC, SITE_A, CALLER_1, OUTER, OUTER_2 } },
	/* a walk that went astray: the go statement is not in the lead */
	{ 21, 4, { LEAD_SYS, CALLER_1, CALLER_2, SITE_A } },
};

static int stack_reads[32];

static int fake_read_stack(void *ctx, uint32_t id, uint64_t *pcs, int max)
{
	size_t i;
	int k;

	stack_reads[id]++;
	for (i = 0; i < sizeof(fake_stacks) / sizeof(*fake_stacks); i++) {
		if (fake_stacks[i].id != id)
			continue;
		for (k = 0; k < fake_stacks[i].n && k < max; k++)
			pcs[k] = fake_stacks[i].pcs[k];
		return k;
	}
	return -2;	/* -ENOENT */
}

static struct gs_record rec_create_stack(uint64_t goid, uint64_t gopc, uint32_t stack_id,
					 uint64_t ts)
{
	struct gs_record r = rec_create(goid, gopc, ts);

	r.create.stack_id = stack_id;
	return r;
}

static const struct site_stack *find_stack(const struct site *s, uint64_t caller)
{
	const struct site_stack **arr, *found = NULL;
	size_t n, i;

	arr = collector_site_stacks(s, &n);
	for (i = 0; i < n; i++) {
		const struct creation_stack *cs = arr[i]->stack;

		if (caller ? cs && cs->nframes > 1 && cs->frames[1] == caller : !cs)
			found = arr[i];
	}
	free(arr);
	return found;
}

/* One go statement reached from two callers is one site and two stacks;
 * goroutines of the baseline are in the unknown stack; each stack is read
 * once; the split always adds up to the site's counts. */
static void test_creation_stack_split(void **state)
{
	struct collector *c = collector_new(fake_symbolize, NULL);
	struct snap_g gs[] = { snap(2, SITE_A, G_WAITING, 15), snap(3, SITE_A, G_WAITING, 15) };
	struct snap_g later[] = {
		snap(2, SITE_A, G_WAITING, 15), snap(3, SITE_A, G_WAITING, 15),
		snap(100, SITE_A, G_WAITING, 14), snap(101, SITE_A, G_WAITING, 14),
		snap(102, SITE_A, G_RUNNABLE, 0), snap(200, SITE_A, G_WAITING, 15),
		snap(201, SITE_A, G_WAITING, 15), snap(202, SITE_A, G_WAITING, 15),
		snap(203, SITE_A, G_WAITING, 15),
	};
	struct snapshot base = { .gs = gs, .n = 2 };
	struct snapshot s2 = { .gs = later, .n = 9 };
	const struct site_stack *one, *two, *unknown, **all;
	struct collector_totals t;
	const struct site *a;
	uint64_t goid, sum_live = 0, sum_created = 0, sum_exited = 0, sum_start = 0;
	size_t n, i;

	memset(stack_reads, 0, sizeof(stack_reads));
	collector_set_stack_reader(c, fake_read_stack, NULL, 3);
	collector_merge_baseline(c, &base, 1000);
	for (goid = 100; goid < 103; goid++)
		feed(c, rec_create_stack(goid, SITE_A, 7, 1100 + goid));
	for (goid = 200; goid < 205; goid++)
		feed(c, rec_create_stack(goid, SITE_A, 9, 1200 + goid));
	feed(c, rec_exit(204, 1500));
	feed(c, rec_exit(3, 1600));
	collector_apply_snapshot(c, &s2);

	a = find_site(c, SITE_A);
	assert_int_equal(a->live, 8);
	assert_int_equal(a->created, 8);
	assert_int_equal(a->exited, 2);
	assert_int_equal(a->live_at_start, 2);
	one = find_stack(a, CALLER_1);
	two = find_stack(a, CALLER_2);
	unknown = find_stack(a, 0);
	assert_non_null(one);
	assert_non_null(two);
	assert_non_null(unknown);
	/* the frames start at the go statement, the lead dropped */
	assert_int_equal(one->stack->nframes, 3);
	assert_int_equal(one->stack->frames[0], SITE_A);
	assert_int_equal(one->stack->frames[2], OUTER);
	assert_int_equal(two->stack->nframes, 3);
	assert_int_equal(two->stack->frames[0], SITE_A);
	assert_int_equal(one->created, 3);
	assert_int_equal(one->live, 3);
	assert_int_equal(one->exited, 0);
	assert_int_equal(two->created, 5);
	assert_int_equal(two->exited, 1);
	assert_int_equal(two->live, 4);
	assert_int_equal(unknown->created, 0);
	assert_int_equal(unknown->live_at_start, 2);
	assert_int_equal(unknown->exited, 1);
	assert_int_equal(unknown->live, 1);
	/* each id read once, however many records carried it */
	assert_int_equal(stack_reads[7], 1);
	assert_int_equal(stack_reads[9], 1);
	/* wait reasons per stack, from the snapshot */
	assert_non_null(one->parked_by_reason);
	assert_int_equal(one->parked_by_reason[14], 2);
	assert_int_equal(two->parked_by_reason[15], 4);
	assert_int_equal(unknown->parked_by_reason[15], 1);

	all = collector_sorted_stacks(c, &n);
	assert_int_equal(n, 3);
	assert_ptr_equal(all[0], two);	/* most live first */
	for (i = 0; i < n; i++) {
		assert_ptr_equal(all[i]->site, a);
		sum_live += all[i]->live;
		sum_created += all[i]->created;
		sum_exited += all[i]->exited;
		sum_start += all[i]->live_at_start;
	}
	free(all);
	assert_int_equal(sum_live, a->live);
	assert_int_equal(sum_created, a->created);
	assert_int_equal(sum_exited, a->exited);
	assert_int_equal(sum_start, a->live_at_start);
	collector_totals(c, &t);
	assert_int_equal(t.creation_stacks, 2);
	assert_int_equal(t.stack_mismatches, 0);
	collector_free(c);
}

/* Walks that show the same frames are one stack; a walk whose lead does not
 * hold the record's go statement, an unreadable id and a record without a
 * stack all land in the unknown stack, the first two counted. */
static void test_creation_stack_merged_and_rejected(void **state)
{
	struct collector *c = collector_new(fake_symbolize, NULL);
	struct snapshot empty = { 0 };
	const struct site_stack *one, *unknown;
	struct collector_totals t;
	const struct site *a;
	bool lower;

	memset(stack_reads, 0, sizeof(stack_reads));
	collector_set_stack_reader(c, fake_read_stack, NULL, 3);
	collector_merge_baseline(c, &empty, 1000);
	feed(c, rec_create_stack(10, SITE_A, 7, 1100));
	feed(c, rec_create_stack(11, SITE_A, 13, 1200));	/* same frames as 7 */
	feed(c, rec_create_stack(12, SITE_A, 21, 1300));	/* astray */
	feed(c, rec_create_stack(13, SITE_A, 21, 1310));
	feed(c, rec_create_stack(14, SITE_A, 30, 1400));	/* not in the map */
	feed(c, rec_create_stack(15, SITE_A, GS_NO_STACK, 1500));
	feed(c, rec_create_stack(10, SITE_A, 7, 1600));	/* duplicate record */
	a = find_site(c, SITE_A);
	one = find_stack(a, CALLER_1);
	unknown = find_stack(a, 0);
	assert_non_null(one);
	assert_non_null(unknown);
	assert_int_equal(one->created, 2);
	assert_int_equal(unknown->created, 4);
	assert_int_equal(unknown->live_at_start, 0);
	assert_int_equal(a->created, 6);
	assert_int_equal(stack_reads[21], 1);
	assert_int_equal(collector_stack_oldest_age(c, one, 5000, &lower), 3900);
	assert_false(lower);
	assert_int_equal(collector_stack_oldest_age(c, unknown, 5000, &lower), 3700);
	collector_totals(c, &t);
	assert_int_equal(t.creation_stacks, 1);
	assert_int_equal(t.stack_mismatches, 2);
	assert_int_equal(t.stacks_unreadable, 1);
	assert_int_equal(t.duplicate_records, 1);
	collector_free(c);
}

/* A baseline goroutine whose creation record comes after the merge moves
 * from the unknown stack to its own. */
static void test_creation_stack_baseline_to_created(void **state)
{
	struct collector *c = collector_new(fake_symbolize, NULL);
	struct snap_g gs[] = { snap(40, SITE_A, G_RUNNABLE, 0), snap(41, SITE_A, G_WAITING, 15) };
	struct snapshot base = { .gs = gs, .n = 2 };
	const struct site_stack *two, *unknown;
	const struct site *a;

	collector_set_stack_reader(c, fake_read_stack, NULL, 3);
	collector_merge_baseline(c, &base, 1000);
	feed(c, rec_create_stack(40, SITE_A, 9, 1100));
	a = find_site(c, SITE_A);
	two = find_stack(a, CALLER_2);
	unknown = find_stack(a, 0);
	assert_non_null(two);
	assert_int_equal(two->created, 1);
	assert_int_equal(two->live, 1);
	assert_int_equal(unknown->live, 1);
	assert_int_equal(unknown->live_at_start, 1);
	assert_int_equal(a->live_at_start, 1);
	assert_int_equal(a->created, 1);
	feed(c, rec_exit(40, 1200));
	assert_int_equal(two->live, 0);
	assert_int_equal(two->exited, 1);
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
		cmocka_unit_test(test_cut_is_one_instant),
		cmocka_unit_test(test_end_check_counts_differences),
		cmocka_unit_test(test_park_counters),
		cmocka_unit_test(test_creation_stack_split),
		cmocka_unit_test(test_creation_stack_merged_and_rejected),
		cmocka_unit_test(test_creation_stack_baseline_to_created),
		cmocka_unit_test(test_exit_by_g),
		cmocka_unit_test(test_exit_by_g_reused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
