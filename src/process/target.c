// SPDX-License-Identifier: BSD-2-Clause
/*
 * Target analysis: everything is derived and checked before a single probe
 * is attached, so "refuse with a clear message" never leaves anything
 * behind in the target.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "process/procmem.h"
#include "process/siteinfo.h"
#include "binary/gowrap.h"
#include "process/target.h"

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static int resolve_process(struct target *t, const char *arg, char *err, size_t errlen)
{
	char link[64];
	ssize_t n;
	long pid = strtol(arg, NULL, 10);

	if (pid <= 0 || pid > 0x7fffffff) {
		snprintf(err, errlen, "invalid PID %s", arg);
		return -EINVAL;
	}
	t->pid = (pid_t)pid;
	snprintf(link, sizeof(link), "/proc/%ld/exe", pid);
	n = readlink(link, t->exe_name, sizeof(t->exe_name) - 1);
	if (n < 0) {
		int e = errno;

		if (e == ENOENT)
			snprintf(err, errlen, "no process with PID %ld", pid);
		else
			snprintf(err, errlen, "cannot read %s: %s%s", link, strerror(e),
				 e == EACCES || e == EPERM ? " (run as root)" : "");
		return -e;
	}
	t->exe_name[n] = '\0';
	/* /proc/PID/exe opens the very file the process runs, inside its
	 * container and even if it was deleted or replaced on disk. */
	snprintf(t->exe, sizeof(t->exe), "%s", link);
	return 0;
}

static int check_version(struct target *t, char *err, size_t errlen)
{
	int major = gobin_go_major(t->gb);

	t->minor = gobin_go_minor(t->gb);
	if (major == 0) {
		snprintf(err, errlen, "%s: cannot tell its Go version: no buildinfo "
			 "and no runtime version string", t->exe_name);
		return -ENOTSUP;
	}
	if (major != 1 || t->minor < GO_MINOR_MIN) {
		snprintf(err, errlen, "%s: %s is not supported: gostray needs Go "
			 "1.%d or newer (register ABI)", t->exe_name,
			 gobin_go_version(t->gb), GO_MINOR_MIN);
		return -ENOTSUP;
	}
	if (t->minor > GO_MINOR_MAX) {
		snprintf(err, errlen, "%s: %s is newer than this gostray knows "
			 "(Go 1.%d to 1.%d)", t->exe_name, gobin_go_version(t->gb),
			 GO_MINOR_MIN, GO_MINOR_MAX);
		return -ENOTSUP;
	}
	return 0;
}

static int find_allgs(struct target *t, char *err, size_t errlen)
{
	if (gobin_find_var(t->gb, "runtime.allglen", &t->allglen) ||
	    gobin_find_var(t->gb, "runtime.allgptr", &t->allgptr)) {
		snprintf(err, errlen, "%s: cannot locate runtime.allglen/allgptr "
			 "(no symbols and runtime.allgadd not recognised)", t->exe_name);
		return -ENOENT;
	}
	/* Optional: only the goid allocator's count needs it. */
	t->have_sched = !gobin_find_var(t->gb, "runtime.sched", &t->sched);
	return 0;
}

/* Where the executable's first PT_LOAD landed in the process. */
static int compute_bias(struct target *t, char *err, size_t errlen)
{
	uint64_t start, first;
	int ret;

	if (!gobin_is_pie(t->gb)) {
		t->bias = 0;
		return 0;
	}
	first = gobin_first_load_vaddr(t->gb);
	ret = proc_exe_mapping_start(t->pid, 0, &start);
	if (ret) {
		snprintf(err, errlen, "cannot find the mapping of %s in /proc/%d/maps: %s",
			 t->exe_name, t->pid, strerror(-ret));
		return ret;
	}
	t->bias = start - first;
	return 0;
}

int target_open(struct target *t, const char *arg, char *err, size_t errlen)
{
	char why[256] = "";
	int ret;

	memset(t, 0, sizeof(*t));
	if (all_digits(arg)) {
		ret = resolve_process(t, arg, err, errlen);
		if (ret)
			return ret;
	} else {
		snprintf(t->exe, sizeof(t->exe), "%s", arg);
		snprintf(t->exe_name, sizeof(t->exe_name), "%s", arg);
	}

	ret = gobin_open(t->exe, &t->gb, why, sizeof(why));
	if (ret) {
		const char *detail = why;

		if (!strncmp(detail, "not a Go binary: ", 17))
			detail += 17;
		if (t->pid)
			snprintf(err, errlen, "PID %d (%s) is not a Go program: %s",
				 t->pid, t->exe_name, detail);
		else
			snprintf(err, errlen, "%s: %s", t->exe_name, why);
		return ret;
	}
	ret = check_version(t, err, errlen);
	if (ret)
		goto err_close;
	ret = go_offsets_resolve(t->gb, &t->off, t->offsets_note, sizeof(t->offsets_note));
	if (ret) {
		snprintf(err, errlen, "%s: no struct offsets: %s", t->exe_name,
			 t->offsets_note);
		goto err_close;
	}
	ret = probeplan_build(t->gb, t->minor, &t->plan, why, sizeof(why));
	if (ret) {
		snprintf(err, errlen, "%s: cannot place probes: %s", t->exe_name, why);
		goto err_close;
	}
	ret = find_allgs(t, err, errlen);
	if (ret)
		goto err_close;
	if (t->pid) {
		ret = compute_bias(t, err, errlen);
		if (ret)
			goto err_close;
	}
	t->supported = true;
	return 0;

err_close:
	/* Keep the gobin open: `gostray info` still shows what was found. */
	snprintf(t->unsupported, sizeof(t->unsupported), "%s", err);
	return ret;
}

int target_for_process(struct target *t, const struct target *bin, pid_t pid,
		       char *err, size_t errlen)
{
	char arg[24];
	int ret;

	*t = *bin;
	t->gb_borrowed = true;
	snprintf(arg, sizeof(arg), "%d", (int)pid);
	ret = resolve_process(t, arg, err, errlen);
	if (!ret)
		ret = compute_bias(t, err, errlen);
	return ret;
}

/* Safe on a target whose target_open() failed. */
void target_close(struct target *t)
{
	if (!t->gb_borrowed)
		gobin_close(t->gb);
	t->gb = NULL;
}

void target_symbolize_site(void *ctx, uint64_t gopc, uint64_t startpc,
			   struct site_info *info)
{
	const struct target *t = ctx;
	struct gobin_pcinfo pi;

	/* gopc is a return address: look up the CALL itself, as the
	 * runtime's "created by" does. */
	if (gopc > t->bias && !gobin_pc_lookup(t->gb, gopc - t->bias - 1, &pi)) {
		snprintf(info->function, sizeof(info->function), "%s", pi.function);
		snprintf(info->file, sizeof(info->file), "%s", pi.file);
		info->line = pi.line;
	} else {
		snprintf(info->function, sizeof(info->function), "?");
		snprintf(info->file, sizeof(info->file), "?");
	}
	if (startpc > t->bias && !gobin_pc_lookup(t->gb, startpc - t->bias, &pi)) {
		const char *wrote = gowrap_user_function(t->gb, startpc - t->bias);

		/* The runtime counts system goroutines by the entry itself
		 * (isSystemGoroutine): `go runtime.GC()` runs a user wrapper. */
		info->system = go_is_system_goroutine(t->minor, pi.function);
		snprintf(info->start_function, sizeof(info->start_function), "%s",
			 wrote ? wrote : pi.function);
	} else {
		snprintf(info->start_function, sizeof(info->start_function), "?");
		info->system = false;
	}
}
