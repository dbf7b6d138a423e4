/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report.html: a capture's report model (include/output/model.h) as one
 * self-contained page an on-call engineer can attach to an incident
 * ticket and open anywhere.  No network, fonts, images or scripts from
 * elsewhere (a Content-Security-Policy says so to the browser); the chart
 * is inline SVG drawn here; everything shows without JavaScript.
 *
 * Every string of the document comes from the traced program (function
 * and file names, wait reasons) and is HTML-escaped; a field that is
 * missing or of the wrong type is shown as unknown, never trusted.
 *
 * Two small inline scripts let a headless browser tell the page rendered:
 * <html data-rendered="ok">, or "errors" with data-errors listing them.
 */
#ifndef GOSTRAY_HTMLREPORT_H
#define GOSTRAY_HTMLREPORT_H

#include <stddef.h>

#include "output/model.h"

/* Lines in the chart at most: leak and suspect sites first, then the
 * other sites with the most live goroutines. */
#define HTMLREPORT_CHART_LINES 10

/*
 * Writes the page to path, atomically and never through a symlink
 * (include/output/outfile.h), mode 0644.  0, or a negative errno with one line
 * in err.
 */
int htmlreport_write(const struct model *m, const char *path, char *err, size_t errlen);

#endif /* GOSTRAY_HTMLREPORT_H */
