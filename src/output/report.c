// SPDX-License-Identifier: BSD-2-Clause
/*
 * Capture and info reports.  The JSON form is the contract for scripts and
 * tests (README.md documents it); the text form is for people and fits an
 * 80-column terminal.
 */
#include <inttypes.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/diagnose.h"
#include "process/gostack.h"
#include "common/timeunits.h"
#include "output/report.h"
#include "binary/waitreasons.h"


static const char *reason_text(int minor, unsigned reason, char *buf, size_t len)
{
	const char *name = go_waitreason_name(minor, reason);

	if (name && *name)
		return name;
	snprintf(buf, len, "waitreason %u", reason);
	return buf;
}

static double duration_s(const struct report_ctx *r)
{
	uint64_t end = r->tr->target_exited ? r->tr->exited_ns : r->now_ns;

	return end > r->tr->attach_ns ? ns_to_s(end - r->tr->attach_ns) : 0;
}

static struct json_object *hex_pc(uint64_t pc)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, pc);
	return json_object_new_string(buf);
}

/*
 * The one place creation stacks are symbolized (frame by frame through the
 * pclntab), so that a symbolizer that expands inlined calls can replace it.
 */
int report_stack_frames(const struct target *t, const struct creation_stack *cs,
			struct stack_frame *out, int max)
{
	struct go_frame lf[GOSTACK_MAX_INLINE + 1];
	int i, n = 0;

	for (i = 0; cs && i < cs->nframes && n < max; i++) {
		/* Each return address with the calls inlined at it, innermost
		 * first, as Go's tracebacks show them. */
		size_t k = cs->frames[i] > t->bias ?
			   gostack_symbolize(t->gb, t->bias, cs->frames[i], lf, GOSTACK_MAX_INLINE + 1) : 0;
		size_t j;

		/* Every goroutine's first frame returns to goexit; Go's own
		 * tracebacks leave it out too. */
		if (i == cs->nframes - 1 && k && !strcmp(lf[k - 1].function, "runtime.goexit"))
			break;
		if (!k) {
			out[n++] = (struct stack_frame){ .pc = cs->frames[i] - t->bias,
							 .function = "?", .file = "?" };
			continue;
		}
		for (j = 0; j < k && n < max; j++)
			out[n++] = (struct stack_frame){
				.pc = cs->frames[i] - t->bias,
				.function = lf[j].function,
				.file = lf[j].file ? lf[j].file : "?",
				.line = lf[j].line,
				.inlined = lf[j].inlined,
			};
	}
	return n;
}

/* The frames of a creation stack, innermost (the go statement) first;
 * NULL for the unknown stack. */
static struct json_object *frames_json(const struct report_ctx *r,
				       const struct site_stack *st)
{
	struct stack_frame f[CREATION_STACK_MAX];
	struct json_object *arr;
	int i, n;

	if (!st->stack)
		return NULL;
	n = report_stack_frames(r->tr->t, st->stack, f, CREATION_STACK_MAX);
	arr = json_object_new_array();
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "function", json_object_new_string(f[i].function));
		json_object_object_add(o, "file", json_object_new_string(f[i].file));
		json_object_object_add(o, "line", json_object_new_int(f[i].line));
		json_object_object_add(o, "pc", hex_pc(f[i].pc));
		json_object_object_add(o, "inlined", json_object_new_boolean(f[i].inlined));
		json_object_array_add(arr, o);
	}
	return arr;
}

static void add_counts(struct json_object *o, uint64_t created, uint64_t exited,
		       uint64_t live, uint64_t live_at_start)
{
	json_object_object_add(o, "created", json_object_new_uint64(created));
	json_object_object_add(o, "exited", json_object_new_uint64(exited));
	json_object_object_add(o, "live", json_object_new_uint64(live));
	json_object_object_add(o, "live_at_start", json_object_new_uint64(live_at_start));
}

/* --by site: each site's split by call path. */
static struct json_object *creation_stacks_json(const struct report_ctx *r,
						const struct site *s)
{
	struct json_object *arr = json_object_new_array();
	const struct site_stack **sts;
	size_t i, n;

	sts = collector_site_stacks(s, &n);
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "frames", frames_json(r, sts[i]));
		add_counts(o, sts[i]->created, sts[i]->exited, sts[i]->live,
			   sts[i]->live_at_start);
		json_object_array_add(arr, o);
	}
	free(sts);
	return arr;
}

