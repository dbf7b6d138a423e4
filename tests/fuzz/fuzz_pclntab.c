// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target: Go's function table (src/binary/pclntab.c) from hostile bytes.
 *
 * The input is a .gopclntab as a binary would hold it (seeds: real ones,
 * whole and cut).  Everything a trace asks of the table is asked here:
 * each function's name, source position, frame size, inline tree index,
 * and lookups of PCs inside and outside the text.  The parser promises
 * errors, never an out-of-bounds read: ASan and UBSan hold it to that.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "binary/pclntab.h"

#define TEXT_START 0x401000ull
#define TABLE_VADDR 0x600000ull
/* Enough functions to reach every table, few enough to stay fast. */
#define FUNCS_VISITED 512

static void visit(const struct pclntab *t, const struct pcln_func *fn)
{
	const char *file = NULL;
	int32_t delta, idx;
	uint64_t vaddr;
	int line;

	if (fn->name)
		(void)strlen(fn->name);
	if (!pclntab_source(t, fn, fn->entry, &file, &line) && file)
		(void)strlen(file);
	pclntab_spdelta(t, fn, fn->entry, &delta);
	if (fn->end > fn->entry)
		pclntab_spdelta(t, fn, fn->end - 1, &delta);
	pclntab_pcdata(t, fn, PCDATA_INLTREE_INDEX, fn->entry, &idx);
	pclntab_funcdata(t, fn, FUNCDATA_INLTREE, TEXT_START, &vaddr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t probes[] = { 0, TEXT_START - 1, TEXT_START, TEXT_START + 0x10,
					   TEXT_START + 0x1234, UINT64_MAX };
	struct pclntab t;
	struct pcln_func fn;
	char err[256];
	size_t i;

	if (pclntab_parse(&t, data, size, TABLE_VADDR, err, sizeof(err)))
		return 0;
	t.text_start = TEXT_START;
	(void)pclntab_funcnametab_vaddr(&t);
	for (i = 0; i < t.nfunc && i < FUNCS_VISITED; i++) {
		(void)pclntab_entry(&t, i);
		if (!pclntab_func(&t, i, &fn))
			visit(&t, &fn);
	}
	for (i = 0; i < sizeof(probes) / sizeof(*probes); i++)
		if (!pclntab_func_at(&t, probes[i], &fn))
			visit(&t, &fn);
	(void)pclntab_funcname(&t, 0);
	(void)pclntab_funcname(&t, -1);
	(void)pclntab_funcname(&t, INT32_MAX);
	return 0;
}
