// SPDX-License-Identifier: BSD-2-Clause
/*
 * gostray info: what gostray finds in a Go binary or a process's, and
 * whether it can trace it.
 */
#include <json-c/json.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cmd/commands.h"
#include "output/inforeport.h"
#include "process/target.h"

static const char info_help[] =
"Usage: gostray info PID|BINARY [OPTIONS]\n"
"\n"
"What gostray finds in a Go binary (or a process's): the Go version and\n"
"where it came from, symbols, struct offsets, runtime.allgs, the probe\n"
"points and whether it can be traced.\n"
"\n"
"Options:\n"
"  -j, --json           one JSON document (errors too: {\"error\", \"exit_status\"})\n"
"  -h, --help           this text\n"
"\n"
"Exit status: 0 done, 1 an error, 2 a wrong command line.\n"
"\n"
"Examples:\n"
"  sudo gostray info 4242                  # Go version, probes, support\n"
"  gostray info ./myservice --json         # analyse a binary, no root needed\n";

int cmd_info(int argc, char **argv)
{
	struct cli_opts o = { 0 };
	struct target t;
	char err[512];
	int ret;

	ret = parse_opts(argc, argv, &o, "info", INFO_OPTIONS, info_help);
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
