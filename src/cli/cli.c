// SPDX-License-Identifier: BSD-2-Clause
/*
 * What every command shares (include/cli/cli.h): exit statuses, errors,
 * the stop signals, value parsers and the option table.
 */
#include <getopt.h>
#include <json-c/json.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/cli.h"
#include "gostray_events.h"
#include "output/profile.h"
#include "trace/tracer.h"

volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	stop_requested = sig;
}

void install_stop_handlers(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };

	/* No SA_RESTART: a blocking poll must return so we can report. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Whether --json is on the command line, looked for before the options
 * are parsed: an error in them is then JSON too. */
static bool json_asked;

void note_json(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j"))
			json_asked = true;
}

/* One line on stderr and, under --json, the same message as one JSON
 * object on stdout; returns the exit status. */
int fail_with(int status, const char *msg)
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

int fail(const struct cli_opts *o, const char *msg)
{
	return fail_with(EXIT_ERROR, msg);
}

/* A wrong command line: status 2, and where to read how it goes. */
int usage_fail(const char *cmd, const char *msg)
{
	char line[512];

	snprintf(line, sizeof(line), "%s (gostray %s%s--help)", msg, cmd ? cmd : "",
		 cmd ? " " : "");
	return fail_with(EXIT_USAGE, line);
}

/* "30", "30s", "1.5m", "2h", "500ms" -> seconds; -1 when malformed. */
double parse_duration(const char *s)
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
size_t parse_ringbuf_size(const char *s)
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

int parse_count(const char *what, const char *arg, long lo, long hi, long *out)
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

int terminal_columns(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

int parse_probes(const char *cmd, const char *arg, bool *probe_free)
{
	if (strcmp(arg, "none") && strcmp(arg, "all"))
		return usage_fail(cmd, "--probes takes 'all' or 'none'");
	*probe_free = !strcmp(arg, "none");
	return 0;
}

int parse_interval(const char *cmd, const char *arg, double *seconds)
{
	char msg[160];

	*seconds = parse_duration(arg);
	if (*seconds >= 0.1 && *seconds <= 3600)
		return 0;
	snprintf(msg, sizeof(msg), "invalid --interval '%s' (100ms to 1h: 1, 500ms, 5s)", arg);
	return usage_fail(cmd, msg);
}

int probe_free_conflict(const char *cmd, bool probe_free, const char *needs_probes,
			bool have_interval)
{
	char msg[160];

	if (probe_free && needs_probes) {
		snprintf(msg, sizeof(msg), "%s needs the probes: not with --probes none",
			 needs_probes);
		return usage_fail(cmd, msg);
	}
	if (have_interval && !probe_free)
		return usage_fail(cmd, "--interval is the snapshot interval of --probes none");
	return 0;
}

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
int parse_opts(int argc, char **argv, struct cli_opts *o, const char *cmd,
	       const char *allowed, const char *help)
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
		{ "probes", required_argument, NULL, 'M' },
		{ "interval", required_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *needs_probes = NULL;	/* an option only the probes serve */
	char msg[160];
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
		case 'K': o->park = true; needs_probes = "--park"; break;
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
			needs_probes = "--park-sample";
			break;
		}
		case 'B':
			if (strcmp(optarg, "site") && strcmp(optarg, "stack"))
				return usage_fail(cmd, "--by takes 'site' or 'stack'");
			o->by_stack = !strcmp(optarg, "stack");
			if (o->by_stack)
				needs_probes = "--by stack";
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
			needs_probes = "--stack-depth";
			break;
		}
		case 'r':
			o->ringbuf_bytes = parse_ringbuf_size(optarg);
			if (!o->ringbuf_bytes) {
				snprintf(msg, sizeof(msg), "invalid --ring-buffer '%s' (a power "
					 "of two from 4k to 1G: 64k, 16M...)", optarg);
				return usage_fail(cmd, msg);
			}
			needs_probes = "--ring-buffer";
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
			if (o->pprof_view == PROFILE_BY_CREATION)
				needs_probes = "--pprof-by creation";
			break;
		case 'M':
			if (parse_probes(cmd, optarg, &o->probe_free))
				return EXIT_USAGE;
			break;
		case 'I':
			if (parse_interval(cmd, optarg, &o->interval_s))
				return EXIT_USAGE;
			break;
		case 'h': fputs(help, stdout); exit(EXIT_OK);
		default:
			return usage_fail(cmd, "unknown option");
		}
	}
	if (probe_free_conflict(cmd, o->probe_free, needs_probes, o->interval_s > 0))
		return EXIT_USAGE;
	if (optind != argc - 1) {
		snprintf(msg, sizeof(msg), "%s: %s", cmd, optind >= argc ?
			 "missing TARGET (a PID)" : "too many arguments");
		return usage_fail(cmd, msg);
	}
	o->target = argv[optind];
	return 0;
}
