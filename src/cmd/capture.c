// SPDX-License-Identifier: BSD-2-Clause
/*
 * gostray capture: trace for a while, then one report (text or JSON), the
 * incident folder (-o) and profiles (--pprof).
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/session.h"
#include "cmd/commands.h"
#include "output/capturedir.h"
#include "output/profile.h"
#include "process/dump.h"

static const char capture_help[] =
"Usage: gostray capture PID [OPTIONS]\n"
"\n"
"Trace a live Go process for a while, then print one report: per go\n"
"statement, goroutines created, exited and alive at the end (those born\n"
"before the attach included), what they wait on, and a verdict (leak,\n"
"suspect, ok) with its reason.  The end is one instant: every count is the\n"
"one at the cut, checked against a snapshot taken right after (end_check).\n"
"\n"
"Options:\n"
"  -d, --duration TIME  how long to trace (30, 30s, 2m, 1h); default: until\n"
"                       Ctrl-C, SIGTERM or the target exits\n"
"  -n, --rows N         table rows (default: all)\n"
TRACE_OPTIONS_HELP
"  -o, --output DIR     write DIR/report.json, DIR/goroutines.pb.gz and\n"
"                       DIR/report.html (one self-contained page)\n"
"      --pprof FILE     also write a goroutine profile (gzipped profile.proto)\n"
"                       for go tool pprof\n"
"      --pprof-by blocked|creation\n"
"                       the profile's stacks: where the goroutines alive at the\n"
"                       end are blocked (default), or the call paths that\n"
"                       created them\n"
"      --fail-on-leak   exit with status 3 when a site's verdict is leak (CI\n"
"                       pipelines, canaries)\n"
"  -h, --help           this text\n"
"\n"
"Exit status: 0 done, 1 an error, 2 a wrong command line, 3 --fail-on-leak found a leak.\n"
"\n"
"Examples:\n"
"  sudo gostray capture 4242 -d 30s -o incident/   # report.html, .json, .pb.gz\n"
"  sudo gostray capture 4242 -d 30s --json > incident.json\n"
"  sudo gostray capture 4242 -d 15s --fail-on-leak   # canary: status 3 on a leak\n"
"  sudo gostray capture 4242 -d 1m --park-sample 10   # who parks most, on what\n"
"  sudo gostray capture 4242 -d 1m --pprof-by creation --pprof leak.pb.gz\n"
"\n"
"Needs root (or CAP_BPF, CAP_PERFMON, CAP_SYS_PTRACE and, on kernels since\n"
"2025, CAP_SYS_ADMIN for the uprobes).\n";

/* capture --pprof: where the goroutines alive at the end are blocked (the
 * end dump when -o took one, else a dump now: the target must still run),
 * or the call paths that created them (the collector's creation stacks). */
static int write_capture_profile(const struct cli_opts *o, struct target *t,
				 const struct model *m, const struct dump *end)
{
	struct dump_opts dopts = { .runtime_frames = o->runtime_frames };
	struct dump d;
	char err[512];
	int ret;

	if (o->pprof_view == PROFILE_BY_CREATION)
		ret = profile_write_capture_creation(m, o->pprof_path, err, sizeof(err));
	else if (end)
		ret = profile_write_dump(end, PROFILE_BY_BLOCKED, o->pprof_path, err, sizeof(err));
	else if (m->target_exited)
		return fail(NULL, "no --pprof profile: the target exited or exec'd, no "
			    "goroutine is left to read a stack from (--pprof-by creation "
			    "still works)");
	else if (!(ret = dump_take(t, &dopts, &d, err, sizeof(err)))) {
		ret = profile_write_dump(&d, PROFILE_BY_BLOCKED, o->pprof_path, err, sizeof(err));
		dump_free(&d);
	}
	return ret ? fail(NULL, err) : 0;
}

/* One line on stderr: how far the capture is and what it sees so far.
 * On a terminal the line is rewritten in place ('\r'). */
static void show_progress(const struct tracer *tr, const struct cli_opts *o, bool tty)
{
	struct model m;
	char total[24] = "";

	if (build_model(tr, o, false, &m))
		return;
	if (o->duration_s > 0)
		snprintf(total, sizeof(total), "/%.0fs", o->duration_s);
	fprintf(stderr, "%sgostray: %3.0fs%s live %" PRIu64 " +%" PRIu64 " -%" PRIu64
		" lost %" PRIu64 ", sites: %" PRIu64 " leak, %" PRIu64 " suspect %s",
		tty ? "\r" : "", m.duration_s, total, m.totals.live, m.totals.created,
		m.totals.exited, m.stats[GS_STAT_LOST], m.verdicts[VERDICT_LEAK],
		m.verdicts[VERDICT_SUSPECT], tty ? "" : "\n");
	fflush(stderr);
	model_free(&m);
}

