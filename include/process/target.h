/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A target: a Go executable (a file, or the one a live process runs)
 * with everything gostray derived from it: version, offsets, probe plan,
 * where allgs is, and for a process the load bias.  Built once, before any
 * probe is attached, so that an unsupported target is refused without
 * touching it.
 */
#ifndef GOSTRAY_TARGET_H
#define GOSTRAY_TARGET_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>
#include "binary/gobin.h"
#include "binary/offsets.h"
#include "binary/probeplan.h"

struct target {
	pid_t pid;			/* 0 when analysing a file */
	char exe[PATH_MAX];		/* what we opened: /proc/PID/exe or a path */
	char exe_name[PATH_MAX];	/* what the process calls it (readlink) */
	struct gobin *gb;
	int minor;			/* Go 1.minor */
	struct go_offsets off;
	char offsets_note[256];		/* e.g. DWARF vs table disagreement */
	struct probe_plan plan;
	struct gobin_var allglen, allgptr;
	/* runtime.sched, whose first field is the goid allocator
	 * (sched.goidgen): have_sched false when it cannot be found */
	struct gobin_var sched;
	bool have_sched;
	uint64_t bias;			/* runtime addr = link-time addr + bias */
	bool supported;			/* every step above succeeded */
	bool gb_borrowed;		/* gb belongs to another target (node mode) */
	char unsupported[512];		/* else: why (same as target_open's err) */
};

/*
 * Analyse a PID (all digits) or a path.  On failure err holds one line
 * naming what is missing or unsupported; nothing was attached.  Whatever
 * was found before the failing step stays in t (gb may be set) for
 * `gostray info`; always call target_close().
 */
int target_open(struct target *t, const char *pid_or_path, char *err, size_t errlen);
void target_close(struct target *t);

/*
 * Node mode: another process running the binary bin was analysed for
 * (same file): share bin's analysis (bin must outlive t), with pid's own
 * exe path and load bias.  err gets one line.
 */
int target_for_process(struct target *t, const struct target *bin, pid_t pid,
		       char *err, size_t errlen);

/* Runtime address of a link-time address. */
static inline uint64_t target_addr(const struct target *t, uint64_t link_addr)
{
	return link_addr + t->bias;
}

struct site_info;
/* A site_symbolizer (process/siteinfo.h) for this target; ctx is the target. */
void target_symbolize_site(void *ctx, uint64_t gopc, uint64_t startpc,
			   struct site_info *info);

#endif /* GOSTRAY_TARGET_H */
