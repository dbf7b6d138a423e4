// SPDX-License-Identifier: BSD-2-Clause
/*
 * report.html (include/output/htmlreport.h): crafted capture documents in, the
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
 * event handler and load nothing: then nothing from the document became
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

static char *render_doc(struct json_object *doc, size_t *len)
{
	char err[256] = "";
	char *path = path_in_tmp("report.html"), *html;
	int ret = htmlreport_write(doc, path, err, sizeof(err));

	if (ret)
		fail_msg("htmlreport_write: %d %s", ret, err);
	html = read_all(path, len);
	unlink(path);
	free(path);
	assert_page(html, *len);
	return html;
}

static char *render(const char *json, size_t *len)
{
	struct json_object *doc = json_tokener_parse(json);
	char *html;

	if (!doc)
		fail_msg("test document does not parse: %s", json);
	html = render_doc(doc, len);
	json_object_put(doc);
	return html;
}

static void test_hostile_strings(void **state)
{
	static const char doc[] =
		"{\"pid\":1,\"exe\":\"/bin/<script>alert(1)</script>\",\"go_version\":\"go1.22\\\"'&\","
		"\"started_at\":\"<b>now</b>\",\"duration_s\":10,"
		"\"sites\":[{\"function\":\"main.<script>alert(1)</script>\","
		"\"file\":\"/src/\\\"><img src=x onerror=alert(2)>.go\",\"line\":7,"
		"\"start_function\":\"pkg.Map[go.shape.int,go.shape.string]\",\"live\":5,"
		"\"verdict\":\"leak\",\"reason\":\"</td><script>alert(3)</script>\","
		"\"main_wait_reason\":\"chan send' onmouseover='x\","
		"\"series\":{\"t_s\":[0,1],\"live\":[1,5]},"
		"\"creation_stacks\":[{\"frames\":[{\"function\":\"<b>x</b>\",\"file\":\"a&b.go\","
		"\"line\":1}],\"live\":5}]}],"
		"\"blocked_stacks\":[{\"count\":5,\"state\":\"<i>state</i>\",\"site\":{\"pc\":\"0x1\","
		"\"function\":\"<u>f</u>\",\"file\":\"x.go\",\"line\":1},"
		"\"frames\":[{\"function\":\"<svg onload=alert(4)>\",\"file\":\"y.go\",\"line\":2}]}],"
		"\"probes\":{\"<x>\":1}}";
	size_t len;
	char *html = render(doc, &len);

	/* The page's own two scripts and nothing else. */
	assert_int_equal(count(html, "<script"), 2);
	assert_lacks(html, "<img");
	assert_lacks(html, "<b>x");
	assert_lacks(html, "<b>now");
	assert_lacks(html, "<i>");
	assert_lacks(html, "<u>");
	assert_lacks(html, "<svg onload");
	assert_lacks(html, "<x>");
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

