// SPDX-License-Identifier: BSD-2-Clause
/*
 * gostray command line: a table of subcommands, each with its own options,
 * every report in text or JSON (--json), every error one line on stderr
 * (and a JSON {"error": ...} on stdout in JSON mode) with a non-zero exit.
 */
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <math.h>
#include <regex.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "output/capturedir.h"
#include "analysis/diagnose.h"
#include "process/dump.h"
#include "serve/httpserver.h"
#include "serve/metrics.h"
#include "trace/node.h"
#include "serve/nodemetrics.h"
#include "process/privileges.h"
#include "output/profile.h"
#include "output/report.h"
#include "process/target.h"
#include "output/topview.h"
#include "trace/tracer.h"

#define GOSTRAY_VERSION "0.1.0"
#define DEFAULT_RINGBUF_BYTES (16u << 20)
/* Exit statuses, the same for every command (README "Exit statuses"). */
enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,		/* the work could not be done */
	EXIT_USAGE = 2,		/* the command line is wrong */
	EXIT_LEAK = 3,		/* capture --fail-on-leak found a leaking site */
};

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	stop_requested = sig;
}

static void install_stop_handlers(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };

	/* No SA_RESTART: a blocking poll must return so we can report. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

struct cli_opts {
	double duration_s;	/* 0: until Ctrl-C / target exit */
	bool json;
	bool park;
	int park_sample_pct;	/* 1-99: park probe that share of the time */
	bool show_system;
	bool group;		/* dump: identical goroutines counted together */
	bool runtime_frames;	/* dump: runtime-internal frames too */
	const char *pprof_path;	/* dump: also write a pprof profile there */
	int pprof_view;		/* enum profile_view */
	int rows;
	int width;		/* of the terminal, 0 when not one */
	bool by_stack;		/* rows per (site, creation stack) */
	int stack_depth;	/* creation stack frames, 0: none */
	size_t ringbuf_bytes;	/* the BPF ring buffer, a power of two */
	const char *out_dir;	/* capture -o: the incident folder */
	bool fail_on_leak;	/* capture: exit EXIT_LEAK when a site is a leak */
	const char *target;
};

/* Whether --json is on the command line, looked for before the options
 * are parsed: an error in them is then JSON too. */
static bool json_asked;

static void note_json(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j"))
			json_asked = true;
}

/* One line on stderr and, under --json, the same message as one JSON
 * object on stdout; returns the exit status. */
static int fail_with(int status, const char *msg)
{
	fprintf(stderr, "gostray: %s\n", msg);
	if (json_asked) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "error", json_object_new_string(msg));
		json_object_object_add(e, "exit_status", json_object_new_int(status));
		printf("%s\n", json_object_to_json_string_ext(e, JSON_C_TO_STRING_PRETTY));
		json_object_put(e);
		fflush(stdout);
	}
	return status;
}

static int fail(const struct cli_opts *o, const char *msg)
{
	return fail_with(EXIT_ERROR, msg);
}

/* A wrong command line: status 2, and where to read how it goes. */
static int usage_fail(const char *cmd, const char *msg)
{
	char line[512];

	snprintf(line, sizeof(line), "%s (gostray %s%s--help)", msg, cmd ? cmd : "",
		 cmd ? " " : "");
	return fail_with(EXIT_USAGE, line);
}

/* "30", "30s", "1.5m", "2h", "500ms" -> seconds; -1 when malformed. */
static double parse_duration(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v < 0 || !isfinite(v))
		return -1;
	if (!*end || !strcmp(end, "s"))
		return v;
	if (!strcmp(end, "ms"))
		return v / 1000;
	if (!strcmp(end, "m"))
		return v * 60;
	if (!strcmp(end, "h"))
		return v * 3600;
	return -1;
}

/* "64k", "16M", "1G" or bytes: a power of two from 4 KiB to 1 GiB, else 0. */
static size_t parse_ringbuf_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	int shift = 0;

	if (end == s || *s == '-')
		return 0;
	if (*end == 'k' || *end == 'K')
		shift = 10;
	else if (*end == 'm' || *end == 'M')
		shift = 20;
	else if (*end == 'g' || *end == 'G')
		shift = 30;
	if (shift)
		end++;
	if (*end || v == 0 || v > (1ull << 30) >> shift)
		return 0;
	v <<= shift;
	if (v < 4096 || (v & (v - 1)))
		return 0;
	return (size_t)v;
}

