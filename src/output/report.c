// SPDX-License-Identifier: BSD-2-Clause
/*
 * The capture report in JSON and text, both from the report model: the
 * same rows in the same order with the same verdicts and wait reasons.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/duration.h"
#include "common/timeunits.h"
#include "output/jsonhex.h"
#include "output/report.h"
#include "output/dumpreport.h"

/* ---- JSON ---- */

/* The frames of a creation stack, innermost (the go statement) first;
 * null for the unknown stack. */
static struct json_object *frames_json(const struct model_stack *st)
{
	struct json_object *arr;
	int i;

	if (!st || !st->known)
		return NULL;
	arr = json_object_new_array();
	for (i = 0; i < st->nframes; i++) {
		const struct stack_frame *f = &st->frames[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "function", json_object_new_string(f->function));
		json_object_object_add(o, "file", json_object_new_string(f->file));
		json_object_object_add(o, "line", json_object_new_int(f->line));
		json_object_object_add(o, "pc", json_hex(f->pc));
		json_object_object_add(o, "inlined", json_object_new_boolean(f->inlined));
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
static struct json_object *creation_stacks_json(const struct model_row *r)
{
	struct json_object *arr = json_object_new_array();
	size_t i;

	for (i = 0; i < r->nstacks; i++) {
		const struct model_stack *st = &r->stacks[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "frames", frames_json(st));
		add_counts(o, st->created, st->exited, st->live, st->live_at_start);
		json_object_array_add(arr, o);
	}
	return arr;
}

/* The site's counts at each sample of the trace. */
static struct json_object *series_json(const struct model *m, const struct model_row *r)
{
	const struct trend *t = m->trend;
	const struct trend_series *s = r->series;
	struct json_object *o = json_object_new_object();
	struct json_object *ts = json_object_new_array();
	struct json_object *live = json_object_new_array();
	struct json_object *created = json_object_new_array();
	struct json_object *exited = json_object_new_array();
	size_t i;

	for (i = 0; t && i < t->n; i++) {
		uint64_t at = t->t_ns[i] > m->attach_ns ? t->t_ns[i] - m->attach_ns : 0;
		bool have = s && s->live;

		/* ms resolution: the JSON stays short */
		json_object_array_add(ts, json_object_new_double((double)(at / 1000000) / 1e3));
		json_object_array_add(live, json_object_new_uint64(have ? s->live[i] : 0));
		json_object_array_add(created, json_object_new_uint64(have ? s->created[i] : 0));
		json_object_array_add(exited, json_object_new_uint64(have ? s->exited[i] : 0));
	}
	json_object_object_add(o, "t_s", ts);
	json_object_object_add(o, "live", live);
	json_object_object_add(o, "created", created);
	json_object_object_add(o, "exited", exited);
	return o;
}

static struct json_object *waits_json(const struct model_wait *w, size_t n)
{
	struct json_object *o = json_object_new_object();
	size_t i;

	for (i = 0; i < n; i++)
		json_object_object_add(o, w[i].name, json_object_new_uint64(w[i].count));
	return o;
}

/* A site's park counters (--park): all, per second the probe was live,
 * per wait reason. */
static struct json_object *parks_json(const struct model *m, const struct model_row *r)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "count", json_object_new_uint64(r->parks));
	json_object_object_add(o, "per_s", m->park_live_s > 0 ?
			       json_object_new_double(r->parks / m->park_live_s) : NULL);
	json_object_object_add(o, "by_reason", waits_json(r->parks_by_reason,
							   r->nparks_by_reason));
	return o;
}

/* How the counts were taken: with the probes, or from snapshots alone
 * and then what that cannot know. */
static struct json_object *mode_json(const struct model *m)
{
	static const char *const lower[] = { "created", "exited", "oldest_age_s",
					     "lifetimes" };
	static const char *const unknown[] = {
		"goroutines born and gone between two snapshots",
		"creation stacks", "parks",
	};
	struct json_object *o = json_object_new_object(), *lb, *unk;
	size_t i;

	json_object_object_add(o, "probes", json_object_new_string(m->probe_free ? "none" : "all"));
	if (!m->probe_free)
		return o;
	json_object_object_add(o, "snapshot_interval_s",
			       json_object_new_double(m->snapshot_interval_s));
	json_object_object_add(o, "snapshots", json_object_new_uint64(m->snapshots));
	lb = json_object_new_array();
	for (i = 0; i < sizeof(lower) / sizeof(*lower); i++)
		json_object_array_add(lb, json_object_new_string(lower[i]));
	unk = json_object_new_array();
	for (i = 0; i < sizeof(unknown) / sizeof(*unknown); i++)
		json_object_array_add(unk, json_object_new_string(unknown[i]));
	json_object_object_add(o, "lower_bounds", lb);
	json_object_object_add(o, "unknown", unk);
	return o;
}

