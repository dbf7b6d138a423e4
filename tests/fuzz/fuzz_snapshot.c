// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target: the goroutine snapshot (src/process/allgs.c) reading a
 * hostile process's memory.  Whatever a target holds - allglen, the allgs
 * array, the g structs - is read through the same procmem code a trace
 * uses, from this process's own memory: the input is copied to a fixed
 * address, so seeds can carry pointers that land inside it and mutations
 * make near misses.  allglen at FUZZ_BASE, the allgs pointer at
 * FUZZ_BASE + 8; g layouts of Go 1.19 and 1.27 (the first input byte picks).
 *
 * Garbage must give errors or skipped gs, bounded allocations (ASan's
 * RSS limit catches an allglen taken at its word), never a crash.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "binary/offsets.h"
#include "process/procmem.h"
#include "process/allgs.h"

/* in ASan's high memory (above 0x10007fff8000), unused by anything else */
#define FUZZ_BASE 0x500000000000ull
#define FUZZ_SPAN (1u << 20)

static uint8_t *arena;

static int arena_map(void)
{
	void *p;

	if (arena)
		return 0;
	p = mmap((void *)FUZZ_BASE, FUZZ_SPAN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != (void *)FUZZ_BASE)
		abort();	/* the harness itself is broken: say so */
	arena = p;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct allgs_source src = { 0 };
	struct go_offsets off;
	struct procmem pm;
	struct snapshot s;
	char err[256];

	if (size < 2 || size - 1 > FUZZ_SPAN || arena_map())
		return 0;
	if (go_offsets_from_table(data[0] & 1 ? 27 : 19, &off))
		abort();
	memset(arena, 0, FUZZ_SPAN);
	memcpy(arena, data + 1, size - 1);
	if (procmem_open(&pm, getpid()))
		return 0;
	src.mem = &pm;
	src.off = &off;
	src.allglen_addr = FUZZ_BASE;
	src.allgptr_addr = FUZZ_BASE + 8;
	if (!allgs_read(&src, &s, err, sizeof(err))) {
		allgs_reread_runnable(&src, &s);
		allgs_free(&s);
	}
	procmem_close(&pm);
	return 0;
}
