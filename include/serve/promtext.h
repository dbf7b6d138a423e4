/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Prometheus text exposition (format 0.0.4) of `gostray node`: what every
 * attached process's creation sites count, and gostray's own health.
 * Rendering only: the caller fills plain structs from its collectors, so
 * this file knows nothing of the tracer and the HTTP server only serves
 * the text (include/serve/httpserver.h).
 *
 * Series of one process carry the labels pid, exe, container_id and pod
 * (always present, "" when unknown, so that PromQL needs no `or`); site
 * series add site_function, site_file and site_line.  Names come from the
 * target and are hostile: label values are made valid UTF-8 (a bad byte
 * becomes U+FFFD, control characters other than newline become '?'),
 * bounded (function names keep their first PROMTEXT_LABEL_MAX bytes, file
 * names their last, "..." marks the cut) and escaped.
 *
 * Cardinality bound (README.md "Node mode" quotes this):
 *   At most N sites of each process (--top-sites N, default 50) get series
 *   of their own; every other site of the process is summed into one series
 *   with site_function="other", site_file="", site_line="0".  A site is
 *   promoted to its own series while slots are free, best first: leak
 *   verdicts, then suspect, then ok, each by live count, then by created
 *   count; the last N/5 slots are kept for leak and suspect sites, so that
 *   a leak that starts late still gets its own series.  Promotion is
 *   sticky: a site keeps its series for as long as its process lives, so
 *   its counters never go back.  The `other` counters never go back
 *   either: when a site leaves `other`, `other` keeps what that site had
 *   counted until then.  rate() and increase() summed over a process are
 *   exact; only the raw sum of a process's counter values counts a
 *   promoted site's past twice (use gostray_process_goroutines for the
 *   live total).
 */
#ifndef GOSTRAY_PROMTEXT_H
#define GOSTRAY_PROMTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROMTEXT_DEFAULT_TOP_SITES 50
#define PROMTEXT_MAX_TOP_SITES 10000
#define PROMTEXT_LABEL_MAX 128	/* bytes of a function or file label value */
#define PROMTEXT_SHORT_LABEL_MAX 64	/* exe, container_id, pod, go_version */

struct promtext_site {
	uint64_t key;		/* stable id of the site in its process: its pc */
	const char *function;	/* of the go statement; NULL reads "" */
	const char *file;
	int line;
	uint64_t live;
	uint64_t created;	/* cumulative since attach */
	uint64_t exited;	/* cumulative since attach */
	uint64_t parks;		/* cumulative since attach (--park) */
	int verdict;		/* enum verdict_kind: 0 ok, 1 suspect, 2 leak */
};

/*
 * Which sites of one process have series of their own, and what `other`
 * showed: one per process, owned by the caller for as long as the process
 * lives (a new process, even with a reused pid, gets a fresh one).
 */
struct promtext_cardinality {
	unsigned int top;	/* N */
	uint64_t *keys;		/* promoted sites' keys, sorted; room for top */
	unsigned int n;
	bool other_shown;	/* `other` had series: keep them */
	uint64_t other_base_created;	/* promoted sites' counts when promoted */
	uint64_t other_base_exited;
	uint64_t other_base_parks;
	uint64_t other_created;	/* last shown: never go back */
	uint64_t other_exited;
	uint64_t other_parks;
};

struct promtext_process {
	int pid;
	const char *exe;		/* basename; NULL reads "" */
	const char *container_id;	/* "" or NULL when none */
	const char *pod;		/* "" or NULL when unknown */
	const char *go_version;		/* "go1.22.1" */
	const struct promtext_site *sites;
	size_t nsites;
	struct promtext_cardinality *card;	/* promtext_render() promotes into it */
	/* read from snapshots only (--probes none): its created, exited and
	 * parks are lower bounds and no counter of it is exported (a counter
	 * must be exact and never go back); gostray_process_mode says so */
	bool probe_free;
	/* probe-free, but escalated: probes on it for a window, its
	 * created and exited the exact sums over its windows (exported) */
	bool escalated;
	/* goids the runtime handed out since gostray first read the process
	 * (its creations, to batches of 16 per P); have_goids false: unknown */
	bool have_goids;
	uint64_t goids;
};

/* What gostray's own budget made it drop or sample, by kind. */
struct promtext_drop {
	const char *what;	/* "events", "processes", "sites"... */
	uint64_t count;
};

struct promtext_self {
	uint64_t processes;	/* attached now */
	uint64_t binaries;	/* distinct executables probed now */
	uint64_t lost_events;	/* ring buffer records the kernel dropped */
	uint64_t create_hits, park_hits, exit_hits;	/* probe hits */
	double cpu_seconds;	/* user + system */
	uint64_t rss_bytes;
	const struct promtext_drop *drops;
	size_t ndrops;
	bool parks;		/* park probes configured: the parks family */
	/* probe-free node: windows of probes opened ever, and open now */
	bool escalating;
	uint64_t escalations_total, escalations_active;
};

/* top is clamped to [1, PROMTEXT_MAX_TOP_SITES].  0 or -ENOMEM. */
int promtext_cardinality_init(struct promtext_cardinality *c, unsigned int top);
void promtext_cardinality_free(struct promtext_cardinality *c);

/* Whether the site with this key has series of its own. */
bool promtext_cardinality_promoted(const struct promtext_cardinality *c, uint64_t key);

/*
 * Promotes the sites of p that deserve a free slot (the rule above).
 * promtext_render() calls it; exposed for tests.
 */
void promtext_cardinality_update(struct promtext_cardinality *c,
				const struct promtext_site *sites, size_t nsites);

/*
 * The exposition of procs and self, NUL-terminated, in *text (malloc'd,
 * the caller frees) and its length in *len.  Updates every process's
 * cardinality state first (its only side effect).  0 or -ENOMEM.
 */
int promtext_render(const struct promtext_process *procs, size_t nprocs,
		   const struct promtext_self *self, char **text, size_t *len);

/*
 * A target's name as a bounded, valid UTF-8 label value (not yet escaped)
 * in dst (room for max + 1 bytes): keep_tail keeps the end of a long name
 * (file paths), else its beginning.  Exposed for tests.
 */
void promtext_label_clean(char *dst, size_t max, const char *src, bool keep_tail);

#endif /* GOSTRAY_PROMTEXT_H */
