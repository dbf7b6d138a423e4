/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Node mode (`gostray node`): every Go process on the host, found by
 * inspecting executables (not names), traced with one probeset per
 * distinct binary (uprobes live on the file: one set serves every process
 * of that binary, filtered and keyed by tgid in BPF) and one tracedproc per
 * process, whose baseline is read when the process is first seen.
 * Processes that start later are found by a periodic scan of /proc;
 * those that exit are forgotten, and a binary without processes gives its
 * probes and memory back.
 *
 * Without probes (--probes none) every process is read from snapshots;
 * a process whose site turns suspect or leak is escalated: the binary's
 * probes are loaded and that process alone is tracked in BPF for a
 * bounded window, a second tracedproc (exact creations, exits and
 * creation stacks) beside the snapshots' one, which keeps the live counts
 * and verdicts throughout.  Per site, the creations and exits of every
 * window are summed (node_exact_counts): counters that only count while
 * probed, and never go back.
 */
#ifndef GOSTRAY_NODE_H
#define GOSTRAY_NODE_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "trace/tracedproc.h"
#include "process/target.h"

struct node_process;

struct node_opts {
	const regex_t *include_exe;	/* NULL: every executable (basename) */
	const regex_t *exclude_exe;
	const regex_t *include_cgroup;	/* matched against /proc/PID/cgroup */
	const regex_t *exclude_cgroup;
	bool park;
	int stack_depth;
	size_t ringbuf_bytes;	/* per binary, power of two */
	size_t max_processes;	/* traced at once; more are counted, not traced */
	double scan_interval_s;
	/* Budget: over max_cpu_pct of one core (measured over 10 s), the
	 * park probes go (parks stop counting); over
	 * max_rss_bytes, no new process is attached.  0: no cap. */
	double max_cpu_pct;
	uint64_t max_rss_bytes;
	void (*log)(const char *line);	/* one line per process attached/forgotten */
	/* --probes none: no process is probed; each is read every
	 * snapshot_interval_s (0: NODE_DEFAULT_SNAPSHOT_INTERVAL_S) */
	bool probe_free;
	double snapshot_interval_s;
	/* Escalation (probe_free only): the window's length (0: never
	 * escalate), how many processes at once, the creation stack depth
	 * of its probes, and what to do with a window's exact counts when
	 * it ends (why: "window over", "exited"...). */
	double escalate_window_s;
	size_t max_escalations;
	int escalate_stack_depth;
	void (*escalation_over)(const struct node_process *p, const char *why);
};

#define NODE_DEFAULT_SNAPSHOT_INTERVAL_S 5.0
#define NODE_DEFAULT_ESCALATE_WINDOW_S 60.0
#define NODE_DEFAULT_MAX_ESCALATIONS 2
#define NODE_DEFAULT_ESCALATE_STACK_DEPTH 16

/* One traced process, as node_for_each_process() shows it. */
struct node_process {
	pid_t pid;
	uint64_t start_ticks;	/* /proc/PID/stat starttime: tells PID reuse */
	char exe_base[64];	/* basename of the executable */
	char container_id[80];	/* from the cgroup path, "" when none */
	char pod_uid[48];	/* from the cgroup path (kubepods), "" when none */
	struct target t;	/* shares the binary's analysis */
	struct tracedproc pt;
	struct node_binary *bin;
	/* escalated (probe-free node only): probed since esc.attach_ns, its
	 * window's counts in esc */
	bool escalated;
	struct tracedproc esc;
	void *user;		/* for the caller (metrics state) */
	void (*free_user)(void *user);
};

/* What node mode did, for its own metrics. */
struct node_health {
	uint64_t processes;	/* traced now */
	uint64_t binaries;	/* probesets now */
	uint64_t attached_total;	/* processes ever attached */
	uint64_t forgotten_total;	/* processes that exited and were forgotten */
	uint64_t refused_total;	/* Go processes that could not be traced */
	uint64_t over_limit_total;	/* not traced: max_processes reached */
	uint64_t over_memory_total;	/* not traced: the memory cap reached */
	uint64_t park_probes_dropped;	/* binaries whose park probes the CPU cap took */
	bool cpu_capped;	/* the CPU cap is in force */
	bool park_counted;	/* park probes asked for (--park): parks per site */
	uint64_t lost_events;	/* sum over the binaries' ring buffers, ever */
	uint64_t create_hits, park_hits, exit_hits;
	uint64_t scans;
	/* escalations: windows opened ever, open now, and times one was
	 * due but refused (max_escalations reached, over the CPU cap, or
	 * the probes could not be attached) */
	bool escalating;	/* escalation on (probe-free, a window > 0) */
	uint64_t escalations_total;
	uint64_t escalations_active;
	uint64_t escalations_refused_max;
	uint64_t escalations_refused_cpu;
	uint64_t escalations_failed;
};

struct node;

int node_open(struct node **out, const struct node_opts *o, char *err, size_t errlen);

/* Wait up to timeout_ms for records, feed them, forget exited processes
 * and, when due, scan /proc for new ones. */
int node_poll(struct node *n, int timeout_ms);

/* Snapshot every process's wait reasons (for verdicts) and, with park
 * probes, read their park counters. */
void node_refresh_waits(struct node *n);

void node_for_each_process(struct node *n, void (*cb)(struct node_process *p, void *ctx),
			   void *ctx);

void node_health(const struct node *n, struct node_health *h);

/* A probe-free process's exact creations and exits at the site of gopc,
 * summed over its escalation windows (the open one included); 0 where no
 * window counted any. */
void node_exact_counts(const struct node_process *p, uint64_t gopc, uint64_t *created,
		       uint64_t *exited);

/* The container id (64 hex digits) and Kubernetes pod uid a
 * /proc/PID/cgroup text names, "" when none. */
void node_cgroup_ids(const char *cgroup, char *cid, size_t cidlen, char *pod, size_t podlen);

/* gostray's resident memory now (/proc/self/statm). */
uint64_t node_rss_bytes(void);

/* gostray's CPU time so far, user + system, every thread. */
double node_cpu_seconds(void);

/* Detach everything; nothing stays in any process. */
void node_close(struct node *n);

#endif /* GOSTRAY_NODE_H */
