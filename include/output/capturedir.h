/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The outage capture folder (`gostray capture PID -o DIR`): what an
 * engineer attaches to an incident ticket.
 *   report.json       the capture document (README "capture schema"),
 *                     with the verdicts, series and blocked stacks
 *   goroutines.pb.gz  goroutine profile for go tool pprof: where they are
 *                     blocked at the end (or, when the target exited, the
 *                     call paths that created them)
 *   report.html       one self-contained page: verdicts, chart, stacks
 * Every file is written atomically and never through a symlink
 * (include/output/outfile.h).
 */
#ifndef GOSTRAY_CAPTUREDIR_H
#define GOSTRAY_CAPTUREDIR_H

#include <json-c/json.h>
#include <stddef.h>
#include "output/model.h"
#include "process/dump.h"

#define CAPTUREDIR_BLOCKED_STACKS 20	/* groups kept in report.json */

/* Creates dir (0755) when missing; refuses a path that exists and is
 * not a directory.  Called before attaching, so a typo costs nothing. */
int capturedir_prepare(const char *dir, char *err, size_t errlen);

/*
 * Writes the three files into dir: doc, the capture document of m as
 * printed (report_capture_json, with m->blocked's groups when the end dump
 * d was taken), the profile of d (NULL when the target is gone: of m's
 * creation stacks) and the page.  On failure err names the file.
 */
int capturedir_write(const char *dir, struct json_object *doc, const struct model *m,
		     const struct dump *d, char *err, size_t errlen);

#endif /* GOSTRAY_CAPTUREDIR_H */
