// SPDX-License-Identifier: BSD-2-Clause
/*
 * The live trace of one process.  Probes go live first, then the baseline
 * snapshot is read, then the records produced meanwhile are drained, and
 * only then is the baseline merged (collector.h explains why this order
 * counts every goroutine exactly once).
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "trace/tracer.h"

static int on_ring_record(void *ctx, void *data, size_t size)
{
	struct tracer *tr = ctx;

	if (size < sizeof(struct gs_record))
		return 0;	/* cannot happen with fixed-size records */
	collector_on_record(tr->proc.coll, data);
	return 0;
}

static void drain(void *ctx)
{
	struct tracer *tr = ctx;

	ring_buffer__consume(tr->rb);
}

/* The park counters are read, not streamed: at most once a second. */
#define PARKS_READ_EVERY_NS 1000000000ull

/* The probeset serves this process only; a key of another PID is a
 * leftover of a reused map and not ours. */
static void park_count_of_target(void *ctx, const struct gs_park_key *key, uint64_t count)
{
	struct tracer *tr = ctx;

	if (key->tgid == (uint32_t)tr->t->pid)
		tracedproc_park_count(&tr->proc, key, count);
}

static void read_parks(struct tracer *tr, uint64_t now_ns)
{
	if (!tr->park)
		return;
	probeset_read_parks(&tr->ps, park_count_of_target, tr);
	tr->parks_read_ns = now_ns;
}

uint64_t tracer_park_live_ns(const struct tracer *tr, uint64_t now_ns)
{
	return tr->park_on_ns + (tr->park_since && now_ns > tr->park_since ?
				 now_ns - tr->park_since : 0);
}

static void park_probe_off(struct tracer *tr, uint64_t now_ns)
{
	if (!tr->park_since)
		return;
	probeset_detach_kind(&tr->ps, PROBE_PARK);
	tr->park_on_ns += now_ns - tr->park_since;
	tr->park_since = 0;
}

/* Sampling: live during the first park_sample_pct % of each window since
 * the attach.  A failed re-attach (the target is going away) ends it. */
static void park_duty_cycle(struct tracer *tr, uint64_t now_ns)
{
	uint64_t into = (now_ns - tr->proc.attach_ns) % TRACER_PARK_WINDOW_NS;
	bool want = into < TRACER_PARK_WINDOW_NS / 100 * (uint64_t)tr->park_sample_pct;
	char err[256];

	if (!want) {
		park_probe_off(tr, now_ns);
		return;
	}
	if (tr->park_since)
		return;
	if (probeset_attach_kind(&tr->ps, tr->t, PROBE_PARK, err, sizeof(err))) {
		tr->park_sample_pct = 0;	/* no more windows */
		return;
	}
	tr->park_since = monotonic_ns();
}

/* No probe: the baseline is the first snapshot, the next ones come from
 * tracer_poll. */
static int start_probe_free(struct tracer *tr, struct target *t, const struct tracer_opts *o,
			    char *err, size_t errlen)
{
	int ret;

	tr->probe_free = true;
	tr->snapshot_interval_ns = o->snapshot_interval_ns ? o->snapshot_interval_ns :
				   TRACER_DEFAULT_SNAPSHOT_INTERVAL_NS;
	ret = tracedproc_open_probe_free(&tr->proc, t, err, errlen);
	if (ret)
		return ret;
	tr->ps.attach_begin_ns = tr->ps.attach_ns = tr->proc.attach_ns;
	tr->next_snapshot_ns = tr->proc.last_snapshot_ns + tr->snapshot_interval_ns;
	return 0;
}

