// SPDX-License-Identifier: BSD-2-Clause
/*
 * report.html (include/output/htmlreport.h): crafted report models in, the
 * page read back and checked.  Hostile names must come out as text (every
 * tag of the page is one the writer emits, no event attribute), every leak
 * site must have its row and badge, the chart one line per charted site
 * (at most HTMLREPORT_CHART_LINES), and the file must never be written
 * through a planted symlink.  The browser side is
 * tests/integration/html_check.py.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "output/htmlreport.h"

static char tmpdir[] = "/tmp/test_htmlreport.XXXXXX";

static char *path_in_tmp(const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", tmpdir, name) > 0);
	return p;
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc(n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	*len = n;
	return buf;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0, l = strlen(needle);

	while ((hay = strstr(hay, needle))) {
		n++;
		hay += l;
	}
	return n;
}

static void assert_has(const char *html, const char *needle)
{
	if (!strstr(html, needle))
		fail_msg("page lacks \"%s\"", needle);
}

static void assert_lacks(const char *html, const char *needle)
{
	if (strstr(html, needle))
		fail_msg("page holds \"%s\"", needle);
}

/*
 * Every '<' opens a tag the writer itself emits, whose attributes are no
 * event handler and load nothing: then nothing from the model became
 * markup, and the page is self-contained.
 */
static void assert_only_own_tags(const char *html)
{
	static const char *const allowed[] = {
		"html", "head", "meta", "title", "script", "style", "body", "header", "div",
		"h1", "h2", "small", "dl", "dt", "dd", "span", "section", "p", "b", "a", "svg",
		"line", "text", "polyline", "circle", "ul", "li", "table", "colgroup", "col",
		"thead", "tbody", "tr", "th", "td", "details", "summary", "ol", "footer", "br",
		"wbr", "code",
	};
	const char *p = html, *attr;
	char name[16];
	size_t i, n;

	while ((p = strchr(p, '<'))) {
		p++;
		if (!strncmp(p, "!DOCTYPE html>", 14))
			continue;
		if (*p == '/')
			p++;
		for (n = 0; n < sizeof(name) - 1 && ((p[n] >= 'a' && p[n] <= 'z') ||
						     (n && p[n] >= '0' && p[n] <= '9')); n++)
			name[n] = p[n];
		name[n] = 0;
		for (i = 0; i < sizeof(allowed) / sizeof(*allowed); i++)
			if (!strcmp(name, allowed[i]))
				break;
		if (i == sizeof(allowed) / sizeof(*allowed))
			fail_msg("unexpected tag <%.40s", p);
		p += n;
		for (;;) {
			while (*p == ' ' || *p == '\n')
				p++;
			if (*p == '>' || (p[0] == '/' && p[1] == '>'))
				break;
			attr = p;
			while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			       (p > attr && *p >= '0' && *p <= '9') || *p == '-' || *p == ':')
				p++;
			if (p == attr)
				fail_msg("bad attribute in <%s: %.40s", name, attr);
			if (!strncmp(attr, "on", 2) || !strncmp(attr, "src=", 4))
				fail_msg("attribute %.20s in <%s", attr, name);
			if (!strncmp(attr, "href=", 5) && attr[6] != '#')
				fail_msg("link out of the page: %.40s", attr);
			if (*p != '=')
				continue;
			p++;
			if (*p == '"') {
				p = strchr(p + 1, '"');
				assert_non_null(p);
				p++;
			} else {
				while (*p && *p != ' ' && *p != '>')
					p++;
			}
		}
	}
}

/* Common to every page: it says when it rendered, and it is whole. */
static void assert_page(const char *html, size_t len)
{
	assert_int_equal(strlen(html), len);	/* no NUL made it through */
	assert_true(!strncmp(html, "<!DOCTYPE html>", 15));
	assert_has(html, "window.onerror=");
	assert_has(html, "d.dataset.rendered=");
	assert_true(len > 20 && !strcmp(html + len - 8, "</html>\n"));
	assert_has(html, "Content-Security-Policy");
	/* Self-contained: no external resource (tags: just below). */
	assert_lacks(html, "@import");
	assert_lacks(html, "url(");
	assert_only_own_tags(html);
}

