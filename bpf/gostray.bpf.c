// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * gostray's probes on the Go runtime (amd64).
 *
 * Every program here sits on an instruction the kernel emulates instead of
 * single-stepping (a CALL, or the JBE of a function's stack check): ~1 us per
 * hit on this class of machine instead of ~12 us on a function's first
 * instruction.  Userspace finds those instructions by disassembly
 * (src/binary/probeplan.c) and fills the struct offsets before load.
 *
 * Nothing here may write to the target: the programs only read Go memory and
 * emit fixed-size records (include/gostray_events.h).  A record that does not
 * fit in the ring buffer is counted in stats[GS_STAT_LOST], never silently
 * dropped.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "gostray_events.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#ifndef EEXIST
#define EEXIST 17
#endif

/* Set by userspace before load. */
const volatile __u32 filter_tgid = 0;	/* 0: every process that maps the binary */
/* Node mode: only the processes userspace put in tracked_tgids (the probes
 * live on the file; a process is tracked once its baseline is read). */
const volatile bool filter_by_map = false;
const volatile struct gs_bpf_offsets off = {};
/* Single-process mode: set by userspace once the baseline is merged; from
 * then on an exit reads nothing of the target (include/gostray_events.h,
 * exit.g).  Node mode keeps this per process in tracked_tgids. */
bool exits_by_g = false;
/* Wake the collector only once this much is queued: a wakeup per record
 * (the ring buffer's default when the reader keeps up) costs the target
 * several microseconds per event; the collector drains on a timer anyway. */
const volatile __u64 wakeup_bytes = 1 << 20;
/* Frames of the creating goroutine's call path walked per creation: the
 * depth asked for plus GS_STACK_LEAD_MAX (the stack maps' key and value
 * size is stack_depth * 8); 0: no walk. */
const volatile __u32 stack_depth = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24);	/* resized by userspace before load */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, GS_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/*
 * Creation stacks.  The creating goroutine's frame-pointer chain is walked
 * into a per-CPU scratch buffer; the stack, zero-padded to stack_depth
 * frames, is the key of stack_ids, which gives it an id (a per-CPU cache,
 * stack_cache below, answers most creations first).  The first time a
 * stack is seen it gets a new id and is also stored under that id in
 * creation_stacks, which userspace reads once per id.  Both maps compare
 * whole keys, so two call paths never share an id (a
 * BPF_MAP_TYPE_STACK_TRACE map keys by a 32-bit hash: a colliding stack is
 * dropped, or with BPF_F_REUSE_STACKID mislabels the records of the one it
 * replaced); their memory is allocated per stack, not up front.
 */
struct stack_key {
	__u64 pcs[GS_STACK_LEAD_MAX + GS_STACK_DEPTH_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stack_key);
} stack_scratch SEC(".maps");

/*
 * The ids of the call paths this CPU walked last, by a hash of the walked
 * frames: most creations repeat a recent call path, and a hit here costs a
 * compare of the frames walked instead of hashing and comparing the whole
 * zero-padded key of stack_ids (~200 ns per creation on this project's
 * machines).  An entry is trusted only if its frames equal the walk's, so
 * a hit is as exact as the map.
 */
#define STACK_CACHE_BITS 5
#define STACK_HASH_MUL 0x9e3779b97f4a7c15ull

struct stack_cache_entry {
	__u32 n;		/* frames; 0: empty or being written */
	__u32 id;
	__u64 check;		/* (hash of the frames ^ id) * STACK_HASH_MUL */
	__u64 pcs[GS_STACK_LEAD_MAX + GS_STACK_DEPTH_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1 << STACK_CACHE_BITS);
	__type(key, __u32);
	__type(value, struct stack_cache_entry);
} stack_cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1 << 16);
	__uint(key_size, sizeof(struct stack_key));	/* stack_depth * 8 */
	__uint(value_size, sizeof(__u32));
} stack_ids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1 << 16);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct stack_key));	/* stack_depth * 8 */
} creation_stacks SEC(".maps");


struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);	/* resized by userspace before load */
	__type(key, __u32);
	__type(value, __u8);
} tracked_tgids SEC(".maps");

/* Parks per (process, wait reason, go statement of the parking goroutine),
 * one counter per CPU so that a park needs no atomic; include/
 * gostray_events.h says why parks are counted here instead of streamed. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1 << 14);	/* resized by userspace before load */
	__type(key, struct gs_park_key);
	__type(value, __u64);
} park_counts SEC(".maps");

static __always_inline void stat_inc(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &which);

	if (v)
		*v += 1;	/* per-CPU slot: no atomic needed */
}

static __always_inline bool wanted(__u32 *tgid)
{
	*tgid = bpf_get_current_pid_tgid() >> 32;
	if (filter_by_map)
		return bpf_map_lookup_elem(&tracked_tgids, tgid) != NULL;
	return filter_tgid == 0 || *tgid == filter_tgid;
}

/* wanted(), for an exit: also whether its record may go by the g's address
 * alone (the process's baseline is merged). */
static __always_inline bool exit_wanted(__u32 *tgid, bool *by_g)
{
	__u8 *state;

	*tgid = bpf_get_current_pid_tgid() >> 32;
	if (filter_by_map) {
		state = bpf_map_lookup_elem(&tracked_tgids, tgid);
		if (!state)
			return false;
		*by_g = *state == GS_TRACKED_MERGED;
		return true;
	}
	*by_g = exits_by_g;
	return filter_tgid == 0 || *tgid == filter_tgid;
}

static __always_inline int read_u64(__u64 *dst, __u64 base, __u32 field)
{
	return bpf_probe_read_user(dst, sizeof(*dst), (void *)(base + field));
}

/* The g fields the programs use, read in one window of the g when the
 * layout allows (off.g_window_len), else one read each. */
struct g_fields {
	__u64 goid, gopc, startpc, parent_goid;
	__u32 status;
};

/* A field of the window copy w: rel is known at load time (.rodata), the
 * bound keeps the verifier and a wrong table honest. */
static __always_inline __u64 window_u64(const __u8 *w, __u32 field)
{
	__u32 rel = field - off.g_window;
	__u64 v = 0;

	if (rel <= GS_G_WINDOW_MAX - sizeof(v))
		__builtin_memcpy(&v, w + rel, sizeof(v));
	return v;
}

static __always_inline int read_g_fields(__u64 g, struct g_fields *f, bool creation)
{
	__u8 w[GS_G_WINDOW_MAX];
	__u32 len = off.g_window_len;

	if (len && len <= GS_G_WINDOW_MAX) {
		if (bpf_probe_read_user(w, len, (void *)(g + off.g_window)))
			return -1;
		f->goid = window_u64(w, off.g_goid);
		f->gopc = window_u64(w, off.g_gopc);
		f->startpc = window_u64(w, off.g_startpc);
		if (creation) {
			f->status = (__u32)window_u64(w, off.g_atomicstatus);
			f->parent_goid = off.g_parent_goid ?
					 window_u64(w, off.g_parent_goid) : 0;
		}
		return 0;
	}
	if (read_u64(&f->goid, g, off.g_goid))
		return -1;
	if (!creation) {	/* an exit lands on its goid even without these */
		read_u64(&f->gopc, g, off.g_gopc);
		read_u64(&f->startpc, g, off.g_startpc);
		return 0;
	}
	if (read_u64(&f->gopc, g, off.g_gopc) || read_u64(&f->startpc, g, off.g_startpc))
		return -1;
	bpf_probe_read_user(&f->status, sizeof(f->status), (void *)(g + off.g_atomicstatus));
	if (off.g_parent_goid)
		read_u64(&f->parent_goid, g, off.g_parent_goid);
	return 0;
}

