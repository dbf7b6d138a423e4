/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gostray info's report: the binary's Go version, symbols, offsets, probe
 * points and whether it can be traced.  The JSON is a contract (README).
 */
#ifndef GOSTRAY_INFOREPORT_H
#define GOSTRAY_INFOREPORT_H

#include <json-c/json.h>
#include <stdio.h>

struct target;

struct json_object *report_info_json(const struct target *t);
void report_info_text(FILE *f, const struct target *t);

#endif /* GOSTRAY_INFOREPORT_H */
