/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * runtime.allgs / allglen / allgptr recovered from the machine code of
 * runtime.allgadd, for binaries without symbols (docs/go-runtime.md
 * § All goroutines without stopping the target).
 * amd64 only.  Decoding uses Capstone, so every operand comes from a real
 * instruction boundary, never from a byte pattern.
 */
#ifndef GOSTRAY_ALLGDISASM_H
#define GOSTRAY_ALLGDISASM_H

#include <stddef.h>
#include <stdint.h>

struct allg_addrs {
	uint64_t allgs;		/* the []*g slice header */
	uint64_t allglen;
	uint64_t allgptr;
};

/*
 * code holds size bytes of runtime.allgadd, whose first byte is at vaddr
 * entry.  -ENOENT when any of the three cannot be identified, -EIO when
 * Capstone is unavailable.
 */
int allg_addrs_from_allgadd(const uint8_t *code, size_t size, uint64_t entry,
			    struct allg_addrs *out);

/* runtime.sched (== &sched.goidgen) from the code of runtime.newproc1:
 * 0, -ENOENT (no such instruction), -EEXIST (more than one). */
int goidgen_from_newproc1(const uint8_t *code, size_t size, uint64_t entry, uint64_t *out);

#endif /* GOSTRAY_ALLGDISASM_H */
