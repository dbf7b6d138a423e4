// SPDX-License-Identifier: BSD-2-Clause
/*
 * pclntab: Go's function table, decoded the way the Go runtime decodes it
 * (runtime/symtab.go: findfunc, pcvalue, step), with every offset checked
 * against the buffer because the binary is untrusted.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "binary/pclntab.h"

/* Field offsets inside _func, per format (docs/go-runtime.md § The function
 * table). */
struct func_layout {
	size_t nameoff, pcsp, pcfile, pcln, npcdata, cu_offset, funcid, flag, nfuncdata, size;
};

static const struct func_layout layout_116 = {
	.nameoff = 8, .pcsp = 20, .pcfile = 24, .pcln = 28, .npcdata = 32, .cu_offset = 36,
	.funcid = 40, .flag = 41, .nfuncdata = 43, .size = 44,
};
static const struct func_layout layout_118 = {
	.nameoff = 4, .pcsp = 16, .pcfile = 20, .pcln = 24, .npcdata = 28, .cu_offset = 32,
	.funcid = 36, .flag = 37, .nfuncdata = 39, .size = 40,
};
static const struct func_layout layout_120 = {
	.nameoff = 4, .pcsp = 16, .pcfile = 20, .pcln = 24, .npcdata = 28, .cu_offset = 32,
	.funcid = 40, .flag = 41, .nfuncdata = 43, .size = 44,
};

static const struct func_layout *func_layout(const struct pclntab *t)
{
	switch (t->magic) {
	case PCLN_MAGIC_116: return &layout_116;
	case PCLN_MAGIC_118: return &layout_118;
	default: return &layout_120;
	}
}

static bool fits(const struct pclntab *t, uint64_t off, uint64_t len)
{
	return off <= t->size && len <= t->size - off;
}

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* NUL-terminated string at off, or NULL when it runs off the table. */
static const char *cstring_at(const struct pclntab *t, uint64_t off)
{
	if (off >= t->size || !memchr(t->data + off, 0, t->size - off))
		return NULL;
	return (const char *)t->data + off;
}

bool pclntab_header_valid(const uint8_t *p, size_t len)
{
	uint32_t magic;

	if (len < PCLN_HEADER_MAX)
		return false;
	magic = get_u32(p);
	if (magic != PCLN_MAGIC_116 && magic != PCLN_MAGIC_118 && magic != PCLN_MAGIC_120)
		return false;
	return p[4] == 0 && p[5] == 0 && (p[6] == 1 || p[6] == 2 || p[6] == 4) && p[7] == 8;
}

bool pclntab_needs_text_start(const struct pclntab *t)
{
	return t->magic != PCLN_MAGIC_116;
}

static size_t functab_field_size(const struct pclntab *t)
{
	return t->magic == PCLN_MAGIC_116 ? 8 : 4;
}

static void read_header_offsets(struct pclntab *t)
{
	const uint8_t *h = t->data;
	/* 1.18 inserted textStart at 24 and moved the offsets up by 8. */
	size_t base = t->magic == PCLN_MAGIC_116 ? 24 : 32;

	t->nfunc = get_u64(h + 8);
	t->header_text_start = t->magic == PCLN_MAGIC_116 ? 0 : get_u64(h + 24);
	t->funcname_off = get_u64(h + base);
	t->cu_off = get_u64(h + base + 8);
	t->filetab_off = get_u64(h + base + 16);
	t->pctab_off = get_u64(h + base + 24);
	t->pcln_off = get_u64(h + base + 32);
}

int pclntab_parse(struct pclntab *t, const uint8_t *data, size_t size, uint64_t vaddr,
		  char *err, size_t errlen)
{
	uint64_t field;

	memset(t, 0, sizeof(*t));
	if (size < 4 || !data) {
		snprintf(err, errlen, "pclntab truncated");
		return -EINVAL;
	}
	if (!pclntab_header_valid(data, size)) {
		snprintf(err, errlen, "unsupported pclntab format 0x%08x", get_u32(data));
		return -ENOTSUP;
	}
	t->data = data;
	t->size = size;
	t->vaddr = vaddr;
	t->magic = get_u32(data);
	t->quantum = data[6];
	read_header_offsets(t);
	field = functab_field_size(t);
	if (!t->nfunc || t->nfunc > t->size / (2 * field) ||
	    !fits(t, t->pcln_off, (2 * t->nfunc + 1) * field) ||
	    t->funcname_off >= size || t->cu_off >= size || t->filetab_off >= size ||
	    t->pctab_off >= size) {
		snprintf(err, errlen, "corrupted pclntab header (%llu functions)",
			 (unsigned long long)t->nfunc);
		return -EINVAL;
	}
	return 0;
}