int tracer_start(struct tracer *tr, struct target *t, const struct tracer_opts *o,
		 char *err, size_t errlen)
{
	struct probeset_opts po = {
		.park = o->park,
		.ringbuf_bytes = o->ringbuf_bytes,
		.stack_depth = o->stack_depth,
		.pid = t->pid,
	};
	int ret;

	memset(tr, 0, sizeof(*tr));
	tr->t = t;
	if (o->probe_free)
		return start_probe_free(tr, t, o, err, errlen);
	tr->park = o->park;
	tr->park_sample_pct = o->park_sample_pct > 0 && o->park_sample_pct < 100 ?
			      o->park_sample_pct : 100;
	/* The offsets are checked on the process before anything is loaded. */
	ret = tracedproc_open(&tr->proc, t, probeset_read_stack, &tr->ps,
			     probeset_stack_depth(o->stack_depth), err, errlen);
	if (ret)
		return ret;
	ret = probeset_load(&tr->ps, t, &po, err, errlen);
	if (ret)
		goto err_close_proc;
	tr->rb = ring_buffer__new(probeset_events_fd(&tr->ps), on_ring_record, tr, NULL);
	if (!tr->rb) {
		ret = -errno;
		snprintf(err, errlen, "cannot set up the ring buffer: %s", strerror(-ret));
		goto err_close_probes;
	}
	ret = probeset_attach(&tr->ps, t, &po, err, errlen);
	if (ret)
		goto err_free_rb;
	if (tr->park)
		tr->park_since = tr->ps.attach_ns;
	ret = tracedproc_baseline(&tr->proc, tr->ps.attach_ns, drain, tr, err, errlen);
	if (ret)
		goto err_detach;
	probeset_exits_by_g(&tr->ps, (uint32_t)t->pid);
	return 0;

err_detach:
	probeset_detach(&tr->ps);
err_free_rb:
	ring_buffer__free(tr->rb);
	tr->rb = NULL;
err_close_probes:
	probeset_close(&tr->ps);
err_close_proc:
	tracedproc_close(&tr->proc);
	return ret;
}

/* Exited, or replaced its program: its memory is no Go program's now. */
static bool target_ended(struct tracer *tr)
{
	return tracedproc_gone(&tr->proc) || tracedproc_execed(&tr->proc);
}

/* The target's end, seen now. */
static void target_gone(struct tracer *tr)
{
	tr->proc.exited = true;
	tr->proc.exited_ns = monotonic_ns();
	collector_sample(tr->proc.coll, tr->proc.exited_ns, true);
}

/* Probe-free: wait (for the target's exit too) until the next snapshot is
 * due or timeout_ms passed, and take it when due. */
static int poll_snapshots(struct tracer *tr, int timeout_ms)
{
	uint64_t now = monotonic_ns(), wait_ns = (uint64_t)timeout_ms * 1000000;
	struct snapdiff_counts k;
	char err[320];
	int ret;

	if (tr->next_snapshot_ns > now && tr->next_snapshot_ns - now < wait_ns)
		wait_ns = tr->next_snapshot_ns - now;
	if (tr->next_snapshot_ns > now)
		tracedproc_wait_gone(&tr->proc, (int)((wait_ns + 999999) / 1000000));
	if (target_ended(tr)) {
		target_gone(tr);
		return 0;
	}
	now = monotonic_ns();
	if (now < tr->next_snapshot_ns) {
		collector_sample(tr->proc.coll, now, false);
		return 0;
	}
	ret = tracedproc_snapshot_step(&tr->proc, &k, err, sizeof(err));
	if (ret == -ESRCH) {
		target_gone(tr);
		return 0;
	}
	/* A missed interval is skipped, not caught up in a burst. */
	tr->next_snapshot_ns += tr->snapshot_interval_ns;
	if (tr->next_snapshot_ns <= now)
		tr->next_snapshot_ns = now + tr->snapshot_interval_ns;
	if (ret) {
		/* The process may be going away right now. */
		if (target_ended(tr)) {
			target_gone(tr);
			return 0;
		}
		fprintf(stderr, "gostray: %s\n", err);
		return ret;
	}
	return (int)(k.appeared + k.gone);
}

