// SPDX-License-Identifier: BSD-2-Clause
/*
 * The live view of `gostray top` (include/output/topview.h): ncursesw draws, the
 * capture document is the only input.  Two screens: the table of sites
 * and one site's details (reason, counts, creation stacks from the
 * document, blocked stacks from a dump the caller takes on request).
 * Everything that decides what a row says lives in plain functions at
 * the top, tested in tests/unit/test_topview.c without a terminal.
 */
#define _GNU_SOURCE	/* qsort_r */
#include <curses.h>
#include <inttypes.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/duration.h"
#include "output/topview.h"

/* ---- the document, read defensively: fields may be missing ---- */

static struct json_object *field(struct json_object *o, const char *key)
{
	struct json_object *v;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *str_field(struct json_object *o, const char *key, const char *none)
{
	struct json_object *v = field(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : none;
}

static int64_t int_field(struct json_object *o, const char *key)
{
	struct json_object *v = field(o, key);

	return v ? json_object_get_int64(v) : 0;
}

static double num_field(struct json_object *o, const char *key, double none)
{
	struct json_object *v = field(o, key);

	return v ? json_object_get_double(v) : none;
}

/* Arrays' length, 0 for anything else (json-c asserts on those). */
static size_t array_len(struct json_object *a)
{
	return a && json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

static const char *base_name(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path ? path : "?";
}

static enum topview_verdict verdict_of(const char *s)
{
	if (!s)
		return TOPVIEW_UNJUDGED;
	if (!strcmp(s, "leak"))
		return TOPVIEW_LEAK;
	if (!strcmp(s, "suspect"))
		return TOPVIEW_SUSPECT;
	if (!strcmp(s, "ok"))
		return TOPVIEW_OK;
	return TOPVIEW_UNJUDGED;
}

static const char *verdict_text(enum topview_verdict v)
{
	static const char *const names[] = { "leak", "suspect", "ok", "?" };

	return names[v];
}

/*
 * With --by stack a site appears once per creation stack: the key adds a
 * hash of the stack's return addresses, and the row names the first
 * caller so the rows of one site can be told apart.
 */
static void stack_identity(struct topview_row *r, struct json_object *cs)
{
	struct json_object *frames = field(cs, "frames");
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */
	size_t i, n, len = strlen(r->site);
	const char *caller = NULL;
	int line = 0;

	n = array_len(frames);
	for (i = 0; i < n; i++) {
		struct json_object *f = json_object_array_get_idx(frames, i);
		const char *p = str_field(f, "pc", "");

		for (; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
		h = (h ^ '/') * 1099511628211ull;
		if (i == 1) {
			caller = str_field(f, "file", "?");
			line = (int)int_field(f, "line");
		}
	}
	snprintf(r->key + strlen(r->key), sizeof(r->key) - strlen(r->key), "/%016" PRIx64,
		 n ? h : 0);
	if (!n)
		snprintf(r->site + len, sizeof(r->site) - len, " <- ?");
	else if (caller)
		snprintf(r->site + len, sizeof(r->site) - len, " <- %s:%d", base_name(caller), line);
}

static void fill_row(struct topview_row *r, struct json_object *site)
{
	memset(r, 0, sizeof(*r));
	r->obj = site;
	snprintf(r->key, sizeof(r->key), "%s", str_field(site, "pc", "?"));
	r->verdict = verdict_of(str_field(site, "verdict", NULL));
	r->live = int_field(site, "live");
	r->created_per_s = num_field(site, "created_per_s", 0);
	r->exited_per_s = num_field(site, "exited_per_s", 0);
	r->age_s = r->live > 0 ? num_field(site, "oldest_age_s", -1) : -1;
	r->age_lower_bound = json_object_get_boolean(field(site, "oldest_age_is_lower_bound"));
	snprintf(r->wait, sizeof(r->wait), "%s", str_field(site, "main_wait_reason", ""));
	snprintf(r->site, sizeof(r->site), "%s:%d %s", base_name(str_field(site, "file", "?")),
		 (int)int_field(site, "line"), str_field(site, "function", "?"));
	snprintf(r->start, sizeof(r->start), "%s", str_field(site, "start_function", "?"));
	if (json_object_object_get_ex(site, "creation_stack", NULL))	/* null: unknown */
		stack_identity(r, field(site, "creation_stack"));
}

size_t topview_rows(struct json_object *doc, bool show_system, struct topview_row **rows)
{
	struct json_object *sites = field(doc, "sites");
	size_t i, n, k = 0;

	*rows = NULL;
	n = array_len(sites);
	if (!n || !(*rows = calloc(n, sizeof(**rows))))
		return 0;
	for (i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(sites, i);

		if (!show_system && json_object_get_boolean(field(s, "system")))
			continue;
		fill_row(&(*rows)[k++], s);
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
		c = (int)a->verdict - (int)b->verdict;
		break;
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
	if (!c)
		c = desc((double)a->live, (double)b->live);
	/* Ties in a fixed order, or equal rows would swap on every refresh. */
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
static void format_rate(char *buf, size_t len, double v)
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
	format_rate(cre, sizeof(cre), r->created_per_s);
	format_rate(ex, sizeof(ex), r->exited_per_s);
	topview_format_age(age, sizeof(age), r->age_s, r->age_lower_bound);
	sb_add(&b, "%-*s %*s %*s %*s %*s", VERDICT_W, verdict_text(r->verdict), NUM_W, live,
	       NUM_W, cre, NUM_W, ex, NUM_W, age);
	text_columns(&b, l, r->wait[0] ? r->wait : "-", r->site, r->start);
	return sb_finish(&b, l->width);
}

/* ---- the terminal ---- */

enum { PAIR_LEAK = 1, PAIR_SUSPECT, PAIR_OK };

/* A line of the details screen and how it is drawn. */
struct dline {
	char *text;
	int attr;
};

struct topview {
	struct topview_source src;
	bool show_system;
	SCREEN *screen;
	char *saved_ctype;		/* the locale before ncursesw needed the user's */
	bool colors;
	struct json_object *doc;	/* the last document drawn (ours) */
	struct topview_row *rows;	/* of doc, sorted */
	size_t nrows;
	enum topview_sort sort;
	size_t sel, top;		/* selected row, first row shown */
	char sel_key[48];		/* the selection, by site (and stack) */

	bool details;			/* the details screen is up */
	struct json_object *site;	/* its site (ours), kept if it disappears */
	struct json_object *blocked;	/* its blocked stacks (ours), or NULL */
	char blocked_err[256];
	struct dline *lines;
	size_t nlines, cap;
	size_t scroll;
};

/* The one open view, so exit paths that skip topview_close still give
 * the terminal back. */
static struct topview *open_view;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void restore_at_exit(void)
{
	if (open_view && !isendwin())
		endwin();
}

static int verdict_attr(const struct topview *v, enum topview_verdict vd)
{
	static const short pairs[] = { PAIR_LEAK, PAIR_SUSPECT, PAIR_OK, 0 };

	if (!v->colors)
		return vd == TOPVIEW_LEAK ? A_BOLD : A_NORMAL;
	return COLOR_PAIR(pairs[vd]) | (vd == TOPVIEW_LEAK ? A_BOLD : A_NORMAL);
}

/* Text at y, x, cut at the screen's edge; returns the column after it. */
static int put(int y, int x, int attr, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	if (y < 0 || y >= LINES || x >= COLS)
		return x;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return x;
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	attrset(attr);
	mvaddnstr(y, x, buf, COLS - x);
	attrset(A_NORMAL);
	return x + n < COLS ? x + n : COLS;
}

static void draw_header(struct topview *v)
{
	struct json_object *doc = v->doc, *tot = field(doc, "totals"), *vd = field(doc, "verdicts");
	int64_t count[3] = { 0 };
	char elapsed[24];
	size_t i, hidden = 0, nsites;
	int x, k;

	format_age(elapsed, sizeof(elapsed), (uint64_t)(num_field(doc, "duration_s", 0) * 1e9));
	x = put(0, 0, A_BOLD, "%s[%" PRId64 "]", base_name(str_field(doc, "exe", "?")),
		int_field(doc, "pid"));
	x = put(0, x, A_NORMAL, " %s  traced %s", str_field(doc, "go_version", "go?"), elapsed);
	if (json_object_get_boolean(field(doc, "target_exited")))
		x = put(0, x, A_BOLD, "  (target exited)");
	nsites = array_len(field(doc, "sites"));
	for (i = 0; !v->show_system && i < nsites; i++)
		hidden += json_object_get_boolean(field(json_object_array_get_idx(
			field(doc, "sites"), i), "system"));
	if (hidden)
		put(0, x, A_DIM, "  %zu runtime sites hidden", hidden);

	x = put(1, 0, A_NORMAL, "live %" PRId64 " (user %" PRId64 ")  +%" PRId64 " -%" PRId64 "  ",
		int_field(tot, "live"), int_field(tot, "live_user"), int_field(tot, "created"),
		int_field(tot, "exited"));
	x = put(1, x, int_field(tot, "lost_events") ? A_BOLD : A_NORMAL, "lost %" PRId64,
		int_field(tot, "lost_events"));
	if (vd) {
		count[0] = int_field(vd, "leak");
		count[1] = int_field(vd, "suspect");
		count[2] = int_field(vd, "ok");
	}
	x = put(1, x, A_NORMAL, "  sites:");
	for (k = 0; k < 3; k++)
		x = put(1, x, verdict_attr(v, (enum topview_verdict)k), " %" PRId64 " %s%s",
			count[k], verdict_text((enum topview_verdict)k), k < 2 ? "," : "");
}

static void draw_footer(const struct topview *v)
{
	const char *keys = v->details ?
		"Esc/Left back  Up/Down PgUp/PgDn scroll  q quit" :
		"Up/Down/j/k pick  Enter details  s sort: %s  q quit";

	move(LINES - 1, 0);
	clrtoeol();
	put(LINES - 1, 0, A_REVERSE, keys, topview_sort_name(v->sort));
}

static void draw_table(struct topview *v)
{
	struct topview_layout l;
	char buf[1024];
	int y, h = LINES - 4, cx, cw;
	size_t i;

	topview_layout(COLS, &l);
	topview_format_heading(&l, buf, sizeof(buf));
	attrset(A_REVERSE);
	mvhline(2, 0, ' ', COLS);
	attrset(A_NORMAL);
	put(2, 0, A_REVERSE, "%s", buf);
	cx = topview_column(&l, v->sort, &cw);
	mvchgat(2, cx, cw, A_REVERSE | A_BOLD | A_UNDERLINE, 0, NULL);

	if (!v->nrows) {
		put(4, 2, A_DIM, "no goroutine creation site seen yet");
		return;
	}
	if (h < 1)
		return;
	/* Keep the selection on screen, scrolling as little as possible. */
	if (v->sel < v->top)
		v->top = v->sel;
	if (v->sel >= v->top + (size_t)h)
		v->top = v->sel - h + 1;
	if (v->top + h > v->nrows)
		v->top = v->nrows > (size_t)h ? v->nrows - h : 0;
	for (y = 3, i = v->top; i < v->nrows && y < 3 + h; i++, y++) {
		int sel = i == v->sel ? A_REVERSE : A_NORMAL;

		topview_format_row(&l, &v->rows[i], buf, sizeof(buf));
		if (sel) {
			attrset(A_REVERSE);
			mvhline(y, 0, ' ', COLS);
		}
		put(y, 0, sel, "%s", buf);
		put(y, 0, sel | verdict_attr(v, v->rows[i].verdict), "%s",
		    verdict_text(v->rows[i].verdict));
	}
}

/* ---- details ---- */

static void dl_clear(struct topview *v)
{
	size_t i;

	for (i = 0; i < v->nlines; i++)
		free(v->lines[i].text);
	v->nlines = 0;
}

static void dl_add(struct topview *v, int attr, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (v->nlines == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 64;
		struct dline *l = realloc(v->lines, cap * sizeof(*l));

		if (!l)
			return;
		v->lines = l;
		v->cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s)
		v->lines[v->nlines++] = (struct dline){ s, attr };
}

/* A long text over lines of the screen's width, breaking at spaces;
 * lines after the first are indented under its text. */
static void dl_wrap(struct topview *v, int attr, const char *lead, const char *text)
{
	int w = COLS - (int)strlen(lead), first = 1;
	const char *p = text;

	if (w < 20)
		w = 20;
	while (*p) {
		int n = (int)strlen(p), cut = n;

		if (n > w) {
			for (cut = w; cut > w / 2 && p[cut] != ' '; cut--)
				;
			if (p[cut] != ' ')
				cut = w;
		}
		dl_add(v, attr, "%*s%.*s", (int)strlen(lead), first ? lead : "", cut, p);
		first = 0;
		p += cut;
		while (*p == ' ')
			p++;
	}
}

/* Paths as "dir/file.go": the file's package is enough to recognize. */
static const char *short_path(const char *path)
{
	const char *p, *last = NULL, *prev = NULL;

	if (!path)
		return "?";
	for (p = path; *p; p++)
		if (*p == '/') {
			prev = last;
			last = p;
		}
	return prev ? prev + 1 : path;
}

static void dl_frames(struct topview *v, struct json_object *frames)
{
	size_t i, n = array_len(frames);

	for (i = 0; i < n; i++) {
		struct json_object *f = json_object_array_get_idx(frames, i);

		dl_add(v, A_NORMAL, "      %s  %s:%" PRId64 "%s", str_field(f, "function", "?"),
		       short_path(str_field(f, "file", NULL)), int_field(f, "line"),
		       json_object_get_boolean(field(f, "inlined")) ? " (inlined)" : "");
	}
}

/* counts: the stack's (--by site) or the row's (--by stack). */
static void dl_creation_stack(struct topview *v, struct json_object *counts,
			      struct json_object *frames)
{
	dl_add(v, A_BOLD, "  %" PRId64 " live, %" PRId64 " created, %" PRId64 " exited%s",
	       int_field(counts, "live"), int_field(counts, "created"), int_field(counts, "exited"),
	       frames ? "" : ": path unknown (born before attach, or its walk was lost)");
	dl_frames(v, frames);
}

static int wait_cmp(const void *a, const void *b)
{
	const struct json_object_iter *x = a, *y = b;

	return desc((double)json_object_get_int64(x->val), (double)json_object_get_int64(y->val));
}

static void dl_waits(struct topview *v, struct json_object *waits)
{
	struct json_object_iter it, *all = NULL;
	size_t n = 0, i;
	char line[512];
	int k = 0;

	if (!waits || !json_object_is_type(waits, json_type_object))
		return;
	all = calloc(json_object_object_length(waits) + 1, sizeof(*all));
	if (!all)
		return;
	json_object_object_foreachC(waits, it)
		all[n++] = it;
	qsort(all, n, sizeof(*all), wait_cmp);
	line[0] = '\0';
	for (i = 0; i < n && k < (int)sizeof(line) - 1; i++)
		k += snprintf(line + k, sizeof(line) - k, "%s%s %" PRId64, i ? ", " : "",
			      all[i].key, json_object_get_int64(all[i].val));
	if (n)
		dl_wrap(v, A_NORMAL, "  waiting: ", line);
	free(all);
}

static void build_details(struct topview *v)
{
	struct json_object *s = v->site, *css = field(s, "creation_stacks");
	enum topview_verdict vd = verdict_of(str_field(s, "verdict", NULL));
	char age[24], cre[16], ex[16], *counts;
	size_t i, n;

	dl_clear(v);
	topview_format_age(age, sizeof(age), int_field(s, "live") > 0 ?
			   num_field(s, "oldest_age_s", -1) : -1,
			   json_object_get_boolean(field(s, "oldest_age_is_lower_bound")));
	format_rate(cre, sizeof(cre), num_field(s, "created_per_s", 0));
	format_rate(ex, sizeof(ex), num_field(s, "exited_per_s", 0));
	dl_add(v, verdict_attr(v, vd) | A_BOLD, "%-7s go statement %s:%" PRId64 " %s",
	       verdict_text(vd), base_name(str_field(s, "file", "?")), int_field(s, "line"),
	       str_field(s, "function", "?"));
	dl_add(v, A_NORMAL, "  %s:%" PRId64 "  pc %s", str_field(s, "file", "?"),
	       int_field(s, "line"), str_field(s, "pc", "?"));
	dl_add(v, A_NORMAL, "  starts %s%s", str_field(s, "start_function", "?"),
	       json_object_get_boolean(field(s, "system")) ? "  (the runtime's own)" : "");
	if (field(s, "reason"))
		dl_wrap(v, A_NORMAL, "  reason: ", str_field(s, "reason", ""));
	if (asprintf(&counts, "live %" PRId64 " (%" PRId64 " from before attach), created %"
		     PRId64 " (%s/s), exited %" PRId64 " (%s/s), oldest %s", int_field(s, "live"),
		     int_field(s, "live_at_start"), int_field(s, "created"), cre,
		     int_field(s, "exited"), ex, age) >= 0) {
		dl_wrap(v, A_NORMAL, "  ", counts);
		free(counts);
	}
	dl_waits(v, field(s, "wait_reasons"));

	dl_add(v, A_NORMAL, "");
	if (css && json_object_is_type(css, json_type_array)) {
		n = array_len(css);
		dl_add(v, A_UNDERLINE | A_BOLD, "CREATION STACKS (%zu)", n);
		for (i = 0; i < n; i++) {
			struct json_object *cs = json_object_array_get_idx(css, i);

			dl_creation_stack(v, cs, field(cs, "frames"));
		}
	} else if (json_object_object_get_ex(s, "creation_stack", NULL)) {
		dl_add(v, A_UNDERLINE | A_BOLD, "CREATION STACK");
		dl_creation_stack(v, s, field(field(s, "creation_stack"), "frames"));
	} else {
		dl_add(v, A_UNDERLINE | A_BOLD, "CREATION STACKS");
		dl_add(v, A_DIM, "  not recorded (--stack-depth 0)");
	}

	dl_add(v, A_NORMAL, "");
	if (!v->blocked) {
		dl_add(v, A_UNDERLINE | A_BOLD, "BLOCKED STACKS");
		dl_add(v, A_DIM, "  %s", v->blocked_err[0] ? v->blocked_err :
		       "reading every goroutine's stack...");
		return;
	}
	n = array_len(v->blocked);
	dl_add(v, A_UNDERLINE | A_BOLD, "BLOCKED STACKS (%zu group%s, read when opened)", n,
	       n == 1 ? "" : "s");
	if (!n)
		dl_add(v, A_DIM, "  no live goroutine of this site");
	for (i = 0; i < n; i++) {
		struct json_object *g = json_object_array_get_idx(v->blocked, i);
		int64_t min = int_field(g, "wait_minutes");

		if (min > 0)
			dl_add(v, A_BOLD, "  %" PRId64 " x %s, %" PRId64 " minutes",
			       int_field(g, "count"), str_field(g, "state", "?"), min);
		else
			dl_add(v, A_BOLD, "  %" PRId64 " x %s", int_field(g, "count"),
			       str_field(g, "state", "?"));
		dl_frames(v, field(g, "frames"));
	}
}

static void draw_details(struct topview *v)
{
	int h = LINES - 3, y;
	size_t i;

	build_details(v);
	if (h < 1)
		return;
	if (v->nlines <= (size_t)h)
		v->scroll = 0;
	else if (v->scroll > v->nlines - h)
		v->scroll = v->nlines - h;
	for (y = 2, i = v->scroll; i < v->nlines && y < 2 + h; i++, y++)
		put(y, 0, v->lines[i].attr, "%s", v->lines[i].text);
}

static void draw_screen(struct topview *v)
{
	erase();
	if (v->doc)
		draw_header(v);
	if (v->details)
		draw_details(v);
	else
		draw_table(v);
	draw_footer(v);
	refresh();
}

static void open_details(struct topview *v)
{
	char err[256] = "";

	if (v->sel >= v->nrows)
		return;
	v->details = true;
	v->scroll = 0;
	v->site = json_object_get(v->rows[v->sel].obj);
	v->blocked_err[0] = '\0';
	/* Say what is going on: a dump of a big process takes a moment. */
	draw_screen(v);
	if (!v->src.blocked_stacks)
		snprintf(v->blocked_err, sizeof(v->blocked_err), "not available");
	else if (!(v->blocked = v->src.blocked_stacks(v->src.ctx, str_field(v->site, "pc", ""),
							err, sizeof(err))))
		snprintf(v->blocked_err, sizeof(v->blocked_err), "not read: %s",
			 err[0] ? err : "unknown error");
}

static void close_details(struct topview *v)
{
	v->details = false;
	json_object_put(v->site);
	json_object_put(v->blocked);
	v->site = v->blocked = NULL;
	dl_clear(v);
}

static void sort_rows(struct topview *v)
{
	topview_sort(v->rows, v->nrows, v->sort);
	v->sel = topview_select(v->rows, v->nrows, v->sel_key[0] ? v->sel_key : NULL, v->sel);
}

static void remember_selection(struct topview *v)
{
	if (v->sel < v->nrows)
		snprintf(v->sel_key, sizeof(v->sel_key), "%s", v->rows[v->sel].key);
}

void topview_draw(struct topview *v, struct json_object *doc)
{
	struct topview_row *rows;
	size_t n = topview_rows(doc, v->show_system, &rows), i;

	free(v->rows);
	v->rows = rows;
	v->nrows = n;
	json_object_get(doc);
	json_object_put(v->doc);
	v->doc = doc;
	sort_rows(v);
	remember_selection(v);
	/* The details follow the site's counts; its blocked stacks stay
	 * those read when it was opened. */
	if (v->details)
		for (i = 0; i < n; i++)
			if (!strcmp(rows[i].key, v->sel_key)) {
				json_object_put(v->site);
				v->site = json_object_get(rows[i].obj);
				break;
			}
	draw_screen(v);
}

static void move_selection(struct topview *v, long by)
{
	long sel = (long)v->sel + by;

	if (!v->nrows)
		return;
	if (sel < 0)
		sel = 0;
	if (sel >= (long)v->nrows)
		sel = (long)v->nrows - 1;
	v->sel = (size_t)sel;
	remember_selection(v);
}

static void scroll_details(struct topview *v, long by)
{
	long s = (long)v->scroll + by;

	v->scroll = s < 0 ? 0 : (size_t)s;	/* draw_details clamps the end */
}

/* How far a movement key moves, in lines (a page, or past either end,
 * clamped by the caller); false for other keys.  The same keys scroll
 * the details and move the table's selection. */
static bool key_step(int ch, long *step)
{
	long page = LINES > 5 ? LINES - 5 : 1, far = 1L << 30;

	switch (ch) {
	case KEY_UP: case 'k':
		*step = -1;
		return true;
	case KEY_DOWN: case 'j':
		*step = 1;
		return true;
	case KEY_PPAGE:
		*step = -page;
		return true;
	case KEY_NPAGE: case ' ':
		*step = page;
		return true;
	case KEY_HOME: case 'g':
		*step = -far;
		return true;
	case KEY_END: case 'G':
		*step = far;
		return true;
	}
	return false;
}

/* One key; true when it quits. */
static bool handle_key(struct topview *v, int ch)
{
	long step;

	if (ch == 'q' || ch == 'Q')
		return true;
	if (key_step(ch, &step)) {
		if (v->details)
			scroll_details(v, step);
		else
			move_selection(v, step);
		return false;
	}
	if (v->details) {
		switch (ch) {
		case 27: case KEY_BACKSPACE: case 127: case '\b': case KEY_LEFT: case 'h':
			close_details(v);
			break;
		}
		return false;
	}
	switch (ch) {
	case '\n': case '\r': case KEY_ENTER: case KEY_RIGHT: case 'l':
		open_details(v);
		break;
	case 's':
		v->sort = (v->sort + 1) % TOPVIEW_SORT_MAX;
		sort_rows(v);
		v->top = 0;
		break;
	}
	return false;
}

int topview_keys(struct topview *v, int wait_ms)
{
	uint64_t end = now_ms() + (wait_ms > 0 ? wait_ms : 0);

	for (;;) {
		uint64_t now = now_ms();
		int ch;

		timeout(now < end ? (int)(end - now) : 0);
		ch = getch();
		/* Timed out, or a signal: the caller looks at its flags. */
		if (ch == ERR)
			return 0;
		if (handle_key(v, ch))
			return TOPVIEW_QUIT;
		draw_screen(v);	/* KEY_RESIZE lands here too: LINES, COLS are new */
	}
}

struct topview *topview_open(const struct topview_source *src, bool show_system,
			     char *err, size_t errlen)
{
	static bool atexit_done;
	struct topview *v;
	const char *ctype;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, errlen, "the live view needs a terminal on stdin and stdout");
		return NULL;
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	v->src = *src;
	v->show_system = show_system;
	/* Only the character set: numbers elsewhere stay in the C locale. */
	ctype = setlocale(LC_CTYPE, NULL);
	v->saved_ctype = strdup(ctype ? ctype : "C");
	setlocale(LC_CTYPE, "");
	v->screen = newterm(NULL, stdout, stdin);
	if (!v->screen) {
		snprintf(err, errlen, "cannot drive terminal type '%s' (TERM)",
			 getenv("TERM") ? getenv("TERM") : "");
		goto err_restore_locale;
	}
	set_term(v->screen);
	open_view = v;
	if (!atexit_done)
		atexit_done = !atexit(restore_at_exit);
	cbreak();		/* Ctrl-C still signals: the caller stops on SIGINT */
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);	/* Esc goes back; do not wait a second for a sequence */
	curs_set(0);
	if (has_colors() && start_color() == OK) {
		use_default_colors();
		init_pair(PAIR_LEAK, COLOR_RED, -1);
		init_pair(PAIR_SUSPECT, COLOR_YELLOW, -1);
		init_pair(PAIR_OK, COLOR_GREEN, -1);
		v->colors = true;
	}
	draw_screen(v);
	return v;

err_restore_locale:
	setlocale(LC_CTYPE, v->saved_ctype);
	free(v->saved_ctype);
	free(v);
	return NULL;
}

void topview_close(struct topview *v)
{
	if (!v)
		return;
	if (!isendwin())
		endwin();
	delscreen(v->screen);
	open_view = NULL;
	setlocale(LC_CTYPE, v->saved_ctype);
	free(v->saved_ctype);
	close_details(v);
	free(v->lines);
	free(v->rows);
	json_object_put(v->doc);
	free(v);
}
