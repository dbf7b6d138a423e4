// SPDX-License-Identifier: BSD-2-Clause
/*
 * report.html (include/output/htmlreport.h).  The page is built in memory and
 * written in one go: a reader (or the browser of whoever opens the ticket)
 * never sees half a report.
 */
#define _GNU_SOURCE	/* open_memstream, memrchr */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "common/duration.h"
#include "output/htmlreport.h"
#include "output/outfile.h"

#define SERIES_MAX	4096	/* points read per line; the document keeps 241 */
#define FRAMES_MAX	64	/* frames shown per stack (--stack-depth's limit) */
#define CSTACKS_MAX	10	/* creation stacks shown per site */
#define CSTACK_SITES	40	/* sites whose creation stacks are shown */
#define BLOCKED_MAX	50	/* blocked-stack groups shown (the document has 20) */
#define TICKS_MAX	40	/* per axis, whatever the numbers say */

/* Verdict order: the page lists leaks first, like the text tables. */
enum verdict { V_LEAK, V_SUSPECT, V_OK, V_UNKNOWN };
static const char *const vname[] = { "leak", "suspect", "ok", "unknown" };

/* Line colors: none close to the leak badge's red (#c62828), so that red
 * on a screenshot means a verdict. */
static const char *const palette[HTMLREPORT_CHART_LINES] = {
	"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b",
	"#e377c2", "#17becf", "#bcbd22", "#393b79", "#7f7f7f",
};

struct site {
	struct json_object *o;
	size_t idx;		/* position in the document: anchor #site-N */
	enum verdict v;
	bool system;
	int64_t live;
};

struct series {
	double *t, *live;
	size_t n;
	double tmax, vmax;
};

struct page {
	FILE *f;
	struct json_object *doc;
	struct site *sites;	/* user sites by verdict then live, then the runtime's */
	size_t nsites, nuser;
	char nonce[33];
};

/* ---- the document, read defensively ---- */

static struct json_object *jget(struct json_object *o, const char *key, enum json_type type)
{
	struct json_object *v;

	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) || !v || !json_object_is_type(v, type))
		return NULL;
	return v;
}

/* A string field and its length (json-c's: it may hold NULs). */
static const char *jstr(struct json_object *o, const char *key, size_t *len)
{
	struct json_object *v = jget(o, key, json_type_string);

	*len = 0;
	if (!v)
		return NULL;
	*len = json_object_get_string_len(v);
	return json_object_get_string(v);
}

/* Numbers: integers or doubles, finite. */
static bool jnum_of(struct json_object *v, double *out)
{
	if (!v || !(json_object_is_type(v, json_type_int) ||
		    json_object_is_type(v, json_type_double)))
		return false;
	*out = json_object_get_double(v);
	return isfinite(*out);
}

static bool jnum(struct json_object *o, const char *key, double *out)
{
	struct json_object *v;

	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return false;
	return jnum_of(v, out);
}

static bool jint(struct json_object *o, const char *key, int64_t *out)
{
	double d;

	if (!jnum(o, key, &d) || d < -9e18 || d > 9e18)
		return false;
	*out = (int64_t)d;
	return true;
}

static bool jtrue(struct json_object *o, const char *key)
{
	struct json_object *v = jget(o, key, json_type_boolean);

	return v && json_object_get_boolean(v);
}

static size_t jlen(struct json_object *arr)
{
	return arr ? json_object_array_length(arr) : 0;
}

/* ---- escaping ---- */

/* Length of the valid UTF-8 sequence at p, 0 when it is not one. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end, uint32_t *cp)
{
	size_t n, i;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		*cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		*cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		*cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF. */
	if ((n == 3 && *cp < 0x800) || (n == 4 && (*cp < 0x10000 || *cp > 0x10ffff)) ||
	    (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * Text and attribute values alike: & < > " ' as entities, so that one
 * function serves both.  Control characters, invalid UTF-8 and the
 * bidirectional overrides (which can make a name read as another one in
 * a ticket) become U+FFFD.  wbr (text only): long Go names may wrap
 * after their dots and slashes rather than anywhere.
 */
static void esc_text(FILE *f, const char *s, size_t len, bool wbr)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	uint32_t cp;
	size_t n;

	while (p < end) {
		switch (*p) {
		case '&': fputs("&amp;", f); p++; continue;
		case '<': fputs("&lt;", f); p++; continue;
		case '>': fputs("&gt;", f); p++; continue;
		case '"': fputs("&quot;", f); p++; continue;
		case '\'': fputs("&#39;", f); p++; continue;
		case '\t': case '\n': fputc(' ', f); p++; continue;
		}
		if (wbr && (*p == '.' || *p == '/') && p > (const unsigned char *)s) {
			fputc(*p++, f);
			fputs("<wbr>", f);
			continue;
		}
		n = utf8_seq(p, end, &cp);
		if (!n || cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||
		    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) {
			fputs("\xef\xbf\xbd", f);
			p += n ? n : 1;
			continue;
		}
		fwrite(p, 1, n, f);
		p += n;
	}
}

static void esc_n(FILE *f, const char *s, size_t len)
{
	esc_text(f, s, len, false);
}

static void esc(FILE *f, const char *s)
{
	esc_n(f, s, strlen(s));
}

/* A string field, escaped, or the fallback (trusted) when absent. */
static void esc_field_wbr(FILE *f, struct json_object *o, const char *key,
			  const char *fallback, bool wbr)
{
	size_t len;
	const char *s = jstr(o, key, &len);

	if (s && len)
		esc_text(f, s, len, wbr);
	else
		fputs(fallback, f);
}

static void esc_field(FILE *f, struct json_object *o, const char *key, const char *fallback)
{
	esc_field_wbr(f, o, key, fallback, false);
}

/* Function names in text: they may wrap at their dots. */
static void esc_func(FILE *f, struct json_object *o, const char *key)
{
	esc_field_wbr(f, o, key, "?", true);
}

/* The last n components of a path (n >= 1). */
static size_t path_tail(const char *s, size_t len, int n, const char **tail)
{
	const char *p = s + len;

	while (p > s) {
		const char *slash = memrchr(s, '/', p - s);

		if (!slash)
			break;
		if (--n == 0) {
			*tail = slash + 1;
			return s + len - *tail;
		}
		p = slash;
	}
	*tail = s;
	return len;
}

/* ---- numbers as people read them ---- */

static void put_rate(FILE *f, double v)
{
	if (v <= 0)
		fputs("0", f);
	else if (v < 0.01)
		fputs("&lt;0.01", f);
	else if (v < 10)
		fprintf(f, "%.2f", v);
	else if (v < 100)
		fprintf(f, "%.1f", v);
	else
		fprintf(f, "%.0f", v);
}

static void put_age(FILE *f, double s, bool lower_bound)
{
	char buf[32];

	if (s < 0)
		s = 0;
	if (s > 1e9)	/* 30 years: format_age's ns would overflow */
		s = 1e9;
	format_age(buf, sizeof(buf), (uint64_t)(s * 1e9));
	fprintf(f, "%s%s", buf, lower_bound ? "+" : "");
}

static void put_duration(FILE *f, double s)
{
	if (s >= 0 && s < 120)
		fprintf(f, "%.1f s", s);
	else
		put_age(f, s, false);
}

/* ---- sites ---- */

static enum verdict site_verdict(struct json_object *o)
{
	size_t len;
	const char *s = jstr(o, "verdict", &len);
	int v;

	for (v = V_LEAK; s && v < V_UNKNOWN; v++)
		if (len == strlen(vname[v]) && !memcmp(s, vname[v], len))
			return v;
	return V_UNKNOWN;
}

static int site_cmp(const void *a, const void *b)
{
	const struct site *x = a, *y = b;

	if (x->system != y->system)
		return x->system - y->system;
	if (x->v != y->v)
		return (int)x->v - (int)y->v;
	if (x->live != y->live)
		return x->live > y->live ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int load_sites(struct page *pg)
{
	struct json_object *arr = jget(pg->doc, "sites", json_type_array);
	size_t n = jlen(arr), i;

	pg->sites = calloc(n ? n : 1, sizeof(*pg->sites));
	if (!pg->sites)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);
		struct site *s = &pg->sites[pg->nsites];

		if (!o || !json_object_is_type(o, json_type_object))
			continue;
		s->o = o;
		s->idx = i;
		s->v = site_verdict(o);
		s->system = jtrue(o, "system");
		if (!jint(o, "live", &s->live))
			s->live = 0;
		pg->nsites++;
		pg->nuser += !s->system;
	}
	/* The document sorts them already; a page must not depend on it. */
	qsort(pg->sites, pg->nsites, sizeof(*pg->sites), site_cmp);
	return 0;
}

