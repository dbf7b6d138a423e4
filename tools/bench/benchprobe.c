// SPDX-License-Identifier: BSD-2-Clause
/*
 * benchprobe: the reference tracers of tools/bench/bench (see
 * benchprobe.bpf.c).  Attaches uprobes for one PID, drains the ring buffer
 * the way gostray does (100 ms poll, wakeups only when 1/8 full), and on
 * SIGINT/SIGTERM prints its counters as one JSON line.
 *
 *   benchprobe --pid PID --binary PATH [--goid-offset N] PROG@WHERE...
 *
 * PROG is empty, naive_create, naive_park or naive_exit; WHERE is a file
 * offset (0x...) or a symbol, resolved by libbpf the way bpftrace resolves
 * uprobe:BIN:SYMBOL (to the function's first instruction).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "gostray_events.h"
#include "benchprobe.skel.h"

#define MAX_LINKS 32
#define RINGBUF_BYTES (16u << 20)	/* gostray's default */

static volatile sig_atomic_t stop;
static unsigned long long records;

static void on_signal(int sig)
{
	stop = sig;
}

static int on_record(void *ctx, void *data, size_t len)
{
	records++;
	return 0;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: benchprobe --pid PID --binary PATH "
		"[--goid-offset N] PROG@OFFSET|PROG@SYMBOL...\n");
	exit(2);
}

static struct bpf_link *attach(struct benchprobe_bpf *skel, int pid,
			       const char *binary, char *spec)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo);
	char *where = strchr(spec, '@');
	struct bpf_program *prog;
	size_t offset = 0;

	if (!where)
		usage();
	*where++ = '\0';
	prog = bpf_object__find_program_by_name(skel->obj, spec);
	if (!prog) {
		fprintf(stderr, "benchprobe: no BPF program '%s'\n", spec);
		return NULL;
	}
	if (!strncmp(where, "0x", 2))
		offset = strtoull(where, NULL, 16);
	else
		uo.func_name = where;
	return bpf_program__attach_uprobe_opts(prog, pid, binary, offset, &uo);
}

static void print_stats(struct benchprobe_bpf *skel, int nlinks)
{
	static const char *const names[GS_STAT_MAX] = {
		"lost", "create_hits", "park_hits", "exit_hits", "read_faults",
		"stack_walk_faults", "stack_maps_full",
	};
	int ncpu = libbpf_num_possible_cpus();
	__u64 vals[ncpu > 0 ? ncpu : 1];
	__u32 k;
	int i;

	printf("{\"probes\": %d, \"records\": %llu", nlinks, records);
	for (k = 0; k < GS_STAT_MAX; k++) {
		unsigned long long sum = 0;

		if (!bpf_map__lookup_elem(skel->maps.stats, &k, sizeof(k), vals,
					  sizeof(__u64) * ncpu, 0))
			for (i = 0; i < ncpu; i++)
				sum += vals[i];
		printf(", \"%s\": %llu", names[k], sum);
	}
	printf("}\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct bpf_link *links[MAX_LINKS];
	struct benchprobe_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	const char *binary = NULL;
	int pid = 0, goid_off = 0, nlinks = 0, ret = 1, i;

	for (i = 1; i < argc && argv[i][0] == '-'; i += 2) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--pid"))
			pid = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--binary"))
			binary = argv[i + 1];
		else if (!strcmp(argv[i], "--goid-offset"))
			goid_off = atoi(argv[i + 1]);
		else
			usage();
	}
	if (pid <= 0 || !binary || i >= argc || argc - i > MAX_LINKS)
		usage();
	libbpf_set_print(quiet);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	skel = benchprobe_bpf__open();
	if (!skel) {
		fprintf(stderr, "benchprobe: cannot open the BPF object\n");
		return 1;
	}
	skel->rodata->filter_tgid = pid;
	skel->rodata->goid_off = goid_off;
	skel->rodata->wakeup_bytes = RINGBUF_BYTES / 8;
	bpf_map__set_max_entries(skel->maps.events, RINGBUF_BYTES);
	if (benchprobe_bpf__load(skel)) {
		fprintf(stderr, "benchprobe: cannot load the BPF object: %s\n",
			strerror(errno));
		goto out_destroy;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_record, NULL, NULL);
	if (!rb) {
		fprintf(stderr, "benchprobe: cannot open the ring buffer\n");
		goto out_destroy;
	}
	for (; i < argc; i++) {
		char spec[256];

		snprintf(spec, sizeof(spec), "%s", argv[i]);
		links[nlinks] = attach(skel, pid, binary, spec);
		if (!links[nlinks]) {
			fprintf(stderr, "benchprobe: cannot attach %s in %s: %s\n",
				argv[i], binary, strerror(errno));
			goto out_detach;
		}
		nlinks++;
	}
	fprintf(stderr, "benchprobe: attached %d probes to PID %d\n", nlinks, pid);

	while (!stop) {
		int n = ring_buffer__poll(rb, 100);

		if (n < 0 && n != -EINTR)
			break;
		ring_buffer__consume(rb);
	}
	ring_buffer__consume(rb);
	print_stats(skel, nlinks);
	ret = 0;

out_detach:
	while (nlinks > 0)
		bpf_link__destroy(links[--nlinks]);
	ring_buffer__free(rb);
out_destroy:
	benchprobe_bpf__destroy(skel);
	return ret;
}
