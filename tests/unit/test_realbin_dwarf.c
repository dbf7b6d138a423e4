// SPDX-License-Identifier: BSD-2-Clause
/*
 * gobin's file:line of every sampled PC of the real Go programs that carry
 * DWARF (tests/unit/realprograms.h) against their DWARF line tables, read
 * with libdw independently of gobin.
 */
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "binary/gobin.h"
#include "realprograms.h"

#define MAX_REPORTED 5	/* disagreeing PCs shown per program */

/* gobin's PC -> file:line against DWARF's line table (libdw), at the
 * entry and the middle of a sample of functions.  Go emits no
 * .debug_aranges, so the rows of every CU are gathered and sorted. */
struct line_row {
	uint64_t addr;
	size_t seq;		/* order in its table: the last row at an address wins */
	const char *file;
	int line;
	bool end;		/* end_sequence: no code from here */
};

struct dwarf_check {
	const char *name;
	struct gobin *gb;
	struct line_row *rows;
	size_t nrows, n, compared, bad;
};

static int cmp_row(const void *a, const void *b)
{
	const struct line_row *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void load_line_rows(struct dwarf_check *c, Dwarf *dw)
{
	Dwarf_Off off = 0, next;
	size_t hsize, cap = 0;

	while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;
		Dwarf_Lines *lines;
		size_t i, n;

		if (dwarf_offdie(dw, off + hsize, &cu) &&
		    dwarf_getsrclines(&cu, &lines, &n) == 0) {
			for (i = 0; i < n; i++) {
				Dwarf_Line *l = dwarf_onesrcline(lines, i);
				struct line_row *r;
				Dwarf_Addr addr;
				bool end;

				if (c->nrows == cap) {
					cap = cap ? 2 * cap : 65536;
					c->rows = realloc(c->rows, cap * sizeof(*c->rows));
					assert_non_null(c->rows);
				}
				r = &c->rows[c->nrows];
				if (dwarf_lineaddr(l, &addr) || dwarf_lineno(l, &r->line) ||
				    dwarf_lineendsequence(l, &end))
					continue;
				r->addr = addr;
				r->end = end;
				r->seq = c->nrows;
				r->file = dwarf_linesrc(l, NULL, NULL);
				c->nrows++;
			}
		}
		off = next;
	}
	qsort(c->rows, c->nrows, sizeof(*c->rows), cmp_row);
}

/* The row in force at pc, NULL when pc is outside every sequence. */
static const struct line_row *row_at(const struct dwarf_check *c, uint64_t pc)
{
	size_t lo = 0, hi = c->nrows;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->rows[mid].addr <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || c->rows[lo - 1].end || !c->rows[lo - 1].file)
		return NULL;
	return &c->rows[lo - 1];
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static void compare_with_dwarf(struct dwarf_check *c, uint64_t pc)
{
	const struct line_row *r = row_at(c, pc);
	struct gobin_pcinfo pi = { 0 };

	if (!r)
		return;		/* assembly without DWARF lines */
	c->compared++;
	if (!gobin_pc_lookup(c->gb, pc, &pi) && pi.line == r->line &&
	    !strcmp(base_name(pi.file), base_name(r->file)))
		return;
	if (c->bad++ < MAX_REPORTED)
		print_error("%s: 0x%llx is %s:%d in DWARF, %s:%d by pclntab\n", c->name,
			    (unsigned long long)pc, r->file, r->line,
			    pi.file ? pi.file : "?", pi.line);
}

static int dwarf_sample_cb(const struct gobin_func *fn, void *ctx)
{
	struct dwarf_check *c = ctx;

	if (c->n++ % 16 == 0) {
		compare_with_dwarf(c, fn->entry);
		compare_with_dwarf(c, fn->entry + (fn->end - fn->entry) / 2);
	}
	return 0;
}

static void check_dwarf(const char *name, const char *path, struct gobin *gb)
{
	struct dwarf_check c = { .name = name, .gb = gb };
	int fd = open(path, O_RDONLY);
	Dwarf *dw;

	assert_true(fd >= 0);
	dw = dwarf_begin(fd, DWARF_C_READ);
	if (!dw)
		fail_msg("%s: libdw cannot read its DWARF: %s", name, dwarf_errmsg(-1));
	load_line_rows(&c, dw);
	gobin_for_each_func(gb, "", dwarf_sample_cb, &c);
	free(c.rows);
	dwarf_end(dw);
	close(fd);
	if (c.compared < 100)
		fail_msg("%s: only %zu PCs had DWARF lines", name, c.compared);
	if (c.bad)
		fail_msg("%s: %zu of %zu PCs disagree with DWARF", name, c.bad, c.compared);
	if (getenv("GOSTRAY_REAL_VERBOSE"))
		print_message("  %s: %zu PCs agree with DWARF\n", name, c.compared);
}

static void test_dwarf(void **state)
{
	const struct realprogram *p = *state;
	struct gobin *gb = NULL;
	char err[256] = "";

	if (gobin_open(p->path, &gb, err, sizeof(err)))
		fail_msg("%s: gobin_open: %s", p->name, err);
	if (gobin_go_minor(gb) >= 17 && gobin_has_dwarf(gb))
		check_dwarf(p->name, p->path, gb);
	gobin_close(gb);
}

int main(void)
{
	size_t n;
	int ret = realprograms_list("test_realbin_dwarf", &n);

	return ret <= 0 ? -ret : realprograms_run("realbin_dwarf", "/dwarf", test_dwarf, n);
}