/* One row: a site (st NULL), or --by stack one site's goroutines of one
 * creation stack. */
/* The site's counts at each sample of the trace. */
static struct json_object *series_json(const struct report_ctx *r, const struct site *s)
{
	const struct trend *t = collector_trend(r->tr->coll);
	struct json_object *o = json_object_new_object();
	struct json_object *ts = json_object_new_array();
	struct json_object *live = json_object_new_array();
	struct json_object *created = json_object_new_array();
	struct json_object *exited = json_object_new_array();
	size_t i;

	for (i = 0; i < t->n; i++) {
		uint64_t at = t->t_ns[i] > r->tr->attach_ns ? t->t_ns[i] - r->tr->attach_ns : 0;

		/* ms resolution: the JSON stays short */
		json_object_array_add(ts, json_object_new_double((double)(at / 1000000) / 1e3));
		json_object_array_add(live, json_object_new_uint64(s->series.live ?
								   s->series.live[i] : 0));
		json_object_array_add(created, json_object_new_uint64(s->series.live ?
								      s->series.created[i] : 0));
		json_object_array_add(exited, json_object_new_uint64(s->series.live ?
								     s->series.exited[i] : 0));
	}
	json_object_object_add(o, "t_s", ts);
	json_object_object_add(o, "live", live);
	json_object_object_add(o, "created", created);
	json_object_object_add(o, "exited", exited);
	return o;
}

static void add_diagnosis(struct json_object *o, const struct diagnosis *d)
{
	json_object_object_add(o, "verdict",
			       json_object_new_string(verdict_name(d->verdict.kind)));
	json_object_object_add(o, "reason", json_object_new_string(d->verdict.reason));
	json_object_object_add(o, "created_per_s", json_object_new_double(d->created_per_s));
	json_object_object_add(o, "exited_per_s", json_object_new_double(d->exited_per_s));
	json_object_object_add(o, "main_wait_reason", d->main_reason ?
			       json_object_new_string(d->main_reason) : NULL);
}

/* Seconds the park probe was live: parks per second are per live second
 * (with --park-sample the probe is off part of the time). */
static double park_live_s(const struct report_ctx *r)
{
	return ns_to_s(tracer_park_live_ns(r->tr, r->now_ns));
}

/* A site's park counters (--park): all, per second the probe was live,
 * per wait reason. */
static struct json_object *parks_json(const struct report_ctx *r, const struct site *s)
{
	struct json_object *o = json_object_new_object();
	struct json_object *by = json_object_new_object();
	double live_s = park_live_s(r);
	char buf[40];
	unsigned i;

	json_object_object_add(o, "count", json_object_new_uint64(s->parks));
	json_object_object_add(o, "per_s", live_s > 0 ?
			       json_object_new_double(s->parks / live_s) : NULL);
	for (i = 0; s->parks_by_reason && i < WAIT_REASONS_MAX; i++)
		if (s->parks_by_reason[i])
			json_object_object_add(by, reason_text(r->tr->t->minor, i, buf,
							       sizeof(buf)),
					       json_object_new_uint64(s->parks_by_reason[i]));
	json_object_object_add(o, "by_reason", by);
	return o;
}

/* How the park probe ran: off, on, or sampled (a share of each window). */
static struct json_object *park_probe_json(const struct report_ctx *r)
{
	struct json_object *o = json_object_new_object();
	const struct tracer *tr = r->tr;

	json_object_object_add(o, "mode", json_object_new_string(
				       !tr->park ? "off" : tr->park_sample_pct < 100 ?
				       "sampled" : "on"));
	if (tr->park) {
		json_object_object_add(o, "sample_pct", json_object_new_int(tr->park_sample_pct));
		json_object_object_add(o, "live_s", json_object_new_double(park_live_s(r)));
	}
	return o;
}

/* A site's goroutines in the end snapshot against its live count at the
 * cut (collector_end_check). */
