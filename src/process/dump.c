// SPDX-License-Identifier: BSD-2-Clause
/*
 * gostray dump: a goroutine dump taken from outside the process.
 *
 * The target keeps running while we read, so a goroutine may run between
 * the moment its g is read and the moment its stack is: after unwinding,
 * the g's status and saved registers are read again, and a goroutine
 * whose state moved is read again (a few times) or reported as such.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "process/dump.h"
#include "binary/offsets.h"
#include "binary/waitreasons.h"

/* Stack bytes read in one go per goroutine; deeper frames are read word
 * by word.  Parked goroutines rarely use more than a few KB. */
#define STACK_WINDOW (32 * 1024)
#define STACK_READ_TRIES 3
/* Goroutines whose stack windows, then places, are read together: a few
 * process_vm_readv calls per batch instead of several reads each (a
 * system call per read made 100 000 goroutines take seconds). */
#define UNWIND_BATCH 256
/* Bytes of a g from its first to its last place field (177-185 in the
 * versions so far). */
#define PLACE_SPAN_MAX 1024
/* Logical frames kept per goroutine (the runtime prints 100 at most). */
#define DUMP_MAX_FRAMES 200

struct stack_window {
	struct procmem *mem;
	uint64_t base;
	size_t len;
	const uint8_t *bytes;
};

static int read_stack_word(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct stack_window *w = ctx;

	if (addr >= w->base && addr - w->base <= w->len && len <= w->len - (addr - w->base)) {
		memcpy(buf, w->bytes + (addr - w->base), len);
		return 0;
	}
	return procmem_read(w->mem, addr, buf, len);
}

/* The fields of a g that say where its stack is; read again after the
 * walk to see whether the goroutine moved meanwhile. */
struct g_place {
	uint32_t status;
	uint8_t waitreason;
	uint64_t pc, sp, lo, hi;
};

/* Where to unwind from: a goroutine in a system call saved its position
 * in g.syscallpc/syscallsp, any other in g.sched (traceback1 does so). */
static void set_start(struct g_place *p, uint64_t sched_pc, uint64_t sched_sp,
		      uint64_t syscall_pc, uint64_t syscall_sp)
{
	p->pc = p->status == G_SYSCALL ? syscall_pc : sched_pc;
	p->sp = p->status == G_SYSCALL ? syscall_sp : sched_sp;
}

/* The bytes of a g that hold every field of its place, read in one go:
 * [lo, lo + len) from the g's address. */
struct place_span {
	uint32_t lo, len;
};

static struct place_span place_span(const struct go_offsets *o)
{
	const uint32_t at[] = { o->g_atomicstatus, o->g_waitreason, o->g_sched + o->gobuf_pc,
				o->g_sched + o->gobuf_sp, o->g_stack_lo, o->g_stack_hi,
				o->g_syscallpc, o->g_syscallsp };
	const uint32_t size[] = { 4, 1, 8, 8, 8, 8, 8, 8 };
	uint32_t lo = UINT32_MAX, hi = 0;
	size_t i;

	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		if (at[i] < lo)
			lo = at[i];
		if (at[i] + size[i] > hi)
			hi = at[i] + size[i];
	}
	return (struct place_span){ .lo = lo, .len = hi - lo };
}

/* The place in bytes read from the g's span. */
static void place_parse(const struct go_offsets *o, struct place_span s, const uint8_t *b,
			struct g_place *p)
{
	uint32_t status;
	uint64_t v[6];

	memcpy(&status, b + o->g_atomicstatus - s.lo, sizeof(status));
	p->waitreason = b[o->g_waitreason - s.lo];
	memcpy(&v[0], b + o->g_sched + o->gobuf_pc - s.lo, 8);
	memcpy(&v[1], b + o->g_sched + o->gobuf_sp - s.lo, 8);
	memcpy(&v[2], b + o->g_stack_lo - s.lo, 8);
	memcpy(&v[3], b + o->g_stack_hi - s.lo, 8);
	memcpy(&v[4], b + o->g_syscallpc - s.lo, 8);
	memcpy(&v[5], b + o->g_syscallsp - s.lo, 8);
	p->status = status & ~G_SCAN;
	p->lo = v[2];
	p->hi = v[3];
	set_start(p, v[0], v[1], v[4], v[5]);
}