static __always_inline void submit(struct gs_record *r)
{
	__u64 queued = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);

	bpf_ringbuf_submit(r, queued >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP
						     : BPF_RB_NO_WAKEUP);
}

static __always_inline struct gs_record *reserve(__u32 type, __u32 tgid)
{
	struct gs_record *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);

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

/*
 * The goroutine that ran the `go` statement.  Creation probes run on the
 * system stack, where R14 is g0; the user goroutine is g0.m.curg.  Go 1.21+
 * also stores it in newg.parentGoid, which survives even if curg is odd.
 */
static __always_inline __u64 parent_goid(const struct g_fields *f, __u64 g0)
{
	__u64 m = 0, curg = 0, goid = 0;

	if (off.g_parent_goid)
		return f->parent_goid;
	if (read_u64(&m, g0, off.g_m) || !m)
		return 0;
	if (read_u64(&curg, m, off.m_curg) || !curg)
		return 0;
	if (read_u64(&goid, curg, off.g_goid))
		return 0;
	return goid;
}

/*
 * Every creation probe sits in a closure that runtime.systemstack runs on
 * the g0 stack (newproc.func1, newcoro.func1, debugCallWrap.func1,
 * synctestRun.func1).  systemstack switches SP but not BP, so the closure's
 * frame links to frames on the creating goroutine's stack: the return
 * address into systemstack, the one into the creator when systemstack has
 * a frame of its own (Go 1.21+), then the creator's return address - the
 * go statement, g.gopc - and its callers.  Userspace finds gopc among the
 * first GS_STACK_LEAD_MAX frames and drops those before it.
 *
 * The walk is ours, not bpf_get_stack()'s: the kernel's walker reads one
 * frame past the outermost (saved BP 0) and takes a page fault there,
 * ~5 us per creation on this machine, while a goroutine's chain ends
 * cleanly at BP 0.  Past the first hop (g0 to goroutine stack) every
 * caller's frame is above its callee's; anything else ends the walk.
 */
static __always_inline long walk_frames(struct stack_key *k, __u64 fp, __u64 *hash)
{
	__u64 frame[2];		/* saved BP, return address */
	__u64 h = 0;
	int i, n = 0;

	for (i = 0; i < GS_STACK_LEAD_MAX + GS_STACK_DEPTH_MAX; i++) {
		if (i >= stack_depth)
			break;
		if (!fp || (fp & 7) ||
		    bpf_probe_read_user(frame, sizeof(frame), (void *)fp))
			break;
		k->pcs[i] = frame[1];
		h = (h ^ frame[1]) * STACK_HASH_MUL;
		n = i + 1;
		if (i >= 1 && frame[0] <= fp)
			break;
		fp = frame[0];
	}
	*hash = h;
	return n;
}

/* The id of the cache entry, if the walk of k matches it: same frames, and
 * the check the entry's writer computed over them and the id.  Uprobe
 * programs can be preempted (migrate_disable only), so another creation on
 * this CPU may rewrite the entry while it is read: the id is read once,
 * before the frames, and an entry whose frames and id come from two
 * writers fails the check unless two call paths' 64-bit hashes collide. */
static __always_inline bool cache_hit(const struct stack_cache_entry *e,
				      const struct stack_key *k, long n, __u64 h,
				      __u32 *id)
{
	int i;

	*id = e->id;
	if (e->n != n || e->check != (h ^ *id) * STACK_HASH_MUL)
		return false;
	for (i = 0; i < GS_STACK_LEAD_MAX + GS_STACK_DEPTH_MAX; i++) {
		if (i >= n)
			break;
		if (e->pcs[i] != k->pcs[i])
			return false;
	}
	return true;
}