/* How the park probe ran: off, on, or sampled (a share of each window). */
static struct json_object *park_probe_json(const struct model *m)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "mode", json_object_new_string(
				       !m->park ? "off" : m->park_sample_pct < 100 ?
				       "sampled" : "on"));
	if (m->park) {
		json_object_object_add(o, "sample_pct", json_object_new_int(m->park_sample_pct));
		json_object_object_add(o, "live_s", json_object_new_double(m->park_live_s));
	}
	return o;
}

/* A site's goroutines in the end snapshot against its live count at the
 * cut (collector_end_check). */
static struct json_object *site_end_check_json(const struct model_row *r)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "snapshot_live", json_object_new_uint64(r->end_live));
	json_object_object_add(o, "diff", json_object_new_int64(r->end_diff));
	json_object_object_add(o, "changed_during_read",
			       json_object_new_uint64(r->end_changed));
	return o;
}

/* The whole end check, null when no end snapshot could be read (the
 * target had exited). */
static struct json_object *end_check_json(const struct model *m)
{
	const struct collector_end_check *ec = &m->end_check;
	struct json_object *o;

	if (!m->have_end_check)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "snapshot_started_ms_after_cut", json_object_new_double(
		ec->started_ns > ec->cut_ns ? (ec->started_ns - ec->cut_ns) / 1e6 : 0));
	json_object_object_add(o, "snapshot_read_ms", json_object_new_double(
		ec->finished_ns > ec->started_ns ? (ec->finished_ns - ec->started_ns) / 1e6 : 0));
	json_object_object_add(o, "snapshot_live", json_object_new_uint64(ec->snapshot_live));
	json_object_object_add(o, "diff", json_object_new_int64(ec->diff));
	json_object_object_add(o, "abs_diff", json_object_new_uint64(ec->abs_diff));
	json_object_object_add(o, "sites_differing", json_object_new_uint64(ec->sites_differing));
	json_object_object_add(o, "changed_during_read",
			       json_object_new_uint64(ec->changed_during_read));
	json_object_object_add(o, "unreadable_slots", json_object_new_uint64(ec->unreadable));
	return o;
}

static struct json_object *row_json(const struct model *m, const struct model_row *r)
{
	struct json_object *o = json_object_new_object();

	/* Link-time address, so it matches `go tool addr2line` on PIE too. */
	json_object_object_add(o, "pc", json_hex(r->pc));
	json_object_object_add(o, "function", json_object_new_string(r->function));
	json_object_object_add(o, "file", json_object_new_string(r->file));
	json_object_object_add(o, "line", json_object_new_int(r->line));
	json_object_object_add(o, "start_function", json_object_new_string(r->start_function));
	json_object_object_add(o, "system", json_object_new_boolean(r->system));
	add_counts(o, r->created, r->exited, r->live, r->live_at_start);
	json_object_object_add(o, "wait_reasons", waits_json(r->waits, r->nwaits));
	json_object_object_add(o, "oldest_age_s", r->has_age ?
			       json_object_new_double(r->oldest_age_s) : NULL);
	json_object_object_add(o, "oldest_age_is_lower_bound",
			       json_object_new_boolean(r->oldest_age_is_lower_bound));
	if (r->stack)
		json_object_object_add(o, "creation_stack",
				       frames_json(r->nstacks ? &r->stacks[0] : NULL));
	else
		json_object_object_add(o, "creation_stacks", creation_stacks_json(r));
	json_object_object_add(o, "verdict", json_object_new_string(verdict_name(r->verdict)));
	json_object_object_add(o, "reason", json_object_new_string(r->reason));
	json_object_object_add(o, "created_per_s", json_object_new_double(r->created_per_s));
	json_object_object_add(o, "exited_per_s", json_object_new_double(r->exited_per_s));
	json_object_object_add(o, "main_wait_reason", r->main_wait ?
			       json_object_new_string(r->main_wait) : NULL);
	if (m->park && !r->stack)
		json_object_object_add(o, "parks", parks_json(m, r));
	if (r->have_end)
		json_object_object_add(o, "end_check", site_end_check_json(r));
	if (m->probe_free && !r->stack) {
		struct json_object *ls = json_object_new_object();

		json_object_object_add(ls, "new", json_object_new_uint64(r->new_last_snapshot));
		json_object_object_add(ls, "gone", json_object_new_uint64(r->gone_last_snapshot));
		json_object_object_add(o, "last_snapshot", ls);
	}
	json_object_object_add(o, "series", series_json(m, r));
	return o;
}

