// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target: one line of /proc/PID/maps (src/process/procmem.c), whose
 * path part the target chooses.  Parsed as gostray does, line by line.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "process/procmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct maps_line m;
	char *line = malloc(size + 1);

	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	if (!maps_line_parse(line, &m) && m.end < m.start)
		abort();	/* the parser promised start <= end */
	free(line);
	return 0;
}