int tracer_poll(struct tracer *tr, int timeout_ms)
{
	int n;

	if (tr->proc.exited)
		return 0;
	if (tr->probe_free)
		return poll_snapshots(tr, timeout_ms);
	/* Records do not wake us (see wakeup_bytes in the BPF code) until
	 * the buffer fills up: drain whatever arrived when the wait ends. */
	n = ring_buffer__poll(tr->rb, timeout_ms);
	if (n == -EINTR)
		n = 0;
	if (n >= 0)
		n += ring_buffer__consume(tr->rb);
	if (target_ended(tr)) {
		/* Records the target made before dying are still queued. */
		ring_buffer__consume(tr->rb);
		target_gone(tr);
	} else {
		uint64_t now = monotonic_ns();

		if (tr->park && tr->park_sample_pct < 100)
			park_duty_cycle(tr, now);
		if (now - tr->parks_read_ns >= PARKS_READ_EVERY_NS)
			read_parks(tr, now);
		collector_sample(tr->proc.coll, now, false);
	}
	return n;
}

int tracer_refresh_waits(struct tracer *tr)
{
	if (tr->probe_free)	/* every snapshot already set them */
		return tr->proc.exited ? -ESRCH : 0;
	if (tr->proc.exited || !tr->rb)
		return -ESRCH;
	return tracedproc_refresh_waits(&tr->proc, drain, tr);
}

void tracer_stats(const struct tracer *tr, uint64_t stats[GS_STAT_MAX])
{
	probeset_stats(&tr->ps, stats);
}

/*
 * The end of a trace is one instant: the cut.  No record stamped after it
 * counts (collector_cut), so the probes may go on firing while they are
 * removed; the end snapshot, read right after the cut, gives the final
 * wait reasons and the end check.  A target that exited is cut when it
 * was seen gone.
 */
/* Probe-free: the last snapshot, taken now, is the end; the cut right
 * after it (its records are stamped at its start). */
static void detach_probe_free(struct tracer *tr)
{
	struct snapdiff_counts k;
	char err[320];
	uint64_t cut;

	if (!tr->proc.coll || collector_cut_ns(tr->proc.coll))
		return;
	if (!tr->proc.exited && tracedproc_snapshot_step(&tr->proc, &k, err, sizeof(err)) &&
	    target_ended(tr))
		target_gone(tr);
	cut = tr->proc.exited ? tr->proc.exited_ns : tr->proc.last_snapshot_ns + 1;
	collector_cut(tr->proc.coll, cut);
	if (!tr->proc.exited)
		collector_sample(tr->proc.coll, cut, true);
}

void tracer_detach(struct tracer *tr)
{
	bool tracing = tr->proc.coll && tr->ps.nlinks;

	if (tr->probe_free) {
		detach_probe_free(tr);
		return;
	}
	uint64_t cut = tr->proc.exited ? tr->proc.exited_ns : monotonic_ns();

	if (tracing) {
		collector_cut(tr->proc.coll, cut);
		if (!tr->proc.exited)
			tracedproc_end_snapshot(&tr->proc);
	}
	park_probe_off(tr, cut);
	probeset_detach(&tr->ps);
	/* Unregistering a uprobe waits for an RCU grace period, tens of ms
	 * during which the remaining probes keep firing: drain after, so
	 * every record stamped before the cut is in. */
	if (tr->rb)
		ring_buffer__consume(tr->rb);
	if (tr->proc.coll && tr->ps.skel)
		read_parks(tr, cut);	/* counters stay after the detach */
	if (tracing && !tr->proc.exited)
		collector_sample(tr->proc.coll, cut, true);
}

void tracer_stop(struct tracer *tr)
{
	tracer_detach(tr);
	ring_buffer__free(tr->rb);
	tr->rb = NULL;
	probeset_close(&tr->ps);
	tracedproc_close(&tr->proc);
	tr->proc.coll = NULL;
}