/* Out of order on purpose: the page sorts by verdict, then live. */
static const char mixed[] =
	"{\"pid\":42,\"exe\":\"/srv/app\",\"go_version\":\"go1.22.1\",\"duration_s\":12.5,"
	"\"started_at\":\"2026-11-23T10:00:00Z\",\"goroutines_at_start\":20,"
	"\"goroutines_at_end\":61,\"verdicts\":{\"leak\":2,\"suspect\":1,\"ok\":4},"
	"\"totals\":{\"created\":100,\"exited\":59,\"live\":61,\"live_user\":60,"
	"\"live_at_start\":20,\"lost_events\":0},\"series_step_s\":1,"
	"\"sites\":["
	"{\"function\":\"main.okWorker\",\"file\":\"/s/app/d.go\",\"line\":40,\"live\":9,"
	"\"verdict\":\"ok\",\"reason\":\"steady\",\"series\":{\"t_s\":[0,6,12],\"live\":[9,9,9]}},"
	"{\"function\":\"main.leakA\",\"file\":\"/s/app/a.go\",\"line\":10,\"live\":30,"
	"\"verdict\":\"leak\",\"reason\":\"+20 in 12s\",\"created_per_s\":1.6,\"exited_per_s\":0,"
	"\"oldest_age_s\":3600,\"oldest_age_is_lower_bound\":true,"
	"\"main_wait_reason\":\"chan send\",\"series\":{\"t_s\":[0,6,12],\"live\":[10,20,30]},"
	"\"creation_stacks\":[{\"frames\":null,\"live\":10,\"live_at_start\":10},"
	"{\"frames\":[{\"function\":\"main.leakA\",\"file\":\"/s/app/a.go\",\"line\":10},"
	"{\"function\":\"main.main\",\"file\":\"/s/app/main.go\",\"line\":3}],\"live\":20,"
	"\"created\":20,\"exited\":0}]},"
	"{\"function\":\"main.leakB\",\"file\":\"/s/app/b.go\",\"line\":20,\"live\":12,"
	"\"verdict\":\"leak\",\"reason\":\"forever\",\"series\":{\"t_s\":[],\"live\":[]}},"
	"{\"function\":\"main.rising\",\"file\":\"/s/app/c.go\",\"line\":30,\"live\":5,"
	"\"verdict\":\"suspect\",\"reason\":\"rising\",\"series\":{\"t_s\":[0,12],\"live\":[1,5]}},"
	"{\"function\":\"main.drained\",\"file\":\"/s/app/e.go\",\"line\":50,\"live\":0,"
	"\"verdict\":\"ok\",\"reason\":\"none alive\",\"series\":{\"t_s\":[0,12],\"live\":[0,0]}},"
	"{\"function\":\"runtime.gcenable\",\"file\":\"/go/runtime/mgc.go\",\"line\":214,"
	"\"live\":1,\"system\":true,\"verdict\":\"ok\",\"reason\":\"the runtime's own\","
	"\"series\":{\"t_s\":[0,12],\"live\":[1,1]}},"
	"{\"function\":\"main.once\",\"file\":\"/s/app/f.go\",\"line\":60,\"live\":2,"
	"\"verdict\":\"ok\",\"reason\":\"steady\",\"series\":{\"t_s\":[12],\"live\":[2]}}"
	"]}";

static void test_sites_badges_chart(void **state)
{
	size_t len;
	char *html = render(mixed, &len);
	const char *a = strstr(html, "<tr id=\"site-1\""), *b = strstr(html, "<tr id=\"site-2\"");
	const char *c = strstr(html, "<tr id=\"site-3\""), *d = strstr(html, "<tr id=\"site-0\"");
	const char *rt = strstr(html, "<details id=\"runtime\">");
	const char *sys = strstr(html, "<tr id=\"site-5\"");

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

	/* Lines: leakA, rising, okWorker; leakB has no samples (legend
	 * only), once one point (a dot), drained stayed at 0, the runtime's
	 * are never charted. */
	assert_int_equal(count(html, "<polyline"), 3);
	assert_int_equal(count(html, "<polyline class=\"series v-leak\" data-site=\"1\""), 1);
	assert_int_equal(count(html, "<polyline class=\"series v-suspect\" data-site=\"3\""), 1);
	assert_int_equal(count(html, "<polyline class=\"series v-ok\" data-site=\"0\""), 1);
	assert_int_equal(count(html, "<circle class=\"series\" data-site=\"6\""), 1);
	assert_lacks(html, "data-site=\"4\"");
	assert_lacks(html, "data-site=\"5\"");
	assert_has(html, "leak \xc2\xb7 12 live \xc2\xb7 no samples");
	/* leakA: (0, 10), (6, 20), (12, 30); 12.5 s wide, 30 high. */
	assert_has(html, "points=\"58.0,202.0 576.4,108.0 1094.8,14.0\"");
	assert_has(html, ">30</text>");
	assert_has(html, ">12s</text>");

	/* Creation stacks of the leak and suspect sites, the unknown one too. */
	assert_int_equal(count(html, "<details open class=\"cstack\">"), 3);
	assert_has(html, "unknown call path");
	assert_has(html, "main.<wbr>main</span>");
	/* No blocked stacks in this document: said so. */
	assert_has(html, "capture PID -o DIR");
	free(html);
}

