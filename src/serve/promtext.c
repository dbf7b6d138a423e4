// SPDX-License-Identifier: BSD-2-Clause
/*
 * Prometheus text exposition of node mode (include/serve/promtext.h states the
 * labels, the cleaning of hostile names and the cardinality bound).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/promtext.h"
#include "analysis/verdict.h"

int promtext_cardinality_init(struct promtext_cardinality *c, unsigned int top)
{
	memset(c, 0, sizeof(*c));
	if (top < 1)
		top = 1;
	if (top > PROMTEXT_MAX_TOP_SITES)
		top = PROMTEXT_MAX_TOP_SITES;
	c->keys = calloc(top, sizeof(*c->keys));
	if (!c->keys)
		return -ENOMEM;
	c->top = top;
	return 0;
}

void promtext_cardinality_free(struct promtext_cardinality *c)
{
	free(c->keys);
	memset(c, 0, sizeof(*c));
}

/* Index of key in the sorted keys, or where it would go. */
static unsigned int key_slot(const struct promtext_cardinality *c, uint64_t key)
{
	unsigned int lo = 0, hi = c->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c->keys[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool promtext_cardinality_promoted(const struct promtext_cardinality *c, uint64_t key)
{
	unsigned int i = key_slot(c, key);

	return i < c->n && c->keys[i] == key;
}

static void promote(struct promtext_cardinality *c, const struct promtext_site *s)
{
	unsigned int i = key_slot(c, s->key);

	if ((i < c->n && c->keys[i] == s->key) || c->n >= c->top)
		return;
	memmove(c->keys + i + 1, c->keys + i, (c->n - i) * sizeof(*c->keys));
	c->keys[i] = s->key;
	c->n++;
	/* What it counted so far stays in `other`, which must not go back. */
	c->other_base_created += s->created;
	c->other_base_exited += s->exited;
	c->other_base_parks += s->parks;
}

static int site_verdict(const struct promtext_site *s)
{
	if (s->verdict <= VERDICT_OK)
		return VERDICT_OK;
	return s->verdict >= VERDICT_LEAK ? VERDICT_LEAK : VERDICT_SUSPECT;
}

/* Leak first, then suspect, then ok; more live, more created; key for a stable order. */
static int better_first(const void *a, const void *b)
{
	const struct promtext_site *x = *(const struct promtext_site *const *)a;
	const struct promtext_site *y = *(const struct promtext_site *const *)b;

	if (site_verdict(x) != site_verdict(y))
		return site_verdict(y) - site_verdict(x);
	if (x->live != y->live)
		return x->live < y->live ? 1 : -1;
	if (x->created != y->created)
		return x->created < y->created ? 1 : -1;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return 0;
}

void promtext_cardinality_update(struct promtext_cardinality *c,
				const struct promtext_site *sites, size_t nsites)
{
	unsigned int reserve = c->top / 5;
	const struct promtext_site **cand;
	size_t ncand = 0, i;

	if (c->n >= c->top || !nsites)
		return;
	cand = malloc(nsites * sizeof(*cand));
	if (!cand)
		return;		/* nobody promoted this time: they stay in `other` */
	for (i = 0; i < nsites; i++) {
		/* A site that never had a goroutine says nothing yet. */
		if (!sites[i].live && !sites[i].created)
			continue;
		if (!promtext_cardinality_promoted(c, sites[i].key))
			cand[ncand++] = &sites[i];
	}
	qsort(cand, ncand, sizeof(*cand), better_first);
	for (i = 0; i < ncand && c->n < c->top; i++) {
		/* Sorted: once an ok site finds only reserved slots, so do the rest. */
		if (site_verdict(cand[i]) == VERDICT_OK && c->n >= c->top - reserve)
			break;
		promote(c, cand[i]);
	}
	free(cand);
}

/* Bytes of the valid UTF-8 character at s (n bytes left), 0 when invalid. */
static size_t utf8_char(const unsigned char *s, size_t n)
{
	uint32_t cp, min;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2, cp = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3, cp = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4, cp = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms and surrogates are not UTF-8 either. */
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * src[0..n) into dst as valid UTF-8, at most cap bytes plus the NUL,
 * stopping before a character that does not fit.  Returns the bytes of
 * src used; *out the bytes written.
 */
static size_t clean_into(char *dst, size_t cap, const char *src, size_t n, size_t *out)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, o = 0, in_len, out_len;
	const char *put;

	while (i < n) {
		in_len = utf8_char(s + i, n - i);
		if (!in_len) {
			put = "\xef\xbf\xbd";	/* U+FFFD */
			in_len = 1, out_len = 3;
		} else if (in_len == 1 && ((s[i] < 0x20 && s[i] != '\n') || s[i] == 0x7f)) {
			/* Legal once escaped, but no use in a dashboard. */
			put = "?";
			out_len = 1;
		} else {
			put = src + i;
			out_len = in_len;
		}
		if (o + out_len > cap)
			break;
		memcpy(dst + o, put, out_len);
		o += out_len;
		i += in_len;
	}
	dst[o] = '\0';
	*out = o;
	return i;
}

void promtext_label_clean(char *dst, size_t max, const char *src, bool keep_tail)
{
	static const char cut[] = "...";
	size_t n, start, o;

	if (!src)
		src = "";
	n = strlen(src);
	if (clean_into(dst, max, src, n, &o) == n || max < 2 * (sizeof(cut) - 1))
		return;
	if (keep_tail && n > max - (sizeof(cut) - 1)) {
		start = n - (max - (sizeof(cut) - 1));
		/* Start on a character, not inside one. */
		while (start < n && ((unsigned char)src[start] & 0xc0) == 0x80)
			start++;
		memcpy(dst, cut, sizeof(cut) - 1);
		clean_into(dst + sizeof(cut) - 1, max - (sizeof(cut) - 1), src + start,
			   n - start, &o);
		return;
	}
	clean_into(dst, max - (sizeof(cut) - 1), src, n, &o);
	memcpy(dst + o, cut, sizeof(cut));
}

/* One series of a process: a promoted site (or several with equal labels) or `other`. */
struct row {
	char function[PROMTEXT_LABEL_MAX + 1];
	char file[PROMTEXT_LABEL_MAX + 1];
	int line;
	bool other;
	uint64_t live, created, exited, parks;
	int verdict;
};

struct proc_rows {
	const struct promtext_process *p;
	char exe[PROMTEXT_SHORT_LABEL_MAX + 1];
	char container_id[PROMTEXT_SHORT_LABEL_MAX + 1];
	char pod[PROMTEXT_SHORT_LABEL_MAX + 1];
	char go_version[PROMTEXT_SHORT_LABEL_MAX + 1];
	struct row *rows;
	size_t n;
	uint64_t live;
	uint64_t in_other;	/* sites summed into `other` */
};

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int d;

	if (x->other != y->other)
		return x->other ? 1 : -1;
	d = strcmp(x->function, y->function);
	if (!d)
		d = strcmp(x->file, y->file);
	if (!d && x->line != y->line)
		d = x->line < y->line ? -1 : 1;
	return d;
}

static bool row_same(const struct row *x, const struct row *y)
{
	return x->other == y->other && x->line == y->line &&
	       !strcmp(x->function, y->function) && !strcmp(x->file, y->file);
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static int build_rows(struct proc_rows *pr)
{
	const struct promtext_process *p = pr->p;
	struct promtext_cardinality *c = p->card;
	struct row other = { .other = true, .function = "other" };
	uint64_t np_created = 0, np_exited = 0, np_parks = 0;
	const struct promtext_site *s;
	struct row *r;
	size_t i, n;

	promtext_label_clean(pr->exe, PROMTEXT_SHORT_LABEL_MAX, p->exe, false);
	promtext_label_clean(pr->container_id, PROMTEXT_SHORT_LABEL_MAX, p->container_id, false);
	promtext_label_clean(pr->pod, PROMTEXT_SHORT_LABEL_MAX, p->pod, false);
	promtext_label_clean(pr->go_version, PROMTEXT_SHORT_LABEL_MAX, p->go_version, false);

	promtext_cardinality_update(c, p->sites, p->nsites);
	/* Room for every site (a key given twice counts twice) and `other`. */
	pr->rows = calloc(p->nsites + 1, sizeof(*pr->rows));
	if (!pr->rows)
		return -ENOMEM;
	for (i = 0; i < p->nsites; i++) {
		s = &p->sites[i];
		pr->live += s->live;
		if (!promtext_cardinality_promoted(c, s->key)) {
			other.live += s->live;
			np_created += s->created;
			np_exited += s->exited;
			np_parks += s->parks;
			if (site_verdict(s) > other.verdict)
				other.verdict = site_verdict(s);
			if (s->live || s->created)
				pr->in_other++;
			continue;
		}
		r = &pr->rows[pr->n++];
		promtext_label_clean(r->function, PROMTEXT_LABEL_MAX, s->function, false);
		promtext_label_clean(r->file, PROMTEXT_LABEL_MAX, s->file, true);
		r->line = s->line > 0 ? s->line : 0;
		/* A target cannot pass one of its sites off as `other`. */
		if (!strcmp(r->function, "other") && !r->file[0] && !r->line)
			strcpy(r->file, "?");
		r->live = s->live;
		r->created = s->created;
		r->exited = s->exited;
		r->parks = s->parks;
		r->verdict = site_verdict(s);
	}

	/* Sites whose labels came out equal (cut names, one line) share a series. */
	qsort(pr->rows, pr->n, sizeof(*pr->rows), row_cmp);
	for (i = 0, n = 0; i < pr->n; i++) {
		if (n && row_same(&pr->rows[n - 1], &pr->rows[i])) {
			r = &pr->rows[n - 1];
			r->live += pr->rows[i].live;
			r->created += pr->rows[i].created;
			r->exited += pr->rows[i].exited;
			r->parks += pr->rows[i].parks;
			if (pr->rows[i].verdict > r->verdict)
				r->verdict = pr->rows[i].verdict;
			continue;
		}
		pr->rows[n++] = pr->rows[i];
	}
	pr->n = n;

	if (pr->in_other || c->other_shown) {
		/* Nothing shown yet to stay above: the promoted sites' past is theirs. */
		if (!c->other_shown)
			c->other_base_created = c->other_base_exited = c->other_base_parks = 0;
		c->other_created = max_u64(c->other_created, np_created + c->other_base_created);
		c->other_exited = max_u64(c->other_exited, np_exited + c->other_base_exited);
		c->other_parks = max_u64(c->other_parks, np_parks + c->other_base_parks);
		c->other_shown = true;
		other.created = c->other_created;
		other.exited = c->other_exited;
		other.parks = c->other_parks;
		pr->rows[pr->n++] = other;
	}
	return 0;
}

static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\':
			fputs("\\\\", f);
			break;
		case '"':
			fputs("\\\"", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static void put_label(FILE *f, const char *name, const char *value, bool first)
{
	fprintf(f, "%s%s=\"", first ? "" : ",", name);
	put_escaped(f, value);
	fputc('"', f);
}

static void put_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{pid=...,exe=...,container_id=...,pod=... without the closing brace. */
static void put_process_labels(FILE *f, const char *name, const struct proc_rows *pr)
{
	fprintf(f, "%s{pid=\"%d\"", name, pr->p->pid);
	put_label(f, "exe", pr->exe, false);
	put_label(f, "container_id", pr->container_id, false);
	put_label(f, "pod", pr->pod, false);
}

enum site_value { SITE_LIVE, SITE_CREATED, SITE_EXITED, SITE_PARKS, SITE_VERDICT };

static void put_site_family(FILE *f, const struct proc_rows *prs, size_t nprocs,
			    const char *name, const char *type, const char *help,
			    enum site_value what)
{
	const struct row *r;
	uint64_t v = 0;
	size_t i, j;

	put_family(f, name, type, help);
	for (i = 0; i < nprocs; i++) {
		if (prs[i].p->probe_free && !prs[i].p->escalated && what != SITE_LIVE &&
		    what != SITE_VERDICT)
			continue;	/* lower bounds are no counters */
		for (j = 0; j < prs[i].n; j++) {
			r = &prs[i].rows[j];
			switch (what) {
			case SITE_LIVE:
				v = r->live;
				break;
			case SITE_CREATED:
				v = r->created;
				break;
			case SITE_EXITED:
				v = r->exited;
				break;
			case SITE_PARKS:
				v = r->parks;
				break;
			case SITE_VERDICT:
				v = r->verdict;
				break;
			}
			put_process_labels(f, name, &prs[i]);
			put_label(f, "site_function", r->function, false);
			put_label(f, "site_file", r->file, false);
			fprintf(f, ",site_line=\"%d\"} %" PRIu64 "\n", r->line, v);
		}
	}
}

static void put_self(FILE *f, const struct promtext_self *self)
{
	char what[PROMTEXT_SHORT_LABEL_MAX + 1];
	size_t i;

	put_family(f, "gostray_attached_processes", "gauge",
		   "Go processes gostray traces now.");
	fprintf(f, "gostray_attached_processes %" PRIu64 "\n", self->processes);
	put_family(f, "gostray_attached_binaries", "gauge",
		   "Distinct Go executables with probes attached now (one probe set serves every process of a binary).");
	fprintf(f, "gostray_attached_binaries %" PRIu64 "\n", self->binaries);
	put_family(f, "gostray_lost_events_total", "counter",
		   "Probe records the kernel dropped because the ring buffer was full.");
	fprintf(f, "gostray_lost_events_total %" PRIu64 "\n", self->lost_events);
	put_family(f, "gostray_probe_hits_total", "counter",
		   "Hits of gostray's uprobes on goroutine creation, park and exit.");
	fprintf(f, "gostray_probe_hits_total{probe=\"create\"} %" PRIu64 "\n", self->create_hits);
	fprintf(f, "gostray_probe_hits_total{probe=\"park\"} %" PRIu64 "\n", self->park_hits);
	fprintf(f, "gostray_probe_hits_total{probe=\"exit\"} %" PRIu64 "\n", self->exit_hits);
	put_family(f, "gostray_cpu_seconds_total", "counter",
		   "CPU time gostray itself used, user and system.");
	fprintf(f, "gostray_cpu_seconds_total %.3f\n", self->cpu_seconds);
	put_family(f, "gostray_resident_memory_bytes", "gauge",
		   "Resident memory of gostray itself.");
	fprintf(f, "gostray_resident_memory_bytes %" PRIu64 "\n", self->rss_bytes);
	if (self->escalating) {
		put_family(f, "gostray_escalations_total", "counter",
			   "Windows of probes opened on a process whose site turned suspect or leak "
			   "(--probes none).");
		fprintf(f, "gostray_escalations_total %" PRIu64 "\n", self->escalations_total);
		put_family(f, "gostray_escalations_active", "gauge",
			   "Processes with probes on them for a window now.");
		fprintf(f, "gostray_escalations_active %" PRIu64 "\n", self->escalations_active);
	}
	put_family(f, "gostray_budget_drops_total", "counter",
		   "What gostray's own CPU and memory caps made it drop or sample, by kind.");
	for (i = 0; i < self->ndrops; i++) {
		promtext_label_clean(what, PROMTEXT_SHORT_LABEL_MAX, self->drops[i].what, false);
		fputs("gostray_budget_drops_total{", f);
		put_label(f, "what", what, true);
		fprintf(f, "} %" PRIu64 "\n", self->drops[i].count);
	}
}

int promtext_render(const struct promtext_process *procs, size_t nprocs,
		   const struct promtext_self *self, char **text, size_t *len)
{
	struct proc_rows *prs;
	int err = -ENOMEM;
	size_t i;
	FILE *f;

	*text = NULL;
	*len = 0;
	prs = calloc(nprocs ? nprocs : 1, sizeof(*prs));
	if (!prs)
		return -ENOMEM;
	for (i = 0; i < nprocs; i++) {
		prs[i].p = &procs[i];
		if (build_rows(&prs[i]))
			goto free_rows;
	}
	f = open_memstream(text, len);
	if (!f)
		goto free_rows;

	put_site_family(f, prs, nprocs, "gostray_goroutines_live", "gauge",
			"Goroutines alive now, by go statement (site_function=\"other\": the sites past --top-sites).",
			SITE_LIVE);
	put_site_family(f, prs, nprocs, "gostray_goroutines_created_total", "counter",
			"Goroutines created since gostray attached, by go statement.", SITE_CREATED);
	put_site_family(f, prs, nprocs, "gostray_goroutines_exited_total", "counter",
			"Goroutines exited since gostray attached, by go statement.", SITE_EXITED);
	if (self && self->parks)
		put_site_family(f, prs, nprocs, "gostray_goroutine_parks_total", "counter",
				"Parks (blocking waits) of the goroutines of a go statement since "
				"the park probe was attached (--park).", SITE_PARKS);
	put_site_family(f, prs, nprocs, "gostray_site_leak_verdict", "gauge",
			"gostray's verdict on a go statement: 0 ok, 1 suspect, 2 leak.", SITE_VERDICT);

	put_family(f, "gostray_process_goroutines", "gauge",
		   "Goroutines alive now in a traced process, every site included.");
	for (i = 0; i < nprocs; i++) {
		put_process_labels(f, "gostray_process_goroutines", &prs[i]);
		fprintf(f, "} %" PRIu64 "\n", prs[i].live);
	}
	put_family(f, "gostray_process_sites_other", "gauge",
		   "Go statements of a process summed into its site_function=\"other\" series (--top-sites).");
	for (i = 0; i < nprocs; i++) {
		put_process_labels(f, "gostray_process_sites_other", &prs[i]);
		fprintf(f, "} %" PRIu64 "\n", prs[i].in_other);
	}
	for (i = 0; i < nprocs && !prs[i].p->have_goids; i++)
		;
	if (i < nprocs)
		put_family(f, "gostray_process_goids_allocated_total", "counter",
			   "Goroutine ids the runtime's allocator handed out since gostray first read "
			   "the process: its goroutine creations, to the allocator's batches of 16 per P.");
	for (i = 0; i < nprocs; i++) {
		if (!prs[i].p->have_goids)
			continue;
		put_process_labels(f, "gostray_process_goids_allocated_total", &prs[i]);
		fprintf(f, "} %" PRIu64 "\n", prs[i].p->goids);
	}
	put_family(f, "gostray_process_mode", "gauge",
		   "How a process is traced: mode=\"probes\" (uprobes: exact counters), "
		   "mode=\"snapshots\" (--probes none: live counts and verdicts only), or "
		   "mode=\"escalated\" (snapshots, and probes for a window: counters of the "
		   "windows); always 1.");
	for (i = 0; i < nprocs; i++) {
		put_process_labels(f, "gostray_process_mode", &prs[i]);
		fprintf(f, ",mode=\"%s\"} 1\n", prs[i].p->escalated ? "escalated" :
			prs[i].p->probe_free ? "snapshots" : "probes");
	}
	put_family(f, "gostray_process_info", "gauge", "A traced Go process: always 1.");
	for (i = 0; i < nprocs; i++) {
		put_process_labels(f, "gostray_process_info", &prs[i]);
		put_label(f, "go_version", prs[i].go_version, false);
		fputs("} 1\n", f);
	}
	if (self)
		put_self(f, self);

	err = fclose(f) ? -ENOMEM : 0;
	if (err) {
		free(*text);
		*text = NULL;
		*len = 0;
	}
free_rows:
	for (i = 0; i < nprocs; i++)
		free(prs[i].rows);
	free(prs);
	return err;
}