static __always_inline void cache_fill(struct stack_cache_entry *e,
				       const struct stack_key *k, long n, __u64 h, __u32 id)
{
	int i;

	e->n = 0;	/* no hit while the frames are being written */
	for (i = 0; i < GS_STACK_LEAD_MAX + GS_STACK_DEPTH_MAX; i++) {
		if (i >= n)
			break;
		e->pcs[i] = k->pcs[i];
	}
	e->id = id;
	e->check = (h ^ id) * STACK_HASH_MUL;
	e->n = n;
}

/* The id of a stack walked into k (n frames): a new call path gets a fresh
 * id, stored in creation_stacks before any record carries it. */
static __always_inline __u32 stack_id_of(struct stack_key *k, long n)
{
	__u32 id = 0, *known;
	long err = -EEXIST;
	int i;

	/* stack_ids keys are stack_depth frames: zero the rest of the
	 * scratch buffer, which still holds the previous walk */
	for (i = 0; i < GS_STACK_LEAD_MAX + GS_STACK_DEPTH_MAX; i++)
		if (i >= n && i < stack_depth)
			k->pcs[i] = 0;
	known = bpf_map_lookup_elem(&stack_ids, k);
	if (known)
		return *known;
	/* A new call path: store it under a fresh id first, so userspace
	 * finds it by the time any record carries the id.  Ids are random
	 * (no shared counter without atomic fetch-and-add, which needs
	 * -mcpu=v3); the rare id already taken is drawn again. */
	for (i = 0; i < 8; i++) {
		id = bpf_get_prandom_u32();
		if (id == GS_NO_STACK)
			continue;
		err = bpf_map_update_elem(&creation_stacks, &id, k, BPF_NOEXIST);
		if (err != -EEXIST)
			break;
	}
	if (err) {
		stat_inc(GS_STAT_STACK_FULL);
		return GS_NO_STACK;
	}
	err = bpf_map_update_elem(&stack_ids, k, &id, BPF_NOEXIST);
	if (!err)
		return id;
	bpf_map_delete_elem(&creation_stacks, &id);
	if (err == -EEXIST) {	/* another CPU gave it an id meanwhile */
		known = bpf_map_lookup_elem(&stack_ids, k);
		if (known)
			return *known;
	}
	stat_inc(GS_STAT_STACK_FULL);
	return GS_NO_STACK;
}

static __always_inline __u32 creation_stack(struct pt_regs *ctx)
{
	struct stack_cache_entry *e;
	struct stack_key *k;
	__u32 zero = 0, slot, id;
	__u64 h;
	long n;

	if (!stack_depth)
		return GS_NO_STACK;
	k = bpf_map_lookup_elem(&stack_scratch, &zero);
	if (!k)
		return GS_NO_STACK;
	n = walk_frames(k, ctx->bp, &h);
	if (n <= 0) {
		stat_inc(GS_STAT_STACK_FAULTS);
		return GS_NO_STACK;
	}
	slot = h >> (64 - STACK_CACHE_BITS);
	e = bpf_map_lookup_elem(&stack_cache, &slot);
	if (e && cache_hit(e, k, n, h, &id))
		return id;
	id = stack_id_of(k, n);
	if (e && id != GS_NO_STACK)
		cache_fill(e, k, n, h, id);
	return id;
}

static __always_inline int emit_create(struct pt_regs *ctx, __u64 newg, __u32 via)
{
	struct g_fields f = {};
	struct gs_record *r;
	__u32 tgid, stack_id;

	if (!wanted(&tgid))
		return 0;
	if (read_g_fields(newg, &f, true)) {
		stat_inc(GS_STAT_READ_FAULTS);
		return 0;
	}
	stack_id = creation_stack(ctx);
	r = reserve(GS_REC_CREATE, tgid);
	if (!r)
		return 0;
	r->goid = f.goid;
	r->create.parent_goid = parent_goid(&f, ctx->r14);
	r->create.gopc = f.gopc;
	r->create.startpc = f.startpc;
	r->create.via = (__u16)via;
	r->create.status = (__u16)f.status;
	r->create.stack_id = stack_id;
	r->create.g = newg;
	submit(r);
	stat_inc(GS_STAT_CREATE_HITS);
	return 0;
}

