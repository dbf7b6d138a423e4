// SPDX-License-Identifier: BSD-2-Clause
/*
 * The report model (include/output/model.h): one order, one main wait
 * reason rule and one set of verdict counts, and the text and JSON views
 * saying the same thing of it, per site and --by stack.
 */
#define _GNU_SOURCE	/* open_memstream */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "binary/waitreasons.h"
#include "output/model.h"
#include "output/report.h"

#define GO_MINOR 22
#define SITE_A 0x401000
#define SITE_B 0x402000
#define SITE_RT 0x403000
#define START_USER 0x500000
#define START_RT 0x600000

static void fake_symbolize(void *ctx, uint64_t gopc, uint64_t startpc,
			   struct site_info *info)
{
	snprintf(info->function, sizeof(info->function), "main.site_%lx", (unsigned long)gopc);
	snprintf(info->file, sizeof(info->file), "/src/app/f.go");
	info->line = (int)(gopc >> 12 & 0xff);
	snprintf(info->start_function, sizeof(info->start_function), "%s",
		 startpc == START_RT ? "runtime.bgsweep" : "main.worker");
	info->system = startpc == START_RT;
}

static void feed_create(struct collector *c, uint64_t goid, uint64_t gopc, uint64_t ts)
{
	struct gs_record r = { .type = GS_REC_CREATE, .tgid = 1, .ts_ns = ts, .goid = goid };

	r.create.gopc = gopc;
	r.create.startpc = gopc == SITE_RT ? START_RT : START_USER;
	r.create.parent_goid = 1;
	collector_on_record(c, &r);
}

static struct snap_g parked(uint64_t goid, uint64_t gopc, unsigned reason)
{
	struct snap_g g = { .goid = goid, .gopc = gopc, .status = G_WAITING,
			    .waitreason = (uint8_t)reason };

	g.startpc = gopc == SITE_RT ? START_RT : START_USER;
	return g;
}

/* A wait reason value Go 1.22 names so, or one it has no name for. */
static unsigned reason_named(const char *name)
{
	unsigned v;

	for (v = 1; v < WAIT_REASONS_MAX; v++) {
		const char *n = go_waitreason_name(GO_MINOR, v);

		if (name ? n && !strcmp(n, name) : !n || !*n)
			return v;
	}
	fail_msg("no wait reason %s in go1.%d", name ? name : "(unnamed)", GO_MINOR);
	return 0;
}

/*
 * A: 3 goroutines, 2 on a reason the version has no name for, 1 on chan
 * receive; B: 2 created, on chan send and chan receive, one each (a tie);
 * the runtime's: 1.
 */
static struct collector *three_sites(unsigned *unnamed)
{
	struct collector *c = collector_new(fake_symbolize, NULL);
	struct snapshot empty = { 0 };
	unsigned recv = reason_named("chan receive"), send = reason_named("chan send");
	struct snap_g gs[6];
	struct snapshot now = { .gs = gs, .n = 6 };

	*unnamed = reason_named(NULL);
	collector_merge_baseline(c, &empty, 1000);
	feed_create(c, 10, SITE_A, 2000);
	feed_create(c, 11, SITE_A, 2001);
	feed_create(c, 12, SITE_A, 2002);
	feed_create(c, 20, SITE_B, 2003);
	feed_create(c, 21, SITE_B, 2004);
	feed_create(c, 30, SITE_RT, 2005);
	gs[0] = parked(10, SITE_A, *unnamed);
	gs[1] = parked(11, SITE_A, *unnamed);
	gs[2] = parked(12, SITE_A, recv);
	gs[3] = parked(20, SITE_B, send);
	gs[4] = parked(21, SITE_B, recv);
	gs[5] = parked(30, SITE_RT, recv);
	collector_apply_snapshot(c, &now);
	return c;
}

static struct model_source source_of(const struct collector *c)
{
	return (struct model_source){
		.coll = c, .pid = 7, .exe = "/srv/app", .go_version = "go1.22.1",
		.go_minor = GO_MINOR, .attach_ns = 1000, .now_ns = 3000000000ull,
	};
}

static const struct model_row *row_at(const struct model *m, uint64_t pc)
{
	size_t i;

	for (i = 0; i < m->nrows; i++)
		if (m->rows[i].pc == pc)
			return &m->rows[i];
	fail_msg("no row for 0x%lx", (unsigned long)pc);
	return NULL;
}

