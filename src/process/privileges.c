// SPDX-License-Identifier: BSD-2-Clause
/*
 * Tell the user which capability is missing before anything fails with a
 * bare EPERM deep inside libbpf.  Being uid 0 is not enough in a
 * container: the effective capability set decides.
 */
#include <stdio.h>
#include <string.h>

#include "process/privileges.h"

#define CAP_SYS_PTRACE 19
#define CAP_SYS_ADMIN 21
#define CAP_PERFMON 38
#define CAP_BPF 39

#define HAS(set, cap) (((set) >> (cap)) & 1)

int caps_parse_status(const char *text, uint64_t *capeff)
{
	const char *p = strstr(text, "\nCapEff:");
	unsigned long long v;

	if (!p || sscanf(p + 8, "%llx", &v) != 1)
		return -1;
	*capeff = v;
	return 0;
}

int privileges_missing(char *err, size_t errlen)
{
	char text[4096];
	uint64_t eff;
	size_t n;
	FILE *f = fopen("/proc/self/status", "re");
	char missing[128] = "";

	if (!f)
		return 0;	/* cannot tell: let the real operation decide */
	n = fread(text + 1, 1, sizeof(text) - 2, f);
	fclose(f);
	text[0] = '\n';
	text[n + 1] = '\0';
	if (caps_parse_status(text, &eff))
		return 0;
	/* CAP_SYS_ADMIN stands in for CAP_BPF and CAP_PERFMON on every kernel. */
	if (!HAS(eff, CAP_BPF) && !HAS(eff, CAP_SYS_ADMIN))
		strcat(missing, " CAP_BPF");
	if (!HAS(eff, CAP_PERFMON) && !HAS(eff, CAP_SYS_ADMIN))
		strcat(missing, " CAP_PERFMON");
	if (!HAS(eff, CAP_SYS_PTRACE))
		strcat(missing, " CAP_SYS_PTRACE");
	if (!missing[0])
		return 0;
	snprintf(err, errlen, "not enough privileges to trace: run as root, or grant"
		 "%s", missing);
	return 1;
}
