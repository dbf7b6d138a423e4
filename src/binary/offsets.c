// SPDX-License-Identifier: BSD-2-Clause
/*
 * Go runtime struct offsets: from the binary's own DWARF when it has any,
 * else from the table tools/gen-offsets generated from the DWARF of
 * binaries built by every toolchain (src/binary/offsets_table.inc).
 *
 * libdw inflates both kinds of zlib-compressed DWARF Go linkers write:
 * SHF_COMPRESSED .debug_* (Go 1.19+ here) and the older GNU-style
 * .zdebug_* (Go 1.17's buildifier 4.2.5), so no elf_compress() call is
 * needed here.
 */
#include <elfutils/libdw.h>
#include <dwarf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "binary/offsets.h"

struct offsets_row {
	int minor;
	uint32_t g_size;
	uint32_t g_stack_lo, g_stack_hi, g_m, g_sched, g_syscallsp, g_syscallpc;
	uint32_t g_atomicstatus, g_goid;
	uint32_t g_waitsince, g_waitreason, g_parent_goid, g_gopc, g_startpc;
	uint32_t gobuf_sp, gobuf_pc, gobuf_bp, m_curg, m_procid;
};

static const struct offsets_row offsets_table[] = {
#include "offsets_table.inc"
};

static void row_to_offsets(const struct offsets_row *r, struct go_offsets *o)
{
	memset(o, 0, sizeof(*o));
	o->g_stack_lo = r->g_stack_lo;
	o->g_stack_hi = r->g_stack_hi;
	o->g_m = r->g_m;
	o->g_sched = r->g_sched;
	o->g_syscallsp = r->g_syscallsp;
	o->g_syscallpc = r->g_syscallpc;
	o->g_atomicstatus = r->g_atomicstatus;
	o->g_goid = r->g_goid;
	o->g_waitsince = r->g_waitsince;
	o->g_waitreason = r->g_waitreason;
	o->g_parent_goid = r->g_parent_goid;
	o->g_gopc = r->g_gopc;
	o->g_startpc = r->g_startpc;
	o->g_size = r->g_size;
	o->gobuf_sp = r->gobuf_sp;
	o->gobuf_pc = r->gobuf_pc;
	o->gobuf_bp = r->gobuf_bp;
	o->m_curg = r->m_curg;
	o->m_procid = r->m_procid;
}

int go_offsets_from_table(int minor, struct go_offsets *out)
{
	size_t i;

	for (i = 0; i < sizeof(offsets_table) / sizeof(*offsets_table); i++) {
		if (offsets_table[i].minor == minor) {
			row_to_offsets(&offsets_table[i], out);
			out->src = GOBIN_SRC_TABLE;
			return 0;
		}
	}
	return -ENOTSUP;
}

/* The DIEs of the structs we need, found in one pass over every CU. */
struct dwarf_structs {
	Dwarf_Die g, m, gobuf, stack;
	bool have_g, have_m, have_gobuf, have_stack;
};

static void note_struct(Dwarf_Die *die, struct dwarf_structs *s)
{
	const char *name = dwarf_diename(die);
	Dwarf_Attribute decl;

	if (!name || strncmp(name, "runtime.", 8))
		return;
	/* A declaration is not the definition with the members. */
	if (dwarf_attr(die, DW_AT_declaration, &decl))
		return;
	if (!s->have_g && !strcmp(name, "runtime.g")) {
		s->g = *die;
		s->have_g = true;
	} else if (!s->have_m && !strcmp(name, "runtime.m")) {
		s->m = *die;
		s->have_m = true;
	} else if (!s->have_gobuf && !strcmp(name, "runtime.gobuf")) {
		s->gobuf = *die;
		s->have_gobuf = true;
	} else if (!s->have_stack && !strcmp(name, "runtime.stack")) {
		s->stack = *die;
		s->have_stack = true;
	}
}

static bool all_found(const struct dwarf_structs *s)
{
	return s->have_g && s->have_m && s->have_gobuf && s->have_stack;
}

