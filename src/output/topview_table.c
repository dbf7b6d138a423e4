// SPDX-License-Identifier: BSD-2-Clause
/*
 * The pure half of `gostray top`'s live view (include/output/topview.h):
 * what a row of the table says, their sort, the columns at a terminal's
 * width.  No terminal here, so tests/unit/test_topview.c checks it all.
 */
#define _GNU_SOURCE	/* qsort_r */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/duration.h"
#include "output/topview.h"

const char *topview_base_name(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path ? path : "?";
}

/*
 * With --by stack a site appears once per creation stack: the key adds
 * the stack's id (the collector's, stable for the trace), and the row
 * names the first caller so the rows of one site can be told apart.
 */
static void stack_identity(struct topview_row *r, const struct model_row *mr)
{
	const struct model_stack *st = mr->nstacks ? &mr->stacks[0] : NULL;
	size_t len = strlen(r->site);

	snprintf(r->key + strlen(r->key), sizeof(r->key) - strlen(r->key), "/%" PRIu32,
		 mr->stack->id);
	if (!st || !st->known)
		snprintf(r->site + len, sizeof(r->site) - len, " <- ?");
	else if (st->nframes > 1)
		snprintf(r->site + len, sizeof(r->site) - len, " <- %s:%d",
			 topview_base_name(st->frames[1].file), st->frames[1].line);
}

static void fill_row(struct topview_row *r, const struct model_row *mr)
{
	memset(r, 0, sizeof(*r));
	r->src = mr;
	snprintf(r->key, sizeof(r->key), "0x%" PRIx64, mr->pc);
	r->verdict = mr->verdict;
	r->live = (int64_t)mr->live;
	r->created_per_s = mr->created_per_s;
	r->exited_per_s = mr->exited_per_s;
	r->age_s = mr->has_age ? mr->oldest_age_s : -1;
	r->age_lower_bound = mr->oldest_age_is_lower_bound;
	snprintf(r->wait, sizeof(r->wait), "%s", mr->main_wait ? mr->main_wait : "");
	snprintf(r->site, sizeof(r->site), "%s:%d %s", topview_base_name(mr->file), mr->line,
		 mr->function ? mr->function : "?");
	snprintf(r->start, sizeof(r->start), "%s",
		 mr->start_function ? mr->start_function : "?");
	if (mr->stack)
		stack_identity(r, mr);
}

size_t topview_rows(const struct model *m, bool show_system, struct topview_row **rows)
{
	size_t i, k = 0;

	*rows = NULL;
	if (!m || !m->nrows || !(*rows = calloc(m->nrows, sizeof(**rows))))
		return 0;
	for (i = 0; i < m->nrows; i++) {
		if (!show_system && m->rows[i].system)
			continue;
		fill_row(&(*rows)[k++], &m->rows[i]);
	}
	return k;
}

static int desc(double a, double b)
{
	return (a < b) - (a > b);
}

static int row_cmp(const void *pa, const void *pb, void *arg)
{
	const struct topview_row *a = pa, *b = pb;
	enum topview_sort by = *(const enum topview_sort *)arg;
	int c = 0;

	switch (by) {
	case TOPVIEW_SORT_VERDICT:
		break;	/* the model's order, below */
	case TOPVIEW_SORT_CREATED:
		c = desc(a->created_per_s, b->created_per_s);
		break;
	case TOPVIEW_SORT_EXITED:
		c = desc(a->exited_per_s, b->exited_per_s);
		break;
	case TOPVIEW_SORT_AGE:
		c = desc(a->age_s, b->age_s);
		break;
	default:
		break;
	}
	if (!c && by != TOPVIEW_SORT_VERDICT)
		c = desc((double)a->live, (double)b->live);
	/* Then the model's order, and ties in a fixed one, or equal rows
	 * would swap on every refresh. */
	if (!c && a->src && b->src)
		c = model_row_cmp(a->src, b->src);
	if (!c)
		c = strcmp(a->site, b->site);
	return c ? c : strcmp(a->key, b->key);
}

void topview_sort(struct topview_row *rows, size_t n, enum topview_sort by)
{
	if (n > 1)
		qsort_r(rows, n, sizeof(*rows), row_cmp, &by);
}

const char *topview_sort_name(enum topview_sort by)
{
	static const char *const names[] = {
		[TOPVIEW_SORT_VERDICT] = "verdict", [TOPVIEW_SORT_LIVE] = "live",
		[TOPVIEW_SORT_CREATED] = "created/s", [TOPVIEW_SORT_EXITED] = "exited/s",
		[TOPVIEW_SORT_AGE] = "age",
	};

	return by < TOPVIEW_SORT_MAX ? names[by] : "?";
}

size_t topview_select(const struct topview_row *rows, size_t n, const char *key,
		      size_t old_index)
{
	size_t i;

	for (i = 0; key && i < n; i++)
		if (!strcmp(rows[i].key, key))
			return i;
	if (!n)
		return 0;
	return old_index < n ? old_index : n - 1;
}

/* ---- columns ---- */

/* The numbers' columns, always shown: verdict, live, created/s,
 * exited/s, oldest, each followed by a space. */
#define VERDICT_W 7
#define NUM_W 6
#define FIXED_W (VERDICT_W + 1 + 4 * (NUM_W + 1))

