// SPDX-License-Identifier: BSD-2-Clause
/*
 * Walk runtime.allgs the way the runtime's own atomicAllG() does: allglen
 * first, then allgptr.  The backing array only grows and old arrays stay
 * valid, and g structs are never freed, so every read is of memory that
 * stays mapped even while the target runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/bigbuf.h"
#include "process/allgs.h"

uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

bool go_status_alive(uint32_t status)
{
	switch (status & ~G_SCAN) {
	case G_RUNNABLE:
	case G_RUNNING:
	case G_SYSCALL:
	case G_WAITING:
	case G_COPYSTACK:
	case G_PREEMPTED:
	case G_LEAKED:
		return true;
	default:
		return false;	/* idle, dead, dead extra-M, unused values */
	}
}

static uint64_t field_u64(const uint8_t *g, uint32_t off)
{
	uint64_t v;

	memcpy(&v, g + off, sizeof(v));
	return v;
}

static uint32_t field_u32(const uint8_t *g, uint32_t off)
{
	uint32_t v;

	memcpy(&v, g + off, sizeof(v));
	return v;
}

/* How many bytes of each g we need: up to the last field we read. */
static size_t g_read_size(const struct go_offsets *o)
{
	uint32_t fields[] = { o->g_goid + 8, o->g_gopc + 8, o->g_startpc + 8,
			      o->g_atomicstatus + 4, o->g_waitreason + 1,
			      o->g_waitsince + 8, o->g_stack_hi + 8,
			      o->g_sched + o->gobuf_pc + 8, o->g_sched + o->gobuf_sp + 8,
			      o->g_syscallsp + 8, o->g_syscallpc + 8,
			      o->g_parent_goid == GO_NO_FIELD ? 0 : o->g_parent_goid + 8 };
	size_t i, max = 0;

	for (i = 0; i < sizeof(fields) / sizeof(*fields); i++)
		if (fields[i] > max)
			max = fields[i];
	return max;
}

static void decode_g(const struct go_offsets *o, uint64_t addr,
		     const uint8_t *raw, struct snap_g *g)
{
	g->addr = addr;
	g->goid = field_u64(raw, o->g_goid);
	g->gopc = field_u64(raw, o->g_gopc);
	g->startpc = field_u64(raw, o->g_startpc);
	g->parent_goid = o->g_parent_goid == GO_NO_FIELD ? 0 :
			 field_u64(raw, o->g_parent_goid);
	g->waitsince = (int64_t)field_u64(raw, o->g_waitsince);
	g->status = field_u32(raw, o->g_atomicstatus) & ~G_SCAN;
	g->waitreason = raw[o->g_waitreason];
	g->stack_lo = field_u64(raw, o->g_stack_lo);
	g->stack_hi = field_u64(raw, o->g_stack_hi);
	g->sched_pc = field_u64(raw, o->g_sched + o->gobuf_pc);
	g->sched_sp = field_u64(raw, o->g_sched + o->gobuf_sp);
	g->syscall_pc = field_u64(raw, o->g_syscallpc);
	g->syscall_sp = field_u64(raw, o->g_syscallsp);
}

/*
 * g structs come from a few size classes and sit side by side in memory,
 * so reading them one request each (100k requests for 100k goroutines)
 * pays the kernel's per-request cost 100k times.  Sort them by address
 * and read runs of neighbours as one request.  The requests are read a
 * chunk at a time into one small buffer and decoded while it is still in
 * the cache: 100 000 gs are 40 MB, which a buffer of their own would have
 * the kernel zero and the decoding fetch back from memory.
 */
#define RANGE_MAX (64 * 1024)	/* bytes per request */
#define GAP_MAX 512		/* unused bytes we accept reading between gs */
#define CHUNK_BYTES (1u << 20)	/* requests read, then decoded, together */

/* What reading one allgs slot gave. */
enum slot_state { SLOT_FREE = 0, SLOT_ALIVE, SLOT_UNREADABLE };

struct gslot {
	uint64_t addr;
	size_t index;	/* in allgs */
	size_t range;	/* request that holds it */
};

