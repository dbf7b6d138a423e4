// SPDX-License-Identifier: BSD-2-Clause
/*
 * The pure half of `gostray top`'s live view (include/output/topview.h): rows
 * from a report model, their sort, the columns at a terminal's
 * width, and the selection that must stay on its site across refreshes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "output/topview.h"

/* A row as the report model has it (include/output/model.h). */
#define ROW(pc_, verdict_, live_, cre, ex, age, file_, line_, fn, sys)			\
	{ .pc = pc_, .verdict = VERDICT_##verdict_, .live = live_, .created = live_,	\
	  .created_per_s = cre, .exited_per_s = ex, .has_age = live_ > 0,		\
	  .oldest_age_s = age, .oldest_age_is_lower_bound = true,			\
	  .main_wait = "chan send", .file = "/src/app/" file_, .line = line_,		\
	  .function = fn, .start_function = fn "(*T).run", .system = sys }

static struct model model_of(struct model_row *rows, size_t n)
{
	return (struct model){ .pid = 1, .rows = rows, .nrows = n };
}

static struct model_row zoo_rows[] = {
	ROW(0x40, LEAK, 7, 0.7, 0, 2.0, "b.go", 40, "main.b", false),
	ROW(0x20, LEAK, 3, 0.1, 0, 8.0, "a.go", 20, "main.a", false),
	ROW(0x30, SUSPECT, 10, 0.5, 0, 30.0, "conn.go", 30, "main.conn", false),
	ROW(0x10, OK, 50, 1.0, 1.0, 9.0, "pool.go", 10, "main.pool", false),
	ROW(0x60, OK, 0, 2.0, 2.0, 0, "burst.go", 60, "main.burst", false),
	ROW(0x50, OK, 1, 0, 0, 60.0, "proc.go", 50, "runtime.gcenable", true),
};

static struct model zoo_model(void)
{
	return model_of(zoo_rows, sizeof(zoo_rows) / sizeof(*zoo_rows));
}

static void assert_order(const struct topview_row *rows, size_t n, const char *const *want)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(rows[i].key, want[i]))
			fail_msg("row %zu is %s, want %s", i, rows[i].key, want[i]);
}

static void test_rows_hide_system_sites(void **state)
{
	struct model m = zoo_model();
	struct topview_row *rows;

	assert_int_equal(topview_rows(&m, false, &rows), 5);
	assert_string_equal(rows[3].site, "pool.go:10 main.pool");
	assert_string_equal(rows[3].start, "main.pool(*T).run");
	assert_string_equal(rows[1].wait, "chan send");
	assert_int_equal(rows[1].verdict, VERDICT_LEAK);
	assert_ptr_equal(rows[1].src, &zoo_rows[1]);
	free(rows);
	assert_int_equal(topview_rows(&m, true, &rows), 6);
	assert_string_equal(rows[5].key, "0x50");
	free(rows);
}

static void test_sort_verdict_then_live(void **state)
{
	/* The model's order: user sites first, leak, suspect, ok, then live. */
	static const char *const by_verdict[] = { "0x40", "0x20", "0x30", "0x10", "0x60", "0x50" };
	static const char *const by_live[] = { "0x10", "0x30", "0x40", "0x20", "0x50", "0x60" };
	static const char *const by_age[] = { "0x50", "0x30", "0x10", "0x20", "0x40", "0x60" };
	struct model m = zoo_model();
	struct topview_row *rows;
	size_t n = topview_rows(&m, true, &rows);

	/* Whatever order the sort found them in. */
	topview_sort(rows, n, TOPVIEW_SORT_AGE);

	topview_sort(rows, n, TOPVIEW_SORT_VERDICT);
	assert_order(rows, n, by_verdict);
	topview_sort(rows, n, TOPVIEW_SORT_LIVE);
	assert_order(rows, n, by_live);
	/* None alive: no age, last whatever its model said. */
	topview_sort(rows, n, TOPVIEW_SORT_AGE);
	assert_order(rows, n, by_age);
	topview_sort(rows, n, TOPVIEW_SORT_CREATED);
	assert_string_equal(rows[0].key, "0x60");
	assert_string_equal(rows[1].key, "0x10");
	free(rows);
}

/* The leak rises past the pool: the selection follows the site, not
 * the line it was on. */
static void test_selection_follows_site(void **state)
{
	static struct model_row later[] = {
		ROW(0x40, LEAK, 900, 0.7, 0, 2.0, "b.go", 40, "main.b", false),
		ROW(0x10, OK, 50, 1.0, 1.0, 9.0, "pool.go", 10, "main.pool", false),
	};
	struct model before = zoo_model(), after = model_of(later, 2);
	struct topview_row *rows;
	size_t n, sel;

	n = topview_rows(&before, false, &rows);
	topview_sort(rows, n, TOPVIEW_SORT_LIVE);
	sel = topview_select(rows, n, "0x40", 0);
	assert_int_equal(sel, 2);
	free(rows);

	n = topview_rows(&after, false, &rows);
	topview_sort(rows, n, TOPVIEW_SORT_LIVE);
	sel = topview_select(rows, n, "0x40", sel);
	assert_string_equal(rows[sel].key, "0x40");
	assert_int_equal(sel, 0);
	/* A site that is gone: the line, within the rows. */
	assert_int_equal(topview_select(rows, n, "0x99", 5), 1);
	assert_int_equal(topview_select(rows, 0, "0x99", 5), 0);
	free(rows);
}

