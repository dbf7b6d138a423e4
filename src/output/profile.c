// SPDX-License-Identifier: BSD-2-Clause
/*
 * Goroutine dump -> pprof profile.  Locations are physical PCs with their
 * inlined calls as extra lines (innermost first, as profile.proto wants),
 * so pprof shows the same logical frames as the runtime's tracebacks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/pprofenc.h"
#include "output/profile.h"
#include "output/model.h"
#include "process/target.h"

int profile_view_parse(const char *name)
{
	if (!strcmp(name, "blocked"))
		return PROFILE_BY_BLOCKED;
	if (!strcmp(name, "creation"))
		return PROFILE_BY_CREATION;
	return -1;
}

/* One location per PC: its logical frames as lines.  lines has room for
 * GOSTACK_MAX_INLINE + 1 entries. */
static void location_of(const struct target *t, uint64_t pc, struct pprof_location *loc,
			struct pprof_line *lines)
{
	struct go_frame frames[GOSTACK_MAX_INLINE + 1];
	size_t n = gostack_symbolize(t->gb, t->bias, pc, frames, GOSTACK_MAX_INLINE + 1), i;

	for (i = 0; i < n; i++) {
		lines[i] = (struct pprof_line){
			.function = frames[i].function,
			.file = frames[i].file,
			.line = frames[i].line,
		};
	}
	if (!n) {
		lines[0] = (struct pprof_line){ .function = "?", .file = "?" };
		n = 1;
	}
	/* Link-time addresses: the same for every run of a PIE, and what
	 * `go tool addr2line` takes. */
	loc->address = pc - t->bias;
	loc->lines = lines;
	loc->nlines = n;
}

static int add_goroutine(struct pprof_profile *p, const struct dump *d,
			 const struct dump_goroutine *g, enum profile_view view)
{
	static struct pprof_line lines[GOSTACK_MAX_PCS][GOSTACK_MAX_INLINE + 1];
	struct pprof_location locs[GOSTACK_MAX_PCS];
	struct pprof_label labels[2];
	char created[512];
	size_t n = 0, i;

	if (view == PROFILE_BY_CREATION) {
		if (g->have_created_by)
			location_of(d->t, g->created_by.pc, &locs[n++], lines[0]);
		else if (g->g.startpc)	/* the main goroutine: its function */
			location_of(d->t, g->g.startpc, &locs[n++], lines[0]);
	} else {
		for (i = 0; i < g->npcs && i < GOSTACK_MAX_PCS; i++)
			location_of(d->t, g->pcs[i], &locs[n++], lines[i]);
	}
	if (!n) {
		/* No stack (running, unreadable): still counted, on a frame
		 * that says why. */
		lines[0][0] = (struct pprof_line){
			.function = g->stack_note ? g->stack_note : "no stack",
			.file = "?" };
		locs[0] = (struct pprof_location){ .address = 0, .lines = lines[0], .nlines = 1 };
		n = 1;
	}
	if (g->have_created_by)
		snprintf(created, sizeof(created), "%s %s:%d", g->created_by.function,
			 g->created_by.file ? g->created_by.file : "?", g->created_by.line);
	else
		snprintf(created, sizeof(created), "none");
	labels[0] = (struct pprof_label){ .key = "state", .str = dump_status_name(d, g) };
	labels[1] = (struct pprof_label){ .key = "created_by", .str = created };
	return pprof_add_sample(p, locs, n, 1, labels, 2);
}

/* A goroutine profile of t; the comment ("gostray WHAT of PID ...TAIL")
 * says what was sampled. */
static struct pprof_profile *profile_begin(const struct target *t, const char *what,
					   const char *tail)
{
	struct pprof_profile *p = pprof_new("goroutine", "count");
	char comment[512];

	if (!p)
		return NULL;
	snprintf(comment, sizeof(comment), "gostray %s of PID %d (%s, %s)%s", what, t->pid,
		 t->exe_name, gobin_go_version(t->gb), tail);
	pprof_add_comment(p, comment);
	/* Addresses are link-time; the frames come symbolized, so pprof needs
	 * nothing from the binary. */
	pprof_set_main_mapping(p, 0, UINT64_MAX, 0, t->exe_name, NULL);
	return p;
}

