/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A creation site as a person reads it: the go statement's function and
 * file:line, and the function its goroutines run.  The target fills it
 * from the binary (target_symbolize_site); the collector keeps one per
 * site.
 */
#ifndef GOSTRAY_SITEINFO_H
#define GOSTRAY_SITEINFO_H

#include <stdbool.h>
#include <stdint.h>

struct site_info {
	char function[160];	/* function containing the go statement */
	char file[256];
	int line;
	/* the function the goroutines run, as its author wrote it (through
	 * compiler wrappers: include/binary/gowrap.h) */
	char start_function[160];
	bool system;		/* excluded from runtime.NumGoroutine() */
};

/* Fills info for a site: gopc is the go statement's return address. */
typedef void (*site_symbolizer)(void *ctx, uint64_t gopc, uint64_t startpc,
				struct site_info *info);

#endif /* GOSTRAY_SITEINFO_H */