static char *render(const struct model *m, size_t *len)
{
	char err[256] = "";
	char *path = path_in_tmp("report.html"), *html;
	int ret = htmlreport_write(m, path, err, sizeof(err));

	if (ret)
		fail_msg("htmlreport_write: %d %s", ret, err);
	html = read_all(path, len);
	unlink(path);
	free(path);
	assert_page(html, *len);
	return html;
}

#define S(x) ((uint64_t)(x) * 1000000000ull)
#define ATTACH S(100)

/* A trend clock of n samples at the given seconds after the attach. */
static struct trend clock_of(const double *at, size_t n)
{
	struct trend t = { .n = n, .step_ns = S(1) };
	size_t i;

	for (i = 0; i < n; i++)
		t.t_ns[i] = ATTACH + (uint64_t)(at[i] * 1e9);
	return t;
}

static struct model model_of(struct model_row *rows, size_t n, const struct trend *t)
{
	struct model m = {
		.pid = 42, .exe = "/srv/app", .go_version = "go1.22.1", .duration_s = 12.5,
		.started_at = "2026-11-23T10:00:00Z", .attach_ns = ATTACH, .stack_depth = 32,
		.trend = t, .rows = rows, .nrows = n,
	};
	size_t i;

	for (i = 0; i < n; i++) {
		m.verdicts[rows[i].verdict]++;
		if (rows[i].system)
			m.runtime_sites++;
		else
			m.user_verdicts[rows[i].verdict]++;
	}
	return m;
}

static void test_hostile_strings(void **state)
{
	static const double at[] = { 0, 1 };
	static uint32_t live[] = { 1, 5 };
	static struct stack_frame frames[] = { { .function = "<b>x</b>", .file = "a&b.go", .line = 1 } };
	static struct go_frame blocked_frames[] = {
		{ .function = "<svg onload=alert(4)>", .file = "y.go", .line = 2 },
	};
	struct model_stack st = { .known = true, .frames = frames, .nframes = 1, .live = 5 };
	struct trend t = clock_of(at, 2);
	struct model_row r = {
		.function = "main.<script>alert(1)</script>",
		.file = "/src/\"><img src=x onerror=alert(2)>.go", .line = 7,
		.start_function = "pkg.Map[go.shape.int,go.shape.string]", .live = 5,
		.verdict = VERDICT_LEAK, .reason = "</td><script>alert(3)</script>",
		.main_wait = "chan send' onmouseover='x", .series = &(struct trend_series){ .live = live },
		.stacks = &st, .nstacks = 1,
	};
	struct model_blocked b = {
		.count = 5, .state = "<i>state</i>", .wait_minutes = -1, .have_site = true,
		.site_pc = 1, .site_function = "<u>f</u>", .site_file = "x.go", .site_line = 1,
		.frames = blocked_frames, .nframes = 1,
	};
	struct model m = model_of(&r, 1, &t);
	size_t len;
	char *html;

	m.exe = "/bin/<script>alert(1)</script>";
	m.go_version = "go1.22\"'&";
	snprintf(m.started_at, sizeof(m.started_at), "<b>now</b>");
	m.have_blocked = true;
	m.blocked = &b;
	m.nblocked = 1;
	html = render(&m, &len);
	/* The page's own two scripts and nothing else. */
	assert_int_equal(count(html, "<script"), 2);
	assert_lacks(html, "<img");
	assert_lacks(html, "<b>x");
	assert_lacks(html, "<b>now");
	assert_lacks(html, "<i>");
	assert_lacks(html, "<u>");
	assert_lacks(html, "<svg onload");
	assert_lacks(html, "' onmouseover");
	assert_has(html, "&lt;/td&gt;&lt;script&gt;alert(3)&lt;/script&gt;");
	assert_has(html, "/src/&quot;&gt;&lt;img src=x onerror=alert(2)&gt;.go:7");
	assert_has(html, "chan send&#39; onmouseover=&#39;x");
	assert_has(html, "go1.22&quot;&#39;&amp;");
	assert_has(html, "a&amp;b.go:1");
	/* Generics' brackets stay as they are. */
	assert_has(html, "Map[go.<wbr>shape.<wbr>int,go.<wbr>shape.<wbr>string]");
	free(html);
}