static void put_badge(FILE *f, const struct site *s)
{
	fprintf(f, "<span class=\"badge %s%s\">%s</span>", vname[s->v],
		s->system ? " sys" : "", vname[s->v]);
}

/* "dir/file.go:41" with the whole path as a tooltip. */
static void put_loc(FILE *f, struct json_object *o)
{
	size_t len = 0, tlen;
	const char *file = jstr(o, "file", &len), *tail;
	int64_t line = 0;
	bool have_line = jint(o, "line", &line);

	if (!file || !len) {
		file = "?";
		len = 1;
	}
	tlen = path_tail(file, len, 2, &tail);
	fputs("<span class=\"loc\" title=\"", f);
	esc_n(f, file, len);
	if (have_line)
		fprintf(f, ":%lld", (long long)line);
	fputs("\">", f);
	esc_n(f, tail, tlen);
	if (have_line)
		fprintf(f, ":%lld", (long long)line);
	fputs("</span>", f);
}

/* file:line function, for legends and links; plain text (wbr false)
 * inside an SVG title. */
static void put_site_label(FILE *f, const struct site *s, bool wbr)
{
	put_loc(f, s->o);
	fputs(" <span class=\"fn\">", f);
	esc_field_wbr(f, s->o, "function", "?", wbr);
	fputs("</span>", f);
}

/* The site of a blocked-stack group, matched by its go statement's pc
 * (both link-time), else by file and line. */
static const struct site *find_site(const struct page *pg, struct json_object *where)
{
	size_t plen = 0, slen = 0, flen = 0, glen = 0, i;
	const char *pc = jstr(where, "pc", &plen), *file = jstr(where, "file", &flen);
	int64_t line, sline;
	bool have_line = jint(where, "line", &line);

	for (i = 0; i < pg->nsites; i++) {
		const char *spc = jstr(pg->sites[i].o, "pc", &slen);
		const char *sfile = jstr(pg->sites[i].o, "file", &glen);

		if (pc && spc && plen == slen && !memcmp(pc, spc, plen))
			return &pg->sites[i];
		if (!pc && file && sfile && have_line && flen == glen &&
		    !memcmp(file, sfile, flen) && jint(pg->sites[i].o, "line", &sline) &&
		    sline == line)
			return &pg->sites[i];
	}
	return NULL;
}

/* ---- the page ---- */

