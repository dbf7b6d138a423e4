// SPDX-License-Identifier: BSD-2-Clause
/*
 * gostray dump's output (include/output/dumpreport.h): JSON, and text in
 * the runtime's own goroutine dump format.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "binary/gobin.h"
#include "output/dumpreport.h"
#include "output/jsonhex.h"

/* ---- JSON ---- */

static struct json_object *frame_json(const struct go_frame *f, bool stack_frame)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "function", json_object_new_string(f->function ? f->function : "?"));
	json_object_object_add(o, "file", f->file ? json_object_new_string(f->file) : NULL);
	json_object_object_add(o, "line", json_object_new_int(f->line));
	json_object_object_add(o, "pc", json_hex(f->pc));
	if (stack_frame)
		json_object_object_add(o, "inlined", json_object_new_boolean(f->inlined));
	return o;
}

struct json_object *dump_frames_json(const struct go_frame *f, size_t n)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_object_array_add(a, frame_json(&f[i], true));
	return a;
}

static struct json_object *stack_json(const struct dump_goroutine *g)
{
	return dump_frames_json(g->frames, g->nframes);
}

/*
 * 100 000 goroutines have a few hundred distinct stacks, creators and
 * strings between them.  Each distinct one is built once and referenced
 * from every goroutine that has it (json-c counts references, the text is
 * the same): a tree of its own per goroutine took 1.1 GB and most of the
 * time of `dump --json` at that size.  Frames are the same when their
 * fields are (names and files point into the pclntab).
 */
enum shared_kind { SHARED_STRING = 1, SHARED_BOOL, SHARED_STACK, SHARED_CREATOR };

struct json_shared {
	uint64_t hash;			/* the table's key */
	enum shared_kind kind;
	const struct go_frame *frames;
	size_t n;			/* frames; for SHARED_BOOL the value */
	const char *str;
	struct json_object *obj;	/* the table's own reference */
	struct json_shared *next;	/* other values with the same hash */
	UT_hash_handle hh;
};

struct json_share {
	struct json_shared *by_hash;	/* uthash, by hash */
};

static uint64_t share_mix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 32);
}

static uint64_t share_hash(enum shared_kind kind, const struct go_frame *f, size_t n,
			   const char *str)
{
	uint64_t h = share_mix(kind, n);
	size_t i;

	h = share_mix(h, (uintptr_t)str);
	for (i = 0; f && i < n; i++) {
		h = share_mix(h, f[i].pc);
		h = share_mix(h, (uintptr_t)f[i].function);
		h = share_mix(h, (uintptr_t)f[i].file);
		h = share_mix(h, (uint64_t)(uint32_t)f[i].line << 1 | f[i].inlined);
	}
	return h;
}

static bool share_same(const struct json_shared *e, uint64_t hash, enum shared_kind kind,
		       const struct go_frame *f, size_t n, const char *str)
{
	size_t i;

	if (e->hash != hash || e->kind != kind || e->n != n || e->str != str)
		return false;
	if (kind != SHARED_STACK && kind != SHARED_CREATOR)
		return true;
	for (i = 0; i < n; i++)
		if (e->frames[i].pc != f[i].pc || e->frames[i].function != f[i].function ||
		    e->frames[i].file != f[i].file || e->frames[i].line != f[i].line ||
		    e->frames[i].inlined != f[i].inlined)
			return false;
	return true;
}

static struct json_object *share_build(enum shared_kind kind, const struct go_frame *f,
				       size_t n, const char *str)
{
	struct json_object *a;
	size_t i;

	switch (kind) {
	case SHARED_STRING:
		return json_object_new_string(str);
	case SHARED_BOOL:
		return json_object_new_boolean(n != 0);
	case SHARED_CREATOR:
		return frame_json(f, false);
	case SHARED_STACK:
		break;
	}
	a = json_object_new_array();
	for (i = 0; a && i < n; i++)
		json_object_array_add(a, frame_json(&f[i], true));
	return a;
}