static int read_place(struct procmem *mem, const struct go_offsets *o, uint64_t addr,
		      struct g_place *p)
{
	struct place_span s = place_span(o);
	uint8_t buf[PLACE_SPAN_MAX];

	if (s.len > sizeof(buf) || procmem_read(mem, addr + s.lo, buf, s.len))
		return -EFAULT;
	place_parse(o, s, buf, p);
	return 0;
}

/* Where the snapshot saw the goroutine. */
static struct g_place snap_place(const struct snap_g *g)
{
	struct g_place p = { .status = g->status, .waitreason = g->waitreason,
			     .lo = g->stack_lo, .hi = g->stack_hi };

	set_start(&p, g->sched_pc, g->sched_sp, g->syscall_pc, g->syscall_sp);
	return p;
}

/* Stack bytes read at once from the place's sp. */
static size_t window_len(const struct g_place *p)
{
	size_t len = p->hi > p->sp ? p->hi - p->sp : 0;

	return len > STACK_WINDOW ? STACK_WINDOW : len;
}

static bool same_place(const struct g_place *a, const struct g_place *b)
{
	return a->status == b->status && a->waitreason == b->waitreason &&
	       a->pc == b->pc && a->sp == b->sp &&
	       a->lo == b->lo && a->hi == b->hi;
}

/* States in which g.sched does not describe the goroutine's stack. */
static const char *no_stack_reason(uint32_t status)
{
	switch (status) {
	case G_RUNNING: return "running on another thread; stack unavailable";
	case G_COPYSTACK: return "its stack is being moved; stack unavailable";
	default: return NULL;
	}
}

/* Logical frames of the physical pcs, filtered the way the runtime's
 * dump filters them; when nothing would be shown, everything is (as the
 * runtime does). */
static size_t frames_of(const struct target *t, const uint64_t *pcs, size_t npcs,
			bool all, struct go_frame *out, size_t max)
{
	struct go_frame buf[GOSTACK_MAX_INLINE + 1];
	struct go_frame callee = { 0 };
	bool have_callee = false;
	size_t i, j, n = 0;

	for (i = 0; i < npcs && n < max; i++) {
		size_t k = gostack_symbolize(t->gb, t->bias, pcs[i], buf,
					     GOSTACK_MAX_INLINE + 1);

		for (j = 0; j < k && n < max; j++) {
			bool shown = all || gostack_frame_shown(t->gb, &buf[j], n == 0,
							      have_callee ? &callee : NULL);

			callee = buf[j];
			have_callee = true;
			if (shown)
				out[n++] = buf[j];
		}
	}
	return n;
}

/* The goroutine's frames from the physical pcs walked. */
static void finish_stack(const struct target *t, const struct dump_opts *o,
			 struct dump_goroutine *dg, const uint64_t *pcs, size_t npcs,
			 enum gostack_end end)
{
	struct go_frame frames[DUMP_MAX_FRAMES];
	size_t n;

	if (end != GOSTACK_END_TOP)
		dg->stack_note = gostack_end_name(end);
	n = frames_of(t, pcs, npcs, o->runtime_frames, frames, DUMP_MAX_FRAMES);
	if (!n && npcs)
		n = frames_of(t, pcs, npcs, true, frames, DUMP_MAX_FRAMES);
	if (npcs) {
		dg->pcs = malloc(npcs * sizeof(*pcs));
		if (dg->pcs) {
			memcpy(dg->pcs, pcs, npcs * sizeof(*pcs));
			dg->npcs = npcs;
		}
	}
	if (n) {
		dg->frames = malloc(n * sizeof(*frames));
		if (dg->frames) {
			memcpy(dg->frames, frames, n * sizeof(*frames));
			dg->nframes = n;
		}
	}
}

