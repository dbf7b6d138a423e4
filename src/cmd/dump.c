// SPDX-License-Identifier: BSD-2-Clause
/*
 * gostray dump: every goroutine of a process now, with its blocked stack
 * and creator, without probes (include/process/dump.h).
 */
#include <json-c/json.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/session.h"
#include "cmd/commands.h"
#include "output/profile.h"
#include "output/dumpreport.h"

static const char dump_help[] =
"Usage: gostray dump PID [OPTIONS]\n"
"\n"
"Every goroutine of a Go process now, with its state, wait reason, blocked\n"
"stack and the go statement that created it, like the runtime's own\n"
"goroutine dump (pprof debug=2), without pprof and without probes.\n"
"\n"
"Options:\n"
"  -j, --json           one JSON document (errors too: {\"error\", \"exit_status\"})\n"
"  -a, --all            also list the runtime's own goroutines\n"
"  -g, --group          identical goroutines (state, stack, creator) once, with\n"
"                       a count, largest group first\n"
"      --runtime-frames keep the runtime's internal frames (gopark...)\n"
"      --pprof FILE     also write a goroutine profile (gzipped profile.proto)\n"
"      --pprof-by blocked|creation\n"
"                       the profile's stacks: where they are blocked (default),\n"
"                       or the go statement that created them\n"
"  -h, --help           this text\n"
"\n"
"Exit status: 0 done, 1 an error, 2 a wrong command line.\n"
"\n"
"Examples:\n"
"  sudo gostray dump 4242 --group          # where are they all blocked?\n"
"  sudo gostray dump 4242 --json > goroutines.json\n"
"  sudo gostray dump 4242 --pprof now.pb.gz && go tool pprof -top now.pb.gz\n"
"\n"
"Needs root (or CAP_SYS_PTRACE) to read the process's memory.\n";

int cmd_dump(int argc, char **argv)
{
	struct cli_opts o = { 0 };
	struct dump_opts dopts = { 0 };
	struct target t;
	struct dump d;
	char err[512];
	int ret;

	ret = parse_opts(argc, argv, &o, "dump", DUMP_OPTIONS, dump_help);
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
