// SPDX-License-Identifier: BSD-2-Clause
/*
 * report.html (include/output/htmlreport.h), from the report model.  The
 * page is built in memory and written in one go: a reader (or the browser
 * of whoever opens the ticket) never sees half a report.
 */
#define _GNU_SOURCE	/* open_memstream */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "common/duration.h"
#include "output/htmlchart.h"
#include "output/htmlesc.h"
#include "output/htmlreport.h"
#include "output/outfile.h"

#define FRAMES_MAX	64	/* frames shown per stack (--stack-depth's limit) */
#define CSTACKS_MAX	10	/* creation stacks shown per site */
#define CSTACK_SITES	40	/* sites whose creation stacks are shown */
#define BLOCKED_MAX	50	/* blocked-stack groups shown */

/* The cards and the headline, leaks first like every table. */
static const enum verdict_kind verdict_order[] = { VERDICT_LEAK, VERDICT_SUSPECT, VERDICT_OK };

struct page {
	FILE *f;
	const struct model *m;
	struct html_site *sites;	/* user sites in the model's order, then the runtime's */
	size_t nsites, nuser;
	char nonce[33];
};

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

/* The model's rows as the page lists them: its order already puts the
 * user's sites first (model_row_cmp); #site-N is the row's place. */
static int load_sites(struct page *pg)
{
	size_t i;

	pg->sites = calloc(pg->m->nrows ? pg->m->nrows : 1, sizeof(*pg->sites));
	if (!pg->sites)
		return -ENOMEM;
	for (i = 0; i < pg->m->nrows; i++) {
		pg->sites[i] = (struct html_site){ .r = &pg->m->rows[i], .idx = i };
		pg->nuser += !pg->m->rows[i].system;
	}
	pg->nsites = pg->m->nrows;
	return 0;
}

static void put_badge(FILE *f, const struct html_site *s)
{
	const char *v = verdict_name(s->r->verdict);

	fprintf(f, "<span class=\"badge %s%s\">%s</span>", v, s->r->system ? " sys" : "", v);
}

static void put_site_label(FILE *f, const struct html_site *s, bool wbr)
{
	html_site_label(f, s->r->file, s->r->line, s->r->function, wbr);
}

/* The site of a blocked-stack group, by its go statement's pc (both
 * link-time). */