/* One goroutine on its own from place start, read and walked until its
 * place holds still over the walk; tries: attempts already made. */
static void unwind_goroutine(const struct target *t, struct procmem *mem,
			     const struct dump_opts *o, struct dump_goroutine *dg,
			     const struct g_place *start, int tries, uint8_t *window,
			     size_t *retried)
{
	const struct go_offsets *off = &t->off;
	uint64_t pcs[GOSTACK_MAX_PCS];
	enum gostack_end end = GOSTACK_END_UNREADABLE;
	struct g_place before = *start, after;
	size_t npcs = 0;

	for (; tries < STACK_READ_TRIES; tries++) {
		struct stack_window w = { .mem = mem, .base = before.sp, .bytes = window };

		if (tries)
			(*retried)++;
		dg->stack_note = no_stack_reason(before.status);
		if (dg->stack_note)
			return;
		w.len = window_len(&before);
		if (procmem_read(mem, w.base, window, w.len))
			w.len = 0;
		end = gostack_unwind(t->gb, t->bias, before.pc, before.sp, before.lo, before.hi,
				     read_stack_word, &w, pcs, GOSTACK_MAX_PCS, &npcs);
		if (read_place(mem, off, dg->g.addr, &after)) {
			end = GOSTACK_END_UNREADABLE;
			break;
		}
		if (same_place(&before, &after))
			break;
		/* It ran meanwhile: what we walked may be half old, half new. */
		before = after;
		dg->g.status = after.status;
		dg->g.waitreason = after.waitreason;
		end = GOSTACK_END_UNREADABLE;
		npcs = 0;
	}
	if (tries == STACK_READ_TRIES) {
		dg->stack_note = "kept running while read; stack unavailable";
		return;
	}
	finish_stack(t, o, dg, pcs, npcs, end);
}

/* Buffers for unwinding goroutines UNWIND_BATCH at a time. */
struct unwind_batch {
	struct procmem_req reqs[UNWIND_BATCH];
	struct {
		struct g_place before;
		size_t wlen, woff, req;
		enum gostack_end end;
		size_t npcs;
		uint64_t pcs[GOSTACK_MAX_PCS];
	} slot[UNWIND_BATCH];
	uint8_t places[UNWIND_BATCH][PLACE_SPAN_MAX];
	uint8_t retry_window[STACK_WINDOW];
	uint8_t *windows;	/* the batch's stack windows, back to back */
	size_t windows_cap;
};

/*
 * Goroutines gs[0..n), n <= UNWIND_BATCH, the way unwind_goroutine does
 * one, in three scatter reads: every stack window, then (after every
 * walk) every place again.  A goroutine whose place moved is then read
 * again on its own.
 */
static void unwind_batch(const struct target *t, struct procmem *mem,
			 const struct dump_opts *o, struct dump_goroutine *gs, size_t n,
			 struct unwind_batch *b, size_t *retried)
{
	const struct go_offsets *off = &t->off;
	struct place_span span = place_span(off);
	size_t i, nreq = 0, total = 0;