/* BPF hit and fault counters, and the collector's own. */
static struct json_object *probes_json(const struct model *m)
{
	struct json_object *probes = json_object_new_object();
	struct model_counter c[MODEL_COUNTERS];
	size_t i, n = model_counters(m, c);

	for (i = 0; i < n; i++)
		json_object_object_add(probes, c[i].name, json_object_new_uint64(c[i].value));
	return probes;
}

static struct json_object *totals_json(const struct model *m)
{
	const struct collector_totals *t = &m->totals;
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "created", json_object_new_uint64(t->created));
	json_object_object_add(o, "exited", json_object_new_uint64(t->exited));
	json_object_object_add(o, "live", json_object_new_uint64(t->live));
	json_object_object_add(o, "live_user", json_object_new_uint64(t->live_user));
	json_object_object_add(o, "live_at_start", json_object_new_uint64(t->live_at_start));
	json_object_object_add(o, "lost_events", json_object_new_uint64(m->stats[GS_STAT_LOST]));
	json_object_object_add(o, "exited_before_baseline",
			       json_object_new_uint64(t->exited_before_baseline));
	json_object_object_add(o, "exited_unattributed",
			       json_object_new_uint64(t->exited_unattributed));
	json_object_object_add(o, "goids_allocated", m->have_goids ?
			       json_object_new_uint64(m->goids) : NULL);
	return o;
}

/* The end dump's largest groups (README "capture schema", blocked_stacks):
 * no goids, the creator as the sites name it (link-time pc). */
static struct json_object *blocked_json(const struct model *m)
{
	struct json_object *list = json_object_new_array();
	size_t i;

	for (i = 0; i < m->nblocked; i++) {
		const struct model_blocked *b = &m->blocked[i];
		struct json_object *o = json_object_new_object(), *site = NULL;

		if (b->have_site) {
			site = json_object_new_object();
			json_object_object_add(site, "pc", json_hex(b->site_pc));
			json_object_object_add(site, "function",
					       json_object_new_string(b->site_function));
			json_object_object_add(site, "file", b->site_file ?
					       json_object_new_string(b->site_file) : NULL);
			json_object_object_add(site, "line", json_object_new_int(b->site_line));
		}
		json_object_object_add(o, "count", json_object_new_uint64(b->count));
		json_object_object_add(o, "state", json_object_new_string(b->state));
		json_object_object_add(o, "wait_minutes", json_object_new_int64(b->wait_minutes));
		json_object_object_add(o, "site", site);
		json_object_object_add(o, "frames", dump_frames_json(b->frames, b->nframes));
		json_object_array_add(list, o);
	}
	return list;
}

struct json_object *report_capture_json(const struct model *m)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *sites = json_object_new_array();
	struct json_object *verdicts = json_object_new_object();
	size_t i;

	json_object_object_add(doc, "pid", json_object_new_int(m->pid));
	json_object_object_add(doc, "exe", json_object_new_string(m->exe));
	json_object_object_add(doc, "go_version", json_object_new_string(m->go_version));
	json_object_object_add(doc, "duration_s", json_object_new_double(m->duration_s));
	json_object_object_add(doc, "target_exited", json_object_new_boolean(m->target_exited));
	json_object_object_add(doc, "target_exec", json_object_new_boolean(m->target_exec));
	json_object_object_add(doc, "mode", mode_json(m));
	json_object_object_add(doc, "totals", totals_json(m));
	json_object_object_add(doc, "probes", probes_json(m));
	json_object_object_add(doc, "park_probe", park_probe_json(m));
	json_object_object_add(doc, "end_check", end_check_json(m));
	json_object_object_add(doc, "by", json_object_new_string(m->by_stack ? "stack" : "site"));
	json_object_object_add(doc, "stack_depth", json_object_new_int(m->stack_depth));
	json_object_object_add(doc, "started_at", m->started_at[0] ?
			       json_object_new_string(m->started_at) : NULL);
	json_object_object_add(doc, "goroutines_at_start",
			       json_object_new_uint64(m->totals.live_at_start));
	json_object_object_add(doc, "goroutines_at_end", json_object_new_uint64(m->totals.live));
	json_object_object_add(verdicts, "leak", json_object_new_uint64(m->verdicts[VERDICT_LEAK]));
	json_object_object_add(verdicts, "suspect",
			       json_object_new_uint64(m->verdicts[VERDICT_SUSPECT]));
	json_object_object_add(verdicts, "ok", json_object_new_uint64(m->verdicts[VERDICT_OK]));
	json_object_object_add(doc, "verdicts", verdicts);
	json_object_object_add(doc, "series_step_s",
			       json_object_new_double(m->trend ? ns_to_s(m->trend->step_ns) : 0));
	for (i = 0; i < m->nrows; i++)
		json_object_array_add(sites, row_json(m, &m->rows[i]));
	json_object_object_add(doc, "sites", sites);
	if (m->have_blocked)
		json_object_object_add(doc, "blocked_stacks", blocked_json(m));
	return doc;
}

