// SPDX-License-Identifier: BSD-2-Clause
/*
 * gostray's command line: a table of commands, each in src/cmd/ with its
 * own options, --help and examples (include/cmd/commands.h); every report
 * in text or JSON (--json), every error one line on stderr (and a JSON
 * object on stdout under --json) and a documented exit status.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cmd/commands.h"

static const char main_help[] =
"Usage: gostray COMMAND [OPTIONS] [TARGET]\n"
"\n"
"Count a live Go process's goroutines per creation site (go statement):\n"
"how many each site created, how many exited, how many are alive now -\n"
"including those born before gostray attached.  No restart, no pprof.\n"
"\n"
"Commands:\n"
"  top PID              live view, refreshed every second, leaking sites first\n"
"  capture PID          trace for a while, then one report with a verdict per\n"
"                       site (leak, suspect, ok); -o DIR for the incident folder\n"
"                       (report.html, report.json, goroutines.pb.gz)\n"
"  dump PID             every goroutine now with its blocked stack and creator,\n"
"                       like pprof's goroutine dump, without pprof or probes\n"
"  info PID|BINARY      what gostray finds in a Go binary, and if it is supported\n"
"  node                 every Go process on this host, as Prometheus metrics\n"
"  help                 this text\n"
"\n"
"  gostray COMMAND --help   the command's options and examples\n"
"  gostray --version        the version\n"
"\n"
"Exit status: 0 done, 1 an error (one line on stderr; with --json also one\n"
"JSON object {\"error\", \"exit_status\"} on stdout), 2 a wrong command line,\n"
"3 capture --fail-on-leak found a leaking site.\n"
"\n"
"Examples:\n"
"  sudo gostray top 4242                   # watch which go statements leak\n"
"  sudo gostray capture 4242 -d 30s -o incident/   # report.html, .json, .pb.gz\n"
"  sudo gostray dump 4242 --group          # where are they all blocked?\n"
"  sudo gostray node                       # curl 127.0.0.1:9464/metrics\n"
"\n"
"Needs root (or CAP_BPF, CAP_PERFMON, CAP_SYS_PTRACE and, on kernels since\n"
"2025, CAP_SYS_ADMIN for the uprobes).\n";

static void usage(FILE *f)
{
	fputs(main_help, f);
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
