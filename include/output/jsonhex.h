/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Addresses in gostray's JSON documents: "0x..." strings (JSON numbers
 * lose precision past 2^53), the same in every report.
 */
#ifndef GOSTRAY_JSONHEX_H
#define GOSTRAY_JSONHEX_H

#include <inttypes.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>

static inline struct json_object *json_hex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return json_object_new_string(buf);
}

#endif /* GOSTRAY_JSONHEX_H */