/* Write p unless building it failed (ret), and free it. */
static int profile_finish(struct pprof_profile *p, int ret, const char *path,
			  char *err, size_t errlen)
{
	if (ret)
		snprintf(err, errlen, "cannot build the profile: %s", strerror(-ret));
	else
		ret = pprof_write_gz(p, path, err, errlen);
	pprof_free(p);
	return ret;
}

int profile_write_dump(const struct dump *d, enum profile_view view, const char *path,
		       char *err, size_t errlen)
{
	struct pprof_profile *p = profile_begin(d->t, "dump", view == PROFILE_BY_CREATION ?
						", by creation stack" : ", by blocked stack");
	size_t i;
	int ret = 0;

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	pprof_set_time(p, d->taken_unix * 1000000000ll, (int64_t)d->duration_ns);
	for (i = 0; i < d->n && !ret; i++)
		ret = add_goroutine(p, d, &d->gs[i], view);
	return profile_finish(p, ret, path, err, errlen);
}

/* Logical frames (model_stack_frames) back into pprof locations: frames
 * sharing a PC are one location, its inlined calls as extra lines. */
static size_t frames_to_locations(const struct stack_frame *f, int nf,
				  struct pprof_location *locs, struct pprof_line *lines,
				  size_t max_lines)
{
	size_t nl = 0, n = 0;
	int i;

	for (i = 0; i < nf && nl < max_lines; i++) {
		if (!n || locs[n - 1].address != f[i].pc || !f[i - 1].inlined) {
			locs[n++] = (struct pprof_location){ .address = f[i].pc,
							     .lines = &lines[nl] };
		}
		lines[nl++] = (struct pprof_line){ .function = f[i].function, .file = f[i].file,
						   .line = f[i].line };
		locs[n - 1].nlines++;
	}
	return n;
}

/* One sample per call path with live goroutines at the end. */
static int add_stack_sample(struct pprof_profile *p, const struct target *t,
			    const struct model_row *r, const struct model_stack *st)
{
	static struct pprof_line lines[CREATION_STACK_MAX];
	static struct pprof_location locs[CREATION_STACK_MAX];
	struct pprof_label labels[3];
	char created[512];
	size_t nl;

	if (st->known && st->nframes) {
		nl = frames_to_locations(st->frames, st->nframes, locs, lines,
					 CREATION_STACK_MAX);
	} else {
		/* Born before attach: only its go statement is known. */
		location_of(t, r->site->gopc, &locs[0], lines);
		nl = 1;
	}
	snprintf(created, sizeof(created), "%s %s:%d", r->function, r->file, r->line);
	labels[0] = (struct pprof_label){ .key = "created_by", .str = created };
	labels[1] = (struct pprof_label){ .key = "stack",
		.str = st->known ? "walked" : "before attach / unknown" };
	labels[2] = (struct pprof_label){ .key = "start_function", .str = r->start_function };
	return pprof_add_sample(p, locs, nl, (int64_t)st->live, labels, 3);
}

int profile_write_capture_creation(const struct model *m, const char *path, char *err,
				   size_t errlen)
{
	const struct target *t = m->target;
	struct pprof_profile *p;
	size_t i, j;
	int ret = 0;

	if (!t) {
		snprintf(err, errlen, "no profile: the report has no binary to name frames by");
		return -EINVAL;
	}
	p = profile_begin(t, "capture", ": live goroutines at the end, by creation stack");
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < m->nrows && !ret; i++) {
		const struct model_row *r = &m->rows[i];

		if (r->system)
			continue;
		for (j = 0; j < r->nstacks && !ret; j++)
			if (r->stacks[j].live)
				ret = add_stack_sample(p, t, r, &r->stacks[j]);
	}
	return profile_finish(p, ret, path, err, errlen);
}