static char *text_of(const struct model *m, bool show_system)
{
	struct report_text_opts o = { .show_system = show_system };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	report_capture_text(f, m, &o);
	fclose(f);
	return buf;
}

/* The rows' main wait reasons, in the JSON and the text alike. */
static void assert_views_agree(const struct model *m)
{
	struct json_object *doc = report_capture_json(m), *sites, *v;
	char *text = text_of(m, true);
	size_t i;

	assert_true(json_object_object_get_ex(doc, "sites", &sites));
	assert_int_equal(json_object_array_length(sites), m->nrows);
	for (i = 0; i < m->nrows; i++) {
		struct json_object *s = json_object_array_get_idx(sites, i);
		const char *want = m->rows[i].main_wait;
		char cell[64];

		assert_true(json_object_object_get_ex(s, "main_wait_reason", &v));
		if (!want) {
			assert_null(v);
			continue;
		}
		assert_string_equal(json_object_get_string(v), want);
		/* The text's WAITING ON column, 13 wide. */
		snprintf(cell, sizeof(cell), " %-13.13s ", want);
		if (!strstr(text, cell))
			fail_msg("text report lacks \"%s\":\n%s", cell, text);
	}
	json_object_put(doc);
	free(text);
}

static void test_main_wait_rule(void **state)
{
	unsigned unnamed;
	struct collector *c = three_sites(&unnamed);
	struct model_source src = source_of(c);
	struct model_options opt = { 0 };
	struct model m;
	char want[40];

	assert_int_equal(model_build(&src, &opt, &m), 0);
	/* Most of A's wait on a reason with no name: said as a number. */
	snprintf(want, sizeof(want), "waitreason %u", unnamed);
	assert_string_equal(row_at(&m, SITE_A)->main_wait, want);
	assert_int_equal(row_at(&m, SITE_A)->main_wait_count, 2);
	assert_int_equal(row_at(&m, SITE_A)->nwaits, 2);
	/* A tie: the lower value. */
	assert_string_equal(row_at(&m, SITE_B)->main_wait,
			    reason_named("chan send") < reason_named("chan receive") ?
			    "chan send" : "chan receive");
	assert_views_agree(&m);
	model_free(&m);

	/* --by stack: the rows of a site's call paths say the same (every
	 * goroutine here is in its site's unknown stack). */
	opt.by_stack = true;
	assert_int_equal(model_build(&src, &opt, &m), 0);
	assert_int_equal(m.nrows, 3);
	assert_string_equal(row_at(&m, SITE_A)->main_wait, want);
	assert_non_null(row_at(&m, SITE_A)->stack);
	assert_views_agree(&m);
	model_free(&m);
	collector_free(c);
}

static int row_cmp(const void *a, const void *b)
{
	return model_row_cmp(a, b);
}

/* The one order, and verdict counts that add up to the rows. */
static void test_one_order(void **state)
{
	struct model_row rows[] = {
		{ .pc = 1, .verdict = VERDICT_OK, .live = 50, .system = true },
		{ .pc = 2, .verdict = VERDICT_OK, .live = 50 },
		{ .pc = 3, .verdict = VERDICT_LEAK, .live = 3 },
		{ .pc = 4, .verdict = VERDICT_SUSPECT, .live = 90 },
		{ .pc = 5, .verdict = VERDICT_LEAK, .live = 3, .created = 9 },
		{ .pc = 6, .verdict = VERDICT_OK, .live = 50 },
	};
	static const uint64_t want[] = { 5, 3, 4, 2, 6, 1 };
	size_t i, n = sizeof(rows) / sizeof(*rows);
	unsigned unnamed;
	struct collector *c = three_sites(&unnamed);
	struct model_source src = source_of(c);
	struct model_options opt = { 0 };
	struct model m;
	uint64_t sum = 0;

	qsort(rows, n, sizeof(*rows), row_cmp);
	for (i = 0; i < n; i++)
		assert_int_equal(rows[i].pc, want[i]);

	assert_int_equal(model_build(&src, &opt, &m), 0);
	for (i = 0; i + 1 < m.nrows; i++)
		assert_true(model_row_cmp(&m.rows[i], &m.rows[i + 1]) < 0);
	assert_true(m.rows[m.nrows - 1].system);
	for (i = 0; i <= VERDICT_LEAK; i++)
		sum += m.verdicts[i];
	assert_int_equal(sum, m.nrows);
	assert_int_equal(m.runtime_sites, 1);
	assert_int_equal(m.totals.live, 6);
	model_free(&m);
	collector_free(c);
}