static const char style[] =
	":root{--leak:#c62828;--suspect:#e69500;--ok:#2e7d32;--sys:#78909c;"
	"--fg:#1c2430;--muted:#5f6b78;--rule:#dfe4ea;--bg:#f3f5f8}\n"
	"*{box-sizing:border-box}\n"
	"html{background:var(--bg)}\n"
	"body{margin:0;color:var(--fg);font:14px/1.45 system-ui,-apple-system,\"Segoe UI\","
	"\"DejaVu Sans\",Arial,sans-serif}\n"
	".wrap{max-width:1240px;margin:0 auto;padding:0 20px}\n"
	"header{background:#1c2733;color:#f4f7fa;padding:18px 0 16px}\n"
	"h1{margin:0;font-size:22px;font-weight:600;overflow-wrap:anywhere}\n"
	"h1 small{color:#9fb3c8;font-weight:400;font-size:15px;margin-left:8px}\n"
	"dl.facts{display:grid;grid-template-columns:repeat(5,minmax(0,1fr));gap:10px 24px;"
	"margin:14px 0 0}\n"
	"dl.facts dt{font-size:11px;text-transform:uppercase;letter-spacing:.05em;color:#9fb3c8}\n"
	"dl.facts dd{margin:0;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}\n"
	"dl.facts .wide{grid-column:span 2}\n"
	".warn{color:#ffcc80;font-weight:600}\n"
	".banner{background:#fff4e0;border:1px solid #f0c36d;border-radius:6px;padding:8px 14px;"
	"margin:16px 0 0}\n"
	"section{background:#fff;border:1px solid var(--rule);border-radius:8px;"
	"padding:16px 20px;margin:16px 0}\n"
	"h2{font-size:16px;margin:0 0 12px}\n"
	"h2 small{font-weight:400;color:var(--muted);font-size:13px;margin-left:6px}\n"
	".cards{display:grid;grid-template-columns:repeat(3,1fr);gap:14px}\n"
	".card{border-radius:8px;padding:10px 16px;color:#fff}\n"
	".card b{display:block;font-size:32px;line-height:1.1}\n"
	".card.leak{background:var(--leak)}.card.suspect{background:var(--suspect)}"
	".card.ok{background:var(--ok)}\n"
	".card.none{background:#eceff1;color:var(--muted)}\n"
	".headline{margin:12px 0 0;font-size:15px}\n"
	".badge{display:inline-block;min-width:62px;text-align:center;padding:1px 8px;"
	"border-radius:10px;color:#fff;font-size:11px;font-weight:700;letter-spacing:.04em;"
	"text-transform:uppercase}\n"
	".badge.leak{background:var(--leak)}.badge.suspect{background:var(--suspect)}"
	".badge.ok{background:var(--ok)}.badge.unknown,.badge.sys{background:var(--sys)}\n"
	"table{width:100%;border-collapse:collapse;table-layout:fixed}\n"
	"th{font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);"
	"text-align:left;border-bottom:2px solid var(--rule);padding:6px}\n"
	"td{padding:6px;border-bottom:1px solid var(--rule);vertical-align:top;"
	"overflow-wrap:break-word}\n"
	"th.num,td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
	"tr.v-leak{background:#fdf3f3}tr.v-suspect{background:#fff9ec}\n"
	"td small{display:block;color:var(--muted)}\n"
	".fn{font-weight:600}\n"
	".loc,.frames,code{font-family:\"DejaVu Sans Mono\",ui-monospace,Menlo,Consolas,"
	"monospace;font-size:12px}\n"
	".loc{color:var(--muted)}\n"
	"table.sites .fn{display:block}\n"
	"a{color:inherit;text-decoration:none}a:hover{text-decoration:underline}\n"
	"svg.chart{width:100%;height:auto;display:block}\n"
	"svg.chart text{font-size:12px;fill:#5f6b78}\n"
	"svg.chart .grid{stroke:#e8ecf0}svg.chart .axis{stroke:#8a96a3}\n"
	"svg.chart polyline{fill:none;stroke-linejoin:round;stroke-linecap:round}\n"
	"ul.legend{list-style:none;margin:8px 0 0;padding:0;display:grid;"
	"grid-template-columns:repeat(2,minmax(0,1fr));gap:2px 24px}\n"
	"ul.legend li{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}\n"
	"ul.legend svg{vertical-align:middle;margin-right:6px}\n"
	".muted{color:var(--muted)}\n"
	".group{border-top:1px solid var(--rule);padding:10px 0}\n"
	".group:first-of-type{border-top:0}\n"
	".count{font-size:18px;font-weight:700;margin-right:6px}\n"
	"ol.frames{margin:6px 0 0;padding:0 0 0 18px;color:var(--fg)}\n"
	"ol.frames li{padding:1px 0}\n"
	"ol.frames .loc{margin-left:10px}\n"
	"details{margin:6px 0}\n"
	"summary{cursor:pointer;padding:4px 0}\n"
	"table.stacks td{border-bottom:1px dashed var(--rule)}\n"
	"footer{color:var(--muted);font-size:12px;padding:4px 0 28px}\n";

/* Errors of any later script are recorded where a test can read them. */
static const char script_head[] =
	"(function(){var e=[];window.gostrayErrors=e;"
	"window.onerror=function(m,s,l){e.push(String(m)+' (line '+l+')');"
	"document.documentElement.dataset.errors=e.join(' | ');"
	"document.documentElement.dataset.rendered='errors';};})();";

/* Runs last: every section was parsed.  The chart's place goes with it
 * so that a screenshot can be checked where the lines are. */
static const char script_tail[] =
	"(function(){var d=document.documentElement,c=document.getElementById('chart-svg');"
	"if(c){var r=c.getBoundingClientRect();d.dataset.chartRect=[Math.round(r.left+scrollX),"
	"Math.round(r.top+scrollY),Math.round(r.width),Math.round(r.height)].join(',');}"
	"d.dataset.rendered=window.gostrayErrors.length?'errors':'ok';})();";

static void make_nonce(char *out)
{
	unsigned char r[16];
	size_t i;

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		/* Defence in depth only: every string is escaped anyway. */
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		for (i = 0; i < sizeof(r); i++)
			r[i] = (unsigned char)((ts.tv_nsec >> (i % 4 * 8)) ^ getpid() ^ i * 131);
	}
	for (i = 0; i < sizeof(r); i++)
		sprintf(out + 2 * i, "%02x", r[i]);
}

/* The program's file name, for the title and the heading. */
static void put_exe_name(FILE *f, struct json_object *doc, const char *unknown)
{
	size_t len, tlen;
	const char *exe = jstr(doc, "exe", &len), *tail;

	if (exe && len) {
		tlen = path_tail(exe, len, 1, &tail);
		esc_n(f, tail, tlen);
	} else {
		fputs(unknown, f);
	}
}

static void put_head(struct page *pg)
{
	FILE *f = pg->f;
	int64_t pid, nleak = 0;
	size_t i;

	for (i = 0; i < pg->nuser; i++)
		nleak += pg->sites[i].v == V_LEAK;
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n", f);
	/* The file travels with tickets: nothing may load from elsewhere. */
	fprintf(f, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		"style-src 'unsafe-inline'; script-src 'nonce-%s'; img-src data:\">\n", pg->nonce);
	fputs("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"generator\" content=\"gostray\">\n<title>gostray: ", f);
	put_exe_name(f, pg->doc, "capture");
	if (jint(pg->doc, "pid", &pid))
		fprintf(f, "[%lld]", (long long)pid);
	fprintf(f, " \xc2\xb7 %lld leak%s</title>\n", (long long)nleak, nleak == 1 ? "" : "s");
	fprintf(f, "<script nonce=\"%s\">%s</script>\n<style>\n%s</style>\n</head>\n<body>\n",
		pg->nonce, script_head, style);
}

