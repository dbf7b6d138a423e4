// SPDX-License-Identifier: BSD-2-Clause
/*
 * A trace of one process from the command line (include/cli/session.h):
 * capture and top.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/session.h"
#include "process/privileges.h"

int open_traced_target(struct cli_opts *o, struct target *t)
{
	char err[512];
	int ret;

	if (!strspn(o->target, "0123456789") || o->target[strspn(o->target, "0123456789")]) {
		snprintf(err, sizeof(err), "'%s' is not a PID (tracing needs a "
			 "running process)", o->target);
		return fail(o, err);
	}
	if (privileges_missing(err, sizeof(err)))
		return fail(o, err);
	ret = target_open(t, o->target, err, sizeof(err));
	if (ret) {
		target_close(t);
		return fail(o, err);
	}
	return 0;
}

int start_trace(struct cli_opts *o, struct target *t, struct tracer *tr)
{
	struct tracer_opts topts = { .park = o->park, .park_sample_pct = o->park_sample_pct,
				     .ringbuf_bytes = o->ringbuf_bytes,
				     .stack_depth = o->stack_depth,
				     .probe_free = o->probe_free,
				     .snapshot_interval_ns = (uint64_t)(o->interval_s * 1e9) };
	char err[512];

	if (tracer_start(tr, t, &topts, err, sizeof(err)))
		return fail(o, err);
	if (tr->probe_free) {
		fprintf(stderr, "gostray: attached to PID %d (%s, %s) without probes: a snapshot "
			"every %.1f s, %zu goroutines alive at the first, read in %.1f ms\n",
			t->pid, t->exe_name, gobin_go_version(t->gb),
			tr->snapshot_interval_ns / 1e9, tr->proc.baseline_live,
			(tr->proc.baseline_ns - tr->proc.attach_ns) / 1e6);
		return 0;
	}
	fprintf(stderr, "gostray: attached to PID %d (%s, %s): %d probes in %.0f ms, "
		"%zu goroutines alive at attach, baseline read in %.1f ms\n",
		t->pid, t->exe_name, gobin_go_version(t->gb), tr->ps.nlinks,
		(tr->proc.attach_ns - tr->ps.attach_begin_ns) / 1e6,
		tr->proc.baseline_live, (tr->proc.baseline_ns - tr->proc.attach_ns) / 1e6);
	return 0;
}

/* The ring buffer could not be read (<0): the trace ended early. */
static int poll_error;

/* Poll until deadline_ns (0: none) or a stop condition; true if stopped
 * by the user or the target (or a poll error, poll_error), false when the
 * deadline passed. */
bool trace_until(struct tracer *tr, uint64_t deadline_ns)
{
	while (!stop_requested && !tr->proc.exited) {
		uint64_t now = monotonic_ns();
		int ms = 100;

		if (deadline_ns && now >= deadline_ns)
			return false;
		if (deadline_ns && (deadline_ns - now) / 1000000 < (uint64_t)ms)
			ms = (int)((deadline_ns - now) / 1000000) + 1;
		poll_error = tracer_poll(tr, ms);
		if (poll_error < 0)
			break;
		poll_error = 0;
	}
	return true;
}

/* After the report: a trace that ended on an error is no success. */
int poll_failed(void)
{
	char msg[160];

	if (poll_error >= 0)
		return EXIT_OK;
	snprintf(msg, sizeof(msg), "waiting for records failed: %s; the report above covers "
		 "the trace until then", strerror(-poll_error));
	return fail(NULL, msg);
}

void say_why_stopped(const struct tracer *tr)
{
	if (tr->proc.exited)
		fprintf(stderr, "gostray: target PID %d %s after %.1fs; "
			"reporting what was seen until then\n", tr->t->pid,
			tr->proc.execed ? "replaced its program (exec)" : "exited",
			(tr->proc.exited_ns - tr->proc.attach_ns) / 1e9);
	else if (stop_requested)
		fprintf(stderr, "gostray: stopped by %s, detaching\n",
			stop_requested == SIGINT ? "SIGINT" : "SIGTERM");
}

int build_model(const struct tracer *tr, const struct cli_opts *o, bool frames,
		struct model *m)
{
	struct model_source src = {
		.coll = tr->proc.coll,
		.t = tr->t,
		.pid = tr->t->pid,
		.exe = tr->t->exe_name,
		.go_version = gobin_go_version(tr->t->gb),
		.go_minor = tr->t->minor,
		.bias = tr->t->bias,
		.attach_ns = tr->proc.attach_ns,
		/* After the end the counts are those of the cut: so is the clock. */
		.now_ns = collector_cut_ns(tr->proc.coll) ? collector_cut_ns(tr->proc.coll) :
			  tr->proc.exited ? tr->proc.exited_ns : monotonic_ns(),
		.target_exited = tr->proc.exited,
		.target_exec = tr->proc.execed,
		.exited_ns = tr->proc.exited_ns,
		.stack_depth = tr->ps.stack_depth,
		.park = tr->park,
		.park_sample_pct = tr->park_sample_pct,
		.probe_free = tr->probe_free,
		.snapshot_interval_ns = tr->snapshot_interval_ns,
		.snapshots = tr->proc.snapshots,
		.have_goids = tr->proc.have_goids,
		.goids = tr->proc.goidgen_last - tr->proc.goidgen_first,
	};
	struct model_options mo = { .by_stack = o->by_stack, .frames = frames };

	src.park_live_ns = tracer_park_live_ns(tr, src.now_ns);
	tracer_stats(tr, src.stats);
	return model_build(&src, &mo, m);
}

void text_opts_of(const struct cli_opts *o, struct report_text_opts *t)
{
	*t = (struct report_text_opts){
		.show_system = o->show_system,
		.max_rows = o->rows,
		.width = o->width,
	};
}

int print_report(const struct tracer *tr, const struct cli_opts *o)
{
	struct report_text_opts to;
	struct model m;

	if (build_model(tr, o, true, &m))
		return fail(o, "out of memory for the report");
	if (o->json) {
		struct json_object *doc = report_capture_json(&m);

		printf("%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY));
		json_object_put(doc);
	} else {
		text_opts_of(o, &to);
		report_capture_text(stdout, &m, &to);
	}
	fflush(stdout);
	model_free(&m);
	return 0;
}