	if (span.len > PLACE_SPAN_MAX) {	/* offsets we do not know: all unreadable */
		for (i = 0; i < n; i++)
			if (!(gs[i].stack_note = no_stack_reason(gs[i].g.status)))
				finish_stack(t, o, &gs[i], NULL, 0, GOSTACK_END_UNREADABLE);
		return;
	}
	for (i = 0; i < n; i++) {
		gs[i].stack_note = no_stack_reason(gs[i].g.status);
		b->slot[i].before = snap_place(&gs[i].g);
		b->slot[i].wlen = gs[i].stack_note ? 0 : window_len(&b->slot[i].before);
		b->slot[i].woff = total;
		total += b->slot[i].wlen;
	}
	if (total > b->windows_cap) {
		uint8_t *w = realloc(b->windows, total);

		if (!w) {
			for (i = 0; i < n; i++)
				if (!gs[i].stack_note)
					unwind_goroutine(t, mem, o, &gs[i], &b->slot[i].before, 0,
							 b->retry_window, retried);
			return;
		}
		b->windows = w;
		b->windows_cap = total;
	}
	for (i = 0; i < n; i++) {
		if (!b->slot[i].wlen)
			continue;
		b->slot[i].req = nreq;
		b->reqs[nreq++] = (struct procmem_req){ .addr = b->slot[i].before.sp,
							.len = b->slot[i].wlen,
							.buf = b->windows + b->slot[i].woff };
	}
	procmem_readv(mem, b->reqs, nreq);
	for (i = 0; i < n; i++) {
		struct stack_window w = { .mem = mem, .base = b->slot[i].before.sp,
					  .bytes = b->windows + b->slot[i].woff };
		const struct g_place *p = &b->slot[i].before;

		if (gs[i].stack_note)
			continue;
		w.len = b->slot[i].wlen && b->reqs[b->slot[i].req].ok ? b->slot[i].wlen : 0;
		b->slot[i].npcs = 0;
		b->slot[i].end = gostack_unwind(t->gb, t->bias, p->pc, p->sp, p->lo, p->hi,
						read_stack_word, &w, b->slot[i].pcs,
						GOSTACK_MAX_PCS, &b->slot[i].npcs);
	}
	for (i = 0, nreq = 0; i < n; i++) {
		if (gs[i].stack_note)
			continue;
		b->slot[i].req = nreq;
		b->reqs[nreq++] = (struct procmem_req){ .addr = gs[i].g.addr + span.lo,
							.len = span.len, .buf = b->places[i] };
	}
	procmem_readv(mem, b->reqs, nreq);
	for (i = 0; i < n; i++) {
		struct g_place after;

		if (gs[i].stack_note)
			continue;
		if (!b->reqs[b->slot[i].req].ok) {
			finish_stack(t, o, &gs[i], b->slot[i].pcs, b->slot[i].npcs,
				     GOSTACK_END_UNREADABLE);
			continue;
		}
		place_parse(off, span, b->places[i], &after);
		if (same_place(&b->slot[i].before, &after)) {
			finish_stack(t, o, &gs[i], b->slot[i].pcs, b->slot[i].npcs, b->slot[i].end);
			continue;
		}
		/* It ran meanwhile: on its own from where it is now. */
		gs[i].g.status = after.status;
		gs[i].g.waitreason = after.waitreason;
		unwind_goroutine(t, mem, o, &gs[i], &after, 1, b->retry_window, retried);
	}
}

/* "created by": the function holding the go statement (not expanded for
 * inlining, as the runtime prints it) and the position of its CALL. */
static bool created_by(const struct target *t, const struct snap_g *g, struct go_frame *out)
{
	struct gobin_pcinfo pi;
	uint64_t pc = g->gopc;

	if (!pc || pc <= t->bias || g->goid == 1)
		return false;
	if (gobin_pc_lookup(t->gb, pc - t->bias - 1, &pi))
		return false;
	memset(out, 0, sizeof(*out));
	out->pc = pc;
	out->func_entry = pi.func_entry + t->bias;
	out->function = pi.function;
	out->file = pi.file;
	out->line = pi.line;
	return true;
}

static bool is_system(const struct target *t, const struct snap_g *g)
{
	struct gobin_pcinfo pi;

	if (!g->startpc || g->startpc <= t->bias ||
	    gobin_pc_lookup(t->gb, g->startpc - t->bias, &pi))
		return false;
	return go_is_system_goroutine(t->minor, pi.function);
}

