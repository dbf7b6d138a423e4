// SPDX-License-Identifier: BSD-2-Clause
/*
 * One binary's BPF object and uprobes (include/trace/probeset.h).
 */
#define _GNU_SOURCE
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gostray_events.h"	/* before the skeleton, which uses its types */
#include "gostray.skel.h"
#include "trace/probeset.h"
#include "process/allgs.h"

#define DEFAULT_MAX_TRACKED 4096
/* (wait reason, go statement) pairs counted for one process, and for all
 * of a node's processes of one binary */
#define PARK_KEYS_ONE_PROCESS (1u << 14)
#define PARK_KEYS_NODE (1u << 16)

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_INFO && getenv("GOSTRAY_DEBUG"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

/*
 * The creation stack maps are keyed (stack_ids) and valued
 * (creation_stacks) by the walked stack itself: depth frames from the go
 * statement plus the runtime's lead, sized before load.  With no stacks
 * they shrink to one entry of one frame, allocated lazily, and the per-CPU
 * cache in front of them to one entry: no cost.
 */
static void size_stack_maps(struct gostray_bpf *skel, int depth)
{
	int walked = depth > 0 ? GS_STACK_LEAD_MAX + depth : 0;
	__u32 bytes = (walked ? walked : 1) * sizeof(__u64);

	skel->rodata->stack_depth = walked;
	bpf_map__set_key_size(skel->maps.stack_ids, bytes);
	bpf_map__set_value_size(skel->maps.creation_stacks, bytes);
	if (depth <= 0) {
		bpf_map__set_max_entries(skel->maps.stack_cache, 1);
		bpf_map__set_max_entries(skel->maps.stack_ids, 1);
		bpf_map__set_max_entries(skel->maps.creation_stacks, 1);
	}
}

_Static_assert(GO_G_WINDOW_MAX == GS_G_WINDOW_MAX, "one g window size");

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
	go_offsets_g_window(o, &b->g_window, &b->g_window_len);
}

int probeset_stack_depth(int asked)
{
	return asked < 0 ? 0 : asked > GS_STACK_DEPTH_MAX ? GS_STACK_DEPTH_MAX : asked;
}

