// SPDX-License-Identifier: BSD-2-Clause
/*
 * Leak verdict rules (include/analysis/verdict.h), one case per rule and per
 * healthy shape that must never be a leak, and the bounded series
 * (include/analysis/trend.h) the rising-count rule reads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "analysis/trend.h"
#include "analysis/verdict.h"

#define S 1000000000ull

/* A user site, 15 s into the trace. */
static struct verdict_input base(void)
{
	struct verdict_input in = { .window_ns = 15 * S };

	return in;
}

static struct verdict judge(const struct verdict_input *in)
{
	struct verdict v;

	verdict_judge(in, &v);
	return v;
}

static void assert_kind(const struct verdict_input *in, enum verdict_kind want,
			const char *needle)
{
	struct verdict v = judge(in);

	if (v.kind != want || (needle && !strstr(v.reason, needle)))
		fail_msg("got %s \"%s\", want %s with \"%s\"", verdict_name(v.kind), v.reason,
			 verdict_name(want), needle ? needle : "");
}

static void test_wait_classes(void **state)
{
	assert_int_equal(verdict_wait_class("chan send (nil chan)"), WAIT_FOREVER);
	assert_int_equal(verdict_wait_class("chan receive (nil chan)"), WAIT_FOREVER);
	assert_int_equal(verdict_wait_class("select (no cases)"), WAIT_SELECT_EMPTY);
	assert_int_equal(verdict_wait_class("chan send"), WAIT_INTERNAL);
	assert_int_equal(verdict_wait_class("select"), WAIT_INTERNAL);
	assert_int_equal(verdict_wait_class("sync.WaitGroup.Wait"), WAIT_INTERNAL);
	assert_int_equal(verdict_wait_class("sync.Mutex.Lock"), WAIT_INTERNAL);
	assert_int_equal(verdict_wait_class("semacquire"), WAIT_INTERNAL);
	assert_int_equal(verdict_wait_class("sleep"), WAIT_INTERNAL);
	assert_int_equal(verdict_wait_class("IO wait"), WAIT_EXTERNAL);
	assert_int_equal(verdict_wait_class("GC worker (idle)"), WAIT_RUNTIME);
	assert_int_equal(verdict_wait_class(""), WAIT_NONE);
	assert_int_equal(verdict_wait_class(NULL), WAIT_NONE);
}

static void test_age_threshold(void **state)
{
	assert_int_equal(verdict_age_threshold(0, 0), VERDICT_MIN_AGE_NS);
	assert_int_equal(verdict_age_threshold(S / 1000, 500), VERDICT_MIN_AGE_NS);
	assert_int_equal(verdict_age_threshold(3 * S, 10), 12 * S);
}

static void test_runtime_never_leaks(void **state)
{
	struct verdict_input in = base();

	in.system = true;
	in.live = in.forever = 50;
	in.forever_reason = "select (no cases)";
	assert_kind(&in, VERDICT_OK, "runtime");
}

static void test_forever_is_leak_at_once(void **state)
{
	struct verdict_input in = base();

	in.window_ns = S / 2;	/* the first second of `top` */
	in.live = in.live_at_start = in.baseline_alive = 13;
	in.forever = 13;
	in.forever_reason = in.main_reason = "chan send (nil chan)";
	in.main_reason_count = 13;
	assert_kind(&in, VERDICT_LEAK, "13 blocked forever on chan send (nil chan)");
}

/* caddy's main: select {} in the main goroutine is a daemon's design. */
static void test_main_in_select_empty_is_ok(void **state)
{
	struct verdict_input in = base();

	in.window_ns = S / 2;
	in.live = in.live_at_start = in.baseline_alive = 1;
	in.select_empty = 1;
	in.main_goroutine = true;
	in.main_reason = "select (no cases)";
	in.main_reason_count = 1;
	assert_kind(&in, VERDICT_OK, "main goroutine blocks in select {}");
}

/* One goroutine a package parks for good, at a site that does not grow. */
static void test_one_select_empty_is_suspect(void **state)
{
	struct verdict_input in = base();

	in.live = in.live_at_start = in.baseline_alive = 1;
	in.select_empty = 1;
	assert_kind(&in, VERDICT_SUSPECT, "one, not growing");
	in.live_at_start = in.baseline_alive = 0;	/* born during the trace */
	in.created = 1;
	assert_kind(&in, VERDICT_SUSPECT, "one, not growing");
}

