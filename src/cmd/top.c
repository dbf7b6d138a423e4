// SPDX-License-Identifier: BSD-2-Clause
/*
 * gostray top: the live view on a terminal (include/output/topview.h),
 * else the text report once a second; the final report when it ends.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/session.h"
#include "cmd/commands.h"
#include "output/topview.h"
#include "process/dump.h"

static const char top_help[] =
"Usage: gostray top PID [OPTIONS]\n"
"\n"
"The live view of a Go process's goroutines per go statement, refreshed\n"
"every second, leaking sites first (keys: arrows/j/k pick, Enter opens a\n"
"site's creation and blocked stacks, Esc back, s sort, q quit).  When stdout\n"
"is not a terminal, the text report once a second; the final report when it\n"
"ends (q, Ctrl-C, -d, the target's exit).\n"
"\n"
"Options:\n"
"  -d, --duration TIME  how long to trace (30, 30s, 2m, 1h); default: until\n"
"                       Ctrl-C, SIGTERM or the target exits\n"
"  -n, --rows N         table rows (default 20)\n"
TRACE_OPTIONS_HELP
"  -h, --help           this text\n"
"\n"
"Exit status: 0 done, 1 an error, 2 a wrong command line.\n"
"\n"
"Examples:\n"
"  sudo gostray top 4242                   # watch which go statements leak\n"
"  sudo gostray top 4242 --by stack        # which callers reach the leaking line\n"
"  sudo gostray top 4242 -d 1m --json > after-a-minute.json\n"
"\n"
"Needs root (or CAP_BPF, CAP_PERFMON, CAP_SYS_PTRACE and, on kernels since\n"
"2025, CAP_SYS_ADMIN for the uprobes).\n";

struct top_source {
	const struct target *t;
	const struct cli_opts *o;
};

/* The live view's blocked stacks: a dump now (the view picks the groups
 * of the site it opened). */
static struct dump *top_take_dump(void *ctx, char *err, size_t errlen)
{
	const struct top_source *s = ctx;
	/* Every goroutine: a runtime site's details show its stacks too. */
	struct dump_opts dopts = { .system = true, .runtime_frames = s->o->runtime_frames };
	struct dump *d = calloc(1, sizeof(*d));

	if (!d) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (dump_take(s->t, &dopts, d, err, errlen)) {
		free(d);
		return NULL;
	}
	return d;
}

/*
 * top on a terminal: the live view (src/output/topview.c), a new model every
 * second, keys read between short polls of the tracer (the ring buffer
 * holds what arrives meanwhile).  Returns when the user quits, on a stop
 * signal, at the deadline (0: none) or when the target exits; -1 when
 * the terminal cannot host the view.
 */
static int top_live_view(const struct cli_opts *o, struct target *t, struct tracer *tr,
			 uint64_t end)
{
	struct top_source ts = { .t = t, .o = o };
	struct topview_source src = { .ctx = &ts, .take_dump = top_take_dump };
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
			struct model *m = malloc(sizeof(*m));

			tracer_refresh_waits(tr);
			if (m && !build_model(tr, o, true, m))
				topview_draw(v, m);	/* the view keeps it */
			else
				free(m);
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
			if (print_report(tr, o))
				break;
			printf("\n");
		}
		if (stopped || (end && monotonic_ns() >= end))
			break;
	}
}

int cmd_top(int argc, char **argv)
{
	struct cli_opts o = { 0 };
	struct target t;
	struct tracer tr;
	uint64_t end = 0;
	bool live;
	int ret;

	ret = parse_opts(argc, argv, &o, "top", TOP_OPTIONS, top_help);
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
		end = tr.proc.attach_ns + (uint64_t)(o.duration_s * 1e9);
	if (live && top_live_view(&o, &t, &tr, end))
		live = false;
	if (!live)
		top_lines(&o, &tr, end);
	say_why_stopped(&tr);
	tracer_detach(&tr);
	/* The view is gone with its screen: what it showed last stays. */
	if (o.json || live)
		ret = print_report(&tr, &o);
	if (!ret)
		ret = poll_failed();
	tracer_stop(&tr);
	target_close(&t);
	return ret;

err_close_target:
	target_close(&t);
	return 1;
}
