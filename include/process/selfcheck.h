/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Before trusting the struct offsets on a live target, check them on what
 * they read: a snapshot of runtime.allgs must show plausible goroutines
 * (distinct small positive goids, creation PCs inside the Go text, start
 * PCs at function entries).  Offsets from the wrong version, or a wrong
 * allgs address, fail this long before they would produce a wrong report.
 */
#ifndef GOSTRAY_SELFCHECK_H
#define GOSTRAY_SELFCHECK_H

#include <stddef.h>
#include "process/allgs.h"
#include "process/target.h"

struct selfcheck_result {
	size_t checked;		/* live goroutines looked at */
	size_t bad_goid;	/* 0, huge, or repeated */
	size_t bad_gopc;	/* creation PC not in the Go text */
	size_t bad_startpc;	/* start PC not a function entry */
};

/* 0 when s looks like goroutines read with the right offsets; else
 * -EPROTO with one line in err saying what did not add up.  A snapshot is
 * racy, so a few odd entries (at most 1 in 10) are tolerated. */
int selfcheck_snapshot(const struct target *t, const struct snapshot *s,
		       struct selfcheck_result *res, char *err, size_t errlen);

#endif /* GOSTRAY_SELFCHECK_H */
