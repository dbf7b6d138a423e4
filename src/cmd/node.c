// SPDX-License-Identifier: BSD-2-Clause
/*
 * gostray node: every Go process of the host, as Prometheus metrics
 * (include/trace/node.h, include/serve/).
 */
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cmd/commands.h"
#include "output/model.h"
#include "process/privileges.h"
#include "serve/httpserver.h"
#include "serve/promtext.h"
#include "serve/nodemetrics.h"
#include "trace/node.h"

static const char node_usage_text[] =
"Usage: gostray node [OPTIONS]\n"
"\n"
"Watch every Go process on this host (found by inspecting executables) and\n"
"serve their goroutine counts per creation site as Prometheus metrics.\n"
"By default no process is probed: each is read every --interval (live counts\n"
"and verdicts exact at each read), and a process whose site turns suspect or\n"
"leak gets probes for --escalate-window (exact created/exited counters and\n"
"creation stacks, logged when the window ends), then none again.  With\n"
"--probes all every process is probed all the time (one set of probes per\n"
"binary).  Processes that start later are found by a scan of /proc, those\n"
"that exit forgotten.\n"
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
"      --probes none|all    none (default): snapshots, and probes only on\n"
"                           escalation; all: every process probed all the time\n"
"                           (exact counters always, ~1 us per goroutine in\n"
"                           every traced process)\n"
"      --interval TIME      between the snapshots of --probes none (default 5s)\n"
"      --escalate-window TIME  how long an escalated process is probed (60s;\n"
"                           0: never escalate)\n"
"      --max-escalations N  processes escalated at once (default 2); more wait,\n"
"                           counted in gostray_budget_drops_total\n"
"      --park               also probe runtime.gopark (with --probes all):\n"
"                           gostray_goroutine_parks_total per site, counted in\n"
"                           the kernel (~6 us per park in every traced process)\n"
"      --stack-depth N      creation stack frames (default 0 with --probes all,\n"
"                           16 in an escalation window)\n"
"  -d, --duration TIME      stop after TIME (default: until SIGINT/SIGTERM)\n"
"  -h, --help               this text\n"
"\n"
"Examples:\n"
"  sudo gostray node                            # curl 127.0.0.1:9464/metrics\n"
"  sudo gostray node --include-exe '^(api|worker)$' --top-sites 20\n"
"  sudo gostray node --listen :9464 --exclude-cgroup 'kube-system'\n"
"  sudo gostray node --escalate-window 0 --interval 10s  # never a probe\n"
"  sudo gostray node --probes all --park       # every process probed, parks too\n";

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

static void node_log(const char *line)
{
	fprintf(stderr, "gostray: node: %s\n", line);
}

#define ESCALATION_LOG_SITES 5
#define ESCALATION_LOG_FRAMES 4

/* A row's most frequent creation path, "" when none was recorded. */
static void most_created_stack(const struct model_row *r, char *buf, size_t len)
{
	const struct model_stack *best = NULL;
	size_t i, used = 0;
	int f;

	buf[0] = '\0';
	for (i = 0; i < r->nstacks; i++)
		if (r->stacks[i].known && r->stacks[i].nframes &&
		    (!best || r->stacks[i].created > best->created))
			best = &r->stacks[i];
	/* The first frame is the go statement itself (the row): its callers
	 * follow. */
	for (f = 1; best && f < best->nframes && f <= ESCALATION_LOG_FRAMES && used < len; f++) {
		const struct stack_frame *fr = &best->frames[f];
		int k = snprintf(buf + used, len - used, "%s%s (%s:%d)",
				 f > 1 ? " <- " : "; created from ", fr->function, fr->file, fr->line);

		if (k < 0)
			break;
		used += (size_t)k;
	}
}

/*
 * The end of an escalation window: its exact counts and creation paths,
 * one log line per user site that created goroutines or is judged not ok
 * in the window (the first ESCALATION_LOG_SITES in the report's order).
 */
