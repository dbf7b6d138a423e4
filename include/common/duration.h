/* SPDX-License-Identifier: BSD-2-Clause */
/* Durations as people read them in tables and reasons. */
#ifndef GOSTRAY_DURATION_H
#define GOSTRAY_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* "<1ms", "850ms", "42s", "7m03s", "5h12m". */
void format_age(char *buf, size_t len, uint64_t ns);

#endif /* GOSTRAY_DURATION_H */
