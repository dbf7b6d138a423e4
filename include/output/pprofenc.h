/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pprof profile writer: builds a profile.proto message (the schema of
 * Debian's golang-github-google-pprof-dev, compiled by protoc-c into
 * $(OUTPUT)/pprof/profile.pb-c.[ch] at build time) and writes it gzip-
 * compressed, which is what `go tool pprof` reads.
 *
 * Made for goroutine profiles (sample type goroutine/count): one sample
 * per distinct stack and label set, its value the number of goroutines.
 * Every string, function, location and sample is deduplicated as it is
 * added, so memory grows with the distinct content, not with the number
 * of calls: adding the same stack 100 000 times costs one sample.
 *
 * Every input is copied (callers pass temporary buffers); a NULL string is
 * taken as "".  Functions returning int return 0 or a negative errno; on
 * an error the profile stays valid and can still be written, without the
 * sample that failed.  Not thread-safe: one profile belongs to one thread.
 */
#ifndef GOSTRAY_PPROFENC_H
#define GOSTRAY_PPROFENC_H

#include <stddef.h>
#include <stdint.h>

/*
 * Limits that keep one call bounded.  A longer stack keeps its innermost
 * PPROF_MAX_LOCS frames, as Go's own profiler does for deep stacks; a
 * longer string is cut.  More lines per location or more labels per
 * sample than below is a caller's bug: -E2BIG.
 */
#define PPROF_MAX_LOCS 1024
#define PPROF_MAX_LINES 64	/* inlined frames at one PC */
#define PPROF_MAX_LABELS 64
#define PPROF_MAX_STRLEN 16384
/* Distinct strings, functions, locations or samples per profile: -ENOSPC. */
#define PPROF_MAX_ENTRIES (1u << 24)

struct pprof_line {
	const char *function;	/* Go's full name, e.g. "main.(*T).run" */
	const char *file;
	int64_t line;
	int64_t start_line;	/* line of the func keyword, 0 if unknown */
};

/*
 * One location is one PC.  lines[0] is the innermost (inlined) function,
 * the last one the function it was inlined into, as profile.proto orders
 * them; a PC without inlining has one line.
 */
struct pprof_location {
	uint64_t address;
	const struct pprof_line *lines;
	size_t nlines;
};

/* A string label; `go tool pprof -tagfocus key=value` filters by it. */
struct pprof_label {
	const char *key;
	const char *str;
};

struct pprof_profile;

/*
 * A profile with one sample type, e.g. ("goroutine", "count"); the period
 * type is the same and the period 1, as in Go's goroutine profiles.
 * NULL when out of memory.
 */
struct pprof_profile *pprof_new(const char *sample_type, const char *sample_unit);

/* When the profile was taken (Unix ns) and over how long; 0 = unset. */
void pprof_set_time(struct pprof_profile *p, int64_t time_nanos, int64_t duration_nanos);

/* A free-text line `go tool pprof -comments` prints (target, Go version). */
int pprof_add_comment(struct pprof_profile *p, const char *comment);

/*
 * Optional: the target executable's mapping.  Locations whose address is
 * in [start, limit) are attached to it at write time.  It is marked as
 * already symbolized (functions, file names, lines, inlined frames), so
 * pprof never goes looking for the binary or a symbol server.
 * Calling it again replaces the mapping.
 */
int pprof_set_main_mapping(struct pprof_profile *p, uint64_t start, uint64_t limit,
			   uint64_t offset, const char *filename, const char *build_id);

/*
 * Add value to the sample of this stack (locs innermost first) with these
 * labels.  Samples with identical locations and labels (in any order) are
 * merged: their values are summed, saturating at INT64_MAX/MIN.  Labels are
 * stored sorted by key, then value.  -EINVAL on a NULL array with a nonzero
 * count, -E2BIG over the limits above, -ENOSPC, -ENOMEM.
 */
int pprof_add_sample(struct pprof_profile *p, const struct pprof_location *locs, size_t nlocs,
		     int64_t value, const struct pprof_label *labels, size_t nlabels);

/* Distinct samples so far (what `go tool pprof -raw` lists). */
size_t pprof_sample_count(const struct pprof_profile *p);

/*
 * Write the profile gzip-compressed to path, replacing it atomically: the
 * data goes to a new file next to it (O_EXCL, so never through a planted
 * symlink), mode 0644 whatever the umask (readable by the engineer who
 * runs pprof, never world-writable), which is fsynced and renamed over
 * path only when complete.  A path that exists and is not a regular file
 * (a symlink, a device, a directory) is refused, not followed or replaced.
 * On failure path is untouched and err (if not NULL) holds one line
 * naming the path and the cause.
 */
int pprof_write_gz(struct pprof_profile *p, const char *path, char *err, size_t errlen);

/*
 * The same gzip stream to an open fd (a pipe, stdout), which is neither
 * closed nor synced.  A reader closing the pipe raises SIGPIPE unless the
 * caller ignores it (then: -EPIPE).
 */
int pprof_write_gz_fd(struct pprof_profile *p, int fd, char *err, size_t errlen);

void pprof_free(struct pprof_profile *p);

#endif /* GOSTRAY_PPROFENC_H */
