// SPDX-License-Identifier: BSD-2-Clause
/*
 * Node mode (include/trace/node.h).
 */
#define _GNU_SOURCE
#include <bpf/libbpf.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uthash.h>

#include "analysis/diagnose.h"
#include "trace/node.h"
#include "trace/probeset.h"

/* One distinct executable file (device, inode), Go or not: each is
 * inspected once. */
struct bin_key {
	dev_t dev;
	ino_t ino;
};

struct node_binary {
	struct bin_key key;
	bool traceable;		/* a supported Go binary: its processes are traced */
	bool probed;		/* ... with its probes loaded (every process, or
				 * without probes while one of them is escalated) */
	int nescalated;		/* its processes escalated now */
	struct target t;	/* analysed on its first process */
	struct probeset ps;
	struct ring_buffer *rb;
	int nprocs;
	struct node *node;
	UT_hash_handle hh;
};

/* A process that is not traced (not Go, filtered out, refused): looked at
 * once per (pid, start time). */
struct skipped {
	pid_t pid;
	uint64_t start_ticks;
	struct bin_key exe;	/* what it ran: an exec makes it new */
	uint32_t seen_scan;
	UT_hash_handle hh;
};

/* A site's exact counts over a process's ended escalation windows. */
struct exact_site {
	uint64_t gopc;
	uint64_t created, exited;
	UT_hash_handle hh;
};

/* A site a process was escalated for: it does not ask again. */
struct asked_site {
	uint64_t gopc;
	UT_hash_handle hh;
};

struct node_entry {
	struct node_process p;
	struct exact_site *exact;
	struct asked_site *asked;
	uint64_t window_end_ns;		/* escalated: when its window ends */
	uint64_t next_escalation_ns;	/* not escalated again before */
	UT_hash_handle hh;	/* by pid */
};

struct node {
	struct node_opts o;
	struct node_binary *bins;
	struct node_entry *procs;
	struct skipped *skipped;
	int epfd;
	uint32_t scan_gen;
	uint64_t next_scan_ns;
	struct node_health h;
	uint64_t closed_stats[GS_STAT_MAX];	/* of binaries since closed */
	/* the budget (node_opts), checked every BUDGET_WINDOW_NS */
	uint64_t budget_next_ns;
	double budget_cpu_s;	/* CPU time at the start of the window */
	double scan_cpu_s;	/* CPU time spent scanning and attaching, ever */
	double budget_scan_cpu_s;	/* ... at the start of the window */
	bool no_park;		/* the CPU cap took the park probes */
	bool no_escalation;	/* over the CPU cap in the last window */
	bool over_memory;
	uint64_t next_snapshot_ns;	/* --probes none: every process's next one */
};

#define BUDGET_WINDOW_NS (10ull * 1000000000ull)