static void test_missing_and_wrong_fields(void **state)
{
	static const char *const docs[] = {
		"{}",
		"{\"sites\":null,\"totals\":[],\"pid\":\"x\",\"exe\":7,\"verdicts\":\"all\","
		"\"blocked_stacks\":{},\"probes\":[]}",
		"{\"duration_s\":1e308,\"sites\":[1,\"x\",null,[],"
		"{\"verdict\":7,\"live\":\"many\",\"series\":{\"t_s\":\"no\",\"live\":[1]}},"
		"{\"verdict\":\"leak\",\"function\":null,\"file\":[],\"line\":\"7\","
		"\"series\":{\"t_s\":[0,1,\"x\",3,-1,4],\"live\":[1,2,3,\"y\",5,-2]},"
		"\"creation_stacks\":[null,{\"frames\":[null,3,{}]}],\"oldest_age_s\":-5}],"
		"\"blocked_stacks\":[null,{},{\"count\":\"x\",\"site\":7,\"frames\":{}}]}",
	};
	size_t len, i;
	char err[256];
	char *html, *path = path_in_tmp("report.html");

	for (i = 0; i < sizeof(docs) / sizeof(*docs); i++) {
		html = render(docs[i], &len);
		assert_has(html, "</footer>");
		if (i < 2) {
			assert_has(html, "id=\"no-sites\"");
			assert_has(html, "unknown program");
			assert_lacks(html, "<polyline");
		} else {
			/* Two valid points: (0, 1) and (1, 2); time going back,
			 * negative counts and strings are dropped. */
			assert_int_equal(count(html, "<polyline"), 1);
			assert_has(html, "points=\"58.0,155.0 1138.0,14.0\"");
			assert_int_equal(count(html, "<tr id=\"site-"), 2);
			assert_has(html, "<span class=\"badge unknown\">");
			assert_has(html, "no reason in the document");
		}
		free(html);
	}

	assert_int_equal(htmlreport_write(NULL, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no capture document"));
	{
		struct json_object *arr = json_object_new_array(), *obj = json_object_new_object();

		assert_int_equal(htmlreport_write(arr, path, err, sizeof(err)), -EINVAL);
		assert_int_equal(htmlreport_write(obj, NULL, err, sizeof(err)), -EINVAL);
		json_object_put(arr);
		json_object_put(obj);
	}
	assert_int_equal(access(path, F_OK), -1);
	free(path);
}

static void test_empty_and_exited(void **state)
{
	size_t len;
	char *html = render("{\"pid\":9,\"exe\":\"/x/y\",\"duration_s\":3,\"target_exited\":true,"
			    "\"sites\":[],\"verdicts\":{\"leak\":0,\"suspect\":0,\"ok\":0}}",
			    &len);

	assert_has(html, "id=\"no-sites\"");
	assert_has(html, "id=\"exited\"");
	assert_has(html, "The target exited: there were no goroutines to read");
	assert_has(html, "No leak and nothing suspect");
	assert_has(html, "No site had live goroutines to chart");
	assert_has(html, "class=\"card none\" data-verdict=\"leak\" data-count=\"0\"");
	assert_lacks(html, "<polyline");
	assert_lacks(html, "chart-svg\" class");
	free(html);
}

static void test_blocked_stacks(void **state)
{
	static const char doc[] =
		"{\"sites\":[{\"pc\":\"0x71a00f\",\"function\":\"main.h\",\"file\":\"/a/h.go\","
		"\"line\":33,\"live\":63,\"verdict\":\"leak\"}],"
		"\"blocked_stacks\":[{\"count\":63,\"state\":\"sync.Cond.Wait\",\"wait_minutes\":90,"
		"\"site\":{\"pc\":\"0x71a00f\",\"function\":\"main.h\",\"file\":\"/a/h.go\",\"line\":33},"
		"\"frames\":[{\"function\":\"sync.(*Cond).Wait\",\"file\":\"/go/sync/cond.go\",\"line\":71,"
		"\"inlined\":true},{\"function\":\"main.refresh\",\"file\":\"/a/h.go\",\"line\":24}]},"
		"{\"count\":1,\"state\":\"chan receive\",\"wait_minutes\":-1,\"site\":null,"
		"\"frames\":[{\"function\":\"main.main\",\"file\":\"/a/main.go\",\"line\":9}]}]}";
	size_t len;
	char *html = render(doc, &len);
	const char *g = strstr(html, "<section id=\"blocked\">");

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
	size_t len, k;
	int i;

	for (k = 0; k < 2; k++) {
		struct json_object *doc = json_object_new_object(), *sites = json_object_new_array();
		char name[64], *html, want[64];

		for (i = 0; i < 1000; i++) {
			struct json_object *s = json_object_new_object(), *ser = json_object_new_object();
			struct json_object *t = json_object_new_array(), *l = json_object_new_array();

			snprintf(name, sizeof(name), "main.site%d", i);
			json_object_object_add(s, "function", json_object_new_string(name));
			snprintf(name, sizeof(name), "/src/f%d.go", i);
			json_object_object_add(s, "file", json_object_new_string(name));
			json_object_object_add(s, "line", json_object_new_int(i + 1));
			json_object_object_add(s, "live", json_object_new_int(i));
			json_object_object_add(s, "verdict",
					       json_object_new_string(i < leaks[k] ? "leak" : "ok"));
			json_object_array_add(t, json_object_new_double(0));
			json_object_array_add(t, json_object_new_double(30));
			json_object_array_add(l, json_object_new_int(1));
			json_object_array_add(l, json_object_new_int(i + 1));
			json_object_object_add(ser, "t_s", t);
			json_object_object_add(ser, "live", l);
			json_object_object_add(s, "series", ser);
			json_object_array_add(sites, s);
		}
		json_object_object_add(doc, "sites", sites);
		html = render_doc(doc, &len);
		assert_int_equal(count(html, "<tr id=\"site-"), 1000);
		assert_int_equal(count(html, "class=\"v-leak\" data-verdict=\"leak\""), leaks[k]);
		assert_int_equal(count(html, "<polyline"), HTMLREPORT_CHART_LINES);
		assert_int_equal(count(html, "<polyline class=\"series v-leak\""),
				 leaks[k] < HTMLREPORT_CHART_LINES ? leaks[k] : HTMLREPORT_CHART_LINES);
		/* After the leaks, the ok sites with the most live. */
		if (leaks[k] < HTMLREPORT_CHART_LINES)
			assert_has(html, "<polyline class=\"series v-ok\" data-site=\"999\"");
		snprintf(want, sizeof(want), "%d of 1000 sites drawn", HTMLREPORT_CHART_LINES);
		assert_has(html, want);
		free(html);
		json_object_put(doc);
	}
}

static void test_bytes(void **state)
{
	/* Invalid UTF-8, a NUL, a right-to-left override, a control. */
	static const char fn[] = "main.f\xff\xfe\0x\xe2\x80\xae" "cod.exe\x01\xc3\xa9";
	struct json_object *doc = json_object_new_object(), *sites = json_object_new_array();
	struct json_object *s = json_object_new_object();
	size_t len;
	char *html;

	json_object_object_add(s, "function", json_object_new_string_len(fn, sizeof(fn) - 1));
	json_object_object_add(s, "verdict", json_object_new_string("leak"));
	json_object_array_add(sites, s);
	json_object_object_add(doc, "sites", sites);
	html = render_doc(doc, &len);
	assert_has(html, "main.<wbr>f\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdx\xef\xbf\xbd" "cod."
		   "<wbr>exe\xef\xbf\xbd\xc3\xa9");
	assert_lacks(html, "\xe2\x80\xae");
	free(html);
	json_object_put(doc);
}

static void test_symlink_refused(void **state)
{
	char *victim = path_in_tmp("victim"), *link = path_in_tmp("report.html");
	struct json_object *doc = json_tokener_parse(mixed);
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
	assert_int_equal(htmlreport_write(doc, link, err, sizeof(err)), -ELOOP);
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
	assert_int_equal(htmlreport_write(doc, link, err, sizeof(err)), 0);
	umask(old);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(htmlreport_write(doc, link, err, sizeof(err)), 0);
	unlink(link);
	unlink(victim);
	free(link);
	free(victim);
	json_object_put(doc);
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
		cmocka_unit_test(test_missing_and_wrong_fields),
		cmocka_unit_test(test_empty_and_exited),
		cmocka_unit_test(test_blocked_stacks),
		cmocka_unit_test(test_thousand_sites),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_symlink_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