uint64_t pclntab_funcnametab_vaddr(const struct pclntab *t)
{
	return t->vaddr + t->funcname_off;
}

uint64_t pclntab_entry(const struct pclntab *t, size_t i)
{
	uint64_t off;

	if (t->magic == PCLN_MAGIC_116) {
		uint64_t entry;

		off = t->pcln_off + i * 16;
		if (t->read_addr && !t->read_addr(t->read_addr_ctx, t->vaddr + off, &entry))
			return entry;
		return get_u64(t->data + off);
	}
	off = t->pcln_off + i * 8;
	return t->text_start + get_u32(t->data + off);
}

static uint64_t funcoff_of(const struct pclntab *t, size_t i)
{
	if (t->magic == PCLN_MAGIC_116)
		return get_u64(t->data + t->pcln_off + i * 16 + 8);
	return get_u32(t->data + t->pcln_off + i * 8 + 4);
}

/* Offset of function i's _func inside the table, checked to fit. */
static int func_struct(const struct pclntab *t, size_t i, uint64_t *off)
{
	uint64_t funcoff = funcoff_of(t, i);

	if (funcoff > t->size - t->pcln_off)
		return -EINVAL;
	*off = t->pcln_off + funcoff;
	return fits(t, *off, func_layout(t)->size) ? 0 : -EINVAL;
}

int pclntab_func(const struct pclntab *t, size_t i, struct pcln_func *out)
{
	const struct func_layout *l = func_layout(t);
	uint64_t fo;
	int32_t nameoff;

	if (i >= t->nfunc || func_struct(t, i, &fo))
		return -EINVAL;
	nameoff = (int32_t)get_u32(t->data + fo + l->nameoff);
	if (nameoff < 0)
		return -EINVAL;
	out->name = cstring_at(t, t->funcname_off + (uint64_t)nameoff);
	if (!out->name)
		return -EINVAL;
	out->entry = pclntab_entry(t, i);
	out->end = pclntab_entry(t, i + 1);
	out->funcid = t->data[fo + l->funcid];
	out->flag = t->data[fo + l->flag];
	out->index = i;
	return out->end > out->entry ? 0 : -EINVAL;
}

int pclntab_func_at(const struct pclntab *t, uint64_t pc, struct pcln_func *out)
{
	size_t lo = 0, hi = t->nfunc;

	if (pc < pclntab_entry(t, 0) || pc >= pclntab_entry(t, t->nfunc))
		return -ENOENT;
	/* last slot whose entry <= pc */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (pclntab_entry(t, mid) <= pc)
			lo = mid;
		else
			hi = mid;
	}
	if (pclntab_func(t, lo, out))
		return -EINVAL;
	return pc < out->end ? 0 : -ENOENT;
}

static bool read_uvarint(const uint8_t **p, const uint8_t *end, uint32_t *val)
{
	uint32_t v = 0;
	unsigned int shift;

	for (shift = 0; shift < 35 && *p < end; shift += 7) {
		uint8_t b = *(*p)++;

		v |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*val = v;
			return true;
		}
	}
	return false;
}

/*
 * The runtime's pcvalue: a sequence of (zig-zag value delta, pc delta)
 * pairs starting at value -1 and pc = entry; the value for target is the
 * one in force when the running pc first exceeds it.  A zero value delta
 * other than the first ends the table.  Returns -1 when not covered.
 */
static int32_t pcvalue(const struct pclntab *t, uint32_t off, uint64_t entry,
		       uint64_t target)
{
	const uint8_t *p, *end = t->data + t->size;
	uint64_t pc = entry;
	int32_t val = -1;

	if (!off || !fits(t, t->pctab_off + off, 1))
		return -1;
	p = t->data + t->pctab_off + off;
	for (;;) {
		uint32_t vdelta, pcdelta;
		bool first = pc == entry;

		if (p >= end || (*p == 0 && !first))
			return -1;
		if (!read_uvarint(&p, end, &vdelta) || !read_uvarint(&p, end, &pcdelta))
			return -1;
		/* Go's int32 addition wraps; C's would be undefined: add as
		 * unsigned (a table may sum past INT32_MAX, fuzzing found) */
		val = (int32_t)((uint32_t)val + (-(vdelta & 1) ^ (vdelta >> 1)));
		pc += (uint64_t)pcdelta * t->quantum;
		if (target < pc)
			return val;
	}
}

