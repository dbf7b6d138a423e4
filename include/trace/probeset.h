/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The probes of one Go binary: its BPF object (offsets, stack maps, ring
 * buffer) and the uprobes on its runtime, in the order libbpf-bootstrap
 * taught: open -> set rodata -> load -> attach -> destroy.
 *
 * Uprobes live on the file.  With a pid the kernel plants the breakpoints
 * in that process only (`top`, `capture`); with none (node mode) one set
 * serves every process running the binary, and the BPF side keeps records
 * only for the processes put in its tracked_tgids map.
 */
#ifndef GOSTRAY_PROBESET_H
#define GOSTRAY_PROBESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "gostray_events.h"
#include "binary/probeplan.h"
#include "process/target.h"

struct gostray_bpf;
struct bpf_link;

struct probeset_opts {
	bool park;		/* attach the park probe (park counters) */
	size_t ringbuf_bytes;	/* power of two */
	int stack_depth;	/* creation stack frames, 0: none */
	pid_t pid;		/* > 0: this process only; 0: every process of
				 * the binary that probeset_track() names */
	size_t max_tracked;	/* pid 0: processes at most (default 4096) */
};

struct probeset {
	struct gostray_bpf *skel;
	struct bpf_link *links[PROBES_MAX];	/* in attach order */
	enum probe_kind kinds[PROBES_MAX];	/* what each link probes */
	int nlinks;
	int stack_depth;	/* as asked, bounded */
	pid_t pid;		/* as in probeset_opts */
	uint64_t attach_begin_ns;	/* first probe being attached */
	uint64_t attach_ns;	/* every probe live (CLOCK_MONOTONIC) */
};

/* The creation stack depth walked for --stack-depth asked: 0 to
 * GS_STACK_DEPTH_MAX. */
int probeset_stack_depth(int asked);

/* Open and load the BPF object for t's binary (its offsets).  On failure
 * err holds one line and nothing is left to close. */
int probeset_load(struct probeset *ps, const struct target *t,
		  const struct probeset_opts *o, char *err, size_t errlen);

/* Attach t's probe plan, exit probes first (a goroutine whose creation is
 * recorded must have its exit recorded too).  t->exe names the file. */
int probeset_attach(struct probeset *ps, const struct target *t,
		    const struct probeset_opts *o, char *err, size_t errlen);

/* Node mode: start or stop keeping the records of process tgid. */
int probeset_track(struct probeset *ps, uint32_t tgid, bool on);
/* Once tgid's baseline is merged: its exits read nothing of the target and
 * carry the g's address only (include/gostray_events.h, exit.g).  On
 * failure they go on reading their goid and site: slower, as exact. */
int probeset_exits_by_g(struct probeset *ps, uint32_t tgid);

/* The ring buffer map's fd, for ring_buffer__new / __add. */
int probeset_events_fd(const struct probeset *ps);

/* A stack_reader (collector.h); ctx is the probeset. */
int probeset_read_stack(void *ctx, uint32_t id, uint64_t *pcs, int max);

/* Sum of the BPF per-CPU counters. */
void probeset_stats(const struct probeset *ps, uint64_t stats[GS_STAT_MAX]);

/* Remove the probes of one kind (node mode's CPU cap, park sampling: the
 * park probe); how many were removed. */
int probeset_detach_kind(struct probeset *ps, enum probe_kind kind);

/* (Re)attach t's probes of one kind; nothing if they are live already.
 * On failure none of that kind stays attached and err holds one line. */
int probeset_attach_kind(struct probeset *ps, const struct target *t,
			 enum probe_kind kind, char *err, size_t errlen);

/* Every park counter (all CPUs summed), one call per key; how many keys,
 * <0 on error.  Counters only grow while the process lives. */
int probeset_read_parks(const struct probeset *ps,
			void (*cb)(void *ctx, const struct gs_park_key *key, uint64_t count),
			void *ctx);

/* Node mode: drop the park counters of a process that is gone. */
void probeset_forget_parks(struct probeset *ps, uint32_t tgid);

/* Remove every probe, creation first.  Idempotent. */
void probeset_detach(struct probeset *ps);

/* Detach and free; safe after a failed load. */
void probeset_close(struct probeset *ps);

#endif /* GOSTRAY_PROBESET_H */