static const char usage_text[] =
"Usage: gostray COMMAND [OPTIONS] TARGET\n"
"\n"
"Count a live Go process's goroutines per creation site (go statement):\n"
"how many each site created, how many exited, how many are alive now -\n"
"including those born before gostray attached.  No restart, no pprof.\n"
"\n"
"Commands:\n"
"  top PID              live view, refreshed every second, leaking sites first\n"
"                       (keys: arrows/j/k pick, Enter stacks, s sort, q quit)\n"
"  capture PID          trace for a while, then print one report with a verdict\n"
"                       per site (leak, suspect, ok); -o DIR for the incident\n"
"                       folder (report.html, report.json, goroutines.pb.gz)\n"
"  dump PID             every goroutine now with its blocked stack and creator,\n"
"                       like pprof's goroutine dump, without pprof or probes\n"
"  info PID|BINARY      what gostray finds in a Go binary, and if it is supported\n"
"  node                 every Go process on this host, as Prometheus metrics\n"
"                       (gostray node --help)\n"
"  help                 this text\n"
"\n"
"Options:\n"
"  -d, --duration TIME  how long to trace (30, 30s, 2m, 1h); default: until\n"
"                       Ctrl-C, SIGTERM or the target exits\n"
"  -j, --json           machine-readable output (one JSON document)\n"
"  -n, --rows N         table rows (top and text capture); default 20 / all\n"
"  -a, --all            also list the runtime's own goroutines\n"
"  -g, --group          dump: identical goroutines (state, stack, creator) once,\n"
"                       with a count, largest group first\n"
"      --runtime-frames dump: keep the runtime's internal frames (gopark...)\n"
"      --pprof FILE     dump, capture: also write a goroutine profile (gzipped\n"
"                       profile.proto) for go tool pprof\n"
"      --pprof-by blocked|creation\n"
"                       the profile's stacks: where goroutines are blocked\n"
"                       (default), or what created them (dump: the go\n"
"                       statement; capture: the whole creation stack)\n"
"      --park           also probe runtime.gopark: parks per site and wait\n"
"                       reason, counted in the kernel (costs the target ~6 us\n"
"                       per park; wait reasons of the live goroutines come\n"
"                       from snapshots either way)\n"
"      --park-sample PCT  --park for PCT % of every 10 s only (1-100): the\n"
"                       cost per second drops to PCT %, rates stay per second\n"
"      --no-park        the default: no park probe\n"
"      --by site|stack  top and capture: one row per go statement (default), or\n"
"                       per go statement and call path that reached it\n"
"      --stack-depth N  frames of each creation's call path to record (default\n"
"                       32, at most 64; 0: none, every stack unknown)\n"
"      --ring-buffer SIZE  the kernel-to-gostray buffer (default 16M; a power\n"
"                       of two from 4k to 1G); records that find it full are\n"
"                       lost and counted, and the report says so\n"
"  -o, --output DIR     capture: write DIR/report.json, DIR/goroutines.pb.gz\n"
"                       and DIR/report.html (one self-contained page)\n"
"      --fail-on-leak   capture: exit with status 3 when a site's verdict is\n"
"                       leak (CI pipelines, canaries)\n"
"  -h, --help           this text\n"
"  -V, --version        print the version\n"
"\n"
"Examples:\n"
"  sudo gostray top 4242                   # watch which go statements leak\n"
"  sudo gostray capture 4242 -d 30s -o incident/   # report.html, .json, .pb.gz\n"
"  sudo gostray capture 4242 -d 30s --json > incident.json\n"
"  sudo gostray capture 4242 -d 15s --fail-on-leak   # canary: status 3 on a leak\n"
"  sudo gostray top 4242 --by stack        # which callers reach the leaking line\n"
"  sudo gostray capture 4242 -d 1m --park-sample 10   # who parks most, on what\n"
"  sudo gostray dump 4242 --group          # where are they all blocked?\n"
"  sudo gostray dump 4242 --json > goroutines.json\n"
"  sudo gostray dump 4242 --pprof now.pb.gz && go tool pprof -top now.pb.gz\n"
"  sudo gostray capture 4242 -d 1m --pprof-by creation --pprof leak.pb.gz\n"
"  sudo gostray info 4242                  # Go version, probes, support\n"
"  gostray info ./myservice --json         # analyse a binary, no root needed\n"
"\n"
"Exit status: 0 done, 1 an error (one line on stderr; with --json also one\n"
"JSON object {\"error\", \"exit_status\"} on stdout), 2 a wrong command line,\n"
"3 capture --fail-on-leak found a leaking site.\n"
"\n"
"Needs root to trace (or CAP_BPF, CAP_PERFMON, CAP_SYS_PTRACE and, on kernels\n"
"since 2025, CAP_SYS_ADMIN for the uprobes).\n";

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

/* The options each command takes (parse_opts' codes). */
#define CAPTURE_OPTIONS "djnaPKQBSrRpvoFh"
#define TOP_OPTIONS "djnaPKQBSrRh"
#define DUMP_OPTIONS "jagRpvh"
#define INFO_OPTIONS "jh"

/* The name of option code c in longopts, for messages. */
static const char *option_name(const struct option *longopts, int c, char *buf, size_t len)
{
	for (; longopts->name; longopts++)
		if (longopts->val == c) {
			snprintf(buf, len, "--%s", longopts->name);
			return buf;
		}
	snprintf(buf, len, "-%c", c);
	return buf;
}

/* cmd's options: `allowed` holds the option codes (longopts' val) it
 * takes; any other is refused in one line. */
