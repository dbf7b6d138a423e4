/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report.html's chart: live goroutines per site over the capture, an
 * inline SVG (nothing loads from elsewhere), at most HTMLREPORT_CHART_LINES
 * lines: the leak and suspect sites first, then those with goroutines.
 */
#ifndef GOSTRAY_HTMLCHART_H
#define GOSTRAY_HTMLCHART_H

#include <stddef.h>
#include <stdio.h>

#include "output/model.h"

/* A site the page lists: its row of the model and its anchor (#site-N). */
struct html_site {
	const struct model_row *r;
	size_t idx;
};

/* The chart's section for sites (the user's, in the model's order);
 * 0 or -ENOMEM. */
int htmlchart_write(FILE *f, const struct model *m, const struct html_site *sites,
		    size_t nsites);

#endif /* GOSTRAY_HTMLCHART_H */
