// SPDX-License-Identifier: BSD-2-Clause
/*
 * One traced process (include/trace/tracedproc.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "trace/tracedproc.h"
#include "process/selfcheck.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* The self-check judges offsets on a sample: the oldest gs (the runtime's
 * own and the first user goroutines) are enough, and a target with 100k
 * goroutines is then not read in full twice. */
#define SELFCHECK_SAMPLE 4096

static int read_snapshot_upto(struct tracedproc *p, struct snapshot *s, size_t max_gs,
			      char *err, size_t errlen)
{
	struct allgs_source src = {
		.mem = &p->mem,
		.off = &p->t->off,
		.allglen_addr = target_addr(p->t, p->t->allglen.addr),
		.allgptr_addr = target_addr(p->t, p->t->allgptr.addr),
		.max_gs = max_gs,
	};

	return allgs_read(&src, s, err, errlen);
}

/* Every g of the process, or -errno with one line in err. */
static int read_snapshot(struct tracedproc *p, struct snapshot *s, size_t max_gs,
			 char *err, size_t errlen)
{
	char why[256];
	int ret = read_snapshot_upto(p, s, max_gs, why, sizeof(why));

	if (ret)
		snprintf(err, errlen, "cannot read the goroutine list of PID %d: %s",
			 p->t->pid, why);
	return ret;
}

/*
 * Up to Go 1.23 newproc1 marks a reused g runnable before it writes the
 * new goid: a second look at the gs s saw runnable (the only ones that
 * can be half-made) drops the goroutines it read that way, which would
 * otherwise be the g's last goroutine come back from the dead.  From 1.24
 * the goid is written first.
 */
static void reread_half_made(struct tracedproc *p, struct snapshot *s)
{
	struct allgs_source src = { .mem = &p->mem, .off = &p->t->off };

	if (p->t->minor > 23)
		return;
	if (allgs_reread_runnable(&src, s))
		s->unreadable++;	/* then judge no phantom */
	s->finished_ns = monotonic_ns();
}

/* Before any probe: do the offsets read plausible goroutines here? */
static int check_offsets(struct tracedproc *p, char *err, size_t errlen)
{
	struct selfcheck_result res;
	struct snapshot s;
	char why[384];
	int ret;

	ret = read_snapshot(p, &s, SELFCHECK_SAMPLE, err, errlen);
	if (ret)
		return ret;
	ret = selfcheck_snapshot(p->t, &s, &res, why, sizeof(why));
	if (ret)
		snprintf(err, errlen, "PID %d: %s", p->t->pid, why);
	allgs_free(&s);
	return ret;
}

/* Device and inode of the process's executable; 0 or -errno. */
static int exe_identity(pid_t pid, dev_t *dev, ino_t *ino)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	if (stat(path, &st))
		return -errno;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return 0;
}

int tracedproc_open(struct tracedproc *p, struct target *t, stack_reader read_stack,
		   void *stack_ctx, int stack_depth, char *err, size_t errlen)
{
	int ret;

	memset(p, 0, sizeof(*p));
	p->t = t;
	p->pidfd = -1;
	p->mem.mem_fd = -1;
	p->coll = collector_new(target_symbolize_site, t);
	if (!p->coll) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	collector_set_stack_reader(p->coll, read_stack, stack_ctx, stack_depth);
	ret = procmem_open(&p->mem, t->pid);
	if (ret) {
		snprintf(err, errlen, "cannot open /proc/%d/mem: %s%s", t->pid,
			 strerror(-ret), ret == -EACCES || ret == -EPERM ?
			 " (needs CAP_SYS_PTRACE)" : "");
		goto err_free_collector;
	}
	p->pidfd = (int)syscall(SYS_pidfd_open, t->pid, 0);
	exe_identity(t->pid, &p->exe_dev, &p->exe_ino);
	ret = check_offsets(p, err, errlen);
	if (ret)
		goto err_close_mem;
	return 0;

err_close_mem:
	if (p->pidfd >= 0)
		close(p->pidfd);
	p->pidfd = -1;
	procmem_close(&p->mem);
err_free_collector:
	collector_free(p->coll);
	p->coll = NULL;
	return ret;
}

int tracedproc_baseline(struct tracedproc *p, uint64_t attach_ns, tracedproc_drain drain,
		       void *drain_ctx, char *err, size_t errlen)
{
	struct snapshot base;
	int ret;

	p->attach_ns = attach_ns;
	tracedproc_read_goids(p);
	ret = read_snapshot(p, &base, 0, err, errlen);
	if (ret)
		return ret;
	/* Records produced while the snapshot was read go in first. */
	if (drain)
		drain(drain_ctx);
	collector_merge_baseline(p->coll, &base, attach_ns);
	p->baseline_live = base.n;
	reread_half_made(p, &base);
	if (drain)
		drain(drain_ctx);
	collector_apply_snapshot(p->coll, &base);
	if (p->diff && snapdiff_seed(p->diff, &base)) {
		allgs_free(&base);
		snprintf(err, errlen, "out of memory for the goroutines of PID %d", p->t->pid);
		return -ENOMEM;
	}
	p->snapshots = 1;
	p->last_snapshot_ns = base.started_ns;
	allgs_free(&base);
	p->baseline_ns = monotonic_ns();
	/* The series start at the attach, with the baseline's counts. */
	collector_sample(p->coll, attach_ns, true);
	return 0;
}