static struct json_object *site_end_check_json(const struct site *s)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "snapshot_live", json_object_new_uint64(s->end_live));
	json_object_object_add(o, "diff", json_object_new_int64((int64_t)s->end_live -
								 (int64_t)s->live));
	json_object_object_add(o, "changed_during_read",
			       json_object_new_uint64(s->end_changed));
	return o;
}

/* The whole end check, null when no end snapshot could be read (the
 * target had exited). */
static struct json_object *end_check_json(const struct report_ctx *r)
{
	struct collector_end_check ec;
	struct json_object *o;

	if (!collector_end_check(r->tr->coll, &ec))
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "snapshot_started_ms_after_cut", json_object_new_double(
		ec.started_ns > ec.cut_ns ? (ec.started_ns - ec.cut_ns) / 1e6 : 0));
	json_object_object_add(o, "snapshot_read_ms", json_object_new_double(
		ec.finished_ns > ec.started_ns ? (ec.finished_ns - ec.started_ns) / 1e6 : 0));
	json_object_object_add(o, "snapshot_live", json_object_new_uint64(ec.snapshot_live));
	json_object_object_add(o, "diff", json_object_new_int64(ec.diff));
	json_object_object_add(o, "abs_diff", json_object_new_uint64(ec.abs_diff));
	json_object_object_add(o, "sites_differing", json_object_new_uint64(ec.sites_differing));
	json_object_object_add(o, "changed_during_read",
			       json_object_new_uint64(ec.changed_during_read));
	json_object_object_add(o, "unreadable_slots", json_object_new_uint64(ec.unreadable));
	return o;
}

static struct json_object *site_json(const struct report_ctx *r, const struct site *s,
				     const struct site_stack *st, const struct diagnosis *d)
{
	const struct tracer *tr = r->tr;
	struct json_object *o = json_object_new_object();
	struct json_object *waits = json_object_new_object();
	const uint32_t *parked = st ? st->parked_by_reason : s->parked_by_reason;
	uint64_t live = st ? st->live : s->live;
	bool lower;
	uint64_t age = st ? collector_stack_oldest_age(tr->coll, st, r->now_ns, &lower) :
			    collector_oldest_age(tr->coll, s, r->now_ns, &lower);
	char buf[40];
	unsigned i;

	/* Link-time address, so it matches `go tool addr2line` on PIE too. */
	json_object_object_add(o, "pc", hex_pc(s->gopc - tr->t->bias));
	json_object_object_add(o, "function", json_object_new_string(s->info.function));
	json_object_object_add(o, "file", json_object_new_string(s->info.file));
	json_object_object_add(o, "line", json_object_new_int(s->info.line));
	json_object_object_add(o, "start_function",
			       json_object_new_string(s->info.start_function));
	json_object_object_add(o, "system", json_object_new_boolean(s->info.system));
	if (st)
		add_counts(o, st->created, st->exited, st->live, st->live_at_start);
	else
		add_counts(o, s->created, s->exited, s->live, s->live_at_start);
	for (i = 0; parked && i < WAIT_REASONS_MAX; i++) {
		if (!parked[i])
			continue;
		json_object_object_add(waits,
				       reason_text(tr->t->minor, i, buf, sizeof(buf)),
				       json_object_new_uint64(parked[i]));
	}
	json_object_object_add(o, "wait_reasons", waits);
	json_object_object_add(o, "oldest_age_s",
			       live ? json_object_new_double(ns_to_s(age)) : NULL);
	json_object_object_add(o, "oldest_age_is_lower_bound",
			       json_object_new_boolean(live && lower));
	if (st)
		json_object_object_add(o, "creation_stack", frames_json(r, st));
	else
		json_object_object_add(o, "creation_stacks", creation_stacks_json(r, s));
	if (d)
		add_diagnosis(o, d);
	if (tr->park && !st)
		json_object_object_add(o, "parks", parks_json(r, s));
	if (!st && s->have_end)
		json_object_object_add(o, "end_check", site_end_check_json(s));
	json_object_object_add(o, "series", series_json(r, s));
	return o;
}

static void diagnose_ctx_of(const struct report_ctx *r, struct diagnose_ctx *dc)
{
	dc->c = r->tr->coll;
	dc->go_minor = r->tr->t->minor;
	dc->start_ns = r->tr->attach_ns;
	dc->now_ns = r->tr->target_exited ? r->tr->exited_ns : r->now_ns;
}

