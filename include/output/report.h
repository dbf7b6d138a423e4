/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The capture report, rendered from the report model (include/output/
 * model.h): the JSON document is the contract for scripts and tests
 * (README.md documents it); the text form is for people and fits an
 * 80-column terminal.
 */
#ifndef GOSTRAY_REPORT_H
#define GOSTRAY_REPORT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

#include "output/model.h"

/* What the text form shows of a model. */
struct report_text_opts {
	bool show_system;	/* list runtime.* sites in the table */
	int max_rows;		/* table rows, 0 = all */
	int width;		/* table width, 0 = unlimited */
};

/* The capture document (schema in README.md); the caller puts it. */
struct json_object *report_capture_json(const struct model *m);
void report_capture_text(FILE *f, const struct model *m, const struct report_text_opts *o);

#endif /* GOSTRAY_REPORT_H */
