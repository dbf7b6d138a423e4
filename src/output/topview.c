// SPDX-License-Identifier: BSD-2-Clause
/*
 * The live view of `gostray top` (include/output/topview.h) on the
 * terminal: ncursesw draws a report model, the only input.  Two screens:
 * the table of sites (its rows, sort and columns: topview_table.c) and one
 * site's details (reason, counts, creation stacks from the model, blocked
 * stacks from a dump the caller takes on request).
 */
#define _GNU_SOURCE	/* vasprintf */
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
	struct model *model;		/* the last model drawn (ours) */
	struct topview_row *rows;	/* of model, sorted */
	size_t nrows;
	enum topview_sort sort;
	size_t sel, top;		/* selected row, first row shown */
	char sel_key[48];		/* the selection, by site (and stack) */

	bool details;			/* the details screen is up */
	const struct model_row *site;	/* its site, in site_model */
	struct model *site_model;	/* model or an older one (ours): the site
					 * stays shown when it disappears */
	struct dump *dump;		/* read when opened (ours), or NULL */
	struct dump_blocked_group *blocked;	/* the site's groups in dump */
	size_t nblocked;
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

static int verdict_attr(const struct topview *v, enum verdict_kind vd)
{
	static const short pairs[] = {
		[VERDICT_OK] = PAIR_OK, [VERDICT_SUSPECT] = PAIR_SUSPECT,
		[VERDICT_LEAK] = PAIR_LEAK,
	};

	if (!v->colors)
		return vd == VERDICT_LEAK ? A_BOLD : A_NORMAL;
	return COLOR_PAIR(pairs[vd]) | (vd == VERDICT_LEAK ? A_BOLD : A_NORMAL);
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
	static const enum verdict_kind order[] = { VERDICT_LEAK, VERDICT_SUSPECT, VERDICT_OK };
	const struct model *m = v->model;
	const struct collector_totals *t = &m->totals;
	char elapsed[24];
	int x, k;

	format_age(elapsed, sizeof(elapsed), (uint64_t)(m->duration_s * 1e9));
	x = put(0, 0, A_BOLD, "%s[%d]", topview_base_name(m->exe), m->pid);
	x = put(0, x, A_NORMAL, " %s  traced %s", m->go_version, elapsed);
	if (m->probe_free)
		x = put(0, x, A_NORMAL, "  no probes: a snapshot every %.1fs",
			m->snapshot_interval_s);
	if (m->target_exited)
		x = put(0, x, A_BOLD, "  (target exited)");
	if (!v->show_system && m->runtime_sites)
		put(0, x, A_DIM, "  %" PRIu64 " runtime sites hidden", m->runtime_sites);

	x = put(1, 0, A_NORMAL, "live %" PRIu64 " (user %" PRIu64 ")  +%" PRIu64 " -%" PRIu64 "  ",
		t->live, t->live_user, t->created, t->exited);
	x = put(1, x, m->stats[GS_STAT_LOST] ? A_BOLD : A_NORMAL, "lost %" PRIu64,
		m->stats[GS_STAT_LOST]);
	x = put(1, x, A_NORMAL, "  sites:");
	for (k = 0; k < 3; k++)
		x = put(1, x, verdict_attr(v, order[k]), " %" PRIu64 " %s%s",
			m->verdicts[order[k]], verdict_name(order[k]), k < 2 ? "," : "");
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
		    verdict_name(v->rows[i].verdict));
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

static void dl_frames(struct topview *v, const struct stack_frame *f, int n)
{
	int i;

	for (i = 0; i < n; i++)
		dl_add(v, A_NORMAL, "      %s  %s:%d%s", f[i].function ? f[i].function : "?",
		       short_path(f[i].file), f[i].line, f[i].inlined ? " (inlined)" : "");
}

/* A blocked goroutine's frames, as the dump read them. */
static void dl_go_frames(struct topview *v, const struct go_frame *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dl_add(v, A_NORMAL, "      %s  %s:%d%s", f[i].function ? f[i].function : "?",
		       short_path(f[i].file), f[i].line, f[i].inlined ? " (inlined)" : "");
}

static void dl_creation_stack(struct topview *v, const struct model_stack *st)
{
	dl_add(v, A_BOLD, "  %" PRIu64 " live, %" PRIu64 " created, %" PRIu64 " exited%s",
	       st->live, st->created, st->exited,
	       st->known ? "" : ": path unknown (born before attach, or its walk was lost)");
	dl_frames(v, st->frames, st->nframes);
}

/* The wait reasons of the site's live goroutines, most first (the
 * model's order). */
static void dl_waits(struct topview *v, const struct model_row *s)
{
	char line[512];
	size_t i;
	int k = 0;

	line[0] = '\0';
	for (i = 0; i < s->nwaits && k < (int)sizeof(line) - 1; i++)
		k += snprintf(line + k, sizeof(line) - k, "%s%s %" PRIu64, i ? ", " : "",
			      s->waits[i].name, s->waits[i].count);
	if (s->nwaits)
		dl_wrap(v, A_NORMAL, "  waiting: ", line);
}