static void find_structs(Dwarf *dw, struct dwarf_structs *s)
{
	Dwarf_Off off = 0, next;
	size_t hdr;

	while (!all_found(s) && dwarf_nextcu(dw, off, &next, &hdr, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, child;

		if (dwarf_offdie(dw, off + hdr, &cu) && dwarf_child(&cu, &child) == 0) {
			do {
				if (dwarf_tag(&child) == DW_TAG_structure_type)
					note_struct(&child, s);
			} while (!all_found(s) && dwarf_siblingof(&child, &child) == 0);
		}
		off = next;
	}
}

/* Byte offset of member name in struct die; -1 when absent. */
static int64_t member_offset(Dwarf_Die *st, const char *name)
{
	Dwarf_Die child;
	Dwarf_Attribute attr;
	Dwarf_Word loc;

	if (dwarf_child(st, &child))
		return -1;
	do {
		const char *n;

		if (dwarf_tag(&child) != DW_TAG_member)
			continue;
		n = dwarf_diename(&child);
		if (!n || strcmp(n, name))
			continue;
		if (!dwarf_attr(&child, DW_AT_data_member_location, &attr) ||
		    dwarf_formudata(&attr, &loc))
			return -1;
		return (int64_t)loc;
	} while (dwarf_siblingof(&child, &child) == 0);
	return -1;
}

struct member_spec {
	const char *what;	/* for messages */
	Dwarf_Die *st;
	const char *name;
	uint32_t *dst;
	bool optional;
};

int go_offsets_from_dwarf(const char *path, struct go_offsets *out,
			  char *err, size_t errlen)
{
	struct dwarf_structs s = { 0 };
	int64_t stack_lo, stack_hi, v;
	Dwarf_Word gsize;
	Dwarf_Attribute attr;
	Dwarf *dw;
	size_t i;
	int fd, ret = -ENODATA;

	memset(out, 0, sizeof(*out));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;	/* before snprintf can clobber errno */
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(-ret));
		return ret;
	}
	dw = dwarf_begin(fd, DWARF_C_READ);
	if (!dw) {
		snprintf(err, errlen, "no DWARF debug info");
		goto out_close_fd;
	}
	find_structs(dw, &s);
	if (!all_found(&s)) {
		snprintf(err, errlen, "DWARF has no runtime.g, runtime.m, runtime.gobuf "
			 "or runtime.stack");
		goto out_end_dwarf;
	}
	{
		struct member_spec specs[] = {
			{ "runtime.g.m", &s.g, "m", &out->g_m, false },
			{ "runtime.g.sched", &s.g, "sched", &out->g_sched, false },
			{ "runtime.g.syscallsp", &s.g, "syscallsp", &out->g_syscallsp, false },
			{ "runtime.g.syscallpc", &s.g, "syscallpc", &out->g_syscallpc, false },
			{ "runtime.g.atomicstatus", &s.g, "atomicstatus", &out->g_atomicstatus, false },
			{ "runtime.g.goid", &s.g, "goid", &out->g_goid, false },
			{ "runtime.g.waitsince", &s.g, "waitsince", &out->g_waitsince, false },
			{ "runtime.g.waitreason", &s.g, "waitreason", &out->g_waitreason, false },
			{ "runtime.g.parentGoid", &s.g, "parentGoid", &out->g_parent_goid, true },
			{ "runtime.g.gopc", &s.g, "gopc", &out->g_gopc, false },
			{ "runtime.g.startpc", &s.g, "startpc", &out->g_startpc, false },
			{ "runtime.gobuf.sp", &s.gobuf, "sp", &out->gobuf_sp, false },
			{ "runtime.gobuf.pc", &s.gobuf, "pc", &out->gobuf_pc, false },
			{ "runtime.gobuf.bp", &s.gobuf, "bp", &out->gobuf_bp, false },
			{ "runtime.m.curg", &s.m, "curg", &out->m_curg, false },
			{ "runtime.m.procid", &s.m, "procid", &out->m_procid, false },
		};

		for (i = 0; i < sizeof(specs) / sizeof(*specs); i++) {
			v = member_offset(specs[i].st, specs[i].name);
			if (v < 0 && specs[i].optional) {
				*specs[i].dst = GO_NO_FIELD;
				continue;
			}
			if (v < 0 || v > 0xffff) {
				snprintf(err, errlen, "DWARF has no usable %s", specs[i].what);
				goto out_end_dwarf;
			}
			*specs[i].dst = (uint32_t)v;
		}
	}
	v = member_offset(&s.g, "stack");
	stack_lo = member_offset(&s.stack, "lo");
	stack_hi = member_offset(&s.stack, "hi");
	if (v < 0 || stack_lo < 0 || stack_hi < 0 ||
	    !dwarf_attr(&s.g, DW_AT_byte_size, &attr) || dwarf_formudata(&attr, &gsize)) {
		snprintf(err, errlen, "DWARF has no usable runtime.g.stack or size");
		goto out_end_dwarf;
	}
	out->g_stack_lo = (uint32_t)(v + stack_lo);
	out->g_stack_hi = (uint32_t)(v + stack_hi);
	out->g_size = (uint32_t)gsize;
	out->src = GOBIN_SRC_DWARF;
	ret = 0;

out_end_dwarf:
	if (dw)
		dwarf_end(dw);
out_close_fd:
	close(fd);
	return ret;
}

/* Every field, DWARF against the table: a difference means the table is
 * wrong for this build (or the binary is a patched runtime).  One line
 * naming the first difference. */