static void put_fact(FILE *f, const char *name, const char *cls)
{
	fprintf(f, "<div%s%s%s><dt>%s</dt><dd>", cls ? " class=\"" : "", cls ? cls : "",
		cls ? "\"" : "", name);
}

static void put_header(struct page *pg)
{
	FILE *f = pg->f;
	struct json_object *totals = jget(pg->doc, "totals", json_type_object);
	int64_t pid, start, end, lost, created, exited, user;
	double dur;
	bool have_start, have_end;

	fputs("<header><div class=\"wrap\">\n<h1>", f);
	put_exe_name(f, pg->doc, "unknown program");
	if (jint(pg->doc, "pid", &pid))
		fprintf(f, "<small>PID %lld</small>", (long long)pid);
	fputs("<small>goroutine capture by gostray</small></h1>\n<dl class=\"facts\">\n", f);

	put_fact(f, "Executable", "wide");
	esc_field(f, pg->doc, "exe", "unknown");
	fputs("</dd></div>\n", f);
	put_fact(f, "Go version", NULL);
	esc_field(f, pg->doc, "go_version", "unknown");
	fputs("</dd></div>\n", f);
	put_fact(f, "Started (UTC)", NULL);
	esc_field(f, pg->doc, "started_at", "unknown");
	fputs("</dd></div>\n", f);

	put_fact(f, "Duration", NULL);
	if (jnum(pg->doc, "duration_s", &dur))
		put_duration(f, dur);
	else
		fputs("unknown", f);
	if (jtrue(pg->doc, "target_exited"))
		fputs(" <span class=\"warn\">(target exited)</span>", f);
	fputs("</dd></div>\n", f);

	/* The runtime's count at both ends, the baseline's when absent. */
	have_start = jint(pg->doc, "goroutines_at_start", &start) ||
		     jint(totals, "live_at_start", &start);
	have_end = jint(pg->doc, "goroutines_at_end", &end) || jint(totals, "live", &end);
	put_fact(f, "Goroutines start \xe2\x86\x92 end", NULL);
	if (have_start)
		fprintf(f, "%lld", (long long)start);
	else
		fputs("?", f);
	fputs(" \xe2\x86\x92 ", f);
	if (have_end)
		fprintf(f, "%lld", (long long)end);
	else
		fputs("?", f);
	if (jint(totals, "live_user", &user))
		fprintf(f, " <span class=\"muted\">(user %lld)</span>",
			(long long)user);
	fputs("</dd></div>\n", f);

	put_fact(f, "Created / exited", NULL);
	if (jint(totals, "created", &created) && jint(totals, "exited", &exited))
		fprintf(f, "+%lld / \xe2\x88\x92%lld", (long long)created, (long long)exited);
	else
		fputs("unknown", f);
	fputs("</dd></div>\n", f);

	put_fact(f, "Lost events", NULL);
	if (jint(totals, "lost_events", &lost))
		fprintf(f, lost ? "<span class=\"warn\">%lld (counts are low)</span>" : "%lld",
			(long long)lost);
	else
		fputs("unknown", f);
	fputs("</dd></div>\n", f);

	put_fact(f, "Sites", NULL);
	fprintf(f, "%zu <span class=\"muted\">(+%zu of the runtime)</span></dd></div>\n",
		pg->nuser, pg->nsites - pg->nuser);
	fputs("</dl>\n", f);
	if (jtrue(pg->doc, "target_exited"))
		fputs("<div class=\"banner\" style=\"color:#4a3500\" id=\"exited\"><b>The target exited "
		      "during the capture.</b> The counts stop at its exit; no stacks could be read "
		      "at the end.</div>\n", f);
	fputs("</div></header>\n<div class=\"wrap\">\n", f);
}


static void put_verdicts(struct page *pg)
{
	FILE *f = pg->f;
	struct json_object *counts = jget(pg->doc, "verdicts", json_type_object);
	int64_t n[V_UNKNOWN] = { 0 }, live[V_UNKNOWN] = { 0 }, c;
	const struct site *top = NULL;
	size_t i;
	int v;

	for (i = 0; i < pg->nsites; i++) {
		v = pg->sites[i].v;
		if (v == V_UNKNOWN)
			continue;
		n[v]++;
		live[v] += pg->sites[i].live;
		if (v == V_LEAK && !top)
			top = &pg->sites[i];
	}
	/* The document's counts win: they are the ones the text report shows. */
	for (v = V_LEAK; v < V_UNKNOWN; v++)
		if (jint(counts, vname[v], &c) && c >= 0)
			n[v] = c;

	fputs("<section id=\"verdicts\"><h2>Verdicts<small>one per go statement</small></h2>\n"
	      "<div class=\"cards\">\n", f);
	for (v = V_LEAK; v < V_UNKNOWN; v++)
		fprintf(f, "<div class=\"card %s\" data-verdict=\"%s\" data-count=\"%lld\"><b>%lld"
			"</b>%s \xc2\xb7 %lld goroutine%s alive</div>\n",
			n[v] ? vname[v] : "none", vname[v], (long long)n[v], (long long)n[v],
			vname[v], (long long)live[v], live[v] == 1 ? "" : "s");
	fputs("</div>\n<p class=\"headline\">", f);
	if (n[V_LEAK]) {
		fprintf(f, "<b>%lld go statement%s leak%s</b>, %lld goroutine%s alive at %s. "
			"Most: <a href=\"#site-%zu\">", (long long)n[V_LEAK],
			n[V_LEAK] == 1 ? "" : "s", n[V_LEAK] == 1 ? "s" : "",
			(long long)live[V_LEAK], live[V_LEAK] == 1 ? "" : "s",
			n[V_LEAK] == 1 ? "it" : "them", top ? top->idx : 0);
		if (top) {
			put_site_label(f, top, true);
			fprintf(f, "</a>, %lld alive: ", (long long)top->live);
			esc_field(f, top->o, "reason", "no reason given");
		} else {
			fputs("</a>", f);
		}
	} else if (n[V_SUSPECT]) {
		fprintf(f, "No leak; <b>%lld suspect go statement%s</b> to watch.",
			(long long)n[V_SUSPECT], n[V_SUSPECT] == 1 ? "" : "s");
	} else {
		fputs("No leak and nothing suspect during this capture.", f);
	}
	fputs("</p></section>\n", f);
}