/* A new reference to the one object for this value. */
static struct json_object *shared(struct json_share *s, enum shared_kind kind,
				  const struct go_frame *f, size_t n, const char *str)
{
	uint64_t hash = share_hash(kind, f, n, str);
	struct json_shared *head, *e;
	struct json_object *obj;

	HASH_FIND(hh, s->by_hash, &hash, sizeof(hash), head);
	for (e = head; e; e = e->next)
		if (share_same(e, hash, kind, f, n, str))
			return json_object_get(e->obj);
	obj = share_build(kind, f, n, str);
	e = obj ? malloc(sizeof(*e)) : NULL;
	if (!e)
		return obj;	/* not shared, still right */
	*e = (struct json_shared){ .hash = hash, .kind = kind, .frames = f, .n = n,
				   .str = str, .obj = obj };
	if (head) {
		e->next = head->next;
		head->next = e;
	} else {
		HASH_ADD(hh, s->by_hash, hash, sizeof(e->hash), e);
	}
	return json_object_get(obj);
}

/* Drops the table's references; the document keeps its own. */
static void share_free(struct json_share *s)
{
	struct json_shared *head, *tmp, *e, *next;

	HASH_ITER(hh, s->by_hash, head, tmp) {
		HASH_DEL(s->by_hash, head);
		for (e = head; e; e = next) {
			next = e->next;
			json_object_put(e->obj);
			free(e);
		}
	}
}

static struct json_object *goroutine_json(const struct dump *d, const struct dump_goroutine *g,
					  struct json_share *s)
{
	struct json_object *o = json_object_new_object();
	const char *reason = dump_wait_reason(d, g);

	json_object_object_add(o, "goid", json_object_new_uint64(g->g.goid));
	json_object_object_add(o, "status", shared(s, SHARED_STRING, NULL, 0,
						   dump_status_word(g->g.status)));
	json_object_object_add(o, "wait_reason", reason ?
			       shared(s, SHARED_STRING, NULL, 0, reason) : NULL);
	json_object_object_add(o, "wait_minutes", g->wait_minutes >= 0 ?
			       json_object_new_int64(g->wait_minutes) : NULL);
	json_object_object_add(o, "system", shared(s, SHARED_BOOL, NULL, g->system, NULL));
	json_object_object_add(o, "created_by", g->have_created_by ?
			       shared(s, SHARED_CREATOR, &g->created_by, 1, NULL) : NULL);
	json_object_object_add(o, "parent_goid", g->g.parent_goid ?
			       json_object_new_uint64(g->g.parent_goid) : NULL);
	json_object_object_add(o, "stack", shared(s, SHARED_STACK, g->frames, g->nframes, NULL));
	json_object_object_add(o, "stack_note", g->stack_note ?
			       shared(s, SHARED_STRING, NULL, 0, g->stack_note) : NULL);
	return o;
}

struct json_object *dump_json(const struct dump *d, bool grouped)
{
	struct json_object *doc = json_object_new_object(), *list = json_object_new_array();
	size_t i;

	json_object_object_add(doc, "pid", json_object_new_int(d->t->pid));
	json_object_object_add(doc, "exe", json_object_new_string(d->t->exe_name));
	json_object_object_add(doc, "go_version", json_object_new_string(gobin_go_version(d->t->gb)));
	json_object_object_add(doc, "taken_at_unix", json_object_new_int64(d->taken_unix));
	json_object_object_add(doc, "duration_ms", json_object_new_double(d->duration_ns / 1e6));
	json_object_object_add(doc, "goroutine_count", json_object_new_uint64(d->n));
	json_object_object_add(doc, "system_goroutines_hidden",
			       json_object_new_uint64(d->system_hidden));
	json_object_object_add(doc, "stacks_reread", json_object_new_uint64(d->retried));
	if (!grouped) {
		struct json_share share = { 0 };

		for (i = 0; i < d->n; i++)
			json_object_array_add(list, goroutine_json(d, &d->gs[i], &share));
		share_free(&share);
		json_object_object_add(doc, "goroutines", list);
		return doc;
	}
	{
		size_t *order, *start, ng = dump_group(d, &order, &start), k;

		for (k = 0; k < ng; k++) {
			const struct dump_goroutine *g = &d->gs[order[start[k]]];
			struct json_object *grp = json_object_new_object(), *ids = json_object_new_array();
			const char *reason = dump_wait_reason(d, g);
			int64_t maxmin = -1;

			for (i = start[k]; i < start[k + 1]; i++) {
				const struct dump_goroutine *m = &d->gs[order[i]];

				json_object_array_add(ids, json_object_new_uint64(m->g.goid));
				if (m->wait_minutes > maxmin)
					maxmin = m->wait_minutes;
			}
			json_object_object_add(grp, "count", json_object_new_uint64(start[k + 1] - start[k]));
			json_object_object_add(grp, "status", json_object_new_string(dump_status_word(g->g.status)));
			json_object_object_add(grp, "wait_reason", reason ? json_object_new_string(reason) : NULL);
			json_object_object_add(grp, "wait_minutes_max", maxmin >= 0 ?
					       json_object_new_int64(maxmin) : NULL);
			json_object_object_add(grp, "created_by", g->have_created_by ?
					       frame_json(&g->created_by, false) : NULL);
			json_object_object_add(grp, "stack", stack_json(g));
			json_object_object_add(grp, "goids", ids);
			json_object_array_add(list, grp);
		}
		free(order);
		free(start);
		json_object_object_add(doc, "groups", list);
	}
	return doc;
}

