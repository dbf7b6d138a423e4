/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What every command of the command line shares: exit statuses, errors in
 * text and JSON, the stop signals, value parsers and the one option table
 * (each command says which of its options it takes).
 */
#ifndef GOSTRAY_CLI_H
#define GOSTRAY_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#define GOSTRAY_VERSION "0.1.0"
#define DEFAULT_RINGBUF_BYTES (16u << 20)

/* Exit statuses, the same for every command (README "Exit statuses"). */
enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,		/* the work could not be done */
	EXIT_USAGE = 2,		/* the command line is wrong */
	EXIT_LEAK = 3,		/* capture --fail-on-leak found a leaking site */
};

/* The --help lines of the options every tracing command (capture, top)
 * takes, so that their texts cannot drift apart. */
#define TRACE_OPTIONS_HELP \
"  -j, --json           one JSON document (errors too: {\"error\", \"exit_status\"})\n" \
"  -a, --all            also list the runtime's own goroutines\n" \
"      --by site|stack  one row per go statement (default), or per go statement\n" \
"                       and call path that reached it\n" \
"      --stack-depth N  frames of each creation's call path to record (default\n" \
"                       32, at most 64; 0: none, every stack unknown)\n" \
"      --park           also probe runtime.gopark: parks per site and wait\n" \
"                       reason, counted in the kernel (costs the target a trap\n" \
"                       per park; wait reasons of the live goroutines come\n" \
"                       from snapshots either way)\n" \
"      --park-sample PCT  --park for PCT % of every 10 s only (1-100)\n" \
"      --no-park        the default: no park probe\n" \
"      --ring-buffer SIZE  the kernel-to-gostray buffer (default 16M; a power\n" \
"                       of two from 4k to 1G); records that find it full are\n" \
"                       lost and counted, and the report says so\n" \
"      --runtime-frames stacks read from the target keep the runtime's\n" \
"                       internal frames (gopark...)\n" \
"      --probes none|all  none: no probe at all, the target pays nothing;\n" \
"                       counts from snapshots of its goroutine list (live\n" \
"                       exact at each; created, exited and ages lower\n" \
"                       bounds; no creation stacks, no --park)\n" \
"      --interval TIME  between those snapshots (default 1s)\n"

/* SIGINT or SIGTERM once install_stop_handlers() ran; 0 until then. */
extern volatile sig_atomic_t stop_requested;
void install_stop_handlers(void);

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
	bool probe_free;	/* --probes none: snapshots only */
	double interval_s;	/* --interval: between snapshots, 0: the default */
	const char *target;
};

/* Whether --json is on the command line, looked for before the options
 * are parsed: an error in them is then JSON too. */
void note_json(int argc, char **argv);

/* One line on stderr and, under --json, the same message as one JSON
 * object {"error", "exit_status"} on stdout; returns status. */
int fail_with(int status, const char *msg);
/* fail_with(EXIT_ERROR, msg); o is unused (the JSON choice is global). */
int fail(const struct cli_opts *o, const char *msg);
/* A wrong command line: EXIT_USAGE, and where to read how it goes. */
int usage_fail(const char *cmd, const char *msg);

/* "30", "30s", "1.5m", "2h", "500ms" -> seconds; -1 when malformed. */
double parse_duration(const char *s);
/* "64k", "16M", "1G" or bytes: a power of two from 4 KiB to 1 GiB, else 0. */
size_t parse_ringbuf_size(const char *s);
/* An integer lo..hi for node's option `what`; EXIT_USAGE (said) when it
 * is not one. */
int parse_count(const char *what, const char *arg, long lo, long hi, long *out);
/* --probes none|all into *probe_free; EXIT_USAGE (said) for another word. */
int parse_probes(const char *cmd, const char *arg, bool *probe_free);
/* --interval TIME (100 ms to 1 h) into *seconds; EXIT_USAGE (said) else. */
int parse_interval(const char *cmd, const char *arg, double *seconds);
/* An option only the probes serve (needs_probes, NULL: none) with --probes
 * none, or --interval without it: EXIT_USAGE (said); else 0. */
int probe_free_conflict(const char *cmd, bool probe_free, const char *needs_probes,
			bool have_interval);

/* Columns of the terminal on stdout, 0 when it is not one. */
int terminal_columns(void);

/* The options each command takes (parse_opts' option codes). */
#define CAPTURE_OPTIONS "djnaPKQBSrRpvoFMIh"
#define TOP_OPTIONS "djnaPKQBSrRMIh"
#define DUMP_OPTIONS "jagRpvh"
#define INFO_OPTIONS "jh"

/*
 * cmd's options and its one TARGET into o: `allowed` holds the option
 * codes it takes, any other is refused in one line; -h prints help and
 * exits 0.  0 when parsed, else the exit status (said).
 */
int parse_opts(int argc, char **argv, struct cli_opts *o, const char *cmd,
	       const char *allowed, const char *help);

#endif /* GOSTRAY_CLI_H */