/* ---- the chart ---- */

static void series_free(struct series *s)
{
	free(s->t);
	free(s->live);
	s->t = s->live = NULL;
}

/* Only the points that make sense: numbers, time never going back. */
static int series_read(struct json_object *site, struct series *s)
{
	struct json_object *ser = jget(site, "series", json_type_object);
	struct json_object *ts = jget(ser, "t_s", json_type_array);
	struct json_object *ls = jget(ser, "live", json_type_array);
	size_t n = jlen(ts) < jlen(ls) ? jlen(ts) : jlen(ls), stride, i;
	double t, v, last = 0;

	memset(s, 0, sizeof(*s));
	if (!n)
		return 0;
	stride = (n + SERIES_MAX - 1) / SERIES_MAX;
	s->t = calloc(SERIES_MAX + 1, sizeof(*s->t));
	s->live = calloc(SERIES_MAX + 1, sizeof(*s->live));
	if (!s->t || !s->live) {
		series_free(s);
		return -ENOMEM;
	}
	for (i = 0; i < n; i = (i + stride < n || i == n - 1) ? i + stride : n - 1) {
		if (jnum_of(json_object_array_get_idx(ts, i), &t) &&
		    jnum_of(json_object_array_get_idx(ls, i), &v) && t >= last && v >= 0 &&
		    s->n <= SERIES_MAX) {
			s->t[s->n] = t;
			s->live[s->n] = v;
			s->n++;
			last = t;
			if (t > s->tmax)
				s->tmax = t;
			if (v > s->vmax)
				s->vmax = v;
		}
		if (i == n - 1)
			break;
	}
	return 0;
}

/* 1, 2 or 5 times a power of ten, about range/target. */
static double nice_step(double range, int target)
{
	double raw = range / target, mag, r;

	if (!(raw > 0))
		return 1;
	mag = pow(10, floor(log10(raw)));
	r = raw / mag;
	return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
}

struct chart_line {
	const struct site *s;
	struct series ser;
	const char *color;
	const char *dash;	/* leak solid, suspect dashed, the rest dotted */
	double width;
};

static void line_style(struct chart_line *l, size_t k)
{
	l->color = palette[k % HTMLREPORT_CHART_LINES];
	switch (l->s->v) {
	case V_LEAK:
		l->dash = NULL;
		l->width = 2.5;
		break;
	case V_SUSPECT:
		l->dash = "7 4";
		l->width = 2.2;
		break;
	default:
		l->dash = "2 4";
		l->width = 2;
		break;
	}
}

static void put_dash(FILE *f, const struct chart_line *l)
{
	if (l->dash)
		fprintf(f, " stroke-dasharray=\"%s\"", l->dash);
}

#define CW 1160.0	/* the chart's user units; it scales with the page */
#define CH 340.0
#define ML 58.0
#define MR 22.0
#define MT 14.0
#define MB 44.0

static void put_axes(FILE *f, double tmax, double ymax, double ystep)
{
	double pw = CW - ML - MR, ph = CH - MT - MB, xstep = nice_step(tmax, 10), v, x, y;
	int k;

	for (k = 0, v = 0; v <= ymax * 1.0001 && k < TICKS_MAX; k++, v = k * ystep) {
		y = MT + ph - v / ymax * ph;
		fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n",
			ML, y, ML + pw, y, ML - 8, y + 4, v);
	}
	for (k = 0, v = 0; v <= tmax * 1.0001 && k < TICKS_MAX; k++, v = k * xstep) {
		x = ML + v / tmax * pw;
		fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x, MT + ph, x,
			MT + ph + 5, x, MT + ph + 19);
		fprintf(f, xstep < 1 ? "%.1fs" : "%.0fs", v);
		fputs("</text>\n", f);
	}
	fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
		"<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
		ML, MT, ML, MT + ph, ML, MT + ph, ML + pw, MT + ph);
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">seconds since gostray "
		"attached</text>\n", ML + pw / 2, CH - 6);
	fprintf(f, "<text transform=\"translate(14 %.1f) rotate(-90)\" text-anchor=\"middle\">"
		"live goroutines</text>\n", MT + ph / 2);
}

static void put_line(FILE *f, const struct chart_line *l, double tmax, double ymax)
{
	double pw = CW - ML - MR, ph = CH - MT - MB, x = 0, y = 0;
	size_t i;

	if (!l->ser.n)
		return;
	if (l->ser.n == 1)
		fprintf(f, "<circle class=\"series\" data-site=\"%zu\" r=\"3.5\" fill=\"%s\"",
			l->s->idx, l->color);
	else
		fprintf(f, "<polyline class=\"series v-%s\" data-site=\"%zu\" stroke=\"%s\" "
			"stroke-width=\"%.1f\"", vname[l->s->v], l->s->idx, l->color, l->width);
	if (l->ser.n > 1) {
		put_dash(f, l);
		fputs(" points=\"", f);
	}
	for (i = 0; i < l->ser.n; i++) {
		x = ML + l->ser.t[i] / tmax * pw;
		y = MT + ph - l->ser.live[i] / ymax * ph;
		if (l->ser.n > 1)
			fprintf(f, "%s%.1f,%.1f", i ? " " : "", x, y);
	}
	if (l->ser.n == 1)
		fprintf(f, " cx=\"%.1f\" cy=\"%.1f\"", x, y);
	else
		fputs("\"", f);
	fputs("><title>", f);
	put_site_label(f, l->s, false);
	fprintf(f, ": %lld live</title></%s>\n", (long long)l->s->live,
		l->ser.n == 1 ? "circle" : "polyline");
	/* The end of each line, where the eye looks for its count. */
	if (l->ser.n > 1)
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", x, y,
			l->color);
}

