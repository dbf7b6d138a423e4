// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target: unwinding a goroutine's stack (src/process/gostack.c) whose
 * words are hostile, as `gostray dump` does for every parked goroutine.
 * The binary is real (FUZZ_GOBIN, default build/go/go1.27/hello.static:
 * `make fixtures` builds it); the input is the goroutine: which function
 * it is parked in and where (a PC of the binary), its saved SP, and its
 * stack memory.  Every PC the unwinder finds is symbolized with its
 * inlined calls.  Input: u32 function number, u16 offset into it, u16 SP
 * offset into the stack, then the stack bytes (8-byte words).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binary/gobin.h"
#include "process/gostack.h"

#define STACK_LO 0x7f0000100000ull

static struct gobin *gb;
static struct gobin_func *funcs;
static size_t nfuncs;

struct stack_mem {
	const uint8_t *bytes;
	size_t len;
};

static int read_stack(void *ctx, uint64_t addr, void *buf, size_t len)
{
	const struct stack_mem *m = ctx;

	if (addr < STACK_LO || addr - STACK_LO > m->len || len > m->len - (addr - STACK_LO))
		return -1;
	memcpy(buf, m->bytes + (addr - STACK_LO), len);
	return 0;
}

static int collect(const struct gobin_func *fn, void *ctx)
{
	struct gobin_func *grown = realloc(funcs, (nfuncs + 1) * sizeof(*funcs));

	if (!grown)
		return -1;
	funcs = grown;
	funcs[nfuncs++] = *fn;
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = getenv("FUZZ_GOBIN") ? getenv("FUZZ_GOBIN") :
			   "build/go/go1.27/hello.static";
	char err[256];

	if (gobin_open(path, &gb, err, sizeof(err))) {
		fprintf(stderr, "fuzz_gostack: %s: %s (make fixtures, or set FUZZ_GOBIN)\n",
			path, err);
		exit(1);
	}
	if (gobin_for_each_func(gb, "", collect, NULL) || !nfuncs) {
		fprintf(stderr, "fuzz_gostack: no functions in %s\n", path);
		exit(1);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t pcs[GOSTACK_MAX_PCS], pc;
	struct go_frame frames[GOSTACK_MAX_INLINE];
	struct stack_mem mem;
	const struct gobin_func *fn;
	uint32_t fi;
	uint16_t pc_off, sp_off;
	size_t n = 0, i;

	if (size < 8)
		return 0;
	memcpy(&fi, data, 4);
	memcpy(&pc_off, data + 4, 2);
	memcpy(&sp_off, data + 6, 2);
	mem.bytes = data + 8;
	mem.len = size - 8;
	fn = &funcs[fi % nfuncs];
	pc = fn->entry + (fn->end > fn->entry ? pc_off % (fn->end - fn->entry) : 0);
	gostack_unwind(gb, 0, pc, STACK_LO + (mem.len ? sp_off % mem.len : 0), STACK_LO,
		       STACK_LO + mem.len, read_stack, &mem, pcs, GOSTACK_MAX_PCS, &n);
	for (i = 0; i < n; i++)
		gostack_symbolize(gb, 0, pcs[i], frames, GOSTACK_MAX_INLINE);
	return 0;
}