struct diagnosis *report_diagnose(const struct report_ctx *r, size_t *n)
{
	struct diagnose_ctx dc;

	diagnose_ctx_of(r, &dc);
	return diagnose_all(&dc, n);
}

static const struct diagnosis *diagnosis_of(const struct diagnosis *d, size_t n,
					    const struct site *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (d[i].site == s)
			return &d[i];
	return NULL;
}

/* When the trace began, by the wall clock (UTC, ISO 8601). */
static struct json_object *started_at_json(const struct report_ctx *r)
{
	struct timespec now;
	uint64_t mono = monotonic_ns(), since = mono > r->tr->attach_ns ?
						  mono - r->tr->attach_ns : 0;
	time_t at;
	struct tm tm;
	char buf[32];

	clock_gettime(CLOCK_REALTIME, &now);
	at = now.tv_sec - (time_t)(since / 1000000000u);
	if (!gmtime_r(&at, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return NULL;
	return json_object_new_string(buf);
}

/* BPF hit and fault counters, and the collector's own. */
static struct json_object *probes_json(const struct report_ctx *r,
				       const struct collector_totals *t)
{
	struct json_object *probes = json_object_new_object();
	const struct { const char *key; uint64_t v; } pv[] = {
		{ "create_hits", r->stats[GS_STAT_CREATE_HITS] },
		{ "park_hits", r->stats[GS_STAT_PARK_HITS] },
		{ "park_counters_full", r->stats[GS_STAT_PARK_DROPPED] },
		{ "exit_hits", r->stats[GS_STAT_EXIT_HITS] },
		{ "read_faults", r->stats[GS_STAT_READ_FAULTS] },
		{ "duplicate_records", t->duplicate_records },
		{ "records_after_cut", t->records_after_cut },
		{ "baseline_phantoms", t->baseline_phantoms },
		{ "creation_stacks", t->creation_stacks },
		{ "stack_walk_faults", r->stats[GS_STAT_STACK_FAULTS] },
		{ "stack_maps_full", r->stats[GS_STAT_STACK_FULL] },
		{ "stacks_unreadable", t->stacks_unreadable },
		{ "stack_mismatches", t->stack_mismatches },
	};
	size_t i;

	for (i = 0; i < sizeof(pv) / sizeof(*pv); i++)
		json_object_object_add(probes, pv[i].key, json_object_new_uint64(pv[i].v));
	return probes;
}

struct json_object *report_capture_json(const struct report_ctx *r)
{
	const struct tracer *tr = r->tr;
	struct json_object *doc = json_object_new_object();
	struct json_object *totals = json_object_new_object();
	struct json_object *sites = json_object_new_array();
	struct json_object *verdict_counts = json_object_new_object();
	uint64_t verdicts[VERDICT_LEAK + 1] = { 0 };
	struct collector_totals t;
	struct diagnosis *diag;
	size_t i, n, nd;

	collector_totals(tr->coll, &t);
	json_object_object_add(doc, "pid", json_object_new_int(tr->t->pid));
	json_object_object_add(doc, "exe", json_object_new_string(tr->t->exe_name));
	json_object_object_add(doc, "go_version",
			       json_object_new_string(gobin_go_version(tr->t->gb)));
	json_object_object_add(doc, "duration_s", json_object_new_double(duration_s(r)));
	json_object_object_add(doc, "target_exited",
			       json_object_new_boolean(tr->target_exited));
	json_object_object_add(doc, "target_exec",
			       json_object_new_boolean(tr->proc.execed));

	json_object_object_add(totals, "created", json_object_new_uint64(t.created));
	json_object_object_add(totals, "exited", json_object_new_uint64(t.exited));
	json_object_object_add(totals, "live", json_object_new_uint64(t.live));
	json_object_object_add(totals, "live_user", json_object_new_uint64(t.live_user));
	json_object_object_add(totals, "live_at_start",
			       json_object_new_uint64(t.live_at_start));
	json_object_object_add(totals, "lost_events",
			       json_object_new_uint64(r->stats[GS_STAT_LOST]));
	json_object_object_add(totals, "exited_before_baseline",
			       json_object_new_uint64(t.exited_before_baseline));
	json_object_object_add(totals, "exited_unattributed",
			       json_object_new_uint64(t.exited_unattributed));
	json_object_object_add(doc, "totals", totals);

	json_object_object_add(doc, "probes", probes_json(r, &t));
	json_object_object_add(doc, "park_probe", park_probe_json(r));
	json_object_object_add(doc, "end_check", end_check_json(r));

	json_object_object_add(doc, "by", json_object_new_string(r->by_stack ? "stack" : "site"));
	json_object_object_add(doc, "stack_depth", json_object_new_int(tr->stack_depth));
	diag = report_diagnose(r, &nd);
	for (i = 0; i < nd; i++)
		verdicts[diag[i].verdict.kind]++;
	json_object_object_add(doc, "started_at", started_at_json(r));
	json_object_object_add(doc, "goroutines_at_start", json_object_new_uint64(t.live_at_start));
	json_object_object_add(doc, "goroutines_at_end", json_object_new_uint64(t.live));
	json_object_object_add(verdict_counts, "leak", json_object_new_uint64(verdicts[VERDICT_LEAK]));
	json_object_object_add(verdict_counts, "suspect",
			       json_object_new_uint64(verdicts[VERDICT_SUSPECT]));
	json_object_object_add(verdict_counts, "ok", json_object_new_uint64(verdicts[VERDICT_OK]));
	json_object_object_add(doc, "verdicts", verdict_counts);
	json_object_object_add(doc, "series_step_s", json_object_new_double(
		ns_to_s(collector_trend(tr->coll)->step_ns)));
	if (r->by_stack) {
		const struct site_stack **sts = collector_sorted_stacks(tr->coll, &n);

		for (i = 0; i < n; i++)
			json_object_array_add(sites, site_json(r, sts[i]->site, sts[i],
				diagnosis_of(diag, nd, sts[i]->site)));
		free(sts);
	} else {
		for (i = 0; i < nd; i++)
			json_object_array_add(sites, site_json(r, diag[i].site, NULL, &diag[i]));
	}
	free(diag);
	json_object_object_add(doc, "sites", sites);
	return doc;
}

/* Said only when the end snapshot disagrees with the counts at the cut:
 * the goroutines that came or went while it was read explain up to that. */
static void print_end_check(FILE *f, const struct tracer *tr)
{
	struct collector_end_check ec;

	if (!tr->coll || !collector_end_check(tr->coll, &ec) || !ec.abs_diff)
		return;
	fprintf(f, "end check: the end snapshot differs from the counts at the cut by %"
		PRIu64 " at %" PRIu64 " sites (%" PRIu64 " creations and exits while it "
		"was read, %.1f ms)\n", ec.abs_diff, ec.sites_differing, ec.changed_during_read,
		ec.finished_ns > ec.cut_ns ? (ec.finished_ns - ec.cut_ns) / 1e6 : 0);
}

/* "dir/file.go:41": enough of the path to tell files apart in 80 columns. */
static const char *short_file(const char *path)
{
	const char *last = strrchr(path, '/'), *p;

	if (!last)
		return path;
	for (p = last - 1; p > path; p--)
		if (*p == '/')
			return p + 1;
	return path;
}

static const char *main_reason(const struct report_ctx *r, const uint32_t *parked,
			       char *buf, size_t len)
{
	unsigned i, best = 0;
	uint32_t max = 0;

	for (i = 0; parked && i < WAIT_REASONS_MAX; i++) {
		if (parked[i] > max) {
			max = parked[i];
			best = i;
		}
	}
	if (!max)
		return "-";
	return reason_text(r->tr->t->minor, best, buf, len);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* --by stack: the go statement, then the callers that reached it. */
static void stack_label(const struct report_ctx *r, const struct site_stack *st,
			char *buf, size_t len)
{
	struct stack_frame f[CREATION_STACK_MAX];
	size_t used = strlen(buf);
	int i, n;

	if (!st->stack) {
		snprintf(buf + used, len - used, " <- ?");
		return;
	}
	n = report_stack_frames(r->tr->t, st->stack, f, CREATION_STACK_MAX);
	for (i = 1; i < n && used < len; i++) {	/* f[0] is the go statement */
		snprintf(buf + used, len - used, " <- %s:%d %s", short_file(f[i].file),
			 f[i].line, f[i].function);
		used = strlen(buf);
	}
}

/* Leak and suspect sites' reasons, one line each, cut to the width. */
static void verdict_lines(FILE *f, const struct report_ctx *r, const struct diagnosis *d,
			  size_t n)
{
	size_t i;
	bool any = false;

	for (i = 0; i < n; i++) {
		char line[1024];

		if (d[i].verdict.kind == VERDICT_OK)
			continue;
		if (!any)
			fprintf(f, "\n");
		any = true;
		snprintf(line, sizeof(line), "%-7s %s:%d %s: %s", verdict_name(d[i].verdict.kind),
			 short_file(d[i].site->info.file), d[i].site->info.line,
			 d[i].site->info.function, d[i].verdict.reason);
		fprintf(f, "%.*s\n", r->width > 0 ? r->width : (int)sizeof(line), line);
	}
}

static int cmp_parks_desc(const void *a, const void *b)
{
	const struct site *x = *(const struct site *const *)a;
	const struct site *y = *(const struct site *const *)b;

	return x->parks < y->parks ? 1 : x->parks > y->parks ? -1 : 0;
}

/* --park: the sites whose goroutines park most, with their main reason. */
static void park_lines(FILE *f, const struct report_ctx *r, const struct diagnosis *d,
		       size_t n)
{
	const struct site **by_parks = calloc(n ? n : 1, sizeof(*by_parks));
	double live_s = park_live_s(r);
	size_t i, k = 0, shown = r->max_rows > 0 ? (size_t)r->max_rows : 10;

	if (!r->tr->park || !by_parks) {
		free(by_parks);
		return;
	}
	for (i = 0; i < n; i++)
		if (d[i].site->parks && (!d[i].site->info.system || r->show_system))
			by_parks[k++] = d[i].site;
	qsort(by_parks, k, sizeof(*by_parks), cmp_parks_desc);
	fprintf(f, "\nparks (probe live %.1fs%s):%s\n", live_s,
		r->tr->park_sample_pct < 100 ? ", sampled" : "", k ? "" : " none");
	if (k)
		fprintf(f, "%9s %9s %-22s %s\n", "PARKS", "PER SEC", "MOSTLY", "GO STATEMENT");
	for (i = 0; i < k && i < shown; i++) {
		const struct site *s = by_parks[i];
		uint64_t most = 0;
		unsigned reason = 0, j;
		char why[40], line[1024];

		for (j = 0; s->parks_by_reason && j < WAIT_REASONS_MAX; j++) {
			if (s->parks_by_reason[j] > most) {
				most = s->parks_by_reason[j];
				reason = j;
			}
		}
		snprintf(line, sizeof(line), "%9" PRIu64 " %9.0f %-22.22s %s:%d %s", s->parks,
			 live_s > 0 ? s->parks / live_s : 0.0,
			 reason_text(r->tr->t->minor, reason, why, sizeof(why)),
			 short_file(s->info.file), s->info.line, s->info.function);
		fprintf(f, "%.*s\n", r->width > 0 ? r->width : (int)sizeof(line), line);
	}
	free(by_parks);
}

void report_capture_text(FILE *f, const struct report_ctx *r)
{
	const struct tracer *tr = r->tr;
	struct collector_totals t;
	const struct site_stack **sts = NULL;
	struct diagnosis *diag;
	uint64_t verdicts[VERDICT_LEAK + 1] = { 0 };
	size_t i, n, nd, runtime_sites = 0;
	int rows = 0;

	collector_totals(tr->coll, &t);
	diag = report_diagnose(r, &nd);
	for (i = 0; i < nd; i++) {
		if (!diag[i].site->info.system || r->show_system)
			verdicts[diag[i].verdict.kind]++;
		else
			runtime_sites++;
	}
	fprintf(f, "%s[%d] %s %.1fs: live %" PRIu64 " (user %" PRIu64 "), +%" PRIu64
		" -%" PRIu64 ", lost %" PRIu64 "%s\n", base_name(tr->t->exe_name),
		tr->t->pid, gobin_go_version(tr->t->gb), duration_s(r), t.live,
		t.live_user, t.created, t.exited, r->stats[GS_STAT_LOST],
		tr->proc.execed ? " [target exec'd]" :
		tr->target_exited ? " [target exited]" : "");
	fprintf(f, "verdicts: %" PRIu64 " leak, %" PRIu64 " suspect, %" PRIu64 " ok",
		verdicts[VERDICT_LEAK], verdicts[VERDICT_SUSPECT], verdicts[VERDICT_OK]);
	if (runtime_sites)
		fprintf(f, " (+%zu runtime sites, ok, --all lists them)", runtime_sites);
	fputc('\n', f);
	print_end_check(f, tr);
	fprintf(f, "%-7s %6s %7s %7s %6s %-13s %s\n", "VERDICT", "LIVE", "CREATED", "EXITED",
		"OLDEST", "WAITING ON", r->by_stack ? "GO STATEMENT <- CALLERS" : "GO STATEMENT");
	if (r->by_stack)
		sts = collector_sorted_stacks(tr->coll, &n);
	else
		n = nd;
	for (i = 0; i < n; i++) {
		const struct site_stack *st = sts ? sts[i] : NULL;
		const struct site *s = st ? st->site : diag[i].site;
		const struct diagnosis *d = st ? diagnosis_of(diag, nd, s) : &diag[i];
		uint64_t live = st ? st->live : s->live;
		char age[16] = "-", why[40], site[1024];
		bool lower;
		int room;

		if (s->info.system && !r->show_system)
			continue;
		if (r->max_rows && rows++ >= r->max_rows)
			break;
		if (live) {
			format_age(age, sizeof(age), st ?
				   collector_stack_oldest_age(tr->coll, st, r->now_ns, &lower) :
				   collector_oldest_age(tr->coll, s, r->now_ns, &lower));
			if (lower)
				snprintf(age + strlen(age), sizeof(age) - strlen(age), "+");
		}
		snprintf(site, sizeof(site), "%s:%d %s", short_file(s->info.file),
			 s->info.line, s->info.function);
		if (st)
			stack_label(r, st, site, sizeof(site));
		/* 54 columns before the site; cut the site, not the numbers,
		 * to fit the terminal. */
		room = r->width > 54 ? r->width - 54 : (int)sizeof(site);
		fprintf(f, "%-7s %6" PRIu64 " %7" PRIu64 " %7" PRIu64 " %6s %-13.13s %.*s\n",
			d ? verdict_name(d->verdict.kind) : "-", live,
			st ? st->created : s->created, st ? st->exited : s->exited,
			age, main_reason(r, st ? st->parked_by_reason : s->parked_by_reason,
					 why, sizeof(why)), room, site);
	}
	verdict_lines(f, r, diag, nd);
	park_lines(f, r, diag, nd);
	free(diag);
	free(sts);
}

static struct json_object *var_json(const struct gobin_var *v)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "addr", hex_pc(v->addr));
	json_object_object_add(o, "source",
			       json_object_new_string(gobin_source_name(v->src)));
	return o;
}

static struct json_object *offsets_json(const struct go_offsets *o)
{
	struct json_object *j = json_object_new_object();

