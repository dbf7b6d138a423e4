// SPDX-License-Identifier: BSD-2-Clause
/*
 * The live trace.  Probes go live first, then the baseline snapshot is
 * read, then the records produced meanwhile are drained, and only then is
 * the baseline merged (collector.h explains why this order counts every
 * goroutine exactly once).
 */
#define _GNU_SOURCE
#include <bpf/libbpf.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "gostray_events.h"
#include "gostray.skel.h"
#include "selfcheck.h"
#include "tracer.h"
#include "waitreasons.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static int on_ring_record(void *ctx, void *data, size_t size)
{
	struct tracer *tr = ctx;

	if (size < sizeof(struct gs_record))
		return 0;	/* cannot happen with fixed-size records */
	collector_on_record(tr->coll, data);
	return 0;
}

/* A stack_reader (collector.h): the frames the BPF side stored under id. */
static int read_creation_stack(void *ctx, uint32_t id, uint64_t *pcs, int max)
{
	struct tracer *tr = ctx;
	uint64_t buf[GS_STACK_LEAD_MAX + GS_STACK_DEPTH_MAX];
	int walked = GS_STACK_LEAD_MAX + tr->stack_depth, n;

	if (!tr->skel || tr->stack_depth <= 0)
		return -ENOENT;
	if (bpf_map__lookup_elem(tr->skel->maps.creation_stacks, &id, sizeof(id), buf,
				 walked * sizeof(*buf), 0))
		return -errno;
	/* zero-padded after the outermost frame */
	for (n = 0; n < walked && n < max && buf[n]; n++)
		pcs[n] = buf[n];
	return n;
}

/*
 * The creation stack maps are keyed (stack_ids) and valued
 * (creation_stacks) by the walked stack itself: depth frames from the go
 * statement plus the runtime's lead, sized before load.  With no stacks
 * they shrink to one entry of one frame, allocated lazily: no cost.
 */
static void size_stack_maps(struct gostray_bpf *skel, int depth)
{
	int walked = depth > 0 ? GS_STACK_LEAD_MAX + depth : 0;
	__u32 bytes = (walked ? walked : 1) * sizeof(__u64);

	skel->rodata->stack_depth = walked;
	bpf_map__set_key_size(skel->maps.stack_ids, bytes);
	bpf_map__set_value_size(skel->maps.creation_stacks, bytes);
	if (depth <= 0) {
		bpf_map__set_max_entries(skel->maps.stack_ids, 1);
		bpf_map__set_max_entries(skel->maps.creation_stacks, 1);
	}
}

static struct bpf_program *program_for(struct gostray_bpf *skel, enum probe_kind k)
{
	switch (k) {
	case PROBE_CREATE_RUNQPUT: return skel->progs.on_create_runqput;
	case PROBE_CREATE_NEWPROC1_RET: return skel->progs.on_create_newproc1_ret;
	case PROBE_PARK: return skel->progs.on_park;
	case PROBE_EXIT_GDESTROY: return skel->progs.on_exit_gdestroy;
	case PROBE_EXIT_GOEXIT0: return skel->progs.on_exit_goexit0;
	}
	return NULL;
}

static void set_bpf_offsets(struct gostray_bpf *skel, const struct go_offsets *o)
{
	struct gs_bpf_offsets *b = (struct gs_bpf_offsets *)&skel->rodata->off;

	b->g_goid = o->g_goid;
	b->g_m = o->g_m;
	b->g_gopc = o->g_gopc;
	b->g_startpc = o->g_startpc;
	b->g_parent_goid = o->g_parent_goid == GO_NO_FIELD ? 0 : o->g_parent_goid;
	b->g_atomicstatus = o->g_atomicstatus;
	b->m_curg = o->m_curg;
}

/*
 * Exit probes go live before creation probes: a goroutine whose creation we
 * record must also have its exit recorded, even if it lives only for the
 * few milliseconds an attach takes.
 */
static const enum probe_kind attach_order[] = {
	PROBE_EXIT_GDESTROY, PROBE_EXIT_GOEXIT0, PROBE_PARK,
	PROBE_CREATE_NEWPROC1_RET, PROBE_CREATE_RUNQPUT,
};

static int attach_point(struct tracer *tr, const struct probe_point *p,
			char *err, size_t errlen)
{
	struct bpf_program *prog = program_for(tr->skel, p->kind);
	struct bpf_link *link;

	/* With a pid the kernel plants the breakpoint only in this process's
	 * memory: other users of the binary never trap. */
	link = bpf_program__attach_uprobe(prog, false, tr->t->pid, tr->t->exe,
					  p->file_offset);
	if (!link) {
		int e = errno;

		snprintf(err, errlen, "cannot attach the %s probe in %s at file "
			 "offset 0x%lx: %s", probe_kind_name(p->kind), p->function,
			 (unsigned long)p->file_offset, strerror(e));
		return -e;
	}
	tr->links[tr->nlinks++] = link;
	return 0;
}