/* More than one at a site, or a site that keeps making them: a leak, from
 * the first snapshot on. */
static void test_select_empty_many_or_growing_is_leak(void **state)
{
	struct verdict_input in = base();

	in.window_ns = S / 2;
	in.live = in.live_at_start = in.baseline_alive = 19;
	in.select_empty = 19;
	assert_kind(&in, VERDICT_LEAK, "19 blocked forever in select {}");
	in = base();
	in.live = 1;
	in.created = in.exited = 40;
	in.created++;
	in.select_empty = 1;
	assert_kind(&in, VERDICT_LEAK, "keeps making them");
	in = base();
	in.live = in.live_at_start = 3;
	in.select_empty = 1;
	assert_kind(&in, VERDICT_LEAK, "one of the site's many");
}

/* A nil channel is never meant: even the main goroutine's is a leak. */
static void test_nil_chan_in_main_is_leak(void **state)
{
	struct verdict_input in = base();

	in.live = in.live_at_start = 1;
	in.forever = 1;
	in.main_goroutine = true;
	in.forever_reason = "chan receive (nil chan)";
	assert_kind(&in, VERDICT_LEAK, "blocked forever on chan receive (nil chan)");
}

/* The zoo's shape: survivors from before the trace, more piling up. */
static void test_survivors_repeat_is_leak(void **state)
{
	struct verdict_input in = base();

	in.live_at_start = in.baseline_alive = 14;
	in.created = 10;
	in.live = 24;
	in.new_alive = in.new_aged = 10;
	in.internal = 24;
	in.main_reason = "chan send";
	in.main_reason_count = 24;
	in.oldest_ns = 20 * S;
	in.oldest_lower_bound = true;
	assert_kind(&in, VERDICT_LEAK, "+10 in 15s");
	assert_kind(&in, VERDICT_LEAK, "24 wait on chan send; oldest 20s+");
}

/* Steady creation during the trace, no baseline: spread births. */
static void test_continuous_leak(void **state)
{
	struct verdict_input in = base();

	in.created = in.live = in.new_alive = 75;	/* 5/s */
	in.new_aged = 50;
	in.aged_birth_span_ns = 10 * S;
	in.internal = 75;
	in.live_mid = 37;
	assert_kind(&in, VERDICT_LEAK, "(5/s)");
}

/* A pool that starts during the trace: all at once, then stays. */
static void test_pool_starting_is_not_leak(void **state)
{
	struct verdict_input in = base();

	in.created = in.live = in.new_alive = in.new_aged = 8;
	in.aged_birth_span_ns = S / 1000;
	in.internal = 8;
	assert_kind(&in, VERDICT_SUSPECT, "once so far");
}

/* A fixed pool from before the trace, serving: nothing created. */
static void test_fixed_pool_is_ok(void **state)
{
	struct verdict_input in = base();

	in.live = in.live_at_start = in.baseline_alive = 3;
	in.internal = 3;
	in.main_reason = "chan receive";
	in.main_reason_count = 3;
	assert_kind(&in, VERDICT_OK, "none created");
}

/* Churn: thousands created and exited, a few in flight. */
static void test_churn_is_ok(void **state)
{
	struct verdict_input in = base();

	in.created = 15000;
	in.exited = 14990;
	in.live = in.new_alive = 10;
	in.timed_exits = 14990;
	in.lifetime_p90_ns = 2 * S / 1000;
	in.live_mid = 40;
	assert_kind(&in, VERDICT_OK, "steady");
	in.live = 0;
	in.exited = 15000;
	assert_kind(&in, VERDICT_OK, "none alive: 15000 created, 15000 exited");
}

/* A burst in flight at the end of the trace: young survivors. */
static void test_burst_in_flight_is_not_leak(void **state)
{
	struct verdict_input in = base();

	in.created = 3000;
	in.exited = 2700;
	in.live = in.new_alive = 300;
	in.timed_exits = 2700;
	in.lifetime_p90_ns = S / 10;
	in.new_aged = 0;
	in.live_mid = 0;
	in.internal = 300;
	assert_int_not_equal(judge(&in).kind, VERDICT_LEAK);
}

/* Idle keep-alive connections: survivors, but waiting on the network. */
static void test_io_wait_is_at_most_suspect(void **state)
{
	struct verdict_input in = base();

	in.live_at_start = in.baseline_alive = 40;
	in.created = 20;
	in.live = 60;
	in.new_alive = in.new_aged = 20;
	in.external = 60;
	in.main_reason = "IO wait";
	in.main_reason_count = 60;
	assert_kind(&in, VERDICT_SUSPECT, "waiting on the outside");
}

