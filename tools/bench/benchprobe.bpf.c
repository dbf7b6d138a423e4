// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The two reference tracers tools/bench/bench compares gostray against.
 *
 * naive_*: what `bpftrace -e 'uprobe:BIN:runtime.newproc1 {...}'` does -
 * a plain uprobe on a runtime function's first instruction, reading a few
 * fields and emitting one record per event (the gs_record layout of
 * include/gostray_events.h, same ring buffer and wakeup policy as
 * bpf/gostray.bpf.c; a park too, which gostray counts in the kernel
 * instead), so that the difference to gostray is where the probe sits.
 *
 * empty: returns at once.  Attached on exactly gostray's instructions it
 * is the floor: what the kernel's trap and instruction emulation cost,
 * whatever the handler does.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "gostray_events.h"

/* A park record, which gostray's stream does not have: type and reason
 * in the gs_record layout. */
#define NAIVE_REC_PARK 2

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u32 filter_tgid = 0;
const volatile __u32 goid_off = 0;	/* runtime.g.goid, from gostray info */
const volatile __u64 wakeup_bytes = 1 << 20;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, GS_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline void stat_inc(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &which);

	if (v)
		*v += 1;
}

static __always_inline struct gs_record *reserve(__u32 type)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct gs_record *r;

	if (filter_tgid && tgid != filter_tgid)
		return NULL;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		stat_inc(GS_STAT_LOST);
		return NULL;
	}
	r->type = type;
	r->tgid = tgid;
	r->ts_ns = bpf_ktime_get_ns();
	r->raw[0] = r->raw[1] = r->raw[2] = r->raw[3] = r->raw[4] = 0;
	return r;
}

static __always_inline void submit(struct gs_record *r, __u32 stat)
{
	__u64 queued = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);

	bpf_ringbuf_submit(r, queued >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP
						     : BPF_RB_NO_WAKEUP);
	stat_inc(stat);
}

static __always_inline __u64 goid_of(__u64 g)
{
	__u64 goid = 0;

	if (bpf_probe_read_user(&goid, sizeof(goid), (void *)(g + goid_off)))
		stat_inc(GS_STAT_READ_FAULTS);
	return goid;
}

SEC("uprobe")
int empty(struct pt_regs *ctx)
{
	return 0;
}

/* Entry of runtime.newproc1(fn *funcval, callergp *g, callerpc uintptr)
 * (Go 1.18+ register ABI: RAX, RBX, RCX).  The new goid does not exist
 * yet at entry; an entry tracer gets the parent, the site and the entry. */
SEC("uprobe")
int naive_create(struct pt_regs *ctx)
{
	struct gs_record *r = reserve(GS_REC_CREATE);
	__u64 startpc = 0;

	if (!r)
		return 0;
	bpf_probe_read_user(&startpc, sizeof(startpc), (void *)ctx->ax);
	r->create.parent_goid = goid_of(ctx->bx);
	r->create.gopc = ctx->cx;
	r->create.startpc = startpc;
	submit(r, GS_STAT_CREATE_HITS);
	return 0;
}

/* Entry of runtime.gopark: R14 is the parking g, CL its waitReason. */
SEC("uprobe")
int naive_park(struct pt_regs *ctx)
{
	struct gs_record *r = reserve(NAIVE_REC_PARK);

	if (!r)
		return 0;
	r->goid = goid_of(ctx->r14);
	r->raw[0] = (__u8)ctx->cx;	/* the waitReason */
	submit(r, GS_STAT_PARK_HITS);
	return 0;
}

/* Entry of runtime.goexit1: still on the dying goroutine, R14 = g. */
SEC("uprobe")
int naive_exit(struct pt_regs *ctx)
{
	struct gs_record *r = reserve(GS_REC_EXIT);

	if (!r)
		return 0;
	r->goid = goid_of(ctx->r14);
	submit(r, GS_STAT_EXIT_HITS);
	return 0;
}