static int attach_probes(struct tracer *tr, const struct tracer_opts *o,
			 char *err, size_t errlen)
{
	const struct probe_plan *plan = &tr->t->plan;
	size_t k;
	int i, ret;

	for (k = 0; k < sizeof(attach_order) / sizeof(*attach_order); k++) {
		if (attach_order[k] == PROBE_PARK && !o->park)
			continue;
		for (i = 0; i < plan->n; i++) {
			if (plan->points[i].kind != attach_order[k])
				continue;
			ret = attach_point(tr, &plan->points[i], err, errlen);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static void detach_probes(struct tracer *tr)
{
	while (tr->nlinks > 0)
		bpf_link__destroy(tr->links[--tr->nlinks]);
}

/* The self-check judges offsets on a sample: the oldest gs (the runtime's
 * own and the first user goroutines) are enough, and a target with 100k
 * goroutines is then not read in full twice. */
#define SELFCHECK_SAMPLE 4096

static int read_snapshot_upto(struct tracer *tr, struct snapshot *s, size_t max_gs,
			      char *err, size_t errlen)
{
	struct snapshot_source src = {
		.mem = &tr->mem,
		.off = &tr->t->off,
		.allglen_addr = target_addr(tr->t, tr->t->allglen.addr),
		.allgptr_addr = target_addr(tr->t, tr->t->allgptr.addr),
		.max_gs = max_gs,
	};

	return snapshot_read(&src, s, err, errlen);
}

static int read_snapshot(struct tracer *tr, struct snapshot *s, char *err, size_t errlen)
{
	return read_snapshot_upto(tr, s, 0, err, errlen);
}

/* Before any probe: do the offsets read plausible goroutines here? */
static int check_offsets(struct tracer *tr, char *err, size_t errlen)
{
	struct selfcheck_result res;
	struct snapshot s;
	char why[384];
	int ret;

	ret = read_snapshot_upto(tr, &s, SELFCHECK_SAMPLE, why, sizeof(why));
	if (ret) {
		snprintf(err, errlen, "cannot read the goroutine list of PID %d: %s",
			 tr->t->pid, why);
		return ret;
	}
	ret = selfcheck_snapshot(tr->t, &s, &res, why, sizeof(why));
	if (ret)
		snprintf(err, errlen, "PID %d: %s", tr->t->pid, why);
	snapshot_free(&s);
	return ret;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN && getenv("GOSTRAY_DEBUG"))
		return vfprintf(stderr, fmt, ap);
	if (level == LIBBPF_DEBUG && getenv("GOSTRAY_DEBUG"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

int tracer_start(struct tracer *tr, struct target *t, const struct tracer_opts *o,
		 char *err, size_t errlen)
{
	struct snapshot base;
	char why[256];
	int ret;

	memset(tr, 0, sizeof(*tr));
	tr->t = t;
	tr->pidfd = -1;
	tr->stack_depth = o->stack_depth < 0 ? 0 : o->stack_depth > GS_STACK_DEPTH_MAX ?
			  GS_STACK_DEPTH_MAX : o->stack_depth;
	tr->mem.mem_fd = -1;
	libbpf_set_print(libbpf_quiet);

	tr->coll = collector_new(target_symbolize_site, t);
	if (!tr->coll) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	collector_set_stack_reader(tr->coll, read_creation_stack, tr, tr->stack_depth);
	ret = procmem_open(&tr->mem, t->pid);
	if (ret) {
		snprintf(err, errlen, "cannot open /proc/%d/mem: %s%s", t->pid,
			 strerror(-ret), ret == -EACCES || ret == -EPERM ?
			 " (needs CAP_SYS_PTRACE)" : "");
		goto err_free_collector;
	}
	tr->pidfd = (int)syscall(SYS_pidfd_open, t->pid, 0);

	ret = check_offsets(tr, err, errlen);
	if (ret)
		goto err_close_mem;

	tr->skel = gostray_bpf__open();
	if (!tr->skel) {
		snprintf(err, errlen, "cannot open the BPF object: %s", strerror(errno));
		ret = -errno;
		goto err_close_mem;
	}
	tr->skel->rodata->filter_tgid = (__u32)t->pid;
	tr->skel->rodata->wakeup_bytes = o->ringbuf_bytes / 8;
	set_bpf_offsets(tr->skel, &t->off);
	size_stack_maps(tr->skel, tr->stack_depth);
	bpf_map__set_max_entries(tr->skel->maps.events, (__u32)o->ringbuf_bytes);
	ret = gostray_bpf__load(tr->skel);
	if (ret) {
		snprintf(err, errlen, "cannot load the BPF programs: %s%s",
			 strerror(-ret), ret == -EPERM ?
			 " (needs root, or CAP_BPF and CAP_PERFMON)" : "");
		goto err_destroy_skel;
	}
	tr->rb = ring_buffer__new(bpf_map__fd(tr->skel->maps.events),
				  on_ring_record, tr, NULL);
	if (!tr->rb) {
		ret = -errno;
		snprintf(err, errlen, "cannot set up the ring buffer: %s", strerror(-ret));
		goto err_destroy_skel;
	}
	tr->attach_begin_ns = monotonic_ns();
	ret = attach_probes(tr, o, err, errlen);
	if (ret)
		goto err_detach;
	tr->attach_ns = monotonic_ns();

	ret = read_snapshot(tr, &base, why, sizeof(why));
	if (ret) {
		snprintf(err, errlen, "cannot read the goroutine list of PID %d: %s",
			 t->pid, why);
		goto err_detach;
	}
	/* Records produced while the snapshot was read go in first. */
	ring_buffer__consume(tr->rb);
	collector_merge_baseline(tr->coll, &base, tr->attach_ns);
	collector_apply_snapshot(tr->coll, &base);
	tr->baseline_live = base.n;
	snapshot_free(&base);
	/* Up to Go 1.23 newproc1 marks a reused g runnable before it writes
	 * the new goid: a second look drops goroutines the first read saw
	 * half-made.  From 1.24 the goid is written first. */
	if (t->minor <= 23)
		tracer_refresh_waits(tr);
	tr->baseline_ns = monotonic_ns();
	/* The series start at the attach, with the baseline's counts. */
	collector_sample(tr->coll, tr->attach_ns, true);
	return 0;

err_detach:
	detach_probes(tr);
	ring_buffer__free(tr->rb);
	tr->rb = NULL;
err_destroy_skel:
	gostray_bpf__destroy(tr->skel);
	tr->skel = NULL;
err_close_mem:
	if (tr->pidfd >= 0)
		close(tr->pidfd);
	tr->pidfd = -1;
	procmem_close(&tr->mem);
err_free_collector:
	collector_free(tr->coll);
	tr->coll = NULL;
	return ret;
}

static bool target_gone(struct tracer *tr)
{
	struct pollfd pfd = { .fd = tr->pidfd, .events = POLLIN };

	if (tr->pidfd >= 0)
		return poll(&pfd, 1, 0) > 0;
	return !proc_alive(tr->t->pid);
}

int tracer_poll(struct tracer *tr, int timeout_ms)
{
	int n;

	if (tr->target_exited)
		return 0;
	/* Records do not wake us (see wakeup_bytes in the BPF code) until
	 * the buffer fills up: drain whatever arrived when the wait ends. */
	n = ring_buffer__poll(tr->rb, timeout_ms);
	if (n == -EINTR)
		n = 0;
	if (n >= 0)
		n += ring_buffer__consume(tr->rb);
	if (target_gone(tr)) {
		/* Records the target made before dying are still queued. */
		ring_buffer__consume(tr->rb);
		tr->target_exited = true;
		tr->exited_ns = monotonic_ns();
		collector_sample(tr->coll, tr->exited_ns, true);
	} else {
		collector_sample(tr->coll, monotonic_ns(), false);
	}
	return n;
}

int tracer_refresh_waits(struct tracer *tr)
{
	struct snapshot s;
	char why[256];
	int ret;

	if (tr->target_exited)
		return -ESRCH;
	ret = read_snapshot(tr, &s, why, sizeof(why));
	if (ret)
		return ret;
	/* Records up to the end of the snapshot, so both agree. */
	ring_buffer__consume(tr->rb);
	collector_apply_snapshot(tr->coll, &s);
	snapshot_free(&s);
	return 0;
}

void tracer_stats(const struct tracer *tr, uint64_t stats[GS_STAT_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 vals[ncpu > 0 ? ncpu : 1];
	__u32 k;
	int i;

	memset(stats, 0, sizeof(uint64_t) * GS_STAT_MAX);
	if (!tr->skel || ncpu <= 0)
		return;
	for (k = 0; k < GS_STAT_MAX; k++) {
		if (bpf_map__lookup_elem(tr->skel->maps.stats, &k, sizeof(k), vals,
					 sizeof(__u64) * ncpu, 0))
			continue;
		for (i = 0; i < ncpu; i++)
			stats[k] += vals[i];
	}
}

void tracer_detach(struct tracer *tr)
{
	bool last_sample = tr->coll && tr->nlinks && !tr->target_exited;

	if (tr->coll && tr->nlinks)
		collector_trace_ending(tr->coll, monotonic_ns());
	/* links[] is in attach order: removed in reverse, creation first. */
	detach_probes(tr);
	/* Unregistering a uprobe waits for an RCU grace period, tens of ms
	 * during which the remaining probes keep firing: drain after, so the
	 * counts agree with the BPF hit counters. */
	if (tr->rb)
		ring_buffer__consume(tr->rb);
	if (last_sample)
		collector_sample(tr->coll, monotonic_ns(), true);
}

void tracer_stop(struct tracer *tr)
{
	tracer_detach(tr);
	ring_buffer__free(tr->rb);
	tr->rb = NULL;
	gostray_bpf__destroy(tr->skel);
	tr->skel = NULL;
	if (tr->pidfd >= 0)
		close(tr->pidfd);
	tr->pidfd = -1;
	procmem_close(&tr->mem);
	collector_free(tr->coll);
	tr->coll = NULL;
}