void topview_layout(int width, struct topview_layout *l)
{
	int rest = width - FIXED_W;

	memset(l, 0, sizeof(*l));
	l->width = width;
	if (rest >= 100)
		l->wait_w = 23;		/* "chan receive (nil chan)" */
	else if (rest >= 35)
		l->wait_w = 14;
	if (l->wait_w)
		rest -= l->wait_w + 1;
	/* The site says where the leak is: the start function only gets a
	 * column once the site has 40 characters (the details show it). */
	if (rest >= 60) {
		l->start_w = rest / 3 < 40 ? rest / 3 : 40;
		rest -= l->start_w + 1;
	}
	l->site_w = rest > 0 ? rest : 0;
}

int topview_column(const struct topview_layout *l, enum topview_sort by, int *w)
{
	if (by == TOPVIEW_SORT_VERDICT) {
		*w = VERDICT_W;
		return 0;
	}
	*w = NUM_W;
	return VERDICT_W + 1 + ((int)by - TOPVIEW_SORT_LIVE) * (NUM_W + 1);
}

struct strbuf {
	char *s;
	size_t len, n;
};

static void sb_add(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (b->n + 1 >= b->len)
		return;
	va_start(ap, fmt);
	k = vsnprintf(b->s + b->n, b->len - b->n, fmt, ap);
	va_end(ap);
	if (k > 0)
		b->n += (size_t)k < b->len - b->n ? (size_t)k : b->len - b->n - 1;
}

/* Cut to the terminal and drop the padding of the last column. */
static int sb_finish(struct strbuf *b, int width)
{
	if (width >= 0 && b->n > (size_t)width)
		b->n = width;
	while (b->n && b->s[b->n - 1] == ' ')
		b->n--;
	b->s[b->n] = '\0';
	return (int)b->n;
}

/*
 * The site cut to w: the function goes first; a "file:line" longer than
 * the column loses the file name's start, never the line ("~" marks it).
 */
static const char *cut_site(char *buf, size_t len, const char *site, int w)
{
	size_t n = strlen(site), where = strcspn(site, " ");

	if (w <= 1 || n <= (size_t)w || where <= (size_t)w)
		return site;
	snprintf(buf, len, "~%.*s", w - 1, site + where - (w - 1));
	return buf;
}

static void text_columns(struct strbuf *b, const struct topview_layout *l, const char *wait,
			 const char *site, const char *start)
{
	char cut[256];

	if (l->wait_w)
		sb_add(b, " %-*.*s", l->wait_w, l->wait_w, wait);
	if (l->site_w)
		sb_add(b, " %-*.*s", l->site_w, l->site_w,
		       cut_site(cut, sizeof(cut), site, l->site_w));
	/* Functions are told apart by their ends (the method, ".gowrap1"). */
	if (l->start_w && strlen(start) > (size_t)l->start_w)
		sb_add(b, " ~%s", start + strlen(start) - (l->start_w - 1));
	else if (l->start_w)
		sb_add(b, " %s", start);
}

int topview_format_heading(const struct topview_layout *l, char *buf, size_t len)
{
	struct strbuf b = { buf, len, 0 };

	if (!len)
		return 0;
	buf[0] = '\0';
	sb_add(&b, "%-*s %*s %*s %*s %*s", VERDICT_W, "VERDICT", NUM_W, "LIVE", NUM_W, "NEW/S",
	       NUM_W, "EXIT/S", NUM_W, "OLDEST");
	text_columns(&b, l, "WAITING ON", "GO STATEMENT", "STARTS");
	return sb_finish(&b, l->width);
}

/* Counts up to a million as they are; beyond, in millions. */
static void format_count(char *buf, size_t len, int64_t v)
{
	if (v < 1000000)
		snprintf(buf, len, "%" PRId64, v);
	else if (v < 1000000000)
		snprintf(buf, len, "%.1fM", v / 1e6);
	else
		snprintf(buf, len, "%.0fG", v / 1e9);
}

/* Rates to two digits: "0.04" matters for a slow leak, ".4" of 3000 not. */
void topview_format_rate(char *buf, size_t len, double v)
{
	if (v <= 0)
		snprintf(buf, len, "0");
	else if (v < 1)
		snprintf(buf, len, "%.2f", v);
	else if (v < 10)
		snprintf(buf, len, "%.1f", v);
	else if (v < 100000)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.0fk", v / 1e3);
}

void topview_format_age(char *buf, size_t len, double age_s, bool lower_bound)
{
	size_t n;

	if (age_s < 0) {
		snprintf(buf, len, "-");
		return;
	}
	format_age(buf, len, (uint64_t)(age_s * 1e9));
	n = strlen(buf);
	if (lower_bound && n + 1 < len)
		snprintf(buf + n, len - n, "+");
}

int topview_format_row(const struct topview_layout *l, const struct topview_row *r,
		       char *buf, size_t len)
{
	struct strbuf b = { buf, len, 0 };
	char live[16], cre[16], ex[16], age[24];

	if (!len)
		return 0;
	buf[0] = '\0';
	format_count(live, sizeof(live), r->live);
	topview_format_rate(cre, sizeof(cre), r->created_per_s);
	topview_format_rate(ex, sizeof(ex), r->exited_per_s);
	topview_format_age(age, sizeof(age), r->age_s, r->age_lower_bound);
	sb_add(&b, "%-*s %*s %*s %*s %*s", VERDICT_W, verdict_name(r->verdict), NUM_W, live,
	       NUM_W, cre, NUM_W, ex, NUM_W, age);
	text_columns(&b, l, r->wait[0] ? r->wait : "-", r->site, r->start);
	return sb_finish(&b, l->width);
}

