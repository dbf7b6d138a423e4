// SPDX-License-Identifier: BSD-2-Clause
/*
 * report.html's chart (include/output/htmlchart.h): one SVG line of live
 * goroutines per site over the capture, drawn from the model's series.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/timeunits.h"
#include "output/htmlchart.h"
#include "output/htmlesc.h"
#include "output/htmlreport.h"

#define TICKS_MAX	40	/* per axis, whatever the numbers say */

/* Line colors: none close to the leak badge's red (#c62828), so that red
 * on a screenshot means a verdict. */
static const char *const palette[HTMLREPORT_CHART_LINES] = {
	"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b",
	"#e377c2", "#17becf", "#bcbd22", "#393b79", "#7f7f7f",
};

struct series {
	double *t, *live;
	size_t n;
	double tmax, vmax;
};

static void series_free(struct series *s)
{
	free(s->t);
	free(s->live);
	s->t = s->live = NULL;
}

/* A row's samples on the model's clock, in seconds since the attach. */
static int series_read(const struct model *m, const struct model_row *r, struct series *s)
{
	const struct trend *t = m->trend;
	size_t n = t && r->series && r->series->live ? t->n : 0, i;

	memset(s, 0, sizeof(*s));
	if (!n)
		return 0;
	s->t = calloc(n, sizeof(*s->t));
	s->live = calloc(n, sizeof(*s->live));
	if (!s->t || !s->live) {
		series_free(s);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		uint64_t at = t->t_ns[i] > m->attach_ns ? t->t_ns[i] - m->attach_ns : 0;
		double ts = (double)(at / 1000000) / 1e3, v = r->series->live[i];

		if (s->n && ts < s->t[s->n - 1])
			continue;	/* the clock never goes back; a sample that does is dropped */
		s->t[s->n] = ts;
		s->live[s->n] = v;
		s->n++;
		if (ts > s->tmax)
			s->tmax = ts;
		if (v > s->vmax)
			s->vmax = v;
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
	const struct html_site *s;
	struct series ser;
	const char *color;
	const char *dash;	/* leak solid, suspect dashed, the rest dotted */
	double width;
};

static void line_style(struct chart_line *l, size_t k)
{
	l->color = palette[k % HTMLREPORT_CHART_LINES];
	switch (l->s->r->verdict) {
	case VERDICT_LEAK:
		l->dash = NULL;
		l->width = 2.5;
		break;
	case VERDICT_SUSPECT:
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
			"stroke-width=\"%.1f\"", verdict_name(l->s->r->verdict), l->s->idx, l->color,
			l->width);
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
	html_site_label(f, l->s->r->file, l->s->r->line, l->s->r->function, false);
	fprintf(f, ": %" PRIu64 " live</title></%s>\n", l->s->r->live,
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
		html_site_label(f, l->s->r->file, l->s->r->line, l->s->r->function, false);
		fprintf(f, "</a> <span class=\"muted\">%s \xc2\xb7 %" PRIu64 " live%s</span></li>\n",
			verdict_name(l->s->r->verdict), l->s->r->live,
			l->ser.n ? "" : " \xc2\xb7 no samples");
	}
	fputs("</ul>\n", f);
}

int htmlchart_write(FILE *f, const struct model *m, const struct html_site *sites, size_t nsites)
{
	struct chart_line lines[HTMLREPORT_CHART_LINES];
	size_t n = 0, i, shown = 0;
	double tmax = 0, vmax = 0, ystep;
	int ret = 0;

	fputs("<section id=\"chart\"><h2>Live goroutines over the capture", f);
	if (m->trend && m->trend->step_ns)
		fprintf(f, "<small>one sample every %g s</small>", ns_to_s(m->trend->step_ns));
	fputs("</h2>\n", f);
	/* Leaks and suspects first (the model's order put them there), then
	 * the other sites that had goroutines, most live first. */
	for (i = 0; i < nsites && n < HTMLREPORT_CHART_LINES; i++) {
		struct chart_line *l = &lines[n];
		enum verdict_kind v = sites[i].r->verdict;

		l->s = &sites[i];
		ret = series_read(m, l->s->r, &l->ser);
		if (ret)
			goto out_free;
		if (v != VERDICT_LEAK && v != VERDICT_SUSPECT && !(l->ser.vmax > 0)) {
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
		fputs("<p class=\"muted\">No site had live goroutines to chart (no samples, or "
		      "every count stayed at zero).</p>\n", f);
		if (n)
			put_legend(f, lines, n);
		fputs("</section>\n", f);
		goto out_free;
	}
	if (m->duration_s > tmax && m->duration_s < tmax * 2 + 60)
		tmax = m->duration_s;
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
	if (n < nsites)
		fprintf(f, "<p class=\"muted\">%zu of %zu sites drawn: the leak and suspect ones "
			"first, then the most live; the table lists all.</p>\n", n, nsites);
	fputs("</section>\n", f);

out_free:
	for (i = 0; i < n; i++)
		series_free(&lines[i].ser);
	return ret;
}