static void say(const struct node *n, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(const struct node *n, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!n->o.log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	n->o.log(line);
}

/* ---- /proc ---- */

/* Field 22 of /proc/PID/stat (after the parenthesised comm, which may
 * hold spaces and parentheses itself). */
static int read_start_ticks(pid_t pid, uint64_t *out)
{
	char path[64], buf[1024], *p;
	ssize_t len;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -EIO;
	buf[len] = '\0';
	p = strrchr(buf, ')');
	if (!p)
		return -EINVAL;
	/* ") S ppid ..." : state is field 3 */
	for (field = 2; *p && field < 22; p++)
		if (*p == ' ')
			field++;
	if (field != 22)
		return -EINVAL;
	*out = strtoull(p, NULL, 10);
	return 0;
}

static int read_small_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static bool is_hex_run(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

void node_cgroup_ids(const char *cgroup, char *cid, size_t cidlen, char *pod, size_t podlen)
{
	const char *p;
	size_t i;

	cid[0] = pod[0] = '\0';
	/* Docker, containerd and CRI-O all name a container's cgroup after
	 * its 64-hex-digit id ("docker-<id>.scope", "cri-containerd-<id>",
	 * ".../<id>"): the last such run is the innermost container. */
	for (p = cgroup; *p; p++) {
		if ((p == cgroup || !isxdigit((unsigned char)p[-1])) && strlen(p) >= 64 &&
		    is_hex_run(p, 64) && !isxdigit((unsigned char)p[64]))
			snprintf(cid, cidlen, "%.64s", p);
	}
	/* kubepods: ".../pod<uid>/..." with the uid's dashes written as
	 * underscores under the systemd driver. */
	p = strstr(cgroup, "pod");
	while (p) {
		const char *u = p + 3;

		for (i = 0; i < 36 && (isxdigit((unsigned char)u[i]) || u[i] == '-' ||
				       u[i] == '_'); i++)
			;
		if (i == 36) {
			snprintf(pod, podlen, "%.36s", u);
			for (i = 0; pod[i]; i++)
				if (pod[i] == '_')
					pod[i] = '-';
			return;
		}
		p = strstr(p + 3, "pod");
	}
}

static bool regex_says(const regex_t *re, const char *s)
{
	return !regexec(re, s, 0, NULL, 0);
}

/* Whether the options let the process in. */
static bool wanted(const struct node *n, const char *exe_base, const char *cgroup)
{
	if (n->o.include_exe && !regex_says(n->o.include_exe, exe_base))
		return false;
	if (n->o.exclude_exe && regex_says(n->o.exclude_exe, exe_base))
		return false;
	if (n->o.include_cgroup && !regex_says(n->o.include_cgroup, cgroup))
		return false;
	if (n->o.exclude_cgroup && regex_says(n->o.exclude_cgroup, cgroup))
		return false;
	return true;
}

/* ---- records ---- */

static int on_record(void *ctx, void *data, size_t size)
{
	struct node_binary *b = ctx;
	const struct gs_record *r = data;
	struct node_entry *e;
	pid_t pid;

	if (size < sizeof(*r))
		return 0;
	pid = (pid_t)r->tgid;
	HASH_FIND(hh, b->node->procs, &pid, sizeof(pid), e);
	if (e && e->p.bin == b)
		collector_on_record(e->p.escalated ? e->p.esc.coll : e->p.pt.coll, r);
	return 0;
}

static void drain_all(void *ctx)
{
	struct node *n = ctx;
	struct node_binary *b, *tmp;

	HASH_ITER(hh, n->bins, b, tmp)
		if (b->rb)
			ring_buffer__consume(b->rb);
}

/* ---- binaries ---- */

static void add_stats(uint64_t *acc, const struct probeset *ps)
{
	uint64_t s[GS_STAT_MAX];
	int i;

	probeset_stats(ps, s);
	for (i = 0; i < GS_STAT_MAX; i++)
		acc[i] += s[i];
}

/* Load and attach the binary's probes, its ring buffer polled; 0 or
 * -errno with one line in err.  Without probes they serve escalated
 * processes only: no park probe, the escalation's stack depth. */
static int binary_probe(struct node *n, struct node_binary *b, char *err, size_t errlen)
{
	struct probeset_opts po = {
		.park = n->o.park && !n->no_park && !n->o.probe_free,
		.ringbuf_bytes = n->o.ringbuf_bytes,
		.stack_depth = n->o.probe_free ? n->o.escalate_stack_depth : n->o.stack_depth,
		.pid = 0,
		.max_tracked = n->o.probe_free ? n->o.max_escalations : n->o.max_processes,
	};
	struct epoll_event ev = { .events = EPOLLIN };
	int ret;

	ret = probeset_load(&b->ps, &b->t, &po, err, errlen);
	if (ret)
		return ret;
	b->rb = ring_buffer__new(probeset_events_fd(&b->ps), on_record, b, NULL);
	if (!b->rb) {
		ret = -errno;
		snprintf(err, errlen, "cannot set up the ring buffer: %s", strerror(errno));
		goto err_close_probes;
	}
	ev.data.ptr = b;
	epoll_ctl(n->epfd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(b->rb), &ev);
	ret = probeset_attach(&b->ps, &b->t, &po, err, errlen);
	if (ret)
		goto err_free_rb;
	b->probed = true;
	return 0;

err_free_rb:
	epoll_ctl(n->epfd, EPOLL_CTL_DEL, ring_buffer__epoll_fd(b->rb), NULL);
	ring_buffer__free(b->rb);
	b->rb = NULL;
err_close_probes:
	probeset_close(&b->ps);
	return ret;
}

/* Undoes binary_probe(): what is queued is fed first, the hit counters
 * kept. */
static void binary_unprobe(struct node *n, struct node_binary *b)
{
	if (!b->probed)
		return;
	add_stats(n->closed_stats, &b->ps);
	probeset_detach(&b->ps);
	if (b->rb) {
		ring_buffer__consume(b->rb);
		epoll_ctl(n->epfd, EPOLL_CTL_DEL, ring_buffer__epoll_fd(b->rb), NULL);
		ring_buffer__free(b->rb);
		b->rb = NULL;
	}
	probeset_close(&b->ps);
	b->probed = false;
}

static void binary_close(struct node *n, struct node_binary *b)
{
	binary_unprobe(n, b);
	target_close(&b->t);
	HASH_DEL(n->bins, b);
	free(b);
}

/* Analyse the binary pid runs and, if it is a Go program gostray
 * supports, load and attach its probes for every process (none tracked
 * yet).  Not Go, or unsupported: remembered as such. */
static struct node_binary *binary_get(struct node *n, pid_t pid, const struct bin_key *key)
{
	struct node_binary *b;
	char arg[24], err[512];

	HASH_FIND(hh, n->bins, key, sizeof(*key), b);
	if (b)
		return b;
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->key = *key;
	b->node = n;
	HASH_ADD(hh, n->bins, key, sizeof(b->key), b);
	snprintf(arg, sizeof(arg), "%d", (int)pid);
	if (target_open(&b->t, arg, err, sizeof(err))) {
		/* Only Go programs gostray cannot trace are worth a line. */
		if (b->t.gb && !strstr(err, "is not a Go program")) {
			say(n, "PID %d: not traced: %s", (int)pid, err);
			n->h.refused_total++;
		}
		return b;
	}
	/* Without probes its processes are read; the probes come only when
	 * one of them is escalated. */
	if (!n->o.probe_free && binary_probe(n, b, err, sizeof(err))) {
		say(n, "PID %d (%s): not traced: %s", (int)pid, b->t.exe_name, err);
		n->h.refused_total++;
		return b;
	}
	b->traceable = true;
	return b;
}

/* ---- escalation (probe-free node) ---- */

static uint64_t seconds_ns(double s)
{
	return (uint64_t)(s * 1e9);
}

/* The window's counts into the process's sums over windows. */
static void fold_exact_counts(struct node_entry *e)
{
	const struct site **sites;
	struct exact_site *x;
	size_t i, ns = 0;

	sites = collector_sorted_sites(e->p.esc.coll, &ns);
	for (i = 0; sites && i < ns; i++) {
		HASH_FIND(hh, e->exact, &sites[i]->gopc, sizeof(sites[i]->gopc), x);
		if (!x) {
			x = calloc(1, sizeof(*x));
			if (!x)
				break;	/* the counter stays where it was */
			x->gopc = sites[i]->gopc;
			HASH_ADD(hh, e->exact, gopc, sizeof(x->gopc), x);
		}
		x->created += sites[i]->created;
		x->exited += sites[i]->exited;
	}
	free(sites);
}

void node_exact_counts(const struct node_process *p, uint64_t gopc, uint64_t *created,
		       uint64_t *exited)
{
	const struct node_entry *e = (const struct node_entry *)p;
	const struct exact_site *x;
	const struct site *s = p->escalated ? collector_find_site(p->esc.coll, gopc) : NULL;

	HASH_FIND(hh, e->exact, &gopc, sizeof(gopc), x);
	*created = (x ? x->created : 0) + (s ? s->created : 0);
	*exited = (x ? x->exited : 0) + (s ? s->exited : 0);
}

/*
 * The window ends (its time is up, the CPU cap, the process went, gostray
 * stops): one instant ends its counts, the caller hears of them, they are
 * summed, and the probes go from the process, and from its binary when
 * no other process of it is escalated.
 */
static void escalation_end(struct node *n, struct node_entry *e, const char *why)
{
	struct node_binary *b = e->p.bin;

	if (!e->p.escalated)
		return;
	collector_cut(e->p.esc.coll, monotonic_ns());
	probeset_track(&b->ps, (uint32_t)e->p.pid, false);
	drain_all(n);
	if (n->o.escalation_over)
		n->o.escalation_over(&e->p, why);
	fold_exact_counts(e);
	say(n, "PID %d (%s): escalation over (%s), probes detached", (int)e->p.pid,
	    e->p.exe_base, why);
	e->p.escalated = false;
	tracedproc_close(&e->p.esc);
	n->h.escalations_active--;
	e->next_escalation_ns = monotonic_ns() + seconds_ns(n->o.escalate_window_s);
	if (--b->nescalated == 0)
		binary_unprobe(n, b);
}

/* Probes on the process for a window, a tracedproc of their own; the
 * snapshots go on beside it. */
static int escalation_start(struct node *n, struct node_entry *e, const struct diagnosis *d,
			    uint64_t now)
{
	struct node_binary *b = e->p.bin;
	char err[512];
	int ret;

	if (!b->probed) {
		ret = binary_probe(n, b, err, sizeof(err));
		if (ret)
			goto err_say;
	}
	ret = tracedproc_open(&e->p.esc, &e->p.t, probeset_read_stack, &b->ps,
			      b->ps.stack_depth, err, sizeof(err));
	if (ret)
		goto err_unprobe;
	e->p.escalated = true;	/* its records go to esc from here on */
	b->nescalated++;
	if (probeset_track(&b->ps, (uint32_t)e->p.pid, true)) {
		ret = -errno;
		snprintf(err, sizeof(err), "cannot track it in BPF: %s", strerror(errno));
		goto err_unescalate;
	}
	ret = tracedproc_baseline(&e->p.esc, monotonic_ns(), drain_all, n, err, sizeof(err));
	if (ret)
		goto err_untrack;
	probeset_exits_by_g(&b->ps, (uint32_t)e->p.pid);
	e->window_end_ns = now + seconds_ns(n->o.escalate_window_s);
	n->h.escalations_total++;
	n->h.escalations_active++;
	say(n, "PID %d (%s): site %s (%s:%d) %s: probes attached for %.0f s", (int)e->p.pid,
	    e->p.exe_base, d->site->info.function, d->site->info.file, d->site->info.line,
	    verdict_name(d->verdict.kind), n->o.escalate_window_s);
	return 0;

err_untrack:
	probeset_track(&b->ps, (uint32_t)e->p.pid, false);
	drain_all(n);
err_unescalate:
	e->p.escalated = false;
	b->nescalated--;
	tracedproc_close(&e->p.esc);
err_unprobe:
	if (b->nescalated == 0)
		binary_unprobe(n, b);
err_say:
	say(n, "PID %d (%s): cannot escalate: %s", (int)e->p.pid, e->p.exe_base, err);
	n->h.escalations_failed++;
	e->next_escalation_ns = now + seconds_ns(n->o.escalate_window_s);
	return ret;
}

/*
 * The suspect or leak site of the process, not escalated for yet, that
 * asks for a window (a leak before a suspect), NULL when none; with
 * remember, every such site is marked as asked (once per site).
 */
static const struct diagnosis *sites_asking(struct node_entry *e, const struct diagnosis *d,
					    size_t nd, bool remember)
{
	const struct diagnosis *first = NULL;
	struct asked_site *a;
	size_t i;

	for (i = 0; i < nd; i++) {
		if (d[i].verdict.kind == VERDICT_OK)
			continue;
		HASH_FIND(hh, e->asked, &d[i].site->gopc, sizeof(d[i].site->gopc), a);
		if (a)
			continue;
		if (!first || d[i].verdict.kind > first->verdict.kind)
			first = &d[i];
		if (remember && (a = calloc(1, sizeof(*a)))) {
			a->gopc = d[i].site->gopc;
			HASH_ADD(hh, e->asked, gopc, sizeof(a->gopc), a);
		}
	}
	return first;
}

/*
 * After a snapshot of a probe-free process: a site suspect or leak that
 * did not ask before opens a window, if one is free (max_escalations) and
 * the CPU cap allows it; else it asks again at the next snapshot, counted.
 */
static void maybe_escalate(struct node *n, struct node_entry *e, uint64_t now)
{
	struct diagnose_ctx dc = {
		.c = e->p.pt.coll,
		.go_minor = e->p.t.minor,
		.start_ns = e->p.pt.attach_ns,
		.now_ns = now,
	};
	const struct diagnosis *ask;
	struct diagnosis *d;
	size_t nd = 0;

	if (n->o.escalate_window_s <= 0 || e->p.escalated || now < e->next_escalation_ns)
		return;
	d = diagnose_all(&dc, &nd);
	ask = d ? sites_asking(e, d, nd, false) : NULL;
	if (!ask)
		goto out;
	if (n->no_escalation) {
		n->h.escalations_refused_cpu++;
		goto out;
	}
	if (n->h.escalations_active >= n->o.max_escalations) {
		n->h.escalations_refused_max++;
		goto out;
	}
	sites_asking(e, d, nd, true);
	escalation_start(n, e, ask, now);
out:
	free(d);
}

/* ---- processes ---- */

static void skip(struct node *n, pid_t pid, uint64_t start_ticks, const struct bin_key *exe)
{
	struct skipped *s;

	HASH_FIND(hh, n->skipped, &pid, sizeof(pid), s);
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return;
		s->pid = pid;
		HASH_ADD(hh, n->skipped, pid, sizeof(s->pid), s);
	}
	s->start_ticks = start_ticks;
	s->exe = *exe;
	s->seen_scan = n->scan_gen;
}

static void process_forget(struct node *n, struct node_entry *e, const char *why)
{
	struct node_binary *b = e->p.bin;
	struct exact_site *x, *xtmp;
	struct asked_site *a, *atmp;

	escalation_end(n, e, why);
	/* One instant ends its counts, as in capture: records of it drained
	 * from here on, stamped after, do not count (without probes: its last
	 * snapshot is the end). */
	collector_cut(e->p.pt.coll, n->o.probe_free ? e->p.pt.last_snapshot_ns + 1 :
			monotonic_ns());
	if (!n->o.probe_free) {
		probeset_track(&b->ps, (uint32_t)e->p.pid, false);
		probeset_forget_parks(&b->ps, (uint32_t)e->p.pid);
		drain_all(n);
	}
	say(n, "PID %d (%s): %s, forgotten", (int)e->p.pid, e->p.exe_base, why);
	if (e->p.free_user)
		e->p.free_user(e->p.user);
	tracedproc_close(&e->p.pt);
	target_close(&e->p.t);
	HASH_ITER(hh, e->exact, x, xtmp) {
		HASH_DEL(e->exact, x);
		free(x);
	}
	HASH_ITER(hh, e->asked, a, atmp) {
		HASH_DEL(e->asked, a);
		free(a);
	}
	HASH_DEL(n->procs, e);
	free(e);
	n->h.forgotten_total++;
	/* The probes of a binary nobody runs any more go too: a trap in no
	 * process costs nothing, but its maps and links are memory. */
	if (--b->nprocs == 0)
		binary_close(n, b);
}

static void process_attach(struct node *n, pid_t pid, uint64_t start_ticks,
			   struct node_binary *b, const char *exe_base, const char *cgroup)
{
	struct node_entry *e;
	char err[512];

	if (HASH_COUNT(n->procs) >= n->o.max_processes || n->over_memory) {
		if (n->over_memory)
			n->h.over_memory_total++;
		else
			n->h.over_limit_total++;
		skip(n, pid, start_ticks, &b->key);
		return;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return;
	e->p.pid = pid;
	e->p.start_ticks = start_ticks;
	e->p.bin = b;
	snprintf(e->p.exe_base, sizeof(e->p.exe_base), "%s", exe_base);
	node_cgroup_ids(cgroup, e->p.container_id, sizeof(e->p.container_id),
			e->p.pod_uid, sizeof(e->p.pod_uid));
	if (target_for_process(&e->p.t, &b->t, pid, err, sizeof(err)))
		goto err_refuse;
	/* The self-check reads this process's goroutines with the binary's
	 * offsets before its records are kept. */
	if (n->o.probe_free) {
		if (tracedproc_open_probe_free(&e->p.pt, &e->p.t, err, sizeof(err)))
			goto err_close_target;
		HASH_ADD(hh, n->procs, p.pid, sizeof(e->p.pid), e);
		b->nprocs++;
		goto attached;
	}
	if (tracedproc_open(&e->p.pt, &e->p.t, probeset_read_stack, &b->ps,
			   b->ps.stack_depth, err, sizeof(err)))
		goto err_close_target;
	HASH_ADD(hh, n->procs, p.pid, sizeof(e->p.pid), e);
	b->nprocs++;
	if (probeset_track(&b->ps, (uint32_t)pid, true)) {
		snprintf(err, sizeof(err), "cannot track it in BPF: %s", strerror(errno));
		goto err_unlist;
	}
	if (tracedproc_baseline(&e->p.pt, monotonic_ns(), drain_all, n, err, sizeof(err)))
		goto err_untrack;
	probeset_exits_by_g(&b->ps, (uint32_t)pid);
attached:
	n->h.attached_total++;
	say(n, "PID %d (%s, %s): attached%s, %zu goroutines%s%s", (int)pid, exe_base,
	    gobin_go_version(b->t.gb), n->o.probe_free ? " without probes" : "",
	    e->p.pt.baseline_live,
	    e->p.container_id[0] ? ", container " : "",
	    e->p.container_id[0] ? e->p.container_id : "");
	return;

err_untrack:
	probeset_track(&b->ps, (uint32_t)pid, false);
err_unlist:
	HASH_DEL(n->procs, e);
	b->nprocs--;
	tracedproc_close(&e->p.pt);
err_close_target:
	target_close(&e->p.t);
err_refuse:
	say(n, "PID %d (%s): not traced: %s", (int)pid, exe_base, err);
	n->h.refused_total++;
	free(e);
	skip(n, pid, start_ticks, &b->key);
	if (b->nprocs == 0)
		binary_close(n, b);
}

/* A process seen in /proc: traced already, to skip, or new. */
static bool same_key(const struct bin_key *a, const struct bin_key *b)
{
	return a->dev == b->dev && a->ino == b->ino;
}

/*
 * A process seen in /proc: traced already, to skip, or new.  A process is
 * known by its PID, its start time (PID reuse) and the file it runs: a
 * shell that execs a Go service, or a Go program that execs another, is
 * looked at again.
 */
static void scan_one(struct node *n, pid_t pid)
{
	char path[64], exe[PATH_MAX], cgroup[4096] = "";
	const char *base;
	struct node_entry *e;
	struct skipped *s;
	struct node_binary *b;
	struct bin_key key = { 0 };
	struct stat st;
	uint64_t start = 0;
	ssize_t len = 0;
	bool runs_file;

	if (read_start_ticks(pid, &start))
		return;		/* gone meanwhile */
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	/* Kernel threads have no executable; so do zombies. */
	runs_file = !stat(path, &st) && S_ISREG(st.st_mode);
	if (runs_file) {
		key.dev = st.st_dev;
		key.ino = st.st_ino;
	}
	HASH_FIND(hh, n->procs, &pid, sizeof(pid), e);
	if (e) {
		if (e->p.start_ticks == start && same_key(&e->p.bin->key, &key))
			return;
		process_forget(n, e, e->p.start_ticks == start ? "exec'd another program" :
				     "exited (its PID was reused)");
	}
	HASH_FIND(hh, n->skipped, &pid, sizeof(pid), s);
	if (s && s->start_ticks == start && same_key(&s->exe, &key)) {
		s->seen_scan = n->scan_gen;
		return;
	}
	if (!runs_file || (len = readlink(path, exe, sizeof(exe) - 1)) <= 0) {
		skip(n, pid, start, &key);
		return;
	}
	exe[len] = '\0';
	base = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	read_small_file(path, cgroup, sizeof(cgroup));
	if (!wanted(n, base, cgroup)) {
		skip(n, pid, start, &key);
		return;
	}
	b = binary_get(n, pid, &key);
	if (!b || !b->traceable) {
		skip(n, pid, start, &key);
		return;
	}
	process_attach(n, pid, start, b, base, cgroup);
}

static void scan_proc(struct node *n)
{
	struct skipped *s, *tmp;
	struct dirent *d;
	DIR *dir = opendir("/proc");
	pid_t self = getpid();

	if (!dir)
		return;
	n->scan_gen++;
	while ((d = readdir(dir))) {
		char *end;
		long pid = strtol(d->d_name, &end, 10);

		if (*end || pid <= 0 || pid == self)
			continue;
		scan_one(n, (pid_t)pid);
	}
	closedir(dir);
	/* Forget the skipped processes that are gone. */
	HASH_ITER(hh, n->skipped, s, tmp) {
		if (s->seen_scan != n->scan_gen) {
			HASH_DEL(n->skipped, s);
			free(s);
		}
	}
	n->h.scans++;
}

/* ---- the budget ---- */

static double thread_cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

double node_cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

uint64_t node_rss_bytes(void)
{
	long pages = 0, page = sysconf(_SC_PAGESIZE);
	FILE *f = fopen("/proc/self/statm", "re");

	if (!f)
		return 0;
	if (fscanf(f, "%*d %ld", &pages) != 1)
		pages = 0;
	fclose(f);
	return (uint64_t)pages * (uint64_t)(page > 0 ? page : 4096);
}

/*
 * Once per window: over the CPU cap, the park probes go from every binary
 * (a park is the most frequent event by far; creations and exits keep the
 * counts exact), for good.  Over the memory cap, new processes wait until
 * memory is back under it.  Both show in node_health().
 */
static void check_budget(struct node *n, uint64_t now)
{
	double cpu = node_cpu_seconds(), used;
	bool over_cap;
	struct node_binary *b, *tmp;

	if (now < n->budget_next_ns)
		return;
	/* Finding and attaching processes is paid once per process and
	 * would not get cheaper without park probes: the cap judges the
	 * steady cost, records and snapshots. */
	used = ((cpu - n->budget_cpu_s) - (n->scan_cpu_s - n->budget_scan_cpu_s)) * 1e9 /
	       (double)(BUDGET_WINDOW_NS) * 100;
	over_cap = n->budget_next_ns && n->o.max_cpu_pct > 0 && used > n->o.max_cpu_pct;
	/* Without probes the cost over the cap is the escalations': they end,
	 * and none opens until a window is under the cap again. */
	n->no_escalation = over_cap && n->o.probe_free;
	if (n->no_escalation) {
		struct node_entry *e, *etmp;

		HASH_ITER(hh, n->procs, e, etmp)
			escalation_end(n, e, "over the CPU cap");
	}
	if (over_cap && !n->no_park && !n->o.probe_free) {
		n->no_park = true;
		HASH_ITER(hh, n->bins, b, tmp)
			if (b->probed && probeset_detach_kind(&b->ps, PROBE_PARK))
				n->h.park_probes_dropped++;
		say(n, "used %.1f%% of a core (cap %.1f%%): park probes off", used,
		    n->o.max_cpu_pct);
	}
	n->over_memory = n->o.max_rss_bytes && node_rss_bytes() > n->o.max_rss_bytes;
	n->budget_cpu_s = cpu;
	n->budget_scan_cpu_s = n->scan_cpu_s;
	n->budget_next_ns = now + BUDGET_WINDOW_NS;
}

/* ---- the loop ---- */

int node_open(struct node **out, const struct node_opts *o, char *err, size_t errlen)
{
	struct node *n = calloc(1, sizeof(*n));

	*out = NULL;
	if (!n) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	n->o = *o;
	if (!n->o.max_processes)
		n->o.max_processes = 1024;
	if (n->o.scan_interval_s <= 0)
		n->o.scan_interval_s = 2;
	n->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (n->epfd < 0) {
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		free(n);
		return -errno;
	}
	scan_proc(n);
	n->next_scan_ns = monotonic_ns() + (uint64_t)(n->o.scan_interval_s * 1e9);
	*out = n;
	return 0;
}

static uint64_t snapshot_interval_ns(const struct node *n)
{
	return (uint64_t)((n->o.snapshot_interval_s > 0 ? n->o.snapshot_interval_s :
			   NODE_DEFAULT_SNAPSHOT_INTERVAL_S) * 1e9);
}

int node_poll(struct node *n, int timeout_ms)
{
	struct epoll_event evs[16];
	struct node_entry *e, *tmp;
	bool snapshots_due;
	uint64_t now;
	int ret;

	/* Records do not wake us until a buffer is an eighth full (the
	 * BPF side's wakeup_bytes): drain every buffer when the wait ends. */
	ret = epoll_wait(n->epfd, evs, 16, timeout_ms);
	if (ret < 0 && errno != EINTR)
		return -errno;
	drain_all(n);
	now = monotonic_ns();
	snapshots_due = n->o.probe_free && now >= n->next_snapshot_ns;
	HASH_ITER(hh, n->procs, e, tmp) {
		if (tracedproc_gone(&e->p.pt)) {
			process_forget(n, e, "exited");
			continue;
		}
		if (snapshots_due && e->p.pt.diff) {
			struct snapdiff_counts k;
			char err[320];

			ret = tracedproc_snapshot_step(&e->p.pt, &k, err, sizeof(err));
			if (ret) {
				process_forget(n, e, ret == -ESRCH ? "exited" : err);
				continue;
			}
			maybe_escalate(n, e, now);
		}
		if (e->p.escalated && now >= e->window_end_ns)
			escalation_end(n, e, "window over");
		collector_sample(e->p.pt.coll, now, false);
		if (e->p.escalated)
			collector_sample(e->p.esc.coll, now, false);
	}
	if (snapshots_due)
		n->next_snapshot_ns = now + snapshot_interval_ns(n);
	check_budget(n, now);
	if (now >= n->next_scan_ns) {
		double t0 = thread_cpu_seconds();

		scan_proc(n);
		n->scan_cpu_s += thread_cpu_seconds() - t0;
		n->next_scan_ns = monotonic_ns() + (uint64_t)(n->o.scan_interval_s * 1e9);
	}
	return 0;
}

/* One binary's counters serve every process running it: each key to its
 * process by PID. */
static void park_count_of_process(void *ctx, const struct gs_park_key *key, uint64_t count)
{
	struct node_binary *b = ctx;
	struct node_entry *e;
	pid_t pid = (pid_t)key->tgid;

	HASH_FIND(hh, b->node->procs, &pid, sizeof(pid), e);
	if (e && e->p.bin == b)
		tracedproc_park_count(&e->p.pt, key, count);
}

/* Every 5 s (main.c): a snapshot per process for wait reasons and
 * verdicts, and with --park the park counters, read from each binary's map
 * in one walk. */
void node_refresh_waits(struct node *n)
{
	struct node_entry *e, *tmp;
	struct node_binary *b, *btmp;

	HASH_ITER(hh, n->procs, e, tmp) {
		if (!e->p.pt.diff)	/* snapshots set them without probes */
			tracedproc_refresh_waits(&e->p.pt, drain_all, n);
		if (e->p.escalated)	/* what the window's goroutines wait on */
			tracedproc_refresh_waits(&e->p.esc, drain_all, n);
	}
	if (n->o.park)
		HASH_ITER(hh, n->bins, b, btmp)
			if (b->probed)
				probeset_read_parks(&b->ps, park_count_of_process, b);
}

void node_for_each_process(struct node *n, void (*cb)(struct node_process *p, void *ctx),
			   void *ctx)
{
	struct node_entry *e, *tmp;

	HASH_ITER(hh, n->procs, e, tmp)
		cb(&e->p, ctx);
}

void node_health(const struct node *n, struct node_health *h)
{
	const struct node_binary *b, *tmp;
	uint64_t s[GS_STAT_MAX];

	*h = n->h;
	h->cpu_capped = n->no_park;
	h->park_counted = n->o.park;
	h->escalating = n->o.probe_free && n->o.escalate_window_s > 0;
	h->processes = HASH_COUNT(n->procs);
	h->binaries = 0;
	memcpy(s, n->closed_stats, sizeof(s));
	HASH_ITER(hh, n->bins, b, tmp) {
		if (!b->probed)
			continue;
		h->binaries++;
		add_stats(s, &b->ps);
	}
	h->lost_events = s[GS_STAT_LOST];
	h->create_hits = s[GS_STAT_CREATE_HITS];
	h->park_hits = s[GS_STAT_PARK_HITS];
	h->exit_hits = s[GS_STAT_EXIT_HITS];
}

void node_close(struct node *n)
{
	struct node_entry *e, *etmp;
	struct node_binary *b, *btmp;
	struct skipped *s, *stmp;

	if (!n)
		return;
	HASH_ITER(hh, n->procs, e, etmp)
		process_forget(n, e, "gostray is stopping");
	HASH_ITER(hh, n->bins, b, btmp)
		binary_close(n, b);
	HASH_ITER(hh, n->skipped, s, stmp) {
		HASH_DEL(n->skipped, s);
		free(s);
	}
	close(n->epfd);
	free(n);
}