static void build_details(struct topview *v)
{
	const struct model_row *s = v->site;
	char age[24], cre[16], ex[16], *counts;
	size_t i;

	dl_clear(v);
	topview_format_age(age, sizeof(age), s->has_age ? s->oldest_age_s : -1,
			   s->oldest_age_is_lower_bound);
	topview_format_rate(cre, sizeof(cre), s->created_per_s);
	topview_format_rate(ex, sizeof(ex), s->exited_per_s);
	dl_add(v, verdict_attr(v, s->verdict) | A_BOLD, "%-7s go statement %s:%d %s",
	       verdict_name(s->verdict), topview_base_name(s->file), s->line, s->function);
	dl_add(v, A_NORMAL, "  %s:%d  pc 0x%" PRIx64, s->file, s->line, s->pc);
	dl_add(v, A_NORMAL, "  starts %s%s", s->start_function,
	       s->system ? "  (the runtime's own)" : "");
	if (s->reason[0])
		dl_wrap(v, A_NORMAL, "  reason: ", s->reason);
	if (asprintf(&counts, "live %" PRIu64 " (%" PRIu64 " from before attach), created %"
		     PRIu64 " (%s/s), exited %" PRIu64 " (%s/s), oldest %s", s->live,
		     s->live_at_start, s->created, cre, s->exited, ex, age) >= 0) {
		dl_wrap(v, A_NORMAL, "  ", counts);
		free(counts);
	}
	dl_waits(v, s);

	dl_add(v, A_NORMAL, "");
	if (v->site_model && !v->site_model->stack_depth) {
		dl_add(v, A_UNDERLINE | A_BOLD, "CREATION STACKS");
		dl_add(v, A_DIM, v->site_model->probe_free ?
		       "  not recorded without probes (--probes none)" :
		       "  not recorded (--stack-depth 0)");
	} else if (s->stack) {
		dl_add(v, A_UNDERLINE | A_BOLD, "CREATION STACK");
		for (i = 0; i < s->nstacks; i++)
			dl_creation_stack(v, &s->stacks[i]);
	} else {
		dl_add(v, A_UNDERLINE | A_BOLD, "CREATION STACKS (%zu)", s->nstacks);
		for (i = 0; i < s->nstacks; i++)
			dl_creation_stack(v, &s->stacks[i]);
	}

	dl_add(v, A_NORMAL, "");
	if (!v->dump) {
		dl_add(v, A_UNDERLINE | A_BOLD, "BLOCKED STACKS");
		dl_add(v, A_DIM, "  %s", v->blocked_err[0] ? v->blocked_err :
		       "reading every goroutine's stack...");
		return;
	}
	dl_add(v, A_UNDERLINE | A_BOLD, "BLOCKED STACKS (%zu group%s, read when opened)",
	       v->nblocked, v->nblocked == 1 ? "" : "s");
	if (!v->nblocked)
		dl_add(v, A_DIM, "  no live goroutine of this site");
	for (i = 0; i < v->nblocked; i++) {
		const struct dump_blocked_group *g = &v->blocked[i];
		const char *state = dump_status_name(v->dump, g->g);

		if (g->wait_minutes > 0)
			dl_add(v, A_BOLD, "  %zu x %s, %" PRId64 " minutes", g->count, state,
			       g->wait_minutes);
		else
			dl_add(v, A_BOLD, "  %zu x %s", g->count, state);
		dl_go_frames(v, g->g->frames, g->g->nframes);
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
	if (v->model)
		draw_header(v);
	if (v->details)
		draw_details(v);
	else
		draw_table(v);
	draw_footer(v);
	refresh();
}

/* A model the view no longer shows, unless it still shows it. */
static void release_model(struct topview *v, struct model *m)
{
	if (!m || m == v->model || m == v->site_model)
		return;
	model_free(m);
	free(m);
}

static void open_details(struct topview *v)
{
	char err[256] = "";

	if (v->sel >= v->nrows)
		return;
	v->details = true;
	v->scroll = 0;
	v->site = v->rows[v->sel].src;
	v->site_model = v->model;
	v->blocked_err[0] = '\0';
	/* Say what is going on: a dump of a big process takes a moment. */
	draw_screen(v);
	if (!v->src.take_dump)
		snprintf(v->blocked_err, sizeof(v->blocked_err), "not available");
	else if (!(v->dump = v->src.take_dump(v->src.ctx, err, sizeof(err))))
		snprintf(v->blocked_err, sizeof(v->blocked_err), "not read: %s",
			 err[0] ? err : "unknown error");
	else
		v->nblocked = dump_blocked_groups(v->dump, v->site->site->gopc,
						  TOPVIEW_BLOCKED_GROUPS, &v->blocked);
}

static void close_details(struct topview *v)
{
	struct model *sm = v->site_model;

	v->details = false;
	v->site = NULL;
	v->site_model = NULL;
	release_model(v, sm);
	free(v->blocked);
	v->blocked = NULL;
	v->nblocked = 0;
	if (v->dump) {
		dump_free(v->dump);
		free(v->dump);
		v->dump = NULL;
	}
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

void topview_draw(struct topview *v, struct model *m)
{
	struct model *prev = v->model, *prev_site = v->site_model;
	struct topview_row *rows;
	size_t n = topview_rows(m, v->show_system, &rows), i;

	free(v->rows);
	v->rows = rows;
	v->nrows = n;
	v->model = m;
	sort_rows(v);
	remember_selection(v);
	/* The details follow the site's counts; its blocked stacks stay
	 * those read when it was opened. */
	if (v->details)
		for (i = 0; i < n; i++)
			if (!strcmp(rows[i].key, v->sel_key)) {
				v->site = rows[i].src;
				v->site_model = m;
				break;
			}
	release_model(v, prev);
	if (prev_site != prev)
		release_model(v, prev_site);
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
	if (v->model) {
		model_free(v->model);
		free(v->model);
	}
	free(v);
}