/* ---- text, in the runtime's own dump format ---- */

static void frame_text(FILE *f, const struct go_frame *fr)
{
	fprintf(f, "%s(...)\n\t%s:%d", fr->function ? fr->function : "?",
		fr->file ? fr->file : "?", fr->line);
	if (!fr->inlined && fr->pc > fr->func_entry)
		fprintf(f, " +0x%llx", (unsigned long long)(fr->pc - fr->func_entry));
	fputc('\n', f);
}

static void stack_text(FILE *f, const struct dump_goroutine *g, bool with_parent)
{
	size_t i;

	if (g->stack_note && !g->nframes)
		fprintf(f, "\tgoroutine %s\n", g->stack_note);
	for (i = 0; i < g->nframes; i++)
		frame_text(f, &g->frames[i]);
	if (g->stack_note && g->nframes)
		fprintf(f, "\t... stack %s\n", g->stack_note);
	if (g->have_created_by) {
		fprintf(f, "created by %s", g->created_by.function);
		if (with_parent && g->g.parent_goid)
			fprintf(f, " in goroutine %llu", (unsigned long long)g->g.parent_goid);
		fprintf(f, "\n\t%s:%d +0x%llx\n", g->created_by.file ? g->created_by.file : "?",
			g->created_by.line,
			(unsigned long long)(g->created_by.pc - g->created_by.func_entry));
	}
}

void dump_text(FILE *f, const struct dump *d, bool grouped)
{
	size_t i;

	fprintf(f, "# gostray dump of PID %d (%s, %s): %zu goroutines", d->t->pid,
		d->t->exe_name, gobin_go_version(d->t->gb), d->n);
	if (d->system_hidden)
		fprintf(f, " (+%zu of the runtime, hidden; --all shows them)", d->system_hidden);
	fprintf(f, ", read in %.1f ms\n", d->duration_ns / 1e6);
	if (!grouped) {
		for (i = 0; i < d->n; i++) {
			const struct dump_goroutine *g = &d->gs[i];

			fprintf(f, "\ngoroutine %llu [%s", (unsigned long long)g->g.goid,
				dump_status_name(d, g));
			if (g->wait_minutes >= 1)
				fprintf(f, ", %lld minutes", (long long)g->wait_minutes);
			fprintf(f, "]:\n");
			stack_text(f, g, true);
		}
		return;
	}
	{
		size_t *order, *start, ng = dump_group(d, &order, &start), k;

		for (k = 0; k < ng; k++) {
			const struct dump_goroutine *g = &d->gs[order[start[k]]];
			size_t count = start[k + 1] - start[k];
			int64_t maxmin = -1;

			for (i = start[k]; i < start[k + 1]; i++)
				if (d->gs[order[i]].wait_minutes > maxmin)
					maxmin = d->gs[order[i]].wait_minutes;
			fprintf(f, "\n%zu goroutine%s [%s", count, count == 1 ? "" : "s",
				dump_status_name(d, g));
			if (maxmin >= 1)
				fprintf(f, ", up to %lld minutes", (long long)maxmin);
			fprintf(f, "]: goroutine %llu", (unsigned long long)g->g.goid);
			if (count > 1)
				fprintf(f, " and %zu more", count - 1);
			fprintf(f, "\n");
			stack_text(f, g, false);
		}
		free(order);
		free(start);
	}
}