static int cmp_slot_addr(const void *a, const void *b)
{
	const struct gslot *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Requests for slots (sorted by address); each slot learns its request.
 * Returns the number of requests, 0 on allocation failure. */
static size_t plan_ranges(struct gslot *slots, size_t n, size_t gsize,
			  struct procmem_req **reqs_out)
{
	struct procmem_req *reqs = calloc(n, sizeof(*reqs));
	size_t i, nr = 0;

	if (!reqs)
		return 0;
	for (i = 0; i < n; i++) {
		struct gslot *s = &slots[i];
		struct procmem_req *r = nr ? &reqs[nr - 1] : NULL;

		if (r && s->addr >= r->addr && s->addr <= r->addr + r->len + GAP_MAX &&
		    s->addr + gsize - r->addr <= RANGE_MAX) {
			if (s->addr + gsize > r->addr + r->len)
				r->len = s->addr + gsize - r->addr;
		} else {
			r = &reqs[nr++];
			r->addr = s->addr;
			r->len = gsize;
		}
		s->range = nr - 1;
	}
	*reqs_out = reqs;
	return nr;
}

/* Read requests [first, *end) - as many as fit in chunk - and decode the
 * slots they hold (from *slot on) into gs[slot's allgs index]. */
static void read_chunk(const struct allgs_source *src, struct procmem_req *reqs,
		       size_t nreqs, size_t first, size_t *end, struct gslot *slots,
		       size_t nslots, size_t *slot, size_t gsize, uint8_t *chunk,
		       struct snap_g *gs, uint8_t *state)
{
	size_t r, used = 0;

	for (r = first; r < nreqs && used + reqs[r].len <= CHUNK_BYTES; r++) {
		reqs[r].buf = chunk + used;
		used += reqs[r].len;
	}
	*end = r;
	procmem_readv(src->mem, reqs + first, r - first);
	for (; *slot < nslots && slots[*slot].range < r; (*slot)++) {
		const struct gslot *sl = &slots[*slot];
		const struct procmem_req *q = &reqs[sl->range];
		uint8_t *bytes = (uint8_t *)q->buf + (sl->addr - q->addr);
		bool readable = q->ok && sl->addr;

		/* A run that failed as a whole may hold gs readable one by one
		 * (reads are per page): try the g itself before giving up. */
		if (!q->ok && sl->addr)
			readable = !procmem_read(src->mem, sl->addr, bytes, gsize);
		if (!readable) {
			state[sl->index] = SLOT_UNREADABLE;
			continue;
		}
		decode_g(src->off, sl->addr, bytes, &gs[sl->index]);
		state[sl->index] = go_status_alive(gs[sl->index].status) ? SLOT_ALIVE : SLOT_FREE;
	}
}

int allgs_read(const struct allgs_source *src, struct snapshot *out,
		  char *err, size_t errlen)
{
	struct gslot *slots = NULL;
	struct procmem_req *reqs = NULL;
	size_t nreqs = 0, slot = 0, r, end;
	const struct go_offsets *o = src->off;
	uint64_t allglen = 0, allgptr = 0, last, *gptrs = NULL;
	size_t gsize = g_read_size(o), i;
	uint8_t *chunk = NULL, *state = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	out->started_ns = monotonic_ns();
	ret = procmem_read(src->mem, src->allglen_addr, &allglen, sizeof(allglen));
	if (!ret)
		ret = procmem_read(src->mem, src->allgptr_addr, &allgptr, sizeof(allgptr));
	if (ret) {
		snprintf(err, errlen, "cannot read runtime.allglen/allgptr at 0x%lx: %s",
			 (unsigned long)src->allglen_addr, strerror(-ret));
		return ret;
	}
	if (allglen > SNAPSHOT_MAX_GS || (allglen && !allgptr)) {
		snprintf(err, errlen, "implausible runtime.allglen %lu (allgptr 0x%lx): "
			 "wrong offsets or not a Go process",
			 (unsigned long)allglen, (unsigned long)allgptr);
		return -EINVAL;
	}
	if (gsize > RANGE_MAX) {
		/* offsets are at most 0xffff (offsets.c): never, but a chunk must
		 * hold the largest request or read_chunk would make no progress */
		snprintf(err, errlen, "implausible g layout: %zu bytes per g", gsize);
		return -EINVAL;
	}
	out->allglen = allglen;
	if (src->max_gs && allglen > src->max_gs)
		allglen = src->max_gs;
	if (!allglen)
		goto done;
	/* The array must hold allglen pointers: its last one readable before
	 * anything is allocated for them. */
	if (procmem_read(src->mem, allgptr + (allglen - 1) * sizeof(*gptrs), &last,
			 sizeof(last))) {
		snprintf(err, errlen, "runtime.allglen %lu runs past the allgs array at 0x%lx: "
			 "wrong offsets or not a Go process", (unsigned long)allglen,
			 (unsigned long)allgptr);
		return -EINVAL;
	}

	gptrs = bigbuf_alloc(allglen, sizeof(*gptrs));
	out->gs = bigbuf_alloc(allglen, sizeof(*out->gs));
	out->cap = allglen;
	slots = bigbuf_alloc(allglen, sizeof(*slots));
	state = bigbuf_alloc(allglen, sizeof(*state));
	chunk = malloc(CHUNK_BYTES);
	if (!gptrs || !out->gs || !slots || !state || !chunk) {
		snprintf(err, errlen, "out of memory for %lu goroutines",
			 (unsigned long)allglen);
		ret = -ENOMEM;
		goto err_free;
	}
	ret = procmem_read(src->mem, allgptr, gptrs, allglen * sizeof(*gptrs));
	if (ret) {
		snprintf(err, errlen, "cannot read the allgs array at 0x%lx: %s",
			 (unsigned long)allgptr, strerror(-ret));
		goto err_free;
	}
	for (i = 0; i < allglen; i++) {
		slots[i].addr = gptrs[i];
		slots[i].index = i;
	}
	qsort(slots, allglen, sizeof(*slots), cmp_slot_addr);
	nreqs = plan_ranges(slots, allglen, gsize, &reqs);
	if (!nreqs) {
		snprintf(err, errlen, "out of memory for %lu goroutines",
			 (unsigned long)allglen);
		ret = -ENOMEM;
		goto err_free;
	}
	for (r = 0; r < nreqs; r = end)
		read_chunk(src, reqs, nreqs, r, &end, slots, allglen, &slot, gsize, chunk,
			   out->gs, state);
	/* allgs order, so the snapshot lists goroutines as the runtime does */
	for (i = 0; i < allglen; i++) {
		if (state[i] == SLOT_UNREADABLE)
			out->unreadable++;
		else if (state[i] == SLOT_ALIVE)
			out->gs[out->n++] = out->gs[i];
	}
done:
	out->finished_ns = monotonic_ns();
	bigbuf_free(gptrs, allglen, sizeof(*gptrs));
	bigbuf_free(slots, allglen, sizeof(*slots));
	bigbuf_free(state, allglen, sizeof(*state));
	free(reqs);
	free(chunk);
	return 0;

err_free:
	bigbuf_free(gptrs, allglen, sizeof(*gptrs));
	bigbuf_free(slots, allglen, sizeof(*slots));
	bigbuf_free(state, allglen, sizeof(*state));
	free(reqs);
	free(chunk);
	allgs_free(out);
	return ret;
}

int allgs_reread_runnable(const struct allgs_source *src, struct snapshot *s)
{
	size_t gsize = g_read_size(src->off), i, k, n = 0, kept = 0;
	struct procmem_req *reqs;
	size_t *which;
	uint8_t *raw;

	for (i = 0; i < s->n; i++)
		n += s->gs[i].status == G_RUNNABLE;
	if (!n)
		return 0;
	reqs = calloc(n, sizeof(*reqs));
	which = calloc(n, sizeof(*which));
	raw = malloc(n * gsize);
	if (!reqs || !which || !raw) {
		free(reqs);
		free(which);
		free(raw);
		return -ENOMEM;
	}
	for (i = 0, k = 0; i < s->n; i++) {
		if (s->gs[i].status != G_RUNNABLE)
			continue;
		reqs[k].addr = s->gs[i].addr;
		reqs[k].len = gsize;
		reqs[k].buf = raw + k * gsize;
		which[k++] = i;
	}
	procmem_readv(src->mem, reqs, n);
	for (k = 0; k < n; k++) {
		struct snap_g *g = &s->gs[which[k]];

		if (!reqs[k].ok) {
			s->unreadable++;	/* no phantom judged on a partial look */
			continue;
		}
		decode_g(src->off, g->addr, reqs[k].buf, g);
	}
	/* Those no longer alive leave the snapshot, as a full read would. */
	for (i = 0; i < s->n; i++)
		if (go_status_alive(s->gs[i].status))
			s->gs[kept++] = s->gs[i];
	s->n = kept;
	s->finished_ns = monotonic_ns();
	free(reqs);
	free(which);
	free(raw);
	return 0;
}

void allgs_free(struct snapshot *s)
{
	bigbuf_free(s->gs, s->cap, sizeof(*s->gs));
	s->gs = NULL;
	s->n = s->cap = 0;
}