static const struct html_site *find_site(const struct page *pg, const struct model_blocked *b)
{
	size_t i;

	for (i = 0; b->have_site && i < pg->nsites; i++)
		if (pg->sites[i].r->pc == b->site_pc)
			return &pg->sites[i];
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
static void put_exe_name(FILE *f, const struct model *m, const char *unknown)
{
	size_t tlen;
	const char *tail;

	if (m->exe && *m->exe) {
		tlen = html_path_tail(m->exe, strlen(m->exe), 1, &tail);
		html_escape(f, tail, tlen, false);
	} else {
		fputs(unknown, f);
	}
}

static void put_head(struct page *pg)
{
	FILE *f = pg->f;
	uint64_t nleak = pg->m->user_verdicts[VERDICT_LEAK];

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n", f);
	/* The file travels with tickets: nothing may load from elsewhere. */
	fprintf(f, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		"style-src 'unsafe-inline'; script-src 'nonce-%s'; img-src data:\">\n", pg->nonce);
	fputs("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"generator\" content=\"gostray\">\n<title>gostray: ", f);
	put_exe_name(f, pg->m, "capture");
	if (pg->m->pid > 0)
		fprintf(f, "[%d]", pg->m->pid);
	fprintf(f, " \xc2\xb7 %" PRIu64 " leak%s</title>\n", nleak, nleak == 1 ? "" : "s");
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
	const struct model *m = pg->m;
	const struct collector_totals *t = &m->totals;
	uint64_t lost = m->stats[GS_STAT_LOST];

	fputs("<header><div class=\"wrap\">\n<h1>", f);
	put_exe_name(f, m, "unknown program");
	if (m->pid > 0)
		fprintf(f, "<small>PID %d</small>", m->pid);
	fputs("<small>goroutine capture by gostray</small></h1>\n<dl class=\"facts\">\n", f);

	put_fact(f, "Executable", "wide");
	html_escape_str(f, m->exe, "unknown", false);
	fputs("</dd></div>\n", f);
	put_fact(f, "Go version", NULL);
	html_escape_str(f, m->go_version, "unknown", false);
	fputs("</dd></div>\n", f);
	put_fact(f, "Started (UTC)", NULL);
	html_escape_str(f, m->started_at, "unknown", false);
	fputs("</dd></div>\n", f);

	put_fact(f, "Duration", NULL);
	put_duration(f, m->duration_s);
	if (m->target_exited)
		fputs(" <span class=\"warn\">(target exited)</span>", f);
	fputs("</dd></div>\n", f);

	put_fact(f, "Goroutines start \xe2\x86\x92 end", NULL);
	fprintf(f, "%" PRIu64 " \xe2\x86\x92 %" PRIu64 " <span class=\"muted\">(user %" PRIu64
		")</span></dd></div>\n", t->live_at_start, t->live, t->live_user);

	put_fact(f, "Created / exited", NULL);
	fprintf(f, "+%" PRIu64 " / \xe2\x88\x92%" PRIu64 "</dd></div>\n", t->created, t->exited);

	put_fact(f, "Lost events", NULL);
	fprintf(f, lost ? "<span class=\"warn\">%" PRIu64 " (counts are low)</span>" :
		"%" PRIu64, lost);
	fputs("</dd></div>\n", f);

	put_fact(f, "Counted by", NULL);
	if (m->probe_free)
		fprintf(f, "snapshots, no probe <span class=\"muted\">(%" PRIu64 ", %.1f s apart: "
			"created, exited and ages are lower bounds)</span></dd></div>\n",
			m->snapshots, m->snapshot_interval_s);
	else
		fputs("uprobes</dd></div>\n", f);

	put_fact(f, "Sites", NULL);
	fprintf(f, "%zu <span class=\"muted\">(+%zu of the runtime)</span></dd></div>\n",
		pg->nuser, pg->nsites - pg->nuser);
	fputs("</dl>\n", f);
	if (m->target_exited)
		fputs("<div class=\"banner\" style=\"color:#4a3500\" id=\"exited\"><b>The target exited "
		      "during the capture.</b> The counts stop at its exit; no stacks could be read "
		      "at the end.</div>\n", f);
	fputs("</div></header>\n<div class=\"wrap\">\n", f);
}

static void put_verdicts(struct page *pg)
{
	FILE *f = pg->f;
	uint64_t live[VERDICT_LEAK + 1] = { 0 };
	const uint64_t *n = pg->m->verdicts;	/* as the JSON counts them */
	const struct html_site *top = NULL;
	size_t i, k;

	for (i = 0; i < pg->nsites; i++) {
		enum verdict_kind v = pg->sites[i].r->verdict;

		live[v] += pg->sites[i].r->live;
		if (v == VERDICT_LEAK && !top)
			top = &pg->sites[i];
	}
	fputs("<section id=\"verdicts\"><h2>Verdicts<small>one per go statement</small></h2>\n"
	      "<div class=\"cards\">\n", f);
	for (k = 0; k < 3; k++) {
		enum verdict_kind v = verdict_order[k];
		const char *name = verdict_name(v);

		fprintf(f, "<div class=\"card %s\" data-verdict=\"%s\" data-count=\"%" PRIu64 "\"><b>%"
			PRIu64 "</b>%s \xc2\xb7 %" PRIu64 " goroutine%s alive</div>\n",
			n[v] ? name : "none", name, n[v], n[v], name, live[v],
			live[v] == 1 ? "" : "s");
	}
	fputs("</div>\n<p class=\"headline\">", f);
	if (n[VERDICT_LEAK]) {
		fprintf(f, "<b>%" PRIu64 " go statement%s leak%s</b>, %" PRIu64 " goroutine%s alive "
			"at %s. Most: <a href=\"#site-%zu\">", n[VERDICT_LEAK],
			n[VERDICT_LEAK] == 1 ? "" : "s", n[VERDICT_LEAK] == 1 ? "s" : "",
			live[VERDICT_LEAK], live[VERDICT_LEAK] == 1 ? "" : "s",
			n[VERDICT_LEAK] == 1 ? "it" : "them", top ? top->idx : 0);
		if (top) {
			put_site_label(f, top, true);
			fprintf(f, "</a>, %" PRIu64 " alive: ", top->r->live);
			html_escape_str(f, top->r->reason, "no reason given", false);
		} else {
			fputs("</a>", f);
		}
	} else if (n[VERDICT_SUSPECT]) {
		fprintf(f, "No leak; <b>%" PRIu64 " suspect go statement%s</b> to watch.",
			n[VERDICT_SUSPECT], n[VERDICT_SUSPECT] == 1 ? "" : "s");
	} else {
		fputs("No leak and nothing suspect during this capture.", f);
	}
	fputs("</p></section>\n", f);
}

/* ---- the sites table ---- */

static void put_muted_dash(FILE *f)
{
	fputs("<span class=\"muted\">\xe2\x80\x93</span>", f);
}

static void put_site_row(FILE *f, const struct html_site *s)
{
	const struct model_row *r = s->r;
	const char *v = verdict_name(r->verdict), *base = "";
	size_t blen = 0;

	if (r->file)
		blen = html_path_tail(r->file, strlen(r->file), 1, &base);
	fprintf(f, "<tr id=\"site-%zu\" class=\"v-%s\" data-verdict=\"%s\" data-file=\"", s->idx,
		v, v);
	html_escape(f, base, blen, false);
	fprintf(f, "\" data-line=\"%d\"><td>", r->line);
	put_badge(f, s);
	fputs("</td><td><span class=\"fn\">", f);
	html_escape_str(f, r->function, "?", true);
	fputs("</span>", f);
	html_loc(f, r->file, r->line);
	fputs("</td><td><span class=\"loc\">", f);
	html_escape_str(f, r->start_function, "?", true);
	fprintf(f, "</span></td><td class=\"num\"><b>%" PRIu64 "</b><small>+%" PRIu64
		" \xe2\x88\x92%" PRIu64 "</small>", r->live, r->created, r->exited);
	if (r->live_at_start)
		fprintf(f, "<small>%" PRIu64 " before</small>", r->live_at_start);
	fputs("</td><td class=\"num\">", f);
	put_rate(f, r->created_per_s);
	fputs("</td><td class=\"num\">", f);
	put_rate(f, r->exited_per_s);
	fputs("</td><td class=\"num\">", f);
	if (r->has_age)
		put_age(f, r->oldest_age_s, r->oldest_age_is_lower_bound);
	else
		put_muted_dash(f);
	fputs("</td><td>", f);
	if (r->main_wait)
		html_escape_str(f, r->main_wait, "", true);
	else
		put_muted_dash(f);
	fputs("</td><td>", f);
	html_escape_str(f, r->reason, "<span class=\"muted\">no reason given</span>", false);
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
	uint64_t syslive = 0;
	size_t i;

	fprintf(f, "<section id=\"sites\"><h2>Go statements<small>%zu site%s, by verdict then live "
		"goroutines</small></h2>\n", pg->nuser, pg->nuser == 1 ? "" : "s");
	if (!pg->nuser) {
		fputs("<p class=\"muted\" id=\"no-sites\">No go statement of the program had "
		      "goroutines during the capture.</p>\n", f);
	} else {
		put_table_head(f);
		for (i = 0; i < pg->nuser; i++)
			put_site_row(f, &pg->sites[i]);
		fputs("</tbody></table>\n", f);
	}
	/* The runtime's own goroutines: never a leak, rarely of interest. */
	if (pg->nsites > pg->nuser) {
		for (i = pg->nuser; i < pg->nsites; i++)
			syslive += pg->sites[i].r->live;
		fprintf(f, "<details id=\"runtime\"><summary>The runtime&#39;s own goroutines: %zu "
			"site%s, %" PRIu64 " alive (never a leak)</summary>\n", pg->nsites - pg->nuser,
			pg->nsites - pg->nuser == 1 ? "" : "s", syslive);
		put_table_head(f);
		for (i = pg->nuser; i < pg->nsites; i++)
			put_site_row(f, &pg->sites[i]);
		fputs("</tbody></table></details>\n", f);
	}
	fputs("</section>\n", f);
}

/* ---- stacks ---- */

static void put_frame(FILE *f, const char *function, const char *file, int line, bool inlined)
{
	fputs("<li><span class=\"fn\">", f);
	html_escape_str(f, function, "?", true);
	fputs("</span>", f);
	if (inlined)
		fputs(" <span class=\"muted\">(inlined)</span>", f);
	html_loc(f, file, line);
	fputs("</li>\n", f);
}

static void put_frames_end(FILE *f, size_t n)
{
	if (n > FRAMES_MAX)
		fprintf(f, "<li class=\"muted\">\xe2\x80\xa6 %zu more frames</li>\n", n - FRAMES_MAX);
	fputs("</ol>\n", f);
}

/* A blocked group's frames, as the dump read them. */
static void put_go_frames(FILE *f, const struct go_frame *fr, size_t n)
{
	size_t i;

	if (!n) {
		fputs("<p class=\"muted\">no stack</p>\n", f);
		return;
	}
	fputs("<ol class=\"frames\">\n", f);
	for (i = 0; i < n && i < FRAMES_MAX; i++)
		put_frame(f, fr[i].function, fr[i].file, fr[i].line, fr[i].inlined);
	put_frames_end(f, n);
}

static void put_blocked(struct page *pg)
{
	FILE *f = pg->f;
	const struct model *m = pg->m;
	size_t i;

	fputs("<section id=\"blocked\"><h2>Where goroutines are blocked at the end<small>largest "
	      "groups with the same state, stack and creator</small></h2>\n", f);
	if (!m->have_blocked)
		fputs(m->target_exited ?
		      "<p class=\"muted\">The target exited: there were no goroutines to read at "
		      "the end.</p>\n" :
		      "<p class=\"muted\">Not read for this report: <code>gostray capture PID -o DIR"
		      "</code> reads them.</p>\n", f);
	else if (!m->nblocked)
		fputs("<p class=\"muted\">No goroutine was blocked at the end.</p>\n", f);
	for (i = 0; i < m->nblocked && i < BLOCKED_MAX; i++) {
		const struct model_blocked *b = &m->blocked[i];
		const struct html_site *s = find_site(pg, b);

		fprintf(f, "<div class=\"group\"><span class=\"count\">%zu</span>goroutine%s "
			"\xc2\xb7 <b>", b->count, b->count == 1 ? "" : "s");
		html_escape_str(f, b->state, "unknown state", false);
		fputs("</b>", f);
		if (b->wait_minutes > 0)
			fprintf(f, " \xc2\xb7 waiting %" PRId64 " min or more", b->wait_minutes);
		fputs(" \xc2\xb7 created at ", f);
		if (s) {
			put_badge(f, s);
			fprintf(f, " <a href=\"#site-%zu\">", s->idx);
		}
		if (b->have_site)
			html_site_label(f, b->site_file, b->site_line, b->site_function, true);
		else
			fputs("<span class=\"muted\">the runtime (main goroutine)</span>", f);
		if (s)
			fputs("</a>", f);
		fputs("\n", f);
		put_go_frames(f, b->frames, b->nframes);
		fputs("</div>\n", f);
	}
	if (m->nblocked > BLOCKED_MAX)
		fprintf(f, "<p class=\"muted\">%zu more groups in report.json</p>\n",
			m->nblocked - BLOCKED_MAX);
	fputs("</section>\n", f);
}

static void put_creation_stack(FILE *f, const struct model_stack *st)
{
	int i;

	fprintf(f, "<tr><td class=\"num\"><b>%" PRIu64 "</b> live<small>+%" PRIu64 " \xe2\x88\x92%"
		PRIu64 "</small>", st->live, st->created, st->exited);
	if (st->live_at_start)
		fprintf(f, "<small>%" PRIu64 " before</small>", st->live_at_start);
	fputs("</td><td>", f);
	if (!st->known) {
		fputs("<p class=\"muted\">unknown call path: born before gostray attached, or its "
		      "walk was lost</p>\n", f);
	} else if (!st->nframes) {
		fputs("<p class=\"muted\">no frames</p>\n", f);
	} else {
		fputs("<ol class=\"frames\">\n", f);
		for (i = 0; i < st->nframes && i < FRAMES_MAX; i++)
			put_frame(f, st->frames[i].function, st->frames[i].file, st->frames[i].line,
				  st->frames[i].inlined);
		put_frames_end(f, (size_t)st->nframes);
	}
	fputs("</td></tr>\n", f);
}

static void put_creation(struct page *pg)
{
	FILE *f = pg->f;
	size_t i, k, shown = 0;

	fputs("<section id=\"creation\"><h2>How the leaking goroutines were created<small>call "
	      "paths to each leak and suspect go statement, most live first</small></h2>\n", f);
	for (i = 0; i < pg->nuser && shown < CSTACK_SITES; i++) {
		const struct html_site *s = &pg->sites[i];
		const struct model_row *r = s->r;

		if (r->verdict != VERDICT_LEAK && r->verdict != VERDICT_SUSPECT)
			continue;
		shown++;
		fputs("<details open class=\"cstack\"><summary>", f);
		put_badge(f, s);
		fputs(" ", f);
		put_site_label(f, s, true);
		fprintf(f, " <span class=\"muted\">\xc2\xb7 %" PRIu64 " live</span></summary>\n",
			r->live);
		if (!r->nstacks || !pg->m->stack_depth) {
			fputs("<p class=\"muted\">No creation stacks (the trace ran with "
			      "--stack-depth 0).</p></details>\n", f);
			continue;
		}
		fputs("<table class=\"stacks\"><colgroup><col style=\"width:130px\"><col>"
		      "</colgroup><tbody>\n", f);
		for (k = 0; k < r->nstacks && k < CSTACKS_MAX; k++)
			put_creation_stack(f, &r->stacks[k]);
		if (r->nstacks > CSTACKS_MAX)
			fprintf(f, "<tr><td></td><td class=\"muted\">\xe2\x80\xa6 %zu more call paths "
				"in report.json</td></tr>\n", r->nstacks - CSTACKS_MAX);
		fputs("</tbody></table></details>\n", f);
	}
	if (!shown)
		fputs("<p class=\"muted\">No leak or suspect site.</p>\n", f);
	fputs("</section>\n", f);
}

static void put_footer(struct page *pg)
{
	FILE *f = pg->f;
	struct model_counter c[MODEL_COUNTERS];
	size_t i, n = model_counters(pg->m, c);

	fputs("</div>\n<footer><div class=\"wrap\">Written by gostray from the capture "
	      "(report.json has every field). Self-contained: nothing loads from the network.", f);
	fputs("<br>Probes: ", f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%s %" PRIu64, i ? ", " : "", c[i].name, c[i].value);
	fprintf(f, "</div></footer>\n<script nonce=\"%s\">%s</script>\n</body>\n</html>\n",
		pg->nonce, script_tail);
}

static int put_page(struct page *pg)
{
	int ret;

	put_head(pg);
	put_header(pg);
	put_verdicts(pg);
	ret = htmlchart_write(pg->f, pg->m, pg->sites, pg->nuser);
	if (ret)
		return ret;
	put_sites(pg);
	put_blocked(pg);
	put_creation(pg);
	put_footer(pg);
	return 0;
}

int htmlreport_write(const struct model *m, const char *path, char *err, size_t errlen)
{
	struct page pg = { .m = m };
	struct outfile out;
	char *buf = NULL;
	size_t len = 0;
	int ret;

	if (!m) {
		snprintf(err, errlen, "report.html: no report");
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
