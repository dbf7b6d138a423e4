/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `gostray top` on a terminal: a full-screen table (ncursesw) of a report
 * model (include/output/model.h), one row per site, and a details view of
 * one site's creation and blocked stacks.  The view only shows models; its
 * caller traces, builds them and decides when.
 *
 * The rows, their sort and the column layout below are plain functions
 * (no terminal), so unit tests can check them.
 */
#ifndef GOSTRAY_TOPVIEW_H
#define GOSTRAY_TOPVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "output/model.h"
#include "process/dump.h"

#define TOPVIEW_QUIT 1
#define TOPVIEW_BLOCKED_GROUPS 20	/* of the opened site, the largest */

/* What the view asks its caller for. */
struct topview_source {
	void *ctx;
	/*
	 * Every goroutine's blocked stack now (a dump, malloc'ed; the view
	 * dump_free()s and frees it); NULL on error with one line in err.
	 * Called once per opened site: a dump reads every goroutine's stack.
	 */
	struct dump *(*take_dump)(void *ctx, char *err, size_t errlen);
};

struct topview;

/* NULL with err set when stdout/stdin is not a usable terminal. */
struct topview *topview_open(const struct topview_source *src, bool show_system,
			     char *err, size_t errlen);
/* Shows m, a malloc'ed model the view now owns: it keeps it for redraws
 * (resize, keys) and model_free()s and frees it when done with it. */
void topview_draw(struct topview *v, struct model *m);
/* Handles keys for up to wait_ms (less when a signal arrives); returns
 * TOPVIEW_QUIT when the user quits, else 0. */
int topview_keys(struct topview *v, int wait_ms);
/* Restores the terminal and frees v; NULL is fine. */
void topview_close(struct topview *v);

/* ---- pure parts ---- */

enum topview_sort {
	TOPVIEW_SORT_VERDICT,	/* the report model's order (model_row_cmp) */
	TOPVIEW_SORT_LIVE,
	TOPVIEW_SORT_CREATED,	/* created/s */
	TOPVIEW_SORT_EXITED,	/* exited/s */
	TOPVIEW_SORT_AGE,	/* oldest live goroutine */
	TOPVIEW_SORT_MAX,
};

/* One table row: a row of the model, as the table shows it. */
struct topview_row {
	char key[48];		/* pc (and stack id with --by stack): stable across models */
	enum verdict_kind verdict;
	int64_t live;
	double created_per_s, exited_per_s;
	double age_s;		/* oldest live goroutine, < 0: none alive */
	bool age_lower_bound;	/* born before attach */
	char wait[40];		/* main wait reason, "" when none */
	char site[192];		/* "file.go:LINE function [<- caller.go:LINE]" */
	char start[128];	/* the goroutines' entry function */
	const struct model_row *src;	/* in the model (borrowed) */
};

/* The rows of m (system sites only when show_system), in the model's
 * order; returns how many, *rows malloc'ed (free it). */
size_t topview_rows(const struct model *m, bool show_system, struct topview_row **rows);
void topview_sort(struct topview_row *rows, size_t n, enum topview_sort by);
const char *topview_sort_name(enum topview_sort by);
/* The row with key after a refresh, else old_index clamped to the rows. */
size_t topview_select(const struct topview_row *rows, size_t n, const char *key,
		      size_t old_index);

/* Column widths for a terminal width: the numbers always keep theirs,
 * the site column takes what is left; the start function and the wait
 * reason only get columns when there is room (0: hidden). */
struct topview_layout {
	int width;
	int wait_w;
	int site_w;
	int start_w;
};

void topview_layout(int width, struct topview_layout *l);
/* The column heading and a row, each at most l->width characters (and
 * len - 1); returns the text's length. */
int topview_format_heading(const struct topview_layout *l, char *buf, size_t len);
int topview_format_row(const struct topview_layout *l, const struct topview_row *r,
		       char *buf, size_t len);
/* Where sort column by is in the heading and rows: its first column,
 * its width in *w (the view highlights the sorted one). */
int topview_column(const struct topview_layout *l, enum topview_sort by, int *w);
/* "6s+", "850ms", "-" when none. */
void topview_format_age(char *buf, size_t len, double age_s, bool lower_bound);
/* Per-second rates as the table shows them: "0", "0.25", "1.5", "12", "250k". */
void topview_format_rate(char *buf, size_t len, double v);
/* A path's last component ("?" for NULL). */
const char *topview_base_name(const char *path);

#endif /* GOSTRAY_TOPVIEW_H */