/* In the model's order (leaks, suspect, ok, the runtime's last): the page
 * keeps it, #site-N is the row's place. */
static void test_sites_badges_chart(void **state)
{
	static const double at[] = { 0, 6, 12 };
	static uint32_t leak_a[] = { 10, 20, 30 }, rising[] = { 1, 3, 5 }, steady[] = { 9, 9, 9 };
	static uint32_t once[] = { 0, 0, 2 }, drained[] = { 0, 0, 0 }, gc[] = { 1, 1, 1 };
	static struct stack_frame path[] = {
		{ .function = "main.leakA", .file = "/s/app/a.go", .line = 10 },
		{ .function = "main.main", .file = "/s/app/main.go", .line = 3 },
	};
	struct model_stack stacks[] = {
		{ .known = false, .live = 10, .live_at_start = 10 },
		{ .known = true, .frames = path, .nframes = 2, .live = 20, .created = 20 },
	};
	struct trend t = clock_of(at, 3);
#define SERIES(a) (&(struct trend_series){ .live = a })
	struct model_row rows[] = {
		{ .function = "main.leakA", .file = "/s/app/a.go", .line = 10, .live = 30,
		  .verdict = VERDICT_LEAK, .reason = "+20 in 12s", .created_per_s = 1.6,
		  .has_age = true, .oldest_age_s = 3600, .oldest_age_is_lower_bound = true,
		  .main_wait = "chan send", .series = SERIES(leak_a), .stacks = stacks,
		  .nstacks = 2 },
		{ .function = "main.leakB", .file = "/s/app/b.go", .line = 20, .live = 12,
		  .verdict = VERDICT_LEAK, .reason = "forever" },
		{ .function = "main.rising", .file = "/s/app/c.go", .line = 30, .live = 5,
		  .verdict = VERDICT_SUSPECT, .reason = "rising", .series = SERIES(rising) },
		{ .function = "main.okWorker", .file = "/s/app/d.go", .line = 40, .live = 9,
		  .verdict = VERDICT_OK, .reason = "steady", .series = SERIES(steady) },
		{ .function = "main.once", .file = "/s/app/f.go", .line = 60, .live = 2,
		  .verdict = VERDICT_OK, .reason = "steady", .series = SERIES(once) },
		{ .function = "main.drained", .file = "/s/app/e.go", .line = 50,
		  .verdict = VERDICT_OK, .reason = "none alive", .series = SERIES(drained) },
		{ .function = "runtime.gcenable", .file = "/go/runtime/mgc.go", .line = 214,
		  .live = 1, .system = true, .verdict = VERDICT_OK, .reason = "the runtime's own",
		  .series = SERIES(gc) },
	};
	struct model m = model_of(rows, 7, &t);
	size_t len;
	char *html, *a, *b, *c, *d, *rt, *sys;

	m.totals = (struct collector_totals){ .created = 100, .exited = 59, .live = 61,
					      .live_user = 60, .live_at_start = 20 };
	html = render(&m, &len);
	a = strstr(html, "<tr id=\"site-0\"");
	b = strstr(html, "<tr id=\"site-1\"");
	c = strstr(html, "<tr id=\"site-2\"");
	d = strstr(html, "<tr id=\"site-3\"");
	rt = strstr(html, "<details id=\"runtime\">");
	sys = strstr(html, "<tr id=\"site-6\"");

	/* Every site has a row; leaks first, then suspect, then ok, the
	 * runtime's last, in their own collapsed list. */
	assert_int_equal(count(html, "<tr id=\"site-"), 7);
	assert_int_equal(count(html, "class=\"v-leak\" data-verdict=\"leak\""), 2);
	assert_int_equal(count(html, "class=\"v-suspect\" data-verdict=\"suspect\""), 1);
	assert_int_equal(count(html, "class=\"v-ok\" data-verdict=\"ok\""), 4);
	assert_true(a && b && c && d && rt && sys);
	assert_true(a < b && b < c && c < d && d < rt && rt < sys);
	assert_has(a, "data-file=\"a.go\" data-line=\"10\"><td><span class=\"badge leak\">leak"
		      "</span>");
	assert_has(b, "data-file=\"b.go\" data-line=\"20\"><td><span class=\"badge leak\">");
	assert_has(c, "<span class=\"badge suspect\">suspect</span>");
	assert_has(sys, "<span class=\"badge ok sys\">ok</span>");
	assert_has(a, "app/a.go:10</span>");
	assert_has(a, ">1h00m+<");
	assert_has(a, ">chan send<");
	assert_has(html, "data-verdict=\"leak\" data-count=\"2\"");
	assert_has(html, "data-verdict=\"suspect\" data-count=\"1\"");
	assert_has(html, "20 \xe2\x86\x92 61 <span class=\"muted\">(user 60)");

	/* Lines: leakA, rising, okWorker, once; leakB has no samples (legend
	 * only), drained stayed at 0, the runtime's are never charted. */
	assert_int_equal(count(html, "<polyline"), 4);
	assert_int_equal(count(html, "<polyline class=\"series v-leak\" data-site=\"0\""), 1);
	assert_int_equal(count(html, "<polyline class=\"series v-suspect\" data-site=\"2\""), 1);
	assert_int_equal(count(html, "<polyline class=\"series v-ok\" data-site=\"3\""), 1);
	assert_int_equal(count(html, "<polyline class=\"series v-ok\" data-site=\"4\""), 1);
	assert_lacks(html, "data-site=\"5\"");
	assert_lacks(html, "data-site=\"6\"");
	assert_has(html, "leak \xc2\xb7 12 live \xc2\xb7 no samples");
	/* leakA: (0, 10), (6, 20), (12, 30); 12.5 s wide, 30 high. */
	assert_has(html, "points=\"58.0,202.0 576.4,108.0 1094.8,14.0\"");
	assert_has(html, ">30</text>");
	assert_has(html, ">12s</text>");

	/* Creation stacks of the leak and suspect sites, the unknown one too. */
	assert_int_equal(count(html, "<details open class=\"cstack\">"), 3);
	assert_has(html, "unknown call path");
	assert_has(html, "main.<wbr>main</span>");
	/* No blocked stacks were read: said so. */
	assert_has(html, "capture PID -o DIR");
	free(html);
}

