/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gostray dump's reports of a struct dump (include/process/dump.h): the
 * JSON document (README "gostray dump") and the text of the runtime's own
 * goroutine dump (debug=2, or debug=1-like groups), so that tools that
 * read one read the other.
 */
#ifndef GOSTRAY_DUMPREPORT_H
#define GOSTRAY_DUMPREPORT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

#include "process/dump.h"

struct json_object *dump_json(const struct dump *d, bool grouped);
void dump_text(FILE *f, const struct dump *d, bool grouped);

/* Frames as every JSON document of gostray has them: function, file, line,
 * pc (runtime), inlined. */
struct json_object *dump_frames_json(const struct go_frame *f, size_t n);

#endif /* GOSTRAY_DUMPREPORT_H */
