/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Goroutine profiles in pprof's format (profile.proto, gzip), from a
 * goroutine dump: what `go tool pprof` opens, diffs (-base) and draws.
 * Sample type goroutine/count; one sample per distinct stack, labelled
 * with the goroutines' state and creation site.
 */
#ifndef GOSTRAY_PROFILE_H
#define GOSTRAY_PROFILE_H

#include "process/dump.h"

enum profile_view {
	PROFILE_BY_BLOCKED,	/* where each goroutine is blocked now (all frames,
				 * runtime ones too, as Go's own goroutine profile) */
	PROFILE_BY_CREATION,	/* the go statement that created it */
};

/* "blocked" / "creation" -> view; -1 when neither. */
int profile_view_parse(const char *name);

/* Write d as a profile to path (never following a symlink there).  err
 * gets one line on failure. */
int profile_write_dump(const struct dump *d, enum profile_view view, const char *path,
		       char *err, size_t errlen);

struct model;
/*
 * The goroutines a capture saw alive at its end (a report model built
 * with frames), by the call path that created them (the creation stacks
 * the probe walked; goroutines born before attach have only their go
 * statement).  Labels: created_by, stack ("walked" or "before attach /
 * unknown"), start_function.
 */
int profile_write_capture_creation(const struct model *m, const char *path, char *err,
				   size_t errlen);

#endif /* GOSTRAY_PROFILE_H */
