/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef GOSTRAY_PRIVILEGES_H
#define GOSTRAY_PRIVILEGES_H

#include <stddef.h>
#include <stdint.h>

/* Parse the effective capability set from /proc/self/status text. */
int caps_parse_status(const char *status_text, uint64_t *capeff);

/*
 * 0 when this process may trace (load BPF, attach uprobes, read another
 * process's memory); else 1, with err naming the missing capabilities.
 */
int privileges_missing(char *err, size_t errlen);

#endif /* GOSTRAY_PRIVILEGES_H */