/* ---- text ---- */

/* Said only when the end snapshot disagrees with the counts at the cut:
 * the goroutines that came or went while it was read explain up to that. */
static void print_end_check(FILE *f, const struct model *m)
{
	const struct collector_end_check *ec = &m->end_check;

	if (!m->have_end_check || !ec->abs_diff)
		return;
	fprintf(f, "end check: the end snapshot differs from the counts at the cut by %"
		PRIu64 " at %" PRIu64 " sites (%" PRIu64 " creations and exits while it "
		"was read, %.1f ms)\n", ec->abs_diff, ec->sites_differing,
		ec->changed_during_read,
		ec->finished_ns > ec->cut_ns ? (ec->finished_ns - ec->cut_ns) / 1e6 : 0);
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

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* --by stack: the go statement, then the callers that reached it. */
static void stack_label(const struct model_row *r, char *buf, size_t len)
{
	const struct model_stack *st = r->nstacks ? &r->stacks[0] : NULL;
	size_t used = strlen(buf);
	int i;

	if (!st || !st->known) {
		snprintf(buf + used, len - used, " <- ?");
		return;
	}
	for (i = 1; i < st->nframes && used < len; i++) {	/* [0] is the go statement */
		snprintf(buf + used, len - used, " <- %s:%d %s", short_file(st->frames[i].file),
			 st->frames[i].line, st->frames[i].function);
		used = strlen(buf);
	}
}

static bool row_shown(const struct model_row *r, const struct report_text_opts *o)
{
	return !r->system || o->show_system;
}

/* Leak and suspect sites' reasons, one line each, cut to the width.  With
 * --by stack a site's rows share its verdict: one line per site. */
static void verdict_lines(FILE *f, const struct model *m, const struct report_text_opts *o)
{
	size_t i, j;
	bool any = false;

	for (i = 0; i < m->nrows; i++) {
		const struct model_row *r = &m->rows[i];
		char line[1024];
		bool said = false;

		if (r->verdict == VERDICT_OK || !row_shown(r, o))
			continue;
		for (j = 0; j < i && !said; j++)
			said = m->rows[j].site == r->site;
		if (said)
			continue;
		if (!any)
			fprintf(f, "\n");
		any = true;
		snprintf(line, sizeof(line), "%-7s %s:%d %s: %s", verdict_name(r->verdict),
			 short_file(r->file), r->line, r->function, r->reason);
		fprintf(f, "%.*s\n", o->width > 0 ? o->width : (int)sizeof(line), line);
	}
}

static int cmp_parks_desc(const void *a, const void *b)
{
	const struct model_row *x = *(const struct model_row *const *)a;
	const struct model_row *y = *(const struct model_row *const *)b;

	if (x->parks != y->parks)
		return x->parks < y->parks ? 1 : -1;
	return model_row_cmp(x, y);
}

/* --park: the sites whose goroutines park most, with their main reason. */
static void park_lines(FILE *f, const struct model *m, const struct report_text_opts *o)
{
	const struct model_row **by_parks;
	size_t i, k = 0, shown = o->max_rows > 0 ? (size_t)o->max_rows : 10;

	if (!m->park || m->by_stack)
		return;
	by_parks = calloc(m->nrows ? m->nrows : 1, sizeof(*by_parks));
	if (!by_parks)
		return;
	for (i = 0; i < m->nrows; i++)
		if (m->rows[i].parks && row_shown(&m->rows[i], o))
			by_parks[k++] = &m->rows[i];
	qsort(by_parks, k, sizeof(*by_parks), cmp_parks_desc);
	fprintf(f, "\nparks (probe live %.1fs%s):%s\n", m->park_live_s,
		m->park_sample_pct < 100 ? ", sampled" : "", k ? "" : " none");
	if (k)
		fprintf(f, "%9s %9s %-22s %s\n", "PARKS", "PER SEC", "MOSTLY", "GO STATEMENT");
	for (i = 0; i < k && i < shown; i++) {
		const struct model_row *r = by_parks[i];
		char line[1024];

		snprintf(line, sizeof(line), "%9" PRIu64 " %9.0f %-22.22s %s:%d %s", r->parks,
			 m->park_live_s > 0 ? r->parks / m->park_live_s : 0.0,
			 r->nparks_by_reason ? r->parks_by_reason[0].name : "-",
			 short_file(r->file), r->line, r->function);
		fprintf(f, "%.*s\n", o->width > 0 ? o->width : (int)sizeof(line), line);
	}
	free(by_parks);
}

void report_capture_text(FILE *f, const struct model *m, const struct report_text_opts *o)
{
	const uint64_t *v = o->show_system ? m->verdicts : m->user_verdicts;
	size_t i;
	int rows = 0;

	fprintf(f, "%s[%d] %s %.1fs: live %" PRIu64 " (user %" PRIu64 "), +%" PRIu64
		" -%" PRIu64 ", lost %" PRIu64 "%s\n", base_name(m->exe), m->pid,
		m->go_version, m->duration_s, m->totals.live, m->totals.live_user,
		m->totals.created, m->totals.exited, m->stats[GS_STAT_LOST],
		m->target_exec ? " [target exec'd]" : m->target_exited ? " [target exited]" : "");
	fprintf(f, "verdicts: %" PRIu64 " leak, %" PRIu64 " suspect, %" PRIu64 " ok",
		v[VERDICT_LEAK], v[VERDICT_SUSPECT], v[VERDICT_OK]);
	if (m->runtime_sites && !o->show_system)
		fprintf(f, " (+%" PRIu64 " runtime sites, ok, --all lists them)", m->runtime_sites);
	fputc('\n', f);
	if (m->probe_free) {
		fprintf(f, "probe-free: %" PRIu64 " snapshots %.1f s apart; live exact at the "
			"last, created, exited and ages lower bounds, no creation stacks\n",
			m->snapshots, m->snapshot_interval_s);
		if (m->have_goids)
			fprintf(f, "probe-free: the runtime handed out %" PRIu64 " goroutine ids "
				"meanwhile (its creations, to batches of 16 per P)\n", m->goids);
		else
			fprintf(f, "probe-free: the goroutine id allocator could not be read: "
				"no process-wide creation count\n");
	}
	print_end_check(f, m);
	fprintf(f, "%-7s %6s %7s %7s %6s %-13s %s\n", "VERDICT", "LIVE", "CREATED", "EXITED",
		"OLDEST", "WAITING ON", m->by_stack ? "GO STATEMENT <- CALLERS" : "GO STATEMENT");
	for (i = 0; i < m->nrows; i++) {
		const struct model_row *r = &m->rows[i];
		char age[16] = "-", site[1024];
		int room;

		if (!row_shown(r, o))
			continue;
		if (o->max_rows && rows++ >= o->max_rows)
			break;
		if (r->has_age) {
			format_age(age, sizeof(age), r->oldest_age_ns);
			if (r->oldest_age_is_lower_bound)
				snprintf(age + strlen(age), sizeof(age) - strlen(age), "+");
		}
		snprintf(site, sizeof(site), "%s:%d %s", short_file(r->file), r->line, r->function);
		if (r->stack)
			stack_label(r, site, sizeof(site));
		/* 54 columns before the site; cut the site, not the numbers,
		 * to fit the terminal. */
		room = o->width > 54 ? o->width - 54 : (int)sizeof(site);
		fprintf(f, "%-7s %6" PRIu64 " %7" PRIu64 " %7" PRIu64 " %6s %-13.13s %.*s\n",
			verdict_name(r->verdict), r->live, r->created, r->exited, age,
			r->main_wait ? r->main_wait : "-", room, site);
	}
	verdict_lines(f, m, o);
	park_lines(f, m, o);
}