/* Over ssh in 80 columns: every number whole, the site cut instead. */
static void test_80_columns_keep_numbers(void **state)
{
	struct model_row one = ROW(0x70, SUSPECT, 123456, 12.5, 0.25, 3725.0,
		"a_rather_long_file_name_for_a_handler.go", 1234,
		"example.com/service/internal/handlers.(*Server).handleSomethingLong", false);
	struct model m = model_of(&one, 1);
	struct topview_layout l;
	struct topview_row *rows;
	char row[512], head[512];
	int cx, cw, n;

	assert_int_equal(topview_rows(&m, false, &rows), 1);
	topview_layout(80, &l);
	assert_true(l.site_w >= 20);
	n = topview_format_row(&l, &rows[0], row, sizeof(row));
	assert_int_equal(n, strlen(row));
	assert_true(n <= 80);
	assert_non_null(strstr(row, "suspect "));
	assert_non_null(strstr(row, " 123456 "));
	assert_non_null(strstr(row, " 12 "));
	assert_non_null(strstr(row, " 0.25 "));
	assert_non_null(strstr(row, " 1h02m+ "));
	/* A file:line wider than the column keeps its end: the line. */
	assert_non_null(strstr(row, " ~"));
	assert_string_equal(row + strlen(row) - strlen("_for_a_handler.go:1234"),
			    "_for_a_handler.go:1234");
	assert_null(strstr(row, "handleSomethingLong"));

	/* Headings over their numbers, right-aligned like them. */
	topview_format_heading(&l, head, sizeof(head));
	assert_true(strlen(head) <= 80);
	cx = topview_column(&l, TOPVIEW_SORT_LIVE, &cw);
	assert_memory_equal(head + cx, "  LIVE", cw);
	assert_memory_equal(row + cx, "123456", cw);
	cx = topview_column(&l, TOPVIEW_SORT_AGE, &cw);
	assert_memory_equal(head + cx, "OLDEST", cw);
	assert_memory_equal(row + cx, "1h02m+", cw);

	/* Narrower still: the numbers stay, the text columns go. */
	topview_layout(50, &l);
	topview_format_row(&l, &rows[0], row, sizeof(row));
	assert_true(strlen(row) <= 50);
	assert_non_null(strstr(row, " 1h02m+"));
	assert_int_equal(l.wait_w, 0);

	/* Wide: the start function gets its column. */
	topview_layout(160, &l);
	assert_true(l.start_w > 0);
	topview_format_row(&l, &rows[0], row, sizeof(row));
	assert_non_null(strstr(row, "handleSomethingLong(*T).run"));
	free(rows);
}

static void test_age_text(void **state)
{
	char buf[24];

	topview_format_age(buf, sizeof(buf), -1, true);
	assert_string_equal(buf, "-");
	topview_format_age(buf, sizeof(buf), 6.3, true);
	assert_string_equal(buf, "6s+");
	topview_format_age(buf, sizeof(buf), 0.85, false);
	assert_string_equal(buf, "850ms");
}

/* --by stack: one site on two call paths is two rows, told apart. */
static void test_stack_rows_have_own_keys(void **state)
{
	static struct stack_frame orders[] = {
		{ .pc = 0x80, .file = "h.go", .line = 22 },
		{ .pc = 0x90, .file = "/x/orders.go", .line = 28 },
	};
	static struct stack_frame billing[] = {
		{ .pc = 0x80, .file = "h.go", .line = 22 },
		{ .pc = 0xa0, .file = "/x/billing.go", .line = 36 },
	};
	struct model_stack st[] = {
		{ .known = true, .frames = orders, .nframes = 2, .live = 2 },
		{ .known = true, .frames = billing, .nframes = 2, .live = 1 },
		{ .known = false, .live = 5 },
	};
	struct site_stack ids[] = { { .id = 7 }, { .id = 9 }, { .id = GS_NO_STACK } };
	struct model_row r[3];
	struct model m = model_of(r, 3);
	struct topview_row *rows;
	size_t i;

	for (i = 0; i < 3; i++)
		r[i] = (struct model_row){ .pc = 0x80, .file = "h.go", .line = 22,
					   .function = "main.w", .live = st[i].live,
					   .stack = &ids[i], .stacks = &st[i], .nstacks = 1 };
	assert_int_equal(topview_rows(&m, false, &rows), 3);
	assert_string_not_equal(rows[0].key, rows[1].key);
	assert_string_not_equal(rows[0].key, rows[2].key);
	assert_string_equal(rows[0].site, "h.go:22 main.w <- orders.go:28");
	assert_string_equal(rows[1].site, "h.go:22 main.w <- billing.go:36");
	assert_string_equal(rows[2].site, "h.go:22 main.w <- ?");
	free(rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_hide_system_sites),
		cmocka_unit_test(test_sort_verdict_then_live),
		cmocka_unit_test(test_selection_follows_site),
		cmocka_unit_test(test_80_columns_keep_numbers),
		cmocka_unit_test(test_age_text),
		cmocka_unit_test(test_stack_rows_have_own_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