/* CALL runtime.runqput in runtime.newproc.func1: runqput(pp, newg, true),
 * so RBX is the new goroutine with goid, gopc and startpc already set. */
SEC("uprobe")
int on_create_runqput(struct pt_regs *ctx)
{
	return emit_create(ctx, ctx->bx, GS_VIA_NEWPROC);
}

/* The instruction after CALL runtime.newproc1 in the runtime's other
 * creators (newcoro, debugCallWrap, synctestRun): RAX is the new g. */
SEC("uprobe")
int on_create_newproc1_ret(struct pt_regs *ctx)
{
	return emit_create(ctx, ctx->ax, GS_VIA_NEWPROC1_RET);
}

/* EFLAGS bits: a JBE is taken when CF or ZF is set. */
#define FLAGS_CF (1u << 0)
#define FLAGS_ZF (1u << 6)

/* Stack-check branch of runtime.gopark: R14 is the parking goroutine and CL
 * its waitReason. */
SEC("uprobe")
int on_park(struct pt_regs *ctx)
{
	struct gs_park_key key = {};
	__u64 one = 1, *count;
	__u32 tgid;
	long err;

	/* The compare has run: when the branch will be taken, the stack
	 * grows (or a preemption is served) and gopark starts over, passing
	 * here again.  Counting only the pass that goes on keeps each park
	 * counted once. */
	if (ctx->flags & (FLAGS_CF | FLAGS_ZF))
		return 0;
	if (!wanted(&tgid))
		return 0;
	if (read_u64(&key.gopc, ctx->r14, off.g_gopc)) {
		stat_inc(GS_STAT_READ_FAULTS);
		return 0;
	}
	key.tgid = tgid;
	key.reason = (__u8)ctx->cx;
	stat_inc(GS_STAT_PARK_HITS);
	count = bpf_map_lookup_elem(&park_counts, &key);
	if (count) {
		*count += 1;	/* this CPU's slot */
		return 0;
	}
	err = bpf_map_update_elem(&park_counts, &key, &one, BPF_NOEXIST);
	if (err == -EEXIST) {	/* another CPU added the key meanwhile */
		count = bpf_map_lookup_elem(&park_counts, &key);
		if (count) {
			*count += 1;
			return 0;
		}
	}
	if (err)
		stat_inc(GS_STAT_PARK_DROPPED);
	return 0;
}

static __always_inline int emit_exit(__u64 gp, __u32 via)
{
	struct g_fields f = {};
	struct gs_record *r;
	bool by_g = false;
	__u32 tgid;

	if (!exit_wanted(&tgid, &by_g))
		return 0;
	if (!by_g && read_g_fields(gp, &f, false)) {
		stat_inc(GS_STAT_READ_FAULTS);
		return 0;
	}
	r = reserve(GS_REC_EXIT, tgid);
	if (!r)
		return 0;
	r->goid = f.goid;
	r->exit.via = via;
	r->exit.gopc = f.gopc;
	r->exit.startpc = f.startpc;
	r->exit.g = gp;
	submit(r);
	stat_inc(GS_STAT_EXIT_HITS);
	return 0;
}

/* Stack-check branch of runtime.gdestroy (Go 1.22+): every way a goroutine
 * ends - return, Goexit, coroutine exit - passes here with RAX = gp. */
SEC("uprobe")
int on_exit_gdestroy(struct pt_regs *ctx)
{
	return emit_exit(ctx->ax, GS_EXIT_GDESTROY);
}

/* Stack-check branch of runtime.goexit0 (Go <= 1.21, no coroutines yet):
 * mcall passes the dying goroutine in RAX. */
SEC("uprobe")
int on_exit_goexit0(struct pt_regs *ctx)
{
	return emit_exit(ctx->ax, GS_EXIT_GOEXIT0);
}
