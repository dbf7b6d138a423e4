/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `gostray top` on a terminal: a full-screen table (ncursesw) of the
 * capture document (README "capture schema"), one row per site, and a
 * details view of one site's creation and blocked stacks.  The view only
 * reads documents; its caller traces, builds them and decides when.
 *
 * The row model, sort and column layout below are plain functions on
 * strings (no terminal), so unit tests can check them.
 */
#ifndef GOSTRAY_TOPVIEW_H
#define GOSTRAY_TOPVIEW_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOPVIEW_QUIT 1

/* What the view asks its caller for. */
struct topview_source {
	void *ctx;
	/*
	 * Blocked-stack groups of the goroutines created at one site (its
	 * "pc", link-time), as a json array like the document's
	 * "blocked_stacks"; NULL on error with one line in err.  The view
	 * owns (puts) the result.  Called once per opened site: a dump reads
	 * every goroutine's stack.
	 */
	struct json_object *(*blocked_stacks)(void *ctx, const char *site_pc,
					      char *err, size_t errlen);
};

struct topview;

/* NULL with err set when stdout/stdin is not a usable terminal. */
struct topview *topview_open(const struct topview_source *src, bool show_system,
			     char *err, size_t errlen);
/* Shows doc; keeps a reference to it for redraws (resize, keys). */
void topview_draw(struct topview *v, struct json_object *doc);
/* Handles keys for up to wait_ms (less when a signal arrives); returns
 * TOPVIEW_QUIT when the user quits, else 0. */
int topview_keys(struct topview *v, int wait_ms);
/* Restores the terminal and frees v; NULL is fine. */
void topview_close(struct topview *v);

/* ---- pure parts ---- */

enum topview_sort {
	TOPVIEW_SORT_VERDICT,	/* leak, suspect, ok, then live */
	TOPVIEW_SORT_LIVE,
	TOPVIEW_SORT_CREATED,	/* created/s */
	TOPVIEW_SORT_EXITED,	/* exited/s */
	TOPVIEW_SORT_AGE,	/* oldest live goroutine */
	TOPVIEW_SORT_MAX,
};

enum topview_verdict { TOPVIEW_LEAK, TOPVIEW_SUSPECT, TOPVIEW_OK, TOPVIEW_UNJUDGED };

/* One table row: a site of the document, its fields copied out. */
struct topview_row {
	char key[48];		/* pc (and its caller's with --by stack): stable across documents */
	enum topview_verdict verdict;
	int64_t live;
	double created_per_s, exited_per_s;
	double age_s;		/* oldest live goroutine, < 0: none alive */
	bool age_lower_bound;	/* born before attach */
	char wait[40];		/* main wait reason, "" when none */
	char site[192];		/* "file.go:LINE function [<- caller.go:LINE]" */
	char start[128];	/* the goroutines' entry function */
	struct json_object *obj;	/* the site in the document (borrowed) */
};

/* The rows of doc's "sites" (system sites only when show_system), in
 * document order; returns how many, *rows malloc'ed (free it). */
size_t topview_rows(struct json_object *doc, bool show_system, struct topview_row **rows);
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

#endif /* GOSTRAY_TOPVIEW_H */
