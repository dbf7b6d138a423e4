/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Report writers: every report has a plain-text and a JSON form
 * (json-c), built from the same data.
 */
#ifndef GOSTRAY_REPORT_H
#define GOSTRAY_REPORT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include "common/duration.h"
#include "trace/tracer.h"

struct report_ctx {
	const struct tracer *tr;
	uint64_t now_ns;		/* when the counts were taken */
	uint64_t stats[GS_STAT_MAX];	/* BPF counters */
	bool show_system;		/* list runtime.* sites in the text table */
	int max_rows;			/* text table rows, 0 = all */
	int width;			/* text table width, 0 = unlimited */
	bool by_stack;			/* rows per (site, creation stack) */
};

struct diagnosis;
/* Every site's verdict at r->now_ns (include/analysis/diagnose.h), leak first. */
struct diagnosis *report_diagnose(const struct report_ctx *r, size_t *n);

/* The capture document (schema in README.md). Caller puts the object. */
struct json_object *report_capture_json(const struct report_ctx *r);
void report_capture_text(FILE *f, const struct report_ctx *r);

struct json_object *report_info_json(const struct target *t);
void report_info_text(FILE *f, const struct target *t);

/* One frame of a creation stack, symbolized. */
struct stack_frame {
	uint64_t pc;		/* link-time return address */
	const char *function;	/* owned by the target's gobin */
	const char *file;
	int line;
	bool inlined;		/* a call inlined at pc into the next frame */
};

/* The frames of a creation stack, outermost last, at most max; returns
 * how many.  Every PC is a return address (looked up at pc - 1); calls
 * inlined at it are expanded into frames of their own (same pc). */
int report_stack_frames(const struct target *t, const struct creation_stack *cs,
			struct stack_frame *out, int max);


#endif /* GOSTRAY_REPORT_H */