static int parse_opts(int argc, char **argv, struct cli_opts *o, const char *cmd,
		      const char *allowed)
{
	static const struct option longopts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "rows", required_argument, NULL, 'n' },
		{ "all", no_argument, NULL, 'a' },
		{ "no-park", no_argument, NULL, 'P' },
		{ "park", no_argument, NULL, 'K' },
		{ "park-sample", required_argument, NULL, 'Q' },
		{ "by", required_argument, NULL, 'B' },
		{ "stack-depth", required_argument, NULL, 'S' },
		{ "ring-buffer", required_argument, NULL, 'r' },
		{ "group", no_argument, NULL, 'g' },
		{ "runtime-frames", no_argument, NULL, 'R' },
		{ "pprof", required_argument, NULL, 'p' },
		{ "pprof-by", required_argument, NULL, 'v' },
		{ "output", required_argument, NULL, 'o' },
		{ "fail-on-leak", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char msg[128];
	int c;

	/* Parks are the most frequent event and cost a trap each (~6 us here),
	 * while wait reasons, verdicts and stacks come from snapshots: off
	 * unless asked for (README "Performance"). */
	o->park = false;
	o->stack_depth = TRACER_DEFAULT_STACK_DEPTH;
	o->ringbuf_bytes = DEFAULT_RINGBUF_BYTES;
	optind = 1;
	opterr = 0;	/* our own one-line messages */
	while ((c = getopt_long(argc, argv, ":d:jn:agho:", longopts, NULL)) != -1) {
		char name[40];

		if (c == '?') {
			snprintf(msg, sizeof(msg), "%s: unknown option '%s'", cmd, argv[optind - 1]);
			return usage_fail(cmd, msg);
		}
		if (c == ':') {
			snprintf(msg, sizeof(msg), "%s: option '%s' needs a value", cmd,
				 argv[optind - 1]);
			return usage_fail(cmd, msg);
		}
		if (!strchr(allowed, c)) {
			snprintf(msg, sizeof(msg), "%s does not take %s", cmd,
				 option_name(longopts, c, name, sizeof(name)));
			return usage_fail(cmd, msg);
		}
		switch (c) {
		case 'd':
			o->duration_s = parse_duration(optarg);
			if (o->duration_s <= 0) {
				snprintf(msg, sizeof(msg), "invalid duration '%s' "
					 "(examples: 30, 30s, 2m)", optarg);
				return usage_fail(cmd, msg);
			}
			break;
		case 'j': o->json = true; break;
		case 'n': o->rows = atoi(optarg); break;
		case 'a': o->show_system = true; break;
		case 'P': o->park = false; break;
		case 'K': o->park = true; break;
		case 'Q': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (end == optarg || (*end && strcmp(end, "%")) || v < 1 || v > 100) {
				snprintf(msg, sizeof(msg), "invalid --park-sample '%s' "
					 "(a percentage, 1 to 100)", optarg);
				return usage_fail(cmd, msg);
			}
			o->park = true;
			o->park_sample_pct = (int)v;
			break;
		}
		case 'B':
			if (strcmp(optarg, "site") && strcmp(optarg, "stack"))
				return usage_fail(cmd, "--by takes 'site' or 'stack'");
			o->by_stack = !strcmp(optarg, "stack");
			break;
		case 'S': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (end == optarg || *end || v < 0 || v > GS_STACK_DEPTH_MAX) {
				snprintf(msg, sizeof(msg), "invalid --stack-depth '%s' "
					 "(0 to %d)", optarg, GS_STACK_DEPTH_MAX);
				return usage_fail(cmd, msg);
			}
			o->stack_depth = (int)v;
			break;
		}
		case 'r':
			o->ringbuf_bytes = parse_ringbuf_size(optarg);
			if (!o->ringbuf_bytes) {
				snprintf(msg, sizeof(msg), "invalid --ring-buffer '%s' (a power "
					 "of two from 4k to 1G: 64k, 16M...)", optarg);
				return usage_fail(cmd, msg);
			}
			break;
		case 'g': o->group = true; break;
		case 'R': o->runtime_frames = true; break;
		case 'p': o->pprof_path = optarg; break;
		case 'o': o->out_dir = optarg; break;
		case 'F': o->fail_on_leak = true; break;
		case 'v':
			o->pprof_view = profile_view_parse(optarg);
			if (o->pprof_view < 0)
				return usage_fail(cmd, "--pprof-by takes 'blocked' or 'creation'");
			break;
		case 'h': usage(stdout); exit(EXIT_OK);
		default:
			return usage_fail(cmd, "unknown option");
		}
	}
	if (optind != argc - 1) {
		snprintf(msg, sizeof(msg), "%s: %s", cmd, optind >= argc ?
			 "missing TARGET (a PID)" : "too many arguments");
		return usage_fail(cmd, msg);
	}
	o->target = argv[optind];
	return 0;
}

static int open_traced_target(struct cli_opts *o, struct target *t)
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

static int start_trace(struct cli_opts *o, struct target *t, struct tracer *tr)
{
	struct tracer_opts topts = { .park = o->park, .park_sample_pct = o->park_sample_pct,
				     .ringbuf_bytes = o->ringbuf_bytes,
				     .stack_depth = o->stack_depth };
	char err[512];

	if (tracer_start(tr, t, &topts, err, sizeof(err)))
		return fail(o, err);
	fprintf(stderr, "gostray: attached to PID %d (%s, %s): %d probes in %.0f ms, "
		"%zu goroutines alive at attach, baseline read in %.1f ms\n",
		t->pid, t->exe_name, gobin_go_version(t->gb), tr->ps.nlinks,
		(tr->attach_ns - tr->attach_begin_ns) / 1e6,
		tr->baseline_live, (tr->baseline_ns - tr->attach_ns) / 1e6);
	return 0;
}

/* The ring buffer could not be read (<0): the trace ended early. */
static int poll_error;

