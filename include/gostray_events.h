/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The record stream between bpf/gostray.bpf.c and the collector, and the
 * key of the in-kernel park counters.
 *
 * Every record that crosses the ring buffer is one fixed-size
 * struct gs_record whose first field is its type, so the consumer can
 * dispatch without looking at the size and a record can never be half
 * understood.  Fields are fixed-width so BPF (clang -target bpf) and
 * userspace (gcc) agree on the layout; the _Static_asserts below catch
 * any drift at compile time on both sides.
 *
 * This header is included by BPF code (with vmlinux.h) and by userspace
 * (with <stdint.h>), so it only uses the __u* types both provide.
 */
#ifndef GOSTRAY_EVENTS_H
#define GOSTRAY_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

enum gs_rec_type {
	GS_REC_CREATE = 1,	/* a goroutine was created (go statement, coroutine...) */
	/* 2 was a record per park: parks are now counted in the kernel
	 * (struct gs_park_key), the ring buffer carries only what changes
	 * the live counts */
	GS_REC_EXIT = 3,	/* a goroutine is being destroyed */
};

/* Which probe produced a GS_REC_CREATE: lets the collector tell go statements
 * from the runtime's other creators. */
enum gs_create_via {
	GS_VIA_NEWPROC = 0,	/* CALL runqput in runtime.newproc.func1: RBX = newg */
	GS_VIA_NEWPROC1_RET = 1,/* instruction after CALL newproc1 elsewhere: RAX = newg */
};

/* create.stack_id when the record has no creation stack; the ids the BPF
 * side hands out are random and never 0. */
#define GS_NO_STACK 0

/* Deepest creation stack a user can ask for (--stack-depth), counted from
 * the go statement. */
#define GS_STACK_DEPTH_MAX 64
/* The walk starts in the runtime: before the go statement come the return
 * address into runtime.systemstack and, from Go 1.21 (whose systemstack
 * has a frame of its own) or when systemstack did not switch, the return
 * address into the creator (runtime.newproc...): at most this many frames,
 * walked on top of the depth asked for. */
#define GS_STACK_LEAD_MAX 2

/* Which probe produced a GS_REC_EXIT. */
enum gs_exit_via {
	GS_EXIT_GDESTROY = 0,	/* runtime.gdestroy (Go 1.22+), RAX = gp */
	GS_EXIT_GOEXIT0 = 1,	/* runtime.goexit0 (Go <= 1.21), RAX = gp */
};

struct gs_record {
	__u32 type;		/* enum gs_rec_type, always first */
	__u32 tgid;		/* process the event happened in */
	__u64 ts_ns;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	/* goroutine the record is about; 0 in an exit that read no target
	 * memory (exit.g says which goroutine: see exit) */
	__u64 goid;
	union {
		struct {
			__u64 parent_goid;	/* 0 when unknown */
			__u64 gopc;		/* PC after the go statement's CALL */
			__u64 startpc;		/* entry PC of the goroutine's function */
			__u16 via;		/* enum gs_create_via */
			__u16 status;		/* g.atomicstatus at creation (< 0x2000) */
			/* the creating goroutine's call path, from the go
			 * statement outwards: a key of the creation_stacks
			 * map; GS_NO_STACK when not walked (--stack-depth 0)
			 * or lost (GS_STAT_STACK_*) */
			__u32 stack_id;
			__u64 g;		/* the new g's address in the target */
		} create;
		struct {
			__u32 via;		/* enum gs_exit_via */
			__u32 pad;
			/* so an exit of a goroutine we never saw born (it
			 * was born while the probes were being attached)
			 * still lands on its site: read (with goid) only
			 * until userspace has merged the process's baseline,
			 * 0 after (GS_TRACKED_MERGED) */
			__u64 gopc;
			__u64 startpc;
			/* the dying g's address: once the baseline is merged
			 * the collector knows every live goroutine's g (from
			 * its creation record or the baseline), so the exit
			 * needs no read of the target (each read costs
			 * ~80-100 ns); g structs are reused, but the ring
			 * buffer orders an exit before the creation that
			 * reuses its g */
			__u64 g;
		} exit;
		__u64 raw[5];
	};
};

#ifdef __cplusplus
static_assert(sizeof(struct gs_record) == 64, "gs_record layout changed");
#else
_Static_assert(sizeof(struct gs_record) == 64, "gs_record layout changed");
#endif

/*
 * Parks are not streamed: the park probe adds one to a per-CPU counter
 * under this key (the park_counts map), and userspace sums the CPUs when
 * it reports.  A park costs the target the kernel's trap and a hash
 * update, and the ring buffer carries nothing per park.
 */
struct gs_park_key {
	__u32 tgid;		/* process the goroutine parked in */
	__u32 reason;		/* runtime waitReason value (per Go version) */
	__u64 gopc;		/* the parking goroutine's go statement (g.gopc) */
};

#ifdef __cplusplus
static_assert(sizeof(struct gs_park_key) == 16, "gs_park_key layout changed");
#else
_Static_assert(sizeof(struct gs_park_key) == 16, "gs_park_key layout changed");
#endif

/* Values of the tracked_tgids map (node mode): a process being attached,
 * whose exits carry their goid and site, and one whose baseline userspace
 * has merged, whose exits carry only the g's address.  Single-process mode
 * says the same with the exits_by_g global. */
#define GS_TRACKED_ATTACHING 1
#define GS_TRACKED_MERGED 2

/*
 * Struct offsets the BPF programs need, filled by userspace from DWARF or
 * from the per-Go-version table before the object is loaded (.rodata).
 */
struct gs_bpf_offsets {
	__u32 g_goid;		/* runtime.g.goid */
	__u32 g_m;		/* runtime.g.m */
	__u32 g_gopc;		/* runtime.g.gopc */
	__u32 g_startpc;	/* runtime.g.startpc */
	__u32 g_parent_goid;	/* runtime.g.parentGoid, 0 when the version has none */
	__u32 g_atomicstatus;	/* runtime.g.atomicstatus */
	__u32 m_curg;		/* runtime.m.curg */
	/* One read of the g instead of one per field: [g_window,
	 * g_window + g_window_len) holds every g field above but g_m, at
	 * most GS_G_WINDOW_MAX bytes; g_window_len 0: read field by field */
	__u32 g_window;
	__u32 g_window_len;
	__u32 pad;
};

/* Every bpf_probe_read_user costs a fixed ~50-100 ns: one window of the g
 * (160-176 bytes in Go 1.17-1.27) replaces five reads per creation and three
 * per exit. */
#define GS_G_WINDOW_MAX 256

/* Counters the BPF side keeps in a per-CPU array map ("stats"), summed by
 * userspace: nothing is dropped without being counted here. */
enum gs_stat {
	GS_STAT_LOST = 0,	/* ring buffer full: record not delivered */
	GS_STAT_CREATE_HITS,	/* creation probes that produced a record */
	GS_STAT_PARK_HITS,
	GS_STAT_EXIT_HITS,
	GS_STAT_READ_FAULTS,	/* bpf_probe_read_user failed: record skipped */
	GS_STAT_STACK_FAULTS,	/* creation stack walk failed: record without stack */
	GS_STAT_STACK_FULL,	/* creation stack maps full: record without stack */
	GS_STAT_PARK_DROPPED,	/* park_counts full: a park of a new key not counted */
	GS_STAT_MAX,
};

#endif /* GOSTRAY_EVENTS_H */