	json_object_object_add(j, "source",
			       json_object_new_string(gobin_source_name(o->src)));
	json_object_object_add(j, "g.goid", json_object_new_int(o->g_goid));
	json_object_object_add(j, "g.atomicstatus", json_object_new_int(o->g_atomicstatus));
	json_object_object_add(j, "g.waitreason", json_object_new_int(o->g_waitreason));
	json_object_object_add(j, "g.gopc", json_object_new_int(o->g_gopc));
	json_object_object_add(j, "g.startpc", json_object_new_int(o->g_startpc));
	json_object_object_add(j, "g.parentGoid", o->g_parent_goid == GO_NO_FIELD ?
			       NULL : json_object_new_int(o->g_parent_goid));
	json_object_object_add(j, "g.m", json_object_new_int(o->g_m));
	json_object_object_add(j, "m.curg", json_object_new_int(o->m_curg));
	return j;
}

struct json_object *report_info_json(const struct target *t)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *probes = json_object_new_array();
	int i;

	if (t->pid)
		json_object_object_add(doc, "pid", json_object_new_int(t->pid));
	json_object_object_add(doc, "exe", json_object_new_string(t->exe_name));
	json_object_object_add(doc, "supported", json_object_new_boolean(t->supported));
	if (!t->supported)
		json_object_object_add(doc, "reason", json_object_new_string(t->unsupported));
	if (!t->gb)
		return doc;
	json_object_object_add(doc, "go_version",
			       json_object_new_string(gobin_go_version(t->gb)));
	json_object_object_add(doc, "version_source", json_object_new_string(
				       gobin_source_name(gobin_version_source(t->gb))));
	json_object_object_add(doc, "pie", json_object_new_boolean(gobin_is_pie(t->gb)));
	json_object_object_add(doc, "symbols", json_object_new_string(
				       gobin_source_name(gobin_symbol_source(t->gb))));
	json_object_object_add(doc, "dwarf", json_object_new_boolean(gobin_has_dwarf(t->gb)));
	json_object_object_add(doc, "text_start", hex_pc(gobin_text_start(t->gb)));
	if (t->off.src != GOBIN_SRC_NONE)
		json_object_object_add(doc, "offsets", offsets_json(&t->off));
	if (t->offsets_note[0])
		json_object_object_add(doc, "offsets_note",
				       json_object_new_string(t->offsets_note));
	for (i = 0; i < t->plan.n; i++) {
		const struct probe_point *p = &t->plan.points[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "kind", json_object_new_string(probe_kind_name(p->kind)));
		json_object_object_add(o, "function", json_object_new_string(p->function));
		json_object_object_add(o, "addr", hex_pc(p->vaddr));
		json_object_object_add(o, "file_offset", hex_pc(p->file_offset));
		json_object_object_add(o, "instruction", json_object_new_string(p->insn));
		json_object_array_add(probes, o);
	}
	json_object_object_add(doc, "probes", probes);
	if (t->allglen.src != GOBIN_SRC_NONE) {
		json_object_object_add(doc, "allglen", var_json(&t->allglen));
		json_object_object_add(doc, "allgptr", var_json(&t->allgptr));
	}
	return doc;
}

