/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Struct offsets of the Go runtime (amd64) that gostray reads: from the
 * binary's DWARF when it has any, else from the built-in table per Go
 * minor version (derived from each toolchain's DWARF; see
 * tools/gen-offsets and docs/go-runtime.md § The g structure).
 */
#ifndef GOSTRAY_OFFSETS_H
#define GOSTRAY_OFFSETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "binary/gobin.h"

/* Oldest and newest Go minor versions (1.x) gostray knows. */
#define GO_MINOR_MIN 17
#define GO_MINOR_MAX 27

#define GO_NO_FIELD UINT32_MAX	/* the field does not exist in this version */

struct go_offsets {
	/* runtime.g */
	uint32_t g_stack_lo;
	uint32_t g_stack_hi;
	uint32_t g_m;
	uint32_t g_sched;	/* start of the embedded gobuf */
	uint32_t g_syscallsp;	/* where a goroutine in a system call stopped */
	uint32_t g_syscallpc;
	uint32_t g_atomicstatus;
	uint32_t g_goid;
	uint32_t g_waitsince;
	uint32_t g_waitreason;
	uint32_t g_parent_goid;	/* GO_NO_FIELD before Go 1.21 */
	uint32_t g_gopc;
	uint32_t g_startpc;
	uint32_t g_size;
	/* runtime.gobuf (relative to g_sched) */
	uint32_t gobuf_sp;
	uint32_t gobuf_pc;
	uint32_t gobuf_bp;
	/* runtime.m */
	uint32_t m_curg;
	uint32_t m_procid;
	enum gobin_source src;	/* GOBIN_SRC_DWARF or GOBIN_SRC_TABLE */
};

/* Built-in table.  -ENOTSUP when minor is outside [GO_MINOR_MIN, GO_MINOR_MAX]. */
int go_offsets_from_table(int minor, struct go_offsets *out);

/* Read the offsets from DWARF (.debug_info or zlib-compressed .zdebug_info /
 * SHF_COMPRESSED) of the ELF at path.  -ENODATA when there is no DWARF or it
 * lacks runtime.g; err gets one line. */
int go_offsets_from_dwarf(const char *path, struct go_offsets *out,
			  char *err, size_t errlen);

/*
 * What the tracer uses: DWARF when present (and cross-checked against the
 * table when the version is known: a mismatch is reported in err but DWARF
 * wins), else the table.  -ENOTSUP with a one-line err when the version is
 * unknown and there is no DWARF.
 */
int go_offsets_resolve(const struct gobin *gb, struct go_offsets *out,
		       char *err, size_t errlen);

/*
 * Whether a goroutine starting in start_function is one the runtime counts
 * as a system goroutine, i.e. excluded from runtime.NumGoroutine()
 * (isSystemGoroutine in runtime/traceback.go, as newproc1 applies it):
 * "runtime.*" except runtime.main, runtime.handleAsyncEvent and, from Go
 * 1.22, runtime.corostart.  start_function is the pclntab name of g.startpc
 * (e.g. "runtime.gcenable.gowrap1"); minor 0 (unknown) gets the newest rules.
 */
bool go_is_system_goroutine(int minor, const char *start_function);

/* Largest window of a g read at once (GS_G_WINDOW_MAX of
 * include/gostray_events.h, which the build checks equal). */
#define GO_G_WINDOW_MAX 256

/*
 * The one window of a g the BPF programs read per hit
 * (gs_bpf_offsets.g_window): from the lowest of goid, gopc, startpc,
 * atomicstatus and parentGoid, 8-aligned, to the end of the highest; *len
 * 0 when it would exceed GO_G_WINDOW_MAX (then they read field by field).
 */
void go_offsets_g_window(const struct go_offsets *o, uint32_t *start, uint32_t *len);

#endif /* GOSTRAY_OFFSETS_H */