static int describe_mismatch(const struct go_offsets *d, const struct go_offsets *t,
			     char *buf, size_t len)
{
	const struct { const char *name; uint32_t a, b; } f[] = {
		{ "g.goid", d->g_goid, t->g_goid },
		{ "g.gopc", d->g_gopc, t->g_gopc },
		{ "g.startpc", d->g_startpc, t->g_startpc },
		{ "g.atomicstatus", d->g_atomicstatus, t->g_atomicstatus },
		{ "g.waitreason", d->g_waitreason, t->g_waitreason },
		{ "g.waitsince", d->g_waitsince, t->g_waitsince },
		{ "g.parentGoid", d->g_parent_goid, t->g_parent_goid },
		{ "g.m", d->g_m, t->g_m },
		{ "g.sched", d->g_sched, t->g_sched },
		{ "g.syscallsp", d->g_syscallsp, t->g_syscallsp },
		{ "g.syscallpc", d->g_syscallpc, t->g_syscallpc },
		{ "g.stack.lo", d->g_stack_lo, t->g_stack_lo },
		{ "g.stack.hi", d->g_stack_hi, t->g_stack_hi },
		{ "sizeof(g)", d->g_size, t->g_size },
		{ "gobuf.sp", d->gobuf_sp, t->gobuf_sp },
		{ "gobuf.pc", d->gobuf_pc, t->gobuf_pc },
		{ "gobuf.bp", d->gobuf_bp, t->gobuf_bp },
		{ "m.curg", d->m_curg, t->m_curg },
		{ "m.procid", d->m_procid, t->m_procid },
	};
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(*f); i++) {
		if (f[i].a != f[i].b) {
			snprintf(buf, len, "DWARF says %s is at %d, the built-in table says %d; "
				 "using DWARF", f[i].name, (int)f[i].a, (int)f[i].b);
			return 1;
		}
	}
	return 0;
}

int go_offsets_resolve(const struct gobin *gb, struct go_offsets *out,
		       char *err, size_t errlen)
{
	struct go_offsets table;
	int minor = gobin_go_minor(gb);
	int have_table = gobin_go_major(gb) == 1 && !go_offsets_from_table(minor, &table);
	char why[160] = "";

	if (err && errlen)
		err[0] = '\0';
	if (gobin_has_dwarf(gb) &&
	    !go_offsets_from_dwarf(gobin_path(gb), out, why, sizeof(why))) {
		if (have_table)
			describe_mismatch(out, &table, err, errlen);
		return 0;
	}
	if (have_table) {
		*out = table;
		return 0;
	}
	snprintf(err, errlen, "no DWARF%s%s and Go %s is not in the built-in table "
		 "(Go 1.%d to 1.%d)", why[0] ? ": " : "", why, gobin_go_version(gb),
		 GO_MINOR_MIN, GO_MINOR_MAX);
	return -ENOTSUP;
}

bool go_is_system_goroutine(int minor, const char *start_function)
{
	/*
	 * newproc1 counts sched.ngsys with isSystemGoroutine(newg, false)
	 * (runtime/traceback.go), and gcount(), hence NumGoroutine(),
	 * subtracts ngsys: system means a start function in package runtime
	 * ("runtime.", not "runtime/pprof."), except the funcIDs
	 * runtime_main and handleAsyncEvent (js/wasm), plus corostart
	 * (iter.Pull coroutines) from Go 1.22.  The finalizer goroutine
	 * (runfinq, runFinalizers in 1.25+) and the cleanup goroutines
	 * (runCleanups, 1.25+) are created while not running user code, so
	 * they count as system; ngsys never changes for them afterwards.
	 * Checked in the 1.19, 1.21-1.27 sources.  An unknown version (0)
	 * gets the newest rules.
	 */
	if (!start_function || strncmp(start_function, "runtime.", 8))
		return false;
	if (!strcmp(start_function, "runtime.main") ||
	    !strcmp(start_function, "runtime.handleAsyncEvent"))
		return false;
	if ((minor == 0 || minor >= 22) && !strcmp(start_function, "runtime.corostart"))
		return false;
	return true;
}

void go_offsets_g_window(const struct go_offsets *o, uint32_t *start, uint32_t *len)
{
	uint32_t fields[] = { o->g_goid, o->g_gopc, o->g_startpc, o->g_atomicstatus,
			      o->g_parent_goid };
	uint32_t lo = UINT32_MAX, hi = 0;
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (fields[i] == GO_NO_FIELD)
			continue;
		if (fields[i] < lo)
			lo = fields[i];
		if (fields[i] + 8 > hi)
			hi = fields[i] + 8;
	}
	lo &= ~7u;	/* the u64 fields stay 8-aligned in the copy */
	*start = lo;
	*len = hi > lo && hi - lo <= GO_G_WINDOW_MAX ? hi - lo : 0;
	if (!*len)
		*start = 0;
}
