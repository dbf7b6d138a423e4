/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One process traced from the command line (capture and top): open it,
 * start the trace, poll until the end, say why it ended, report.
 */
#ifndef GOSTRAY_SESSION_H
#define GOSTRAY_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include "cli/cli.h"
#include "output/report.h"
#include "process/target.h"
#include "trace/tracer.h"

/* o->target as a PID, with the privileges to trace it, opened; 0 or the
 * exit status (said). */
int open_traced_target(struct cli_opts *o, struct target *t);

/* The probes, the baseline, and the "attached" line; 0 or the exit status. */
int start_trace(struct cli_opts *o, struct target *t, struct tracer *tr);

/* Poll until deadline_ns (0: none) or a stop condition; true if stopped
 * by the user or the target (or a poll error: poll_failed()), false when
 * the deadline passed. */
bool trace_until(struct tracer *tr, uint64_t deadline_ns);

/* After the report: EXIT_OK, or EXIT_ERROR (said) when the ring buffer
 * could not be read any more. */
int poll_failed(void);

void say_why_stopped(const struct tracer *tr);

/* The report model of tr as o asks (frames: the creation stacks
 * symbolized), at the cut once the trace ended; 0 or -ENOMEM. */
int build_model(const struct tracer *tr, const struct cli_opts *o, bool frames,
		struct model *m);
/* What the text report shows, as o asks. */
void text_opts_of(const struct cli_opts *o, struct report_text_opts *t);
/* The report of tr on stdout, text or --json; 0 or the exit status (said). */
int print_report(const struct tracer *tr, const struct cli_opts *o);

#endif /* GOSTRAY_SESSION_H */