/* Strings a binary may not have (NULL), a clock sample that goes back,
 * one sample only; and what cannot be written at all. */
static void test_missing_strings_and_samples(void **state)
{
	static const double back[] = { 0, 1, 0.5 }, one[] = { 3 };
	static uint32_t live[] = { 1, 2, 3 };
	struct trend t = clock_of(back, 3), t1 = clock_of(one, 1);
	struct model_row r = { .verdict = VERDICT_LEAK, .live = 2,
			       .series = &(struct trend_series){ .live = live } };
	struct model m = model_of(&r, 1, &t), none = model_of(NULL, 0, NULL);
	char err[256], *html, *path = path_in_tmp("report.html");
	size_t len;

	none.exe = none.go_version = NULL;
	none.started_at[0] = '\0';
	html = render(&none, &len);
	assert_has(html, "id=\"no-sites\"");
	assert_has(html, "unknown program");
	assert_lacks(html, "<polyline");
	free(html);

	/* Two points kept: (0, 1) and (1, 2); the one going back is dropped. */
	m.duration_s = 0;
	html = render(&m, &len);
	assert_int_equal(count(html, "<polyline"), 1);
	assert_has(html, "points=\"58.0,155.0 1138.0,14.0\"");
	assert_int_equal(count(html, "<tr id=\"site-"), 1);
	assert_has(html, "<span class=\"fn\">?</span>");
	assert_has(html, "no reason given");
	free(html);

	/* A single sample is a dot. */
	m.trend = &t1;
	html = render(&m, &len);
	assert_int_equal(count(html, "<circle class=\"series\" data-site=\"0\""), 1);
	assert_lacks(html, "<polyline");
	free(html);

	assert_int_equal(htmlreport_write(NULL, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no report"));
	assert_int_equal(htmlreport_write(&m, NULL, err, sizeof(err)), -EINVAL);
	assert_int_equal(access(path, F_OK), -1);
	free(path);
}

static void test_empty_and_exited(void **state)
{
	struct model m = model_of(NULL, 0, NULL);
	size_t len;
	char *html;

	m.pid = 9;
	m.exe = "/x/y";
	m.duration_s = 3;
	m.target_exited = true;
	html = render(&m, &len);
	assert_has(html, "id=\"no-sites\"");
	assert_has(html, "id=\"exited\"");
	assert_has(html, "The target exited: there were no goroutines to read");
	assert_has(html, "No leak and nothing suspect");
	assert_has(html, "No site had live goroutines to chart");
	assert_has(html, "class=\"card none\" data-verdict=\"leak\" data-count=\"0\"");
	assert_lacks(html, "<polyline");
	assert_lacks(html, "chart-svg\" class");
	assert_has(html, "<dd>uprobes</dd>");
	free(html);

	/* Counted without probes: the page says so, and what that means. */
	m.probe_free = true;
	m.snapshots = 4;
	m.snapshot_interval_s = 5;
	html = render(&m, &len);
	assert_has(html, "snapshots, no probe <span class=\"muted\">(4, 5.0 s apart: created, "
		   "exited and ages are lower bounds)");
	free(html);
}

static void test_blocked_stacks(void **state)
{
	static struct go_frame cond[] = {
		{ .function = "sync.(*Cond).Wait", .file = "/go/sync/cond.go", .line = 71,
		  .inlined = true },
		{ .function = "main.refresh", .file = "/a/h.go", .line = 24 },
	};
	static struct go_frame main_frames[] = {
		{ .function = "main.main", .file = "/a/main.go", .line = 9 },
	};
	struct model_row r = { .pc = 0x71a00f, .function = "main.h", .file = "/a/h.go",
			       .line = 33, .live = 63, .verdict = VERDICT_LEAK };
	struct model_blocked b[] = {
		{ .count = 63, .state = "sync.Cond.Wait", .wait_minutes = 90, .have_site = true,
		  .site_pc = 0x71a00f, .site_function = "main.h", .site_file = "/a/h.go",
		  .site_line = 33, .frames = cond, .nframes = 2 },
		{ .count = 1, .state = "chan receive", .wait_minutes = -1, .frames = main_frames,
		  .nframes = 1 },
	};
	struct model m = model_of(&r, 1, NULL);
	size_t len;
	char *html;
	const char *g;

	m.have_blocked = true;
	m.blocked = b;
	m.nblocked = 2;
	html = render(&m, &len);
	g = strstr(html, "<section id=\"blocked\">");
	assert_non_null(g);
	assert_int_equal(count(g, "<div class=\"group\">"), 2);
	assert_has(g, "<span class=\"count\">63</span>goroutines \xc2\xb7 <b>sync.Cond.Wait</b> "
		      "\xc2\xb7 waiting 90 min or more \xc2\xb7 created at <span class=\"badge leak\">"
		      "leak</span> <a href=\"#site-0\">");
	assert_has(g, "(inlined)");
	assert_has(g, "go/sync/cond.go:71");
	assert_has(g, "the runtime (main goroutine)");
	free(html);
}

/* 1000 sites: the table has them all, the chart at most its cap, leaks
 * first. */
static void test_thousand_sites(void **state)
{
	static const int leaks[] = { 3, 15 };
	static const double at[] = { 0, 30 };
	static char names[1000][2][32];
	static uint32_t live[1000][2];
	static struct trend_series series[1000];
	struct trend t = clock_of(at, 2);
	struct model_row *rows = calloc(1000, sizeof(*rows));
	size_t len, k;
	int i;

	assert_non_null(rows);
	for (k = 0; k < 2; k++) {
		struct model m;
		char *html, want[64];

		/* The model's order: the leaks, then the ok ones, most live first. */
		for (i = 0; i < 1000; i++) {
			int n = i < leaks[k] ? leaks[k] - 1 - i : 999 - (i - leaks[k]);

			snprintf(names[i][0], sizeof(names[i][0]), "main.site%d", n);
			snprintf(names[i][1], sizeof(names[i][1]), "/src/f%d.go", n);
			live[i][0] = 1;
			live[i][1] = n + 1;
			series[i].live = live[i];
			rows[i] = (struct model_row){
				.function = names[i][0], .file = names[i][1], .line = n + 1,
				.live = n, .verdict = i < leaks[k] ? VERDICT_LEAK : VERDICT_OK,
				.series = &series[i],
			};
		}
		m = model_of(rows, 1000, &t);
		html = render(&m, &len);
		assert_int_equal(count(html, "<tr id=\"site-"), 1000);
		assert_int_equal(count(html, "class=\"v-leak\" data-verdict=\"leak\""), leaks[k]);
		assert_int_equal(count(html, "<polyline"), HTMLREPORT_CHART_LINES);
		assert_int_equal(count(html, "<polyline class=\"series v-leak\""),
				 leaks[k] < HTMLREPORT_CHART_LINES ? leaks[k] : HTMLREPORT_CHART_LINES);
		/* After the leaks, the ok sites with the most live. */
		if (leaks[k] < HTMLREPORT_CHART_LINES) {
			snprintf(want, sizeof(want), "<polyline class=\"series v-ok\" data-site=\"%d\"",
				 leaks[k]);
			assert_has(html, want);
			assert_has(html, "main.site999</span>: 999 live</title>");
		}
		snprintf(want, sizeof(want), "%d of 1000 sites drawn", HTMLREPORT_CHART_LINES);
		assert_has(html, want);
		free(html);
	}
	free(rows);
}

static void test_bytes(void **state)
{
	/* Invalid UTF-8, a right-to-left override, a control. */
	struct model_row r = { .function = "main.f\xff\xfex\xe2\x80\xae" "cod.exe\x01\xc3\xa9",
			       .verdict = VERDICT_LEAK };
	struct model m = model_of(&r, 1, NULL);
	size_t len;
	char *html = render(&m, &len);

	assert_has(html, "main.<wbr>f\xef\xbf\xbd\xef\xbf\xbdx\xef\xbf\xbd" "cod."
		   "<wbr>exe\xef\xbf\xbd\xc3\xa9");
	assert_lacks(html, "\xe2\x80\xae");
	free(html);
}

static void test_symlink_refused(void **state)
{
	char *victim = path_in_tmp("victim"), *link = path_in_tmp("report.html");
	struct model_row r = { .function = "main.leakA", .file = "/s/app/a.go", .line = 10,
			       .live = 30, .verdict = VERDICT_LEAK };
	struct model m = model_of(&r, 1, NULL);
	char err[256] = "", *back;
	struct stat st;
	size_t len, n = 0;
	struct dirent *e;
	DIR *dir;
	FILE *f = fopen(victim, "w");
	mode_t old;

	assert_non_null(f);
	fputs("keep", f);
	fclose(f);
	assert_int_equal(symlink(victim, link), 0);
	assert_int_equal(htmlreport_write(&m, link, err, sizeof(err)), -ELOOP);
	assert_non_null(strstr(err, "symbolic link"));
	back = read_all(victim, &len);
	assert_string_equal(back, "keep");
	free(back);
	/* Nothing left behind next to it. */
	dir = opendir(tmpdir);
	assert_non_null(dir);
	while ((e = readdir(dir)))
		n += e->d_name[0] != '.';
	closedir(dir);
	assert_int_equal(n, 2);

	/* A regular file is replaced, 0644 whatever the umask. */
	assert_int_equal(unlink(link), 0);
	old = umask(077);
	assert_int_equal(htmlreport_write(&m, link, err, sizeof(err)), 0);
	umask(old);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(htmlreport_write(&m, link, err, sizeof(err)), 0);
	unlink(link);
	unlink(victim);
	free(link);
	free(victim);
}

static int setup(void **state)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_strings),
		cmocka_unit_test(test_sites_badges_chart),
		cmocka_unit_test(test_missing_strings_and_samples),
		cmocka_unit_test(test_empty_and_exited),
		cmocka_unit_test(test_blocked_stacks),
		cmocka_unit_test(test_thousand_sites),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_symlink_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