void report_info_text(FILE *f, const struct target *t)
{
	int i;

	fprintf(f, "%-12s %s\n", "exe:", t->exe_name);
	if (t->pid)
		fprintf(f, "%-12s %d\n", "pid:", t->pid);
	if (t->gb) {
		fprintf(f, "%-12s %s (from %s)\n", "go version:", gobin_go_version(t->gb),
			gobin_source_name(gobin_version_source(t->gb)));
		fprintf(f, "%-12s %s%s, symbols from %s\n", "binary:",
			gobin_is_pie(t->gb) ? "PIE" : "static address",
			gobin_has_dwarf(t->gb) ? ", DWARF" : ", no DWARF",
			gobin_source_name(gobin_symbol_source(t->gb)));
		if (t->off.src != GOBIN_SRC_NONE)
			fprintf(f, "%-12s from %s (g.goid %u, g.gopc %u, g.startpc %u, "
				"g.atomicstatus %u)\n", "offsets:",
				gobin_source_name(t->off.src), t->off.g_goid,
				t->off.g_gopc, t->off.g_startpc, t->off.g_atomicstatus);
		if (t->offsets_note[0])
			fprintf(f, "%-12s %s\n", "note:", t->offsets_note);
		for (i = 0; i < t->plan.n; i++) {
			const struct probe_point *p = &t->plan.points[i];

			fprintf(f, "%-12s %-12s 0x%" PRIx64 " %s: %s\n", i ? "" : "probes:",
				probe_kind_name(p->kind), p->vaddr, p->function, p->insn);
		}
		if (t->allglen.src != GOBIN_SRC_NONE)
			fprintf(f, "%-12s allglen 0x%" PRIx64 ", allgptr 0x%" PRIx64
				" (from %s)\n", "allgs:", t->allglen.addr, t->allgptr.addr,
				gobin_source_name(t->allglen.src));
	}
	if (t->supported) {
		fprintf(f, "%-12s yes\n", "supported:");
	} else {
		const char *why = t->unsupported;
		size_t n = strlen(t->exe_name);

		/* the reason names the exe already printed above */
		if (!strncmp(why, t->exe_name, n) && !strncmp(why + n, ": ", 2))
			why += n + 2;
		fprintf(f, "%-12s no: %s\n", "supported:", why);
	}
}