/* A snapshot of a process still running its program: -ESRCH when it no
 * longer does, else read_snapshot(). */
static int read_current(struct tracedproc *p, struct snapshot *s, char *err, size_t errlen)
{
	if (p->exited || tracedproc_execed(p))
		return -ESRCH;
	return read_snapshot(p, s, 0, err, errlen);
}

int tracedproc_refresh_waits(struct tracedproc *p, tracedproc_drain drain, void *drain_ctx)
{
	struct snapshot s;
	char err[320];
	int ret = read_current(p, &s, err, sizeof(err));

	if (ret)
		return ret;
	/* Records up to the end of the snapshot, so both agree. */
	drain(drain_ctx);
	collector_apply_snapshot(p->coll, &s);
	allgs_free(&s);
	return 0;
}

/* Half-made goroutines (reread_half_made) are read again, so that the end
 * check compares real goroutines only. */
int tracedproc_end_snapshot(struct tracedproc *p)
{
	struct snapshot s;
	char err[320];
	int ret;

	if (p->exited || tracedproc_execed(p))
		return -ESRCH;
	if (p->have_goids)
		tracedproc_read_goids(p);
	ret = read_snapshot(p, &s, 0, err, sizeof(err));
	if (ret)
		return ret;
	reread_half_made(p, &s);
	collector_end_snapshot(p->coll, &s);
	allgs_free(&s);
	return 0;
}

bool tracedproc_read_goids(struct tracedproc *p)
{
	uint64_t v;

	if (!p->t->have_sched ||
	    procmem_read(&p->mem, target_addr(p->t, p->t->sched.addr), &v, sizeof(v)) ||
	    (p->have_goids && v < p->goidgen_last))	/* it only grows */
		return p->have_goids = false;
	if (!p->have_goids && !p->goidgen_first)
		p->goidgen_first = v;
	p->goidgen_last = v;
	return p->have_goids = p->goidgen_first != 0;
}

int tracedproc_open_probe_free(struct tracedproc *p, struct target *t, char *err,
			       size_t errlen)
{
	int ret = tracedproc_open(p, t, NULL, NULL, 0, err, errlen);

	if (ret)
		return ret;
	p->diff = snapdiff_new();
	if (!p->diff) {
		snprintf(err, errlen, "out of memory");
		ret = -ENOMEM;
	} else {
		/* No probe: nothing to drain, the first snapshot is the start. */
		ret = tracedproc_baseline(p, monotonic_ns(), NULL, NULL, err, errlen);
	}
	if (ret)
		tracedproc_close(p);
	return ret;
}

int tracedproc_snapshot_step(struct tracedproc *p, struct snapdiff_counts *k,
			     char *err, size_t errlen)
{
	struct snapshot s;
	int ret;

	if (p->exited || tracedproc_execed(p))
		return -ESRCH;	/* its memory is no Go program's any more */
	if (p->have_goids)
		tracedproc_read_goids(p);
	ret = read_snapshot(p, &s, 0, err, errlen);
	if (ret)
		return ret;
	reread_half_made(p, &s);
	ret = snapdiff_feed(p->diff, &s, (uint32_t)p->t->pid, p->coll, k);
	if (ret)
		snprintf(err, errlen, "out of memory for the goroutines of PID %d", p->t->pid);
	p->snapshots++;
	p->last_snapshot_ns = s.started_ns;
	collector_sample(p->coll, s.started_ns, false);
	allgs_free(&s);
	return ret;
}

void tracedproc_wait_gone(struct tracedproc *p, int timeout_ms)
{
	struct pollfd pfd = { .fd = p->pidfd, .events = POLLIN };
	struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000 };

	if (timeout_ms <= 0)
		return;
	if (p->pidfd >= 0)
		poll(&pfd, 1, timeout_ms);
	else
		nanosleep(&ts, NULL);
}

bool tracedproc_gone(struct tracedproc *p)
{
	struct pollfd pfd = { .fd = p->pidfd, .events = POLLIN };

	if (p->pidfd >= 0)
		return poll(&pfd, 1, 0) > 0;
	return !proc_alive(p->t->pid);
}

bool tracedproc_execed(struct tracedproc *p)
{
	dev_t dev;
	ino_t ino;

	/* An execve keeps the PID and the pidfd: only the executable tells
	 * that the memory we would read is another program's now. */
	if (!p->execed && p->exe_ino && !exe_identity(p->t->pid, &dev, &ino) &&
	    (dev != p->exe_dev || ino != p->exe_ino))
		p->execed = true;
	return p->execed;
}

void tracedproc_close(struct tracedproc *p)
{
	if (p->pidfd >= 0)
		close(p->pidfd);
	p->pidfd = -1;
	procmem_close(&p->mem);
	collector_free(p->coll);
	p->coll = NULL;
	snapdiff_free(p->diff);
	p->diff = NULL;
}

void tracedproc_park_count(struct tracedproc *p, const struct gs_park_key *key, uint64_t count)
{
	collector_set_parks(p->coll, key->gopc, key->reason, count);
}
