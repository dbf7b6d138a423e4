/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Time units.  Every clock gostray reads is CLOCK_MONOTONIC in
 * nanoseconds (as bpf_ktime_get_ns() stamps the records); reports show
 * seconds.
 */
#ifndef GOSTRAY_TIMEUNITS_H
#define GOSTRAY_TIMEUNITS_H

#include <stdint.h>

#define NS_PER_S 1000000000ull

/* ns as (fractional) seconds. */
static inline double ns_to_s(uint64_t ns)
{
	return (double)ns / (double)NS_PER_S;
}

/* n events over window_ns, per second; 0 for an empty window. */
static inline double per_second(uint64_t n, uint64_t window_ns)
{
	return window_ns ? (double)n * (double)NS_PER_S / (double)window_ns : 0;
}

#endif /* GOSTRAY_TIMEUNITS_H */