int dump_take(const struct target *t, const struct dump_opts *o, struct dump *out,
	      char *err, size_t errlen)
{
	struct procmem mem;
	struct snapshot snap;
	struct allgs_source src;
	struct unwind_batch *batch;
	uint64_t now;
	size_t i;
	int ret;

	memset(out, 0, sizeof(*out));
	out->t = t;
	out->taken_ns = monotonic_ns();
	out->taken_unix = time(NULL);
	ret = procmem_open(&mem, t->pid);
	if (ret) {
		snprintf(err, errlen, "cannot read the memory of PID %d: %s", t->pid,
			 strerror(-ret));
		return ret;
	}
	src = (struct allgs_source){
		.mem = &mem,
		.off = &t->off,
		.allglen_addr = target_addr(t, t->allglen.addr),
		.allgptr_addr = target_addr(t, t->allgptr.addr),
	};
	ret = allgs_read(&src, &snap, err, errlen);
	if (ret)
		goto err_close_mem;
	out->gs = calloc(snap.n ? snap.n : 1, sizeof(*out->gs));
	batch = calloc(1, sizeof(*batch));
	if (!out->gs || !batch) {
		free(out->gs);
		free(batch);
		out->gs = NULL;
		snprintf(err, errlen, "out of memory for %zu goroutines", snap.n);
		ret = -ENOMEM;
		goto err_free_snapshot;
	}
	now = monotonic_ns();
	for (i = 0; i < snap.n; i++) {
		struct dump_goroutine *dg = &out->gs[out->n];

		dg->g = snap.gs[i];
		dg->system = is_system(t, &dg->g);
		if (dg->system && !o->system) {
			out->system_hidden++;
			continue;
		}
		dg->wait_minutes = -1;
		if ((dg->g.status == G_WAITING || dg->g.status == G_SYSCALL) &&
		    dg->g.waitsince > 0 && (uint64_t)dg->g.waitsince <= now)
			dg->wait_minutes = (int64_t)((now - (uint64_t)dg->g.waitsince) / 60000000000ull);
		dg->have_created_by = created_by(t, &dg->g, &dg->created_by);
		out->n++;
	}
	for (i = 0; i < out->n; i += UNWIND_BATCH)
		unwind_batch(t, &mem, o, &out->gs[i],
			     out->n - i < UNWIND_BATCH ? out->n - i : UNWIND_BATCH, batch,
			     &out->retried);
	free(batch->windows);
	free(batch);
	out->duration_ns = monotonic_ns() - out->taken_ns;
	allgs_free(&snap);
	procmem_close(&mem);
	return 0;

err_free_snapshot:
	allgs_free(&snap);
err_close_mem:
	procmem_close(&mem);
	return ret;
}

void dump_free(struct dump *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->gs[i].frames);
		free(d->gs[i].pcs);
	}
	free(d->gs);
	memset(d, 0, sizeof(*d));
}

const char *dump_status_word(uint32_t status)
{
	switch (status) {
	case G_IDLE: return "idle";
	case G_RUNNABLE: return "runnable";
	case G_RUNNING: return "running";
	case G_SYSCALL: return "syscall";
	case G_WAITING: return "waiting";
	case G_DEAD: return "dead";
	case G_COPYSTACK: return "copystack";
	case G_PREEMPTED: return "preempted";
	case G_LEAKED: return "leaked";
	case G_DEADEXTRA: return "waiting for cgo callback";
	default: return "???";
	}
}

const char *dump_wait_reason(const struct dump *d, const struct dump_goroutine *g)
{
	const char *r;

	if ((g->g.status != G_WAITING && g->g.status != G_LEAKED) || !g->g.waitreason)
		return NULL;
	r = go_waitreason_name(d->t->minor, g->g.waitreason);
	return r && *r ? r : NULL;
}

const char *dump_status_name(const struct dump *d, const struct dump_goroutine *g)
{
	const char *r = dump_wait_reason(d, g);

	return r ? r : dump_status_word(g->g.status);
}

/* ---- grouping ---- */

static int cmp_frames(const struct go_frame *a, size_t na, const struct go_frame *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return na < nb ? -1 : 1;
	for (i = 0; i < na; i++) {
		int c;

		if (a[i].pc != b[i].pc)
			return a[i].pc < b[i].pc ? -1 : 1;
		c = strcmp(a[i].function ? a[i].function : "", b[i].function ? b[i].function : "");
		if (c)
			return c;
	}
	return 0;
}

static const struct dump *sort_dump;