static void put_legend(FILE *f, const struct chart_line *lines, size_t n)
{
	size_t i;

	fputs("<ul class=\"legend\">\n", f);
	for (i = 0; i < n; i++) {
		const struct chart_line *l = &lines[i];

		fprintf(f, "<li><svg width=\"28\" height=\"10\" aria-hidden=\"true\"><line x1=\"2\" "
			"y1=\"5\" x2=\"26\" y2=\"5\" stroke=\"%s\" stroke-width=\"3\"", l->color);
		put_dash(f, l);
		fprintf(f, "/></svg><a href=\"#site-%zu\">", l->s->idx);
		put_site_label(f, l->s, false);
		fprintf(f, "</a> <span class=\"muted\">%s \xc2\xb7 %lld live%s</span></li>\n",
			vname[l->s->v], (long long)l->s->live,
			l->ser.n ? "" : " \xc2\xb7 no samples");
	}
	fputs("</ul>\n", f);
}

static int put_chart(struct page *pg)
{
	FILE *f = pg->f;
	struct chart_line lines[HTMLREPORT_CHART_LINES];
	size_t n = 0, i, shown = 0;
	double tmax = 0, vmax = 0, ystep, dur, step;
	int ret = 0;

	fputs("<section id=\"chart\"><h2>Live goroutines over the capture", f);
	if (jnum(pg->doc, "series_step_s", &step) && step > 0)
		fprintf(f, "<small>one sample every %g s</small>", step);
	fputs("</h2>\n", f);
	/* Leaks and suspects first (the sort put them there), then the
	 * other sites that had goroutines, most live first. */
	for (i = 0; i < pg->nuser && n < HTMLREPORT_CHART_LINES; i++) {
		struct chart_line *l = &lines[n];

		l->s = &pg->sites[i];
		ret = series_read(l->s->o, &l->ser);
		if (ret)
			goto out_free;
		if (l->s->v != V_LEAK && l->s->v != V_SUSPECT && !(l->ser.vmax > 0)) {
			series_free(&l->ser);
			continue;
		}
		line_style(l, n);
		if (l->ser.tmax > tmax)
			tmax = l->ser.tmax;
		if (l->ser.vmax > vmax)
			vmax = l->ser.vmax;
		shown += l->ser.n > 0;
		n++;
	}
	if (!shown) {
		fputs("<p class=\"muted\">No site had live goroutines to chart (no series in the "
		      "document, or every count stayed at zero).</p>\n", f);
		if (n)
			put_legend(f, lines, n);
		fputs("</section>\n", f);
		goto out_free;
	}
	if (jnum(pg->doc, "duration_s", &dur) && dur > tmax && dur < tmax * 2 + 60)
		tmax = dur;
	if (!(tmax > 0))
		tmax = 1;
	ystep = nice_step(vmax, 5);
	if (ystep < 1)
		ystep = 1;
	vmax = ceil(vmax / ystep) * ystep;
	if (!(vmax > 0))
		vmax = ystep;

	fprintf(f, "<svg id=\"chart-svg\" class=\"chart\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
		"aria-label=\"live goroutines per site over the capture\" "
		"xmlns=\"http://www.w3.org/2000/svg\">\n", CW, CH);
	put_axes(f, tmax, vmax, ystep);
	/* Drawn last first, so that the first leak ends on top. */
	for (i = n; i-- > 0;)
		put_line(f, &lines[i], tmax, vmax);
	fputs("</svg>\n", f);
	put_legend(f, lines, n);
	if (n < pg->nuser)
		fprintf(f, "<p class=\"muted\">%zu of %zu sites drawn: the leak and suspect ones "
			"first, then the most live; the table lists all.</p>\n", n, pg->nuser);
	fputs("</section>\n", f);

out_free:
	for (i = 0; i < n; i++)
		series_free(&lines[i].ser);
	return ret;
}

/* ---- the sites table ---- */

/* The reason most of its parked goroutines show, from the document or
 * (older documents) from wait_reasons. */
static void put_wait(FILE *f, struct json_object *o)
{
	struct json_object *reasons = jget(o, "wait_reasons", json_type_object);
	const char *best = NULL;
	double n, max = 0;
	size_t len;

	if (jstr(o, "main_wait_reason", &len) && len) {
		esc_field_wbr(f, o, "main_wait_reason", "", true);
		return;
	}
	if (reasons) {
		json_object_object_foreach(reasons, key, val) {
			if (jnum_of(val, &n) && n > max) {
				max = n;
				best = key;
			}
		}
	}
	if (best)
		esc_text(f, best, strlen(best), true);
	else
		fputs("<span class=\"muted\">\xe2\x80\x93</span>", f);
}

/* A rate over the capture; older documents only have the count. */
static void put_rate_cell(FILE *f, const struct page *pg, const struct site *s,
			  const char *rate_key, const char *count_key)
{
	double rate, dur;
	int64_t n;

	fputs("<td class=\"num\">", f);
	if (jnum(s->o, rate_key, &rate))
		put_rate(f, rate);
	else if (jnum(pg->doc, "duration_s", &dur) && dur > 0 && jint(s->o, count_key, &n))
		put_rate(f, n / dur);
	else
		fputs("?", f);
	fputs("</td>", f);
}