/* 40k goroutines parked for hours: a leak on the first second. */
static void test_old_baseline_is_leak(void **state)
{
	struct verdict_input in = base();

	in.window_ns = S;
	in.live = in.live_at_start = in.baseline_alive = 40000;
	in.long_parked = 39990;
	in.internal = 40000;
	in.main_reason = "chan receive";
	in.main_reason_count = 40000;
	in.oldest_ns = 3 * 3600 * S;
	in.oldest_lower_bound = true;
	assert_kind(&in, VERDICT_LEAK, "39990 of 40000 parked for over 1h00m");
	in.long_parked = 100;	/* recently parked: a busy server */
	assert_int_equal(judge(&in).kind, VERDICT_OK);
}

static void test_rising_is_suspect(void **state)
{
	struct verdict_input in = base();

	in.live_at_start = in.baseline_alive = 100;
	in.created = 400;
	in.exited = 250;
	in.live = 250;
	in.live_mid = 180;
	in.new_alive = 150;
	in.timed_exits = 250;
	in.lifetime_p90_ns = 4 * S;	/* survivors not old enough yet */
	in.internal = 250;
	assert_kind(&in, VERDICT_SUSPECT, "rising: +150");
	in.live_mid = 260;	/* went up, then down: draining */
	assert_int_equal(judge(&in).kind, VERDICT_OK);
}

static void test_trend_bounded(void **state)
{
	struct trend t;
	struct trend_series early = { 0 }, late = { 0 };
	uint64_t now = 1000 * S;
	size_t i, k, old_n;
	bool halved, ever_halved = false;

	trend_init(&t, S, now);
	assert_true(trend_due(&t, now));
	for (k = 0; k < 3 * TREND_MAX_POINTS; k++, now += S) {
		assert_true(trend_due(&t, now));
		i = trend_begin_sample(&t, now, &halved, &old_n);
		if (halved) {
			ever_halved = true;
			trend_series_halve(&early, old_n);
			trend_series_halve(&late, old_n);
		}
		assert_true(i < TREND_MAX_POINTS);
		assert_int_equal(trend_series_set(&early, i, k, k, 0), 0);
		if (k >= 10)	/* a site that appeared later */
			assert_int_equal(trend_series_set(&late, i, 1, 1, 0), 0);
		assert_false(trend_due(&t, now + t.step_ns - 1));
		now += t.step_ns - S;
	}
	assert_true(ever_halved);
	assert_true(t.n <= TREND_MAX_POINTS);
	assert_int_equal(t.t_ns[0], 1000 * S);	/* the attach stays */
	for (i = 1; i < t.n; i++) {
		assert_true(t.t_ns[i] > t.t_ns[i - 1]);
		assert_true(early.live[i] > early.live[i - 1]);	/* order kept */
	}
	assert_int_equal(early.live[t.n - 1], 3 * TREND_MAX_POINTS - 1);
	assert_int_equal(late.live[0], 0);	/* before it existed */
	assert_int_equal(late.live[t.n - 1], 1);
	trend_series_free(&early);
	trend_series_free(&late);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wait_classes),
		cmocka_unit_test(test_age_threshold),
		cmocka_unit_test(test_runtime_never_leaks),
		cmocka_unit_test(test_forever_is_leak_at_once),
		cmocka_unit_test(test_main_in_select_empty_is_ok),
		cmocka_unit_test(test_one_select_empty_is_suspect),
		cmocka_unit_test(test_select_empty_many_or_growing_is_leak),
		cmocka_unit_test(test_nil_chan_in_main_is_leak),
		cmocka_unit_test(test_survivors_repeat_is_leak),
		cmocka_unit_test(test_continuous_leak),
		cmocka_unit_test(test_pool_starting_is_not_leak),
		cmocka_unit_test(test_fixed_pool_is_ok),
		cmocka_unit_test(test_churn_is_ok),
		cmocka_unit_test(test_burst_in_flight_is_not_leak),
		cmocka_unit_test(test_io_wait_is_at_most_suspect),
		cmocka_unit_test(test_old_baseline_is_leak),
		cmocka_unit_test(test_rising_is_suspect),
		cmocka_unit_test(test_trend_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