int probeset_load(struct probeset *ps, const struct target *t,
		  const struct probeset_opts *o, char *err, size_t errlen)
{
	int ret;

	memset(ps, 0, sizeof(*ps));
	ps->stack_depth = probeset_stack_depth(o->stack_depth);
	libbpf_set_print(libbpf_quiet);
	ps->skel = gostray_bpf__open();
	if (!ps->skel) {
		ret = -errno;
		snprintf(err, errlen, "cannot open the BPF object: %s", strerror(errno));
		return ret;
	}
	ps->skel->rodata->filter_tgid = o->pid > 0 ? (__u32)o->pid : 0;
	ps->skel->rodata->filter_by_map = o->pid <= 0;
	ps->skel->rodata->wakeup_bytes = o->ringbuf_bytes / 8;
	set_bpf_offsets(ps->skel, &t->off);
	size_stack_maps(ps->skel, ps->stack_depth);
	bpf_map__set_max_entries(ps->skel->maps.events, (__u32)o->ringbuf_bytes);
	bpf_map__set_max_entries(ps->skel->maps.tracked_tgids, o->pid > 0 ? 1 :
				 (__u32)(o->max_tracked ? o->max_tracked : DEFAULT_MAX_TRACKED));
	bpf_map__set_max_entries(ps->skel->maps.park_counts, o->pid > 0 ?
				 PARK_KEYS_ONE_PROCESS : PARK_KEYS_NODE);
	ps->pid = o->pid;
	ret = gostray_bpf__load(ps->skel);
	if (ret) {
		snprintf(err, errlen, "cannot load the BPF programs: %s%s",
			 strerror(-ret), ret == -EPERM ?
			 " (needs root, or CAP_BPF and CAP_PERFMON)" : "");
		goto err_destroy_skel;
	}
	return 0;

err_destroy_skel:
	gostray_bpf__destroy(ps->skel);
	ps->skel = NULL;
	return ret;
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

/*
 * Exit probes go live before creation probes: a goroutine whose creation we
 * record must also have its exit recorded, even if it lives only for the
 * few milliseconds an attach takes.
 */
static const enum probe_kind attach_order[] = {
	PROBE_EXIT_GDESTROY, PROBE_EXIT_GOEXIT0, PROBE_PARK,
	PROBE_CREATE_NEWPROC1_RET, PROBE_CREATE_RUNQPUT,
};

static int attach_point(struct probeset *ps, const struct target *t, pid_t pid,
			const struct probe_point *p, char *err, size_t errlen)
{
	struct bpf_program *prog = program_for(ps->skel, p->kind);
	struct bpf_link *link;

	/* With a pid the kernel plants the breakpoint only in this process's
	 * memory: other users of the binary never trap. */
	link = bpf_program__attach_uprobe(prog, false, pid > 0 ? pid : -1, t->exe,
					  p->file_offset);
	if (!link) {
		int e = errno;

		/* Linux gave uprobes to CAP_PERFMON in 5.8 and took them
		 * back to CAP_SYS_ADMIN in 2025 (stable kernels too): name
		 * it, the bare EACCES says nothing. */
		snprintf(err, errlen, "cannot attach the %s probe in %s at file "
			 "offset 0x%lx: %s%s", probe_kind_name(p->kind), p->function,
			 (unsigned long)p->file_offset, strerror(e),
			 e == EACCES || e == EPERM ? " (this kernel lets only CAP_SYS_ADMIN "
			 "create uprobes)" : "");
		return -e;
	}
	ps->kinds[ps->nlinks] = p->kind;
	ps->links[ps->nlinks++] = link;
	return 0;
}

static int attach_kind(struct probeset *ps, const struct target *t,
		       enum probe_kind kind, char *err, size_t errlen)
{
	const struct probe_plan *plan = &t->plan;
	int i, ret;

	for (i = 0; i < plan->n; i++) {
		if (plan->points[i].kind != kind)
			continue;
		ret = attach_point(ps, t, ps->pid, &plan->points[i], err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

int probeset_attach(struct probeset *ps, const struct target *t,
		    const struct probeset_opts *o, char *err, size_t errlen)
{
	size_t k;
	int ret;

	ps->attach_begin_ns = monotonic_ns();
	for (k = 0; k < sizeof(attach_order) / sizeof(*attach_order); k++) {
		if (attach_order[k] == PROBE_PARK && !o->park)
			continue;
		ret = attach_kind(ps, t, attach_order[k], err, errlen);
		if (ret) {
			probeset_detach(ps);
			return ret;
		}
	}
	ps->attach_ns = monotonic_ns();
	return 0;
}

int probeset_attach_kind(struct probeset *ps, const struct target *t,
			 enum probe_kind kind, char *err, size_t errlen)
{
	int i, ret;

	for (i = 0; i < ps->nlinks; i++)
		if (ps->kinds[i] == kind)
			return 0;	/* already live */
	ret = attach_kind(ps, t, kind, err, errlen);
	if (ret)
		probeset_detach_kind(ps, kind);
	return ret;
}

int probeset_track(struct probeset *ps, uint32_t tgid, bool on)
{
	__u8 one = GS_TRACKED_ATTACHING;

	if (!ps->skel)
		return -EINVAL;
	if (on)
		return bpf_map__update_elem(ps->skel->maps.tracked_tgids, &tgid, sizeof(tgid),
					    &one, sizeof(one), BPF_ANY) ? -errno : 0;
	return bpf_map__delete_elem(ps->skel->maps.tracked_tgids, &tgid, sizeof(tgid), 0) &&
	       errno != ENOENT ? -errno : 0;
}

int probeset_exits_by_g(struct probeset *ps, uint32_t tgid)
{
	__u8 merged = GS_TRACKED_MERGED;

	if (!ps->skel)
		return -EINVAL;
	if (ps->pid > 0) {
		ps->skel->bss->exits_by_g = true;
		return 0;
	}
	return bpf_map__update_elem(ps->skel->maps.tracked_tgids, &tgid, sizeof(tgid),
				    &merged, sizeof(merged), BPF_EXIST) ? -errno : 0;
}

int probeset_events_fd(const struct probeset *ps)
{
	return ps->skel ? bpf_map__fd(ps->skel->maps.events) : -EINVAL;
}

int probeset_read_stack(void *ctx, uint32_t id, uint64_t *pcs, int max)
{
	struct probeset *ps = ctx;
	uint64_t buf[GS_STACK_LEAD_MAX + GS_STACK_DEPTH_MAX];
	int walked = GS_STACK_LEAD_MAX + ps->stack_depth, n;

	if (!ps->skel || ps->stack_depth <= 0)
		return -ENOENT;
	if (bpf_map__lookup_elem(ps->skel->maps.creation_stacks, &id, sizeof(id), buf,
				 walked * sizeof(*buf), 0))
		return -errno;
	/* zero-padded after the outermost frame */
	for (n = 0; n < walked && n < max && buf[n]; n++)
		pcs[n] = buf[n];
	return n;
}

/* The value of key in a per-CPU map, summed over the CPUs; vals has room
 * for ncpu values.  0 or -errno (sum untouched). */
static int percpu_sum(const struct bpf_map *map, const void *key, size_t key_size,
		      __u64 *vals, int ncpu, uint64_t *sum)
{
	int i;

	/* The kernel fills every CPU's slot; zeroed first all the same, so
	 * that valgrind (which knows of one slot only) sees them written. */
	memset(vals, 0, sizeof(*vals) * ncpu);
	if (bpf_map__lookup_elem(map, key, key_size, vals, sizeof(*vals) * ncpu, 0))
		return -errno;
	for (*sum = 0, i = 0; i < ncpu; i++)
		*sum += vals[i];
	return 0;
}

void probeset_stats(const struct probeset *ps, uint64_t stats[GS_STAT_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 vals[ncpu > 0 ? ncpu : 1];
	__u32 k;

	memset(stats, 0, sizeof(uint64_t) * GS_STAT_MAX);
	if (!ps->skel || ncpu <= 0)
		return;
	for (k = 0; k < GS_STAT_MAX; k++)
		percpu_sum(ps->skel->maps.stats, &k, sizeof(k), vals, ncpu, &stats[k]);
}

int probeset_read_parks(const struct probeset *ps,
			void (*cb)(void *ctx, const struct gs_park_key *key, uint64_t count),
			void *ctx)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 vals[ncpu > 0 ? ncpu : 1];
	struct gs_park_key key;
	const void *prev = NULL;
	uint64_t sum;
	int n = 0;

	if (!ps->skel || ncpu <= 0)
		return -EINVAL;
	/* Keys are only ever added while we walk (forgetting a process is
	 * ours, between walks): a key added meanwhile is read next time. */
	while (!bpf_map__get_next_key(ps->skel->maps.park_counts, prev, &key, sizeof(key))) {
		prev = &key;	/* get_next_key reads it before writing it */
		if (percpu_sum(ps->skel->maps.park_counts, &key, sizeof(key), vals, ncpu, &sum))
			continue;
		cb(ctx, &key, sum);
		n++;
	}
	return n;
}

void probeset_forget_parks(struct probeset *ps, uint32_t tgid)
{
	struct gs_park_key cur, next;
	bool have_cur = false;

	if (!ps->skel)
		return;
	while (!bpf_map__get_next_key(ps->skel->maps.park_counts, have_cur ? &cur : NULL,
				      &next, sizeof(next))) {
		if (next.tgid == tgid) {
			/* cur stays: its successor is the key after this one */
			bpf_map__delete_elem(ps->skel->maps.park_counts, &next, sizeof(next), 0);
			continue;
		}
		cur = next;
		have_cur = true;
	}
}

int probeset_detach_kind(struct probeset *ps, enum probe_kind kind)
{
	int i, kept = 0, removed = 0;

	for (i = 0; i < ps->nlinks; i++) {
		if (ps->kinds[i] == kind) {
			bpf_link__destroy(ps->links[i]);
			removed++;
			continue;
		}
		ps->links[kept] = ps->links[i];
		ps->kinds[kept++] = ps->kinds[i];
	}
	ps->nlinks = kept;
	return removed;
}

void probeset_detach(struct probeset *ps)
{
	/* links[] is in attach order: removed in reverse, creation first. */
	while (ps->nlinks > 0)
		bpf_link__destroy(ps->links[--ps->nlinks]);
}

void probeset_close(struct probeset *ps)
{
	probeset_detach(ps);
	gostray_bpf__destroy(ps->skel);
	ps->skel = NULL;
}