static void put_site_row(FILE *f, const struct page *pg, const struct site *s)
{
	size_t len = 0, blen;
	const char *file = jstr(s->o, "file", &len), *base;
	int64_t line = 0, created, exited, before;
	double age;
	bool have_line = jint(s->o, "line", &line);

	fprintf(f, "<tr id=\"site-%zu\" class=\"v-%s\" data-verdict=\"%s\" data-file=\"",
		s->idx, vname[s->v], vname[s->v]);
	if (file) {
		blen = path_tail(file, len, 1, &base);
		esc_n(f, base, blen);
	}
	fputs("\" data-line=\"", f);
	if (have_line)
		fprintf(f, "%lld", (long long)line);
	fputs("\"><td>", f);
	put_badge(f, s);
	fputs("</td><td><span class=\"fn\">", f);
	esc_func(f, s->o, "function");
	fputs("</span>", f);
	put_loc(f, s->o);
	fputs("</td><td><span class=\"loc\">", f);
	esc_func(f, s->o, "start_function");
	fprintf(f, "</span></td><td class=\"num\"><b>%lld</b>", (long long)s->live);
	if (jint(s->o, "created", &created) && jint(s->o, "exited", &exited))
		fprintf(f, "<small>+%lld \xe2\x88\x92%lld</small>", (long long)created,
			(long long)exited);
	if (jint(s->o, "live_at_start", &before) && before)
		fprintf(f, "<small>%lld before</small>", (long long)before);
	fputs("</td>", f);

	put_rate_cell(f, pg, s, "created_per_s", "created");
	put_rate_cell(f, pg, s, "exited_per_s", "exited");
	fputs("<td class=\"num\">", f);
	if (s->live > 0 && jnum(s->o, "oldest_age_s", &age))
		put_age(f, age, jtrue(s->o, "oldest_age_is_lower_bound"));
	else
		fputs("<span class=\"muted\">\xe2\x80\x93</span>", f);
	fputs("</td><td>", f);
	put_wait(f, s->o);
	fputs("</td><td>", f);
	esc_field(f, s->o, "reason", "<span class=\"muted\">no reason in the document</span>");
	fputs("</td></tr>\n", f);
}

static void put_table_head(FILE *f)
{
	fputs("<table class=\"sites\"><colgroup><col style=\"width:86px\"><col style=\"width:20%\">"
	      "<col style=\"width:13%\"><col style=\"width:84px\"><col style=\"width:82px\">"
	      "<col style=\"width:74px\"><col style=\"width:66px\"><col style=\"width:128px\">"
	      "<col></colgroup>\n<thead><tr><th>Verdict</th><th>Go statement</th>"
	      "<th>Started as</th><th class=\"num\">Live</th><th class=\"num\">Created/s</th>"
	      "<th class=\"num\">Exited/s</th><th class=\"num\">Oldest</th><th>Waiting on</th>"
	      "<th>Why</th></tr></thead>\n<tbody>\n", f);
}

static void put_sites(struct page *pg)
{
	FILE *f = pg->f;
	int64_t syslive = 0;
	size_t i;

	fprintf(f, "<section id=\"sites\"><h2>Go statements<small>%zu site%s, by verdict then live "
		"goroutines</small></h2>\n", pg->nuser, pg->nuser == 1 ? "" : "s");
	if (!pg->nuser) {
		fputs("<p class=\"muted\" id=\"no-sites\">No go statement of the program had "
		      "goroutines during the capture.</p>\n", f);
	} else {
		put_table_head(f);
		for (i = 0; i < pg->nuser; i++)
			put_site_row(f, pg, &pg->sites[i]);
		fputs("</tbody></table>\n", f);
	}
	/* The runtime's own goroutines: never a leak, rarely of interest. */
	if (pg->nsites > pg->nuser) {
		for (i = pg->nuser; i < pg->nsites; i++)
			syslive += pg->sites[i].live;
		fprintf(f, "<details id=\"runtime\"><summary>The runtime&#39;s own goroutines: %zu "
			"site%s, %lld alive (never a leak)</summary>\n", pg->nsites - pg->nuser,
			pg->nsites - pg->nuser == 1 ? "" : "s", (long long)syslive);
		put_table_head(f);
		for (i = pg->nuser; i < pg->nsites; i++)
			put_site_row(f, pg, &pg->sites[i]);
		fputs("</tbody></table></details>\n", f);
	}
	fputs("</section>\n", f);
}

/* ---- stacks ---- */

static void put_frames(FILE *f, struct json_object *frames, const char *unknown)
{
	size_t n = jlen(frames), i;

	if (!frames) {
		fprintf(f, "<p class=\"muted\">%s</p>\n", unknown);
		return;
	}
	if (!n) {
		fputs("<p class=\"muted\">no frames</p>\n", f);
		return;
	}
	fputs("<ol class=\"frames\">\n", f);
	for (i = 0; i < n && i < FRAMES_MAX; i++) {
		struct json_object *fr = json_object_array_get_idx(frames, i);

		if (!fr || !json_object_is_type(fr, json_type_object))
			continue;
		fputs("<li><span class=\"fn\">", f);
		esc_func(f, fr, "function");
		fputs("</span>", f);
		if (jtrue(fr, "inlined"))
			fputs(" <span class=\"muted\">(inlined)</span>", f);
		put_loc(f, fr);
		fputs("</li>\n", f);
	}
	if (n > FRAMES_MAX)
		fprintf(f, "<li class=\"muted\">\xe2\x80\xa6 %zu more frames</li>\n", n - FRAMES_MAX);
	fputs("</ol>\n", f);
}

static void put_blocked(struct page *pg)
{
	FILE *f = pg->f;
	struct json_object *groups = jget(pg->doc, "blocked_stacks", json_type_array);
	size_t n = jlen(groups), i;

	fputs("<section id=\"blocked\"><h2>Where goroutines are blocked at the end<small>largest "
	      "groups with the same state, stack and creator</small></h2>\n", f);
	if (!groups)
		fputs(jtrue(pg->doc, "target_exited") ?
		      "<p class=\"muted\">The target exited: there were no goroutines to read at "
		      "the end.</p>\n" :
		      "<p class=\"muted\">Not in this document: <code>gostray capture PID -o DIR"
		      "</code> adds them.</p>\n", f);
	else if (!n)
		fputs("<p class=\"muted\">No goroutine was blocked at the end.</p>\n", f);
	for (i = 0; i < n && i < BLOCKED_MAX; i++) {
		struct json_object *g = json_object_array_get_idx(groups, i);
		struct json_object *where = jget(g, "site", json_type_object);
		const struct site *s = where ? find_site(pg, where) : NULL;
		int64_t count = 0, minutes;

		if (!g || !json_object_is_type(g, json_type_object))
			continue;
		jint(g, "count", &count);
		fprintf(f, "<div class=\"group\"><span class=\"count\">%lld</span>goroutine%s "
			"\xc2\xb7 <b>", (long long)count, count == 1 ? "" : "s");
		esc_field(f, g, "state", "unknown state");
		fputs("</b>", f);
		if (jint(g, "wait_minutes", &minutes) && minutes > 0)
			fprintf(f, " \xc2\xb7 waiting %lld min or more", (long long)minutes);
		fputs(" \xc2\xb7 created at ", f);
		if (s) {
			put_badge(f, s);
			fprintf(f, " <a href=\"#site-%zu\">", s->idx);
		}
		if (where) {
			put_loc(f, where);
			fputs(" <span class=\"fn\">", f);
			esc_func(f, where, "function");
			fputs("</span>", f);
		} else {
			fputs("<span class=\"muted\">the runtime (main goroutine)</span>", f);
		}
		if (s)
			fputs("</a>", f);
		fputs("\n", f);
		put_frames(f, jget(g, "frames", json_type_array), "no stack");
		fputs("</div>\n", f);
	}
	if (n > BLOCKED_MAX)
		fprintf(f, "<p class=\"muted\">%zu more groups in report.json</p>\n", n - BLOCKED_MAX);
	fputs("</section>\n", f);
}