static void node_escalation_over(const struct node_process *p, const char *why)
{
	struct model_source src;
	struct model_options mo = { .frames = true };
	struct model m;
	char path[1024];
	size_t i, shown = 0;

	nodemetrics_source(p, &p->esc, collector_cut_ns(p->esc.coll), &src);
	if (model_build(&src, &mo, &m)) {
		node_log("out of memory for an escalation's report");
		return;
	}
	fprintf(stderr, "gostray: node: PID %d (%s): escalation window of %.0f s (%s), exact:\n",
		p->pid, p->exe_base, m.duration_s, why);
	for (i = 0; i < m.nrows && shown < ESCALATION_LOG_SITES; i++) {
		const struct model_row *r = &m.rows[i];

		if (r->system || (!r->created && r->verdict == VERDICT_OK))
			continue;
		most_created_stack(r, path, sizeof(path));
		fprintf(stderr, "gostray: node:   %s (%s:%d): live %" PRIu64 ", created %" PRIu64
			" (%.1f/s), exited %" PRIu64 "%s\n", r->function, r->file, r->line, r->live,
			r->created, r->created_per_s, r->exited, path);
		shown++;
	}
	if (!shown)
		fputs("gostray: node:   no site created goroutines in the window\n", stderr);
	model_free(&m);
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
		{ "probes", required_argument, NULL, 'B' },
		{ "interval", required_argument, NULL, 'N' },
		{ "escalate-window", required_argument, NULL, 'W' },
		{ "max-escalations", required_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *needs_probes = NULL;	/* an option only the probes serve */
	const char *needs_snapshots = NULL;	/* one of --probes none */
	bool have_stack_depth = false;
	long v;
	int o;

	c->listen = HTTPSERVER_DEFAULT_LISTEN;
	c->top_sites = PROMTEXT_DEFAULT_TOP_SITES;
	c->no.park = false;	/* as in capture: see parse_opts */
	c->no.stack_depth = 0;
	c->no.ringbuf_bytes = 4u << 20;
	c->no.max_processes = 1024;
	c->no.scan_interval_s = 2;
	c->no.max_cpu_pct = 20;
	c->no.max_rss_bytes = 256ull << 20;
	c->no.log = node_log;
	c->no.probe_free = true;
	c->no.escalate_window_s = NODE_DEFAULT_ESCALATE_WINDOW_S;
	c->no.max_escalations = NODE_DEFAULT_MAX_ESCALATIONS;
	c->no.escalation_over = node_escalation_over;
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
			if (parse_count("--top-sites", optarg, 1, PROMTEXT_MAX_TOP_SITES, &v))
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
		case 'K': c->no.park = true; needs_probes = "--park"; break;
		case 'B':
			if (parse_probes("node", optarg, &c->no.probe_free))
				return EXIT_USAGE;
			break;
		case 'N':
			if (parse_interval("node", optarg, &c->no.snapshot_interval_s))
				return EXIT_USAGE;
			needs_snapshots = "--interval";
			break;
		case 'W':
			c->no.escalate_window_s = parse_duration(optarg);
			if (c->no.escalate_window_s < 0 || c->no.escalate_window_s > 86400 ||
			    (c->no.escalate_window_s > 0 && c->no.escalate_window_s < 1))
				return usage_fail("node", "invalid --escalate-window (1s to 24h, or 0: "
					    "never escalate)");
			needs_snapshots = "--escalate-window";
			break;
		case 'E':
			if (parse_count("--max-escalations", optarg, 1, 1024, &v))
				return EXIT_USAGE;
			c->no.max_escalations = (size_t)v;
			needs_snapshots = "--max-escalations";
			break;
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
			have_stack_depth = true;
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
	if (c->no.probe_free && needs_probes) {
		char msg[160];

		snprintf(msg, sizeof(msg), "%s needs the probes all the time: add --probes all "
			 "(node runs without probes by default)", needs_probes);
		return usage_fail("node", msg);
	}
	if (!c->no.probe_free && needs_snapshots) {
		char msg[160];

		snprintf(msg, sizeof(msg), "%s is of --probes none (node's default), not of "
			 "--probes all", needs_snapshots);
		return usage_fail("node", msg);
	}
	/* Without probes --stack-depth is the escalation windows' depth. */
	c->no.escalate_stack_depth = have_stack_depth ? c->no.stack_depth :
				     NODE_DEFAULT_ESCALATE_STACK_DEPTH;
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

int cmd_node(int argc, char **argv)
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