/* Without probes: every age a lower bound, and the JSON says what the
 * mode cannot know. */
static void test_probe_free_mode(void **state)
{
	unsigned unnamed;
	struct collector *c = three_sites(&unnamed);
	struct model_source src = source_of(c);
	struct model_options opt = { 0 };
	struct json_object *doc, *mode, *v;
	struct model m;
	size_t i;

	src.probe_free = true;
	src.snapshot_interval_ns = 2000000000ull;
	src.snapshots = 9;
	assert_int_equal(model_build(&src, &opt, &m), 0);
	for (i = 0; i < m.nrows; i++)
		assert_true(!m.rows[i].has_age || m.rows[i].oldest_age_is_lower_bound);
	doc = report_capture_json(&m);
	assert_true(json_object_object_get_ex(doc, "mode", &mode));
	assert_true(json_object_object_get_ex(mode, "probes", &v));
	assert_string_equal(json_object_get_string(v), "none");
	assert_true(json_object_object_get_ex(mode, "snapshots", &v));
	assert_int_equal(json_object_get_int64(v), 9);
	assert_true(json_object_object_get_ex(mode, "snapshot_interval_s", &v));
	assert_true(json_object_get_double(v) == 2.0);
	assert_true(json_object_object_get_ex(mode, "lower_bounds", &v));
	assert_int_equal(json_object_array_length(v), 4);
	json_object_put(doc);
	model_free(&m);

	src.probe_free = false;
	assert_int_equal(model_build(&src, &opt, &m), 0);
	doc = report_capture_json(&m);
	assert_true(json_object_object_get_ex(doc, "mode", &mode));
	assert_true(json_object_object_get_ex(mode, "probes", &v));
	assert_string_equal(json_object_get_string(v), "all");
	assert_false(json_object_object_get_ex(mode, "snapshots", NULL));
	json_object_put(doc);
	model_free(&m);
	collector_free(c);
}

/* Without probes the process-wide creations come from the goid
 * allocator; where it cannot be read the report says so in one line and
 * the JSON has null, the live counts stay. */
static void test_allocator_unreadable(void **state)
{
	unsigned unnamed;
	struct collector *c = three_sites(&unnamed);
	struct model_source src = source_of(c);
	struct model_options opt = { 0 };
	struct json_object *doc, *totals, *v;
	struct model m;
	char *text;

	(void)state;
	src.probe_free = true;
	src.snapshots = 3;
	src.snapshot_interval_ns = 1000000000ull;
	src.have_goids = true;
	src.goids = 4096;
	assert_int_equal(model_build(&src, &opt, &m), 0);
	text = text_of(&m, false);
	assert_non_null(strstr(text, "probe-free: the runtime handed out 4096 goroutine ids"));
	free(text);
	doc = report_capture_json(&m);
	assert_true(json_object_object_get_ex(doc, "totals", &totals));
	assert_true(json_object_object_get_ex(totals, "goids_allocated", &v));
	assert_int_equal(json_object_get_int64(v), 4096);
	json_object_put(doc);
	model_free(&m);

	src.have_goids = false;
	assert_int_equal(model_build(&src, &opt, &m), 0);
	assert_true(m.nrows > 0);
	text = text_of(&m, false);
	assert_non_null(strstr(text, "probe-free: the goroutine id allocator could not be read: "
				     "no process-wide creation count\n"));
	assert_null(strstr(text, "goroutine ids meanwhile"));
	free(text);
	doc = report_capture_json(&m);
	assert_true(json_object_object_get_ex(doc, "totals", &totals));
	assert_true(json_object_object_get_ex(totals, "goids_allocated", &v));
	assert_null(v);
	json_object_put(doc);
	model_free(&m);
	collector_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_main_wait_rule),
		cmocka_unit_test(test_one_order),
		cmocka_unit_test(test_probe_free_mode),
		cmocka_unit_test(test_allocator_unreadable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