/* Trace until the deadline (0: none) or a stop, with progress on stderr
 * every second on a terminal, every 5 s otherwise. */
static void capture_with_progress(struct tracer *tr, const struct cli_opts *o,
				  uint64_t deadline)
{
	bool tty = isatty(STDERR_FILENO);
	uint64_t every = (tty ? 1 : 5) * 1000000000ull, next = tr->proc.attach_ns + every;

	for (;;) {
		uint64_t until = deadline && deadline < next ? deadline : next;

		if (trace_until(tr, until) || (deadline && monotonic_ns() >= deadline))
			break;
		show_progress(tr, o, tty);
		next += every;
	}
	if (tty)
		fputc('\n', stderr);
}

/* capture -o DIR: the end dump (blocked stacks, while the target still
 * runs), read before the report so that the printed document and
 * report.json are one. */
static bool take_end_dump(const struct cli_opts *o, struct target *t,
			  const struct tracer *tr, struct dump *d)
{
	struct dump_opts dopts = { .runtime_frames = o->runtime_frames };
	char err[512];

	if (!o->out_dir || tr->proc.exited)
		return false;
	if (dump_take(t, &dopts, d, err, sizeof(err))) {
		fprintf(stderr, "gostray: no blocked stacks in the report: %s\n", err);
		return false;
	}
	return true;
}

/* The report, the folder, the profile and --fail-on-leak: the exit status. */
static int report_capture(const struct cli_opts *o, struct target *t,
			  const struct tracer *tr)
{
	struct report_text_opts to;
	struct json_object *doc;
	struct model m;
	struct dump d;
	bool have_dump = take_end_dump(o, t, tr, &d);
	char err[512];
	int ret = 0;

	if (build_model(tr, o, true, &m)) {
		if (have_dump)
			dump_free(&d);
		return fail(o, "out of memory for the report");
	}
	if (have_dump && model_add_blocked(&m, &d, CAPTUREDIR_BLOCKED_STACKS))
		fprintf(stderr, "gostray: no blocked stacks in the report: out of memory\n");
	if (m.stats[GS_STAT_LOST])
		fprintf(stderr, "gostray: warning: %" PRIu64 " records lost (the ring buffer "
			"was full): created, exited and live counts are short by up to that "
			"many; a larger --ring-buffer keeps them\n", m.stats[GS_STAT_LOST]);
	doc = report_capture_json(&m);
	if (o->json) {
		printf("%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY));
	} else {
		text_opts_of(o, &to);
		report_capture_text(stdout, &m, &to);
	}
	fflush(stdout);
	if (o->out_dir) {
		ret = capturedir_write(o->out_dir, doc, &m, have_dump ? &d : NULL, err,
				       sizeof(err));
		if (ret)
			ret = fail(NULL, err);
		else
			fprintf(stderr, "gostray: wrote %s/report.html, report.json and "
				"goroutines.pb.gz\n", o->out_dir);
	}
	if (!ret && o->pprof_path)
		ret = write_capture_profile(o, t, &m, have_dump ? &d : NULL);
	if (!ret && o->fail_on_leak && m.verdicts[VERDICT_LEAK]) {
		fprintf(stderr, "gostray: %" PRIu64 " leaking site(s): exit status %d "
			"(--fail-on-leak)\n", m.verdicts[VERDICT_LEAK], EXIT_LEAK);
		ret = EXIT_LEAK;
	}
	json_object_put(doc);
	model_free(&m);
	if (have_dump)
		dump_free(&d);
	return ret;
}

int cmd_capture(int argc, char **argv)
{
	struct cli_opts o = { 0 };
	struct target t;
	struct tracer tr;
	uint64_t deadline = 0;
	char err[512];
	int ret;

	ret = parse_opts(argc, argv, &o, "capture", CAPTURE_OPTIONS, capture_help);
	if (ret)
		return ret;
	if (o.out_dir && capturedir_prepare(o.out_dir, err, sizeof(err)))
		return fail(&o, err);
	if (open_traced_target(&o, &t))
		return EXIT_ERROR;
	install_stop_handlers();
	if (start_trace(&o, &t, &tr))
		goto err_close_target;
	if (o.duration_s > 0)
		deadline = tr.proc.attach_ns + (uint64_t)(o.duration_s * 1e9);
	capture_with_progress(&tr, &o, deadline);
	say_why_stopped(&tr);
	tracer_detach(&tr);	/* the cut, the end snapshot, then the probes go */
	ret = report_capture(&o, &t, &tr);
	if (!ret || ret == EXIT_LEAK) {
		int perr = poll_failed();

		ret = perr ? perr : ret;
	}
	tracer_stop(&tr);
	target_close(&t);
	return ret;

err_close_target:
	target_close(&t);
	return EXIT_ERROR;
}