static const char *file_name(const struct pclntab *t, uint32_t cu_offset, int32_t fileno)
{
	uint64_t slot = t->cu_off + 4 * ((uint64_t)cu_offset + (uint64_t)fileno);
	uint32_t fileoff;

	if (fileno < 0 || !fits(t, slot, 4))
		return NULL;
	fileoff = get_u32(t->data + slot);
	if (fileoff == UINT32_MAX)
		return NULL;
	return cstring_at(t, t->filetab_off + fileoff);
}

int pclntab_source(const struct pclntab *t, const struct pcln_func *fn, uint64_t pc,
		   const char **file, int *line)
{
	const struct func_layout *l = func_layout(t);
	uint32_t pcfile, pcln, cu_offset;
	uint64_t fo;
	int32_t ln;

	if (pc < fn->entry || pc >= fn->end || func_struct(t, fn->index, &fo))
		return -EINVAL;
	pcfile = get_u32(t->data + fo + l->pcfile);
	pcln = get_u32(t->data + fo + l->pcln);
	cu_offset = get_u32(t->data + fo + l->cu_offset);
	ln = pcvalue(t, pcln, fn->entry, pc);
	*file = file_name(t, cu_offset, pcvalue(t, pcfile, fn->entry, pc));
	if (ln < 0 || !*file)
		return -EINVAL;
	*line = ln;
	return 0;
}

const char *pclntab_funcname(const struct pclntab *t, int32_t nameoff)
{
	if (nameoff < 0)
		return NULL;
	return cstring_at(t, t->funcname_off + (uint64_t)nameoff);
}

int pclntab_spdelta(const struct pclntab *t, const struct pcln_func *fn, uint64_t pc,
		    int32_t *delta)
{
	uint64_t fo;

	if (pc < fn->entry || pc >= fn->end || func_struct(t, fn->index, &fo))
		return -EINVAL;
	*delta = pcvalue(t, get_u32(t->data + fo + func_layout(t)->pcsp), fn->entry, pc);
	/* A frame is never negative: -1 means the table does not cover pc. */
	return *delta < 0 ? -ENOENT : 0;
}

int pclntab_pcdata(const struct pclntab *t, const struct pcln_func *fn, uint32_t table,
		   uint64_t pc, int32_t *val)
{
	const struct func_layout *l = func_layout(t);
	uint64_t fo, slot;
	uint32_t npcdata;

	if (pc < fn->entry || pc >= fn->end || func_struct(t, fn->index, &fo))
		return -EINVAL;
	npcdata = get_u32(t->data + fo + l->npcdata);
	if (table >= npcdata)
		return -ENOENT;
	slot = fo + l->size + 4 * (uint64_t)table;
	if (!fits(t, slot, 4))
		return -EINVAL;
	*val = pcvalue(t, get_u32(t->data + slot), fn->entry, pc);
	return 0;
}

int pclntab_funcdata(const struct pclntab *t, const struct pcln_func *fn, uint8_t index,
		     uint64_t gofunc, uint64_t *vaddr)
{
	const struct func_layout *l = func_layout(t);
	uint64_t fo, slot;
	uint32_t npcdata;

	if (func_struct(t, fn->index, &fo))
		return -EINVAL;
	if (index >= t->data[fo + l->nfuncdata])
		return -ENOENT;
	npcdata = get_u32(t->data + fo + l->npcdata);
	slot = fo + l->size + 4 * (uint64_t)npcdata;
	if (t->magic == PCLN_MAGIC_116) {
		/* Go 1.16/1.17: pointers, 8-aligned in the mapped image. */
		if ((t->vaddr + slot) & 4)
			slot += 4;
		slot += 8 * (uint64_t)index;
		if (!fits(t, slot, 8))
			return -EINVAL;
		if (!t->read_addr || t->read_addr(t->read_addr_ctx, t->vaddr + slot, vaddr))
			*vaddr = get_u64(t->data + slot);
		return *vaddr ? 0 : -ENOENT;
	}
	/* 1.18+: offsets from moduledata.gofunc, ~0 for none. */
	slot += 4 * (uint64_t)index;
	if (!fits(t, slot, 4))
		return -EINVAL;
	if (get_u32(t->data + slot) == UINT32_MAX || !gofunc)
		return -ENOENT;
	*vaddr = gofunc + get_u32(t->data + slot);
	return 0;
}
