// SPDX-License-Identifier: BSD-2-Clause
#include <inttypes.h>
#include <stdio.h>

#include "common/duration.h"

void format_age(char *buf, size_t len, uint64_t ns)
{
	uint64_t s = ns / 1000000000u;

	if (ns < 1000000u)
		snprintf(buf, len, "<1ms");
	else if (ns < 1000000000ull)
		snprintf(buf, len, "%" PRIu64 "ms", (uint64_t)(ns / 1000000u));
	else if (s < 60)
		snprintf(buf, len, "%" PRIu64 "s", s);
	else if (s < 3600)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, (s / 60) % 60);
}