static void put_creation_stack(FILE *f, struct json_object *cs)
{
	int64_t live = 0, created, exited, before;

	if (!cs || !json_object_is_type(cs, json_type_object))
		return;
	jint(cs, "live", &live);
	fprintf(f, "<tr><td class=\"num\"><b>%lld</b> live", (long long)live);
	if (jint(cs, "created", &created) && jint(cs, "exited", &exited))
		fprintf(f, "<small>+%lld \xe2\x88\x92%lld</small>", (long long)created,
			(long long)exited);
	if (jint(cs, "live_at_start", &before) && before)
		fprintf(f, "<small>%lld before</small>", (long long)before);
	fputs("</td><td>", f);
	put_frames(f, jget(cs, "frames", json_type_array),
		   "unknown call path: born before gostray attached, or its walk was lost");
	fputs("</td></tr>\n", f);
}

static void put_creation(struct page *pg)
{
	FILE *f = pg->f;
	size_t i, k, n, shown = 0;

	fputs("<section id=\"creation\"><h2>How the leaking goroutines were created<small>call "
	      "paths to each leak and suspect go statement, most live first</small></h2>\n", f);
	for (i = 0; i < pg->nuser && shown < CSTACK_SITES; i++) {
		const struct site *s = &pg->sites[i];
		struct json_object *list = jget(s->o, "creation_stacks", json_type_array);
		struct json_object *one = jget(s->o, "creation_stack", json_type_object);

		if (s->v != V_LEAK && s->v != V_SUSPECT)
			continue;
		shown++;
		fputs("<details open class=\"cstack\"><summary>", f);
		put_badge(f, s);
		fputs(" ", f);
		put_site_label(f, s, true);
		fprintf(f, " <span class=\"muted\">\xc2\xb7 %lld live</span></summary>\n",
			(long long)s->live);
		n = list ? jlen(list) : !!one;
		if (!n) {
			fputs("<p class=\"muted\">No creation stacks in the document (the trace ran "
			      "with --stack-depth 0).</p></details>\n", f);
			continue;
		}
		fputs("<table class=\"stacks\"><colgroup><col style=\"width:130px\"><col>"
		      "</colgroup><tbody>\n", f);
		for (k = 0; k < n && k < CSTACKS_MAX; k++)
			put_creation_stack(f, list ? json_object_array_get_idx(list, k) : one);
		if (n > CSTACKS_MAX)
			fprintf(f, "<tr><td></td><td class=\"muted\">\xe2\x80\xa6 %zu more call paths "
				"in report.json</td></tr>\n", n - CSTACKS_MAX);
		fputs("</tbody></table></details>\n", f);
	}
	if (!shown)
		fputs("<p class=\"muted\">No leak or suspect site.</p>\n", f);
	fputs("</section>\n", f);
}

static void put_footer(struct page *pg)
{
	FILE *f = pg->f;
	struct json_object *probes = jget(pg->doc, "probes", json_type_object);
	const char *sep = "";
	double v;

	fputs("</div>\n<footer><div class=\"wrap\">Written by gostray from the capture document "
	      "(report.json has every field). Self-contained: nothing loads from the network.", f);
	if (probes) {
		fputs("<br>Probes: ", f);
		json_object_object_foreach(probes, key, val) {
			if (!jnum_of(val, &v))
				continue;
			fputs(sep, f);
			esc(f, key);
			fprintf(f, " %.0f", v);
			sep = ", ";
		}
	}
	fprintf(f, "</div></footer>\n<script nonce=\"%s\">%s</script>\n</body>\n</html>\n",
		pg->nonce, script_tail);
}

static int put_page(struct page *pg)
{
	int ret;

	put_head(pg);
	put_header(pg);
	put_verdicts(pg);
	ret = put_chart(pg);
	if (ret)
		return ret;
	put_sites(pg);
	put_blocked(pg);
	put_creation(pg);
	put_footer(pg);
	return 0;
}

int htmlreport_write(struct json_object *report, const char *path, char *err,
		     size_t errlen)
{
	struct page pg = { .doc = report };
	struct outfile out;
	char *buf = NULL;
	size_t len = 0;
	int ret;

	if (!report || !json_object_is_type(report, json_type_object)) {
		snprintf(err, errlen, "report.html: no capture document");
		return -EINVAL;
	}
	if (!path || !*path) {
		snprintf(err, errlen, "report.html: no path to write");
		return -EINVAL;
	}
	ret = load_sites(&pg);
	if (ret) {
		snprintf(err, errlen, "%s: out of memory", path);
		return ret;
	}
	make_nonce(pg.nonce);
	pg.f = open_memstream(&buf, &len);
	if (!pg.f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto err_free_sites;
	}
	ret = put_page(&pg);
	if (ferror(pg.f) && !ret)
		ret = -ENOMEM;
	if (fclose(pg.f) && !ret)
		ret = -ENOMEM;
	if (ret) {
		snprintf(err, errlen, "%s: building the page: %s", path, strerror(-ret));
		goto err_free_buf;
	}
	ret = outfile_begin(&out, path, err, errlen);
	if (ret)
		goto err_free_buf;
	ret = outfile_write(&out, buf, len, err, errlen);
	if (ret) {
		outfile_abort(&out);
		goto err_free_buf;
	}
	ret = outfile_commit(&out, err, errlen);

err_free_buf:
	free(buf);
err_free_sites:
	free(pg.sites);
	return ret;
}