/* Poll until deadline_ns (0: none) or a stop condition; true if stopped
 * by the user or the target (or a poll error, poll_error), false when the
 * deadline passed. */
static bool trace_until(struct tracer *tr, uint64_t deadline_ns)
{
	while (!stop_requested && !tr->target_exited) {
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
static int poll_failed(void)
{
	char msg[160];

	if (poll_error >= 0)
		return EXIT_OK;
	snprintf(msg, sizeof(msg), "waiting for records failed: %s; the report above covers "
		 "the trace until then", strerror(-poll_error));
	return fail(NULL, msg);
}

static void say_why_stopped(const struct tracer *tr)
{
	if (tr->target_exited)
		fprintf(stderr, "gostray: target PID %d %s after %.1fs; "
			"reporting what was seen until then\n", tr->t->pid,
			tr->proc.execed ? "replaced its program (exec)" : "exited",
			(tr->exited_ns - tr->attach_ns) / 1e9);
	else if (stop_requested)
		fprintf(stderr, "gostray: stopped by %s, detaching\n",
			stop_requested == SIGINT ? "SIGINT" : "SIGTERM");
}

static void fill_report(struct report_ctx *r, const struct tracer *tr,
			const struct cli_opts *o)
{
	memset(r, 0, sizeof(*r));
	r->tr = tr;
	/* After the end the counts are those of the cut: so is the clock. */
	r->now_ns = collector_cut_ns(tr->coll) ? collector_cut_ns(tr->coll) :
		    tr->target_exited ? tr->exited_ns : monotonic_ns();
	r->show_system = o->show_system;
	r->max_rows = o->rows;
	r->width = o->width;
	r->by_stack = o->by_stack;
	tracer_stats(tr, r->stats);
}

static void print_report(const struct tracer *tr, const struct cli_opts *o)
{
	struct report_ctx r;

	fill_report(&r, tr, o);
	if (o->json) {
		struct json_object *doc = report_capture_json(&r);

		printf("%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY));
		json_object_put(doc);
	} else {
		report_capture_text(stdout, &r);
	}
	fflush(stdout);
}

/* capture --pprof: where the goroutines alive at the end are blocked (a
 * dump, the target must still run), or the call paths that created them
 * (the collector's creation stacks). */
static int write_capture_profile(const struct cli_opts *o, struct target *t,
				 const struct tracer *tr)
{
	struct dump_opts dopts = { .runtime_frames = o->runtime_frames };
	struct dump d;
	char err[512];
	int ret;

	if (o->pprof_view == PROFILE_BY_CREATION)
		ret = profile_write_capture_creation(tr, o->pprof_path, err, sizeof(err));
	else if (tr->target_exited)
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
	struct report_ctx r;
	struct collector_totals t;
	struct diagnosis *d;
	size_t i, n, leak = 0, suspect = 0;
	char total[24] = "";

	fill_report(&r, tr, o);
	collector_totals(tr->coll, &t);
	d = report_diagnose(&r, &n);
	for (i = 0; i < n; i++) {
		leak += d[i].verdict.kind == VERDICT_LEAK;
		suspect += d[i].verdict.kind == VERDICT_SUSPECT;
	}
	free(d);
	if (o->duration_s > 0)
		snprintf(total, sizeof(total), "/%.0fs", o->duration_s);
	fprintf(stderr, "%sgostray: %3.0fs%s live %" PRIu64 " +%" PRIu64 " -%" PRIu64
		" lost %" PRIu64 ", sites: %zu leak, %zu suspect %s", tty ? "\r" : "",
		(r.now_ns - tr->attach_ns) / 1e9, total, t.live, t.created, t.exited,
		r.stats[GS_STAT_LOST], leak, suspect, tty ? "" : "\n");
	fflush(stderr);
}

/* Trace until the deadline (0: none) or a stop, with progress on stderr
 * every second on a terminal, every 5 s otherwise. */
static void capture_with_progress(struct tracer *tr, const struct cli_opts *o,
				  uint64_t deadline)
{
	bool tty = isatty(STDERR_FILENO);
	uint64_t every = (tty ? 1 : 5) * 1000000000ull, next = tr->attach_ns + every;

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
 * runs), then report.json, goroutines.pb.gz and report.html. */
static int write_capture_dir(const struct cli_opts *o, struct target *t,
			     const struct tracer *tr, struct json_object *doc)
{
	struct dump_opts dopts = { .runtime_frames = o->runtime_frames };
	struct dump d;
	bool have_dump = false;
	char err[512];
	int ret;

	if (!tr->target_exited) {
		if (dump_take(t, &dopts, &d, err, sizeof(err)))
			fprintf(stderr, "gostray: no blocked stacks in the report: %s\n", err);
		else
			have_dump = true;
	}
	ret = capturedir_write(o->out_dir, doc, have_dump ? &d : NULL, tr, err, sizeof(err));
	if (have_dump)
		dump_free(&d);
	if (ret)
		return fail(NULL, err);
	fprintf(stderr, "gostray: wrote %s/report.html, report.json and goroutines.pb.gz\n",
		o->out_dir);
	return 0;
}

static int cmd_capture(int argc, char **argv)
{
	struct cli_opts o = { 0 };
	struct json_object *doc;
	struct report_ctx r;
	struct target t;
	struct tracer tr;
	uint64_t deadline = 0;
	char err[512];
	int ret;

	ret = parse_opts(argc, argv, &o, "capture", CAPTURE_OPTIONS);
	if (ret)
		return ret;
	if (o.out_dir && capturedir_prepare(o.out_dir, err, sizeof(err)))
		return fail(&o, err);
	if (open_traced_target(&o, &t))
		return 1;
	install_stop_handlers();
	if (start_trace(&o, &t, &tr))
		goto err_close_target;
	if (o.duration_s > 0)
		deadline = tr.attach_ns + (uint64_t)(o.duration_s * 1e9);
	capture_with_progress(&tr, &o, deadline);
	say_why_stopped(&tr);
	tracer_detach(&tr);	/* the cut, the end snapshot, then the probes go */

	fill_report(&r, &tr, &o);
	if (r.stats[GS_STAT_LOST])
		fprintf(stderr, "gostray: warning: %" PRIu64 " records lost (the ring buffer "
			"was full): created, exited and live counts are short by up to that "
			"many; a larger --ring-buffer keeps them\n", r.stats[GS_STAT_LOST]);
	doc = report_capture_json(&r);
	if (o.json)
		printf("%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY));
	else
		report_capture_text(stdout, &r);
	fflush(stdout);
	if (o.out_dir)
		ret = write_capture_dir(&o, &t, &tr, doc);
	if (!ret && o.pprof_path)
		ret = write_capture_profile(&o, &t, &tr);
	if (!ret && o.fail_on_leak) {
		struct json_object *v, *leaks;

		if (json_object_object_get_ex(doc, "verdicts", &v) &&
		    json_object_object_get_ex(v, "leak", &leaks) && json_object_get_int64(leaks) > 0) {
			fprintf(stderr, "gostray: %" PRId64 " leaking site(s): exit status %d "
				"(--fail-on-leak)\n", json_object_get_int64(leaks), EXIT_LEAK);
			ret = EXIT_LEAK;
		}
	}
	if (!ret || ret == EXIT_LEAK) {
		int perr = poll_failed();

		ret = perr ? perr : ret;
	}
	json_object_put(doc);
	tracer_stop(&tr);
	target_close(&t);
	return ret;

err_close_target:
	target_close(&t);
	return 1;
}

static int terminal_columns(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

struct top_source {
	const struct target *t;
	const struct cli_opts *o;
};

/* The live view's blocked stacks of one site (link-time pc): a dump now,
 * only the groups whose goroutines that go statement created. */
static struct json_object *top_blocked_stacks(void *ctx, const char *site_pc, char *err,
					      size_t errlen)
{
	const struct top_source *s = ctx;
	/* Every goroutine: a runtime site's details show its stacks too. */
	struct dump_opts dopts = { .system = true, .runtime_frames = s->o->runtime_frames };
	struct json_object *groups;
	struct dump d;
	char *end;
	uint64_t pc = strtoull(site_pc, &end, 16);

	if (!pc || *end) {
		snprintf(err, errlen, "site pc '%s' is not an address", site_pc);
		return NULL;
	}
	if (dump_take(s->t, &dopts, &d, err, errlen))
		return NULL;
	groups = dump_blocked_json(&d, pc + s->t->bias, 20);
	dump_free(&d);
	return groups;
}

/*
 * top on a terminal: the live view (src/output/topview.c), a new document every
 * second, keys read between short polls of the tracer (the ring buffer
 * holds what arrives meanwhile).  Returns when the user quits, on a stop
 * signal, at the deadline (0: none) or when the target exits; -1 when
 * the terminal cannot host the view.
 */
static int top_live_view(const struct cli_opts *o, struct target *t, struct tracer *tr,
			 uint64_t end)
{
	struct top_source ts = { .t = t, .o = o };
	struct topview_source src = { .ctx = &ts, .blocked_stacks = top_blocked_stacks };
	struct topview *v;
	uint64_t next_doc = 0;
	char err[256];

	v = topview_open(&src, o->show_system, err, sizeof(err));
	if (!v) {
		fprintf(stderr, "gostray: no live view, printing reports instead: %s\n", err);
		return -1;
	}
	for (;;) {
		uint64_t now = monotonic_ns(), until;

		if (now >= next_doc) {
			struct json_object *doc;
			struct report_ctx r;

			tracer_refresh_waits(tr);
			fill_report(&r, tr, o);
			doc = report_capture_json(&r);
			topview_draw(v, doc);
			json_object_put(doc);
			next_doc = now + 1000000000ull;
		}
		if (topview_keys(v, 50) == TOPVIEW_QUIT || stop_requested)
			break;
		until = monotonic_ns() + 50000000ull;
		if (end && until > end)
			until = end;
		if (trace_until(tr, until) || (end && monotonic_ns() >= end))
			break;
	}
	topview_close(v);
	return 0;
}

/* top when stdout is no terminal (or --json): a text report a second. */
static void top_lines(const struct cli_opts *o, struct tracer *tr, uint64_t end)
{
	for (;;) {
		uint64_t next = monotonic_ns() + 1000000000ull;
		bool stopped;

		if (end && next > end)
			next = end;
		stopped = trace_until(tr, next);
		tracer_refresh_waits(tr);
		if (!o->json) {
			print_report(tr, o);
			printf("\n");
		}
		if (stopped || (end && monotonic_ns() >= end))
			break;
	}
}

static int cmd_top(int argc, char **argv)
{
	struct cli_opts o = { 0 };
	struct target t;
	struct tracer tr;
	uint64_t end = 0;
	bool live;
	int ret;

	ret = parse_opts(argc, argv, &o, "top", TOP_OPTIONS);
	if (ret)
		return ret;
	if (open_traced_target(&o, &t))
		return EXIT_ERROR;
	if (!o.rows)
		o.rows = 20;
	if (isatty(STDOUT_FILENO))
		o.width = terminal_columns();
	live = !o.json && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	/* Before the view opens: ncurses then leaves SIGINT to us. */
	install_stop_handlers();
	if (start_trace(&o, &t, &tr))
		goto err_close_target;
	if (o.duration_s > 0)
		end = tr.attach_ns + (uint64_t)(o.duration_s * 1e9);
	if (live && top_live_view(&o, &t, &tr, end))
		live = false;
	if (!live)
		top_lines(&o, &tr, end);
	say_why_stopped(&tr);
	tracer_detach(&tr);
	/* The view is gone with its screen: what it showed last stays. */
	if (o.json || live)
		print_report(&tr, &o);
	ret = poll_failed();
	tracer_stop(&tr);
	target_close(&t);
	return ret;

err_close_target:
	target_close(&t);
	return 1;
}

static int cmd_info(int argc, char **argv)
{
	struct cli_opts o = { 0 };
	struct target t;
	char err[512];
	int ret;

	ret = parse_opts(argc, argv, &o, "info", INFO_OPTIONS);
	if (ret)
		return ret;
	ret = target_open(&t, o.target, err, sizeof(err));
	if (ret && !t.gb) {
		target_close(&t);
		return fail(&o, err);
	}
	if (o.json) {
		struct json_object *doc = report_info_json(&t);

		printf("%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY));
		json_object_put(doc);
	} else {
		report_info_text(stdout, &t);
	}
	target_close(&t);
	if (ret)
		fprintf(stderr, "gostray: %s\n", err);
	return ret ? 1 : 0;
}

static int cmd_dump(int argc, char **argv)
{
	struct cli_opts o = { 0 };
	struct dump_opts dopts = { 0 };
	struct target t;
	struct dump d;
	char err[512];
	int ret;

	ret = parse_opts(argc, argv, &o, "dump", DUMP_OPTIONS);
	if (ret)
		return ret;
	if (open_traced_target(&o, &t))
		return EXIT_ERROR;
	dopts.system = o.show_system;
	dopts.runtime_frames = o.runtime_frames;
	if (dump_take(&t, &dopts, &d, err, sizeof(err))) {
		target_close(&t);
		return fail(&o, err);
	}
	if (o.pprof_path &&
	    profile_write_dump(&d, (enum profile_view)o.pprof_view, o.pprof_path, err,
			       sizeof(err))) {
		dump_free(&d);
		target_close(&t);
		return fail(&o, err);
	}
	if (o.json) {
		struct json_object *doc = dump_json(&d, o.group);

		printf("%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY));
		json_object_put(doc);
	} else {
		dump_text(stdout, &d, o.group);
	}
	fflush(stdout);
	dump_free(&d);
	target_close(&t);
	return 0;
}

/* ---- gostray node ---- */

static const char node_usage_text[] =
"Usage: gostray node [OPTIONS]\n"
"\n"
"Watch every Go process on this host (found by inspecting executables) and\n"
"serve their goroutine counts per creation site as Prometheus metrics.\n"
"One set of probes per distinct binary serves all its processes; processes\n"
"that start later are found by a scan of /proc, those that exit forgotten.\n"
"\n"
"Options:\n"
"  -l, --listen ADDR        where to serve /metrics (default 127.0.0.1:9464;\n"
"                           :9464 for every address, e.g. in a pod)\n"
"      --include-exe REGEX  only executables whose name matches (extended regex)\n"
"      --exclude-exe REGEX  not those\n"
"      --include-cgroup REGEX  only processes whose /proc/PID/cgroup matches\n"
"                           (a container id, a pod uid, a systemd unit)\n"
"      --exclude-cgroup REGEX  not those\n"
"      --top-sites N        sites per process with series of their own (default\n"
"                           50); the rest are summed as site_function=\"other\"\n"
"      --max-processes N    traced at once (default 1024); more are counted in\n"
"                           gostray_budget_drops_total{what=\"processes\"}\n"
"      --scan-interval SEC  how often /proc is scanned for new processes (2)\n"
"      --max-cpu PCT        CPU cap, % of one core over 10 s (default 20; 0: none):\n"
"                           above it the park probes go (parks stop counting),\n"
"                           counted in gostray_budget_drops_total\n"
"      --max-memory MB      memory cap (default 256; 0: none): above it no new\n"
"                           process is attached until memory is back under it\n"
"      --park               also probe runtime.gopark: gostray_goroutine_parks_total\n"
"                           per site, counted in the kernel (~6 us per park in\n"
"                           every traced process); default: off\n"
"      --stack-depth N      creation stack frames (default 0 in node mode)\n"
"  -d, --duration TIME      stop after TIME (default: until SIGINT/SIGTERM)\n"
"  -h, --help               this text\n"
"\n"
"Examples:\n"
"  sudo gostray node                            # curl 127.0.0.1:9464/metrics\n"
"  sudo gostray node --include-exe '^(api|worker)$' --top-sites 20\n"
"  sudo gostray node --listen :9464 --exclude-cgroup 'kube-system'\n";

struct node_cli {
	const char *listen;
	regex_t include_exe, exclude_exe, include_cgroup, exclude_cgroup;
	bool have_include_exe, have_exclude_exe, have_include_cgroup, have_exclude_cgroup;
	unsigned int top_sites;
	struct node_opts no;
	double duration_s;
};

static int node_regex(regex_t *re, bool *have, const char *what, const char *pattern)
{
	char msg[300], why[128];
	int ret;

	if (*have)
		regfree(re);
	ret = regcomp(re, pattern, REG_EXTENDED | REG_NOSUB);
	if (ret) {
		regerror(ret, re, why, sizeof(why));
		snprintf(msg, sizeof(msg), "%s: invalid regular expression '%s': %s", what,
			 pattern, why);
		*have = false;
		return usage_fail("node", msg);
	}
	*have = true;
	return 0;
}

static void node_cli_free(struct node_cli *c)
{
	if (c->have_include_exe)
		regfree(&c->include_exe);
	if (c->have_exclude_exe)
		regfree(&c->exclude_exe);
	if (c->have_include_cgroup)
		regfree(&c->include_cgroup);
	if (c->have_exclude_cgroup)
		regfree(&c->exclude_cgroup);
}

static int parse_count(const char *what, const char *arg, long lo, long hi, long *out)
{
	char *end, msg[160];
	long v = strtol(arg, &end, 10);

	if (end == arg || *end || v < lo || v > hi) {
		snprintf(msg, sizeof(msg), "invalid %s '%s' (%ld to %ld)", what, arg, lo, hi);
		return usage_fail("node", msg);
	}
	*out = v;
	return 0;
}

static void node_log(const char *line)
{
	fprintf(stderr, "gostray: node: %s\n", line);
}

static int parse_node_opts(int argc, char **argv, struct node_cli *c)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "include-exe", required_argument, NULL, 'i' },
		{ "exclude-exe", required_argument, NULL, 'x' },
		{ "include-cgroup", required_argument, NULL, 'I' },
		{ "exclude-cgroup", required_argument, NULL, 'X' },
		{ "top-sites", required_argument, NULL, 't' },
		{ "max-processes", required_argument, NULL, 'm' },
		{ "scan-interval", required_argument, NULL, 's' },
		{ "max-cpu", required_argument, NULL, 'C' },
		{ "max-memory", required_argument, NULL, 'M' },
		{ "no-park", no_argument, NULL, 'P' },
		{ "park", no_argument, NULL, 'K' },
		{ "stack-depth", required_argument, NULL, 'S' },
		{ "duration", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	long v;
	int o;

	c->listen = HTTPSERVER_DEFAULT_LISTEN;
	c->top_sites = METRICS_DEFAULT_TOP_SITES;
	c->no.park = false;	/* as in capture: see parse_opts */
	c->no.stack_depth = 0;
	c->no.ringbuf_bytes = 4u << 20;
	c->no.max_processes = 1024;
	c->no.scan_interval_s = 2;
	c->no.max_cpu_pct = 20;
	c->no.max_rss_bytes = 256ull << 20;
	c->no.log = node_log;
	optind = 1;
	opterr = 0;	/* our own one-line messages */
	while ((o = getopt_long(argc, argv, ":l:d:h", longopts, NULL)) != -1) {
		switch (o) {
		case 'l': c->listen = optarg; break;
		case 'i':
			if (node_regex(&c->include_exe, &c->have_include_exe, "--include-exe", optarg))
				return EXIT_USAGE;
			break;
		case 'x':
			if (node_regex(&c->exclude_exe, &c->have_exclude_exe, "--exclude-exe", optarg))
				return EXIT_USAGE;
			break;
		case 'I':
			if (node_regex(&c->include_cgroup, &c->have_include_cgroup,
				       "--include-cgroup", optarg))
				return EXIT_USAGE;
			break;
		case 'X':
			if (node_regex(&c->exclude_cgroup, &c->have_exclude_cgroup,
				       "--exclude-cgroup", optarg))
				return EXIT_USAGE;
			break;
		case 't':
			if (parse_count("--top-sites", optarg, 1, METRICS_MAX_TOP_SITES, &v))
				return EXIT_USAGE;
			c->top_sites = (unsigned int)v;
			break;
		case 'm':
			if (parse_count("--max-processes", optarg, 1, 65536, &v))
				return EXIT_USAGE;
			c->no.max_processes = (size_t)v;
			break;
		case 's':
			c->no.scan_interval_s = parse_duration(optarg);
			if (c->no.scan_interval_s < 0.1)
				return usage_fail("node", "invalid --scan-interval (at least 0.1 s)");
			break;
		case 'P': c->no.park = false; break;
		case 'K': c->no.park = true; break;
		case 'C': {
			char *end;

			c->no.max_cpu_pct = strtod(optarg, &end);
			if (end == optarg || *end || !(c->no.max_cpu_pct >= 0) ||
			    c->no.max_cpu_pct > 6400)
				return usage_fail("node", "invalid --max-cpu (a percentage of one core, "
					    "e.g. 20 or 2.5; 0: no cap)");
			break;
		}
		case 'M':
			if (parse_count("--max-memory", optarg, 0, 1 << 20, &v))
				return EXIT_USAGE;
			c->no.max_rss_bytes = (uint64_t)v << 20;
			break;
		case 'S':
			if (parse_count("--stack-depth", optarg, 0, GS_STACK_DEPTH_MAX, &v))
				return EXIT_USAGE;
			c->no.stack_depth = (int)v;
			break;
		case 'd':
			c->duration_s = parse_duration(optarg);
			if (c->duration_s <= 0)
				return usage_fail("node", "invalid --duration (examples: 30, 30s, 2m)");
			break;
		case 'h': fputs(node_usage_text, stdout); exit(EXIT_OK);
		case ':': {
			char msg[160];

			snprintf(msg, sizeof(msg), "node: option '%s' needs a value",
				 argv[optind - 1]);
			return usage_fail("node", msg);
		}
		default: {
			char msg[160];

			snprintf(msg, sizeof(msg), "node: unknown option '%s'", argv[optind - 1]);
			return usage_fail("node", msg);
		}
		}
	}
	if (optind != argc)
		return usage_fail("node", "node takes no PID (it watches every Go process)");
	c->no.include_exe = c->have_include_exe ? &c->include_exe : NULL;
	c->no.exclude_exe = c->have_exclude_exe ? &c->exclude_exe : NULL;
	c->no.include_cgroup = c->have_include_cgroup ? &c->include_cgroup : NULL;
	c->no.exclude_cgroup = c->have_exclude_cgroup ? &c->exclude_cgroup : NULL;
	return 0;
}

/* Render the metrics and hand them to the HTTP thread. */
static void node_publish(struct node *n, struct httpserver *srv, unsigned int top)
{
	char *text = NULL;
	size_t len = 0;

	if (nodemetrics_render(n, top, &text, &len)) {
		fprintf(stderr, "gostray: node: out of memory rendering the metrics\n");
		return;
	}
	httpserver_publish(srv, text, len);
	free(text);
}

/* The address node serves on, with the port the kernel picked for port 0. */
static void say_serving(const char *listen, const struct httpserver *srv)
{
	const char *colon = strrchr(listen, ':');
	int host_len = colon ? (int)(colon - listen) : (int)strlen(listen);

	fprintf(stderr, "gostray: node: serving metrics on http://%.*s:%u/metrics\n",
		host_len, listen, httpserver_port(srv));
}

static int cmd_node(int argc, char **argv)
{
	struct node_cli c = { 0 };
	struct httpserver *srv;
	struct node *n;
	uint64_t end = 0, next_publish = 0, next_waits = 0;
	char err[512];
	int ret = 0;

	ret = parse_node_opts(argc, argv, &c);
	if (ret)
		goto err_free_cli;
	if (privileges_missing(err, sizeof(err))) {
		ret = fail(NULL, err);
		goto err_free_cli;
	}
	srv = httpserver_start(c.listen, err, sizeof(err));
	if (!srv) {
		ret = fail(NULL, err);
		goto err_free_cli;
	}
	install_stop_handlers();
	if (node_open(&n, &c.no, err, sizeof(err))) {
		ret = fail(NULL, err);
		goto err_stop_server;
	}
	node_publish(n, srv, c.top_sites);
	say_serving(c.listen, srv);
	if (c.duration_s > 0)
		end = monotonic_ns() + (uint64_t)(c.duration_s * 1e9);
	while (!stop_requested && (!end || monotonic_ns() < end)) {
		int perr = node_poll(n, 100);
		uint64_t now;

		if (perr < 0) {
			snprintf(err, sizeof(err), "node: waiting for records failed: %s; "
				 "detaching", strerror(-perr));
			ret = fail(NULL, err);
			break;
		}
		now = monotonic_ns();
		/* Wait reasons (verdicts) every 5 s: a snapshot per process. */
		if (now >= next_waits) {
			node_refresh_waits(n);
			next_waits = now + 5000000000ull;
		}
		if (now >= next_publish) {
			node_publish(n, srv, c.top_sites);
			next_publish = now + 1000000000ull;
		}
	}
	if (stop_requested)
		fprintf(stderr, "gostray: node: stopped by %s, detaching\n",
			stop_requested == SIGINT ? "SIGINT" : "SIGTERM");
	node_close(n);
	httpserver_stop(srv);
	node_cli_free(&c);
	return ret;

err_stop_server:
	httpserver_stop(srv);
err_free_cli:
	node_cli_free(&c);
	return ret;
}

static int cmd_help(int argc, char **argv)
{
	usage(stdout);
	return 0;
}

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "top", cmd_top },
	{ "capture", cmd_capture },
	{ "dump", cmd_dump },
	{ "info", cmd_info },
	{ "node", cmd_node },
	{ "help", cmd_help },
};

int main(int argc, char **argv)
{
	size_t i;

	note_json(argc, argv);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return cmd_help(argc, argv);
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("gostray %s\n", GOSTRAY_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	{
		char msg[160];

		snprintf(msg, sizeof(msg), "unknown command '%s'", argv[1]);
		return usage_fail(NULL, msg);
	}
}