static int cmp_for_group(const void *pa, const void *pb)
{
	const struct dump_goroutine *a = &sort_dump->gs[*(const size_t *)pa];
	const struct dump_goroutine *b = &sort_dump->gs[*(const size_t *)pb];
	int c = strcmp(dump_status_name(sort_dump, a), dump_status_name(sort_dump, b));

	if (c)
		return c;
	c = cmp_frames(a->frames, a->nframes, b->frames, b->nframes);
	if (c)
		return c;
	if (a->have_created_by != b->have_created_by)
		return a->have_created_by ? 1 : -1;
	if (a->have_created_by && a->created_by.pc != b->created_by.pc)
		return a->created_by.pc < b->created_by.pc ? -1 : 1;
	return a->g.goid < b->g.goid ? -1 : a->g.goid > b->g.goid;
}

static bool same_group(const struct dump *d, size_t i, size_t j)
{
	const struct dump_goroutine *a = &d->gs[i], *b = &d->gs[j];

	return !strcmp(dump_status_name(d, a), dump_status_name(d, b)) &&
	       !cmp_frames(a->frames, a->nframes, b->frames, b->nframes) &&
	       a->have_created_by == b->have_created_by &&
	       (!a->have_created_by || a->created_by.pc == b->created_by.pc);
}

struct group_span {
	size_t start, len;
	uint64_t first_goid;
};

static int cmp_span(const void *pa, const void *pb)
{
	const struct group_span *a = pa, *b = pb;

	if (a->len != b->len)
		return a->len > b->len ? -1 : 1;
	return a->first_goid < b->first_goid ? -1 : a->first_goid > b->first_goid;
}

size_t dump_group(const struct dump *d, size_t **order_out, size_t **start_out)
{
	size_t *idx = malloc((d->n + 1) * sizeof(*idx)), *order = malloc((d->n + 1) * sizeof(*order));
	size_t *start = malloc((d->n + 2) * sizeof(*start));
	struct group_span *spans = malloc((d->n + 1) * sizeof(*spans));
	size_t i, k, ng = 0, pos = 0;

	*order_out = NULL;
	*start_out = NULL;
	if (!idx || !order || !start || !spans) {
		free(idx);
		free(order);
		free(start);
		free(spans);
		return 0;
	}
	for (i = 0; i < d->n; i++)
		idx[i] = i;
	sort_dump = d;
	qsort(idx, d->n, sizeof(*idx), cmp_for_group);
	for (i = 0; i < d->n; i++) {
		if (!i || !same_group(d, idx[i - 1], idx[i])) {
			spans[ng].start = i;
			spans[ng].len = 0;
			spans[ng].first_goid = d->gs[idx[i]].g.goid;
			ng++;
		}
		spans[ng - 1].len++;
	}
	qsort(spans, ng, sizeof(*spans), cmp_span);
	for (k = 0; k < ng; k++) {
		start[k] = pos;
		for (i = 0; i < spans[k].len; i++)
			order[pos++] = idx[spans[k].start + i];
	}
	start[ng] = pos;
	free(idx);
	free(spans);
	*order_out = order;
	*start_out = start;
	return ng;
}

size_t dump_blocked_groups(const struct dump *d, uint64_t gopc, size_t max,
			   struct dump_blocked_group **out)
{
	size_t *order, *start, ng = dump_group(d, &order, &start), k, i, n = 0;

	*out = NULL;
	if (ng && max)
		*out = calloc(ng < max ? ng : max, sizeof(**out));
	for (k = 0; *out && k < ng && n < max; k++) {
		const struct dump_goroutine *g = &d->gs[order[start[k]]];
		struct dump_blocked_group *grp = &(*out)[n];

		if (gopc && (!g->have_created_by || g->created_by.pc != gopc))
			continue;
		grp->g = g;
		grp->count = start[k + 1] - start[k];
		grp->wait_minutes = -1;
		for (i = start[k]; i < start[k + 1]; i++)
			if (d->gs[order[i]].wait_minutes > grp->wait_minutes)
				grp->wait_minutes = d->gs[order[i]].wait_minutes;
		n++;
	}
	free(order);
	free(start);
	if (!n) {
		free(*out);
		*out = NULL;
	}
	return n;
}
