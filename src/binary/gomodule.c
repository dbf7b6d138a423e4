// SPDX-License-Identifier: BSD-2-Clause
/*
 * Where the Go runtime's tables are in an ELF image.
 *
 * The text start must come from moduledata.text: pcHeader.textStart is 0
 * from Go 1.26, and the .text section starts with C start-up code in
 * externally linked binaries.  runtime.firstmoduledata begins with a
 * pointer to the pcHeader followed by the funcnametab slice, which is
 * how we recognise it in writable data (or, in a PIE, in the RELATIVE
 * relocations that fill it at load time).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "binary/gomodule.h"

#define PCLN_ALIGN 8
/* moduledata field offsets, the same in Go 1.16-1.27 (docs/go-runtime.md
 * § The function table) */
#define MODULEDATA_FUNCNAMETAB 8
#define MODULEDATA_MINPC 160
#define MODULEDATA_TEXT 176
/* pcHeader.textStart (Go 1.18+; 0 from 1.26) */
#define PCHEADER_TEXT_START 24

struct moduledata_query {
	const struct elfimage *img;
	const struct pclntab *t;
	uint64_t where;
	uint64_t text;
};

/* First function's entry if the text started at text. */
static uint64_t first_entry(const struct pclntab *t, uint64_t text)
{
	struct pclntab with_text = *t;

	with_text.text_start = text;
	return pclntab_entry(&with_text, 0);
}

static int match_moduledata(uint64_t where, void *ctx)
{
	struct moduledata_query *q = ctx;
	uint64_t funcnametab, minpc, text;

	if (elfimage_read_ptr(q->img, where + MODULEDATA_FUNCNAMETAB, &funcnametab) ||
	    funcnametab != pclntab_funcnametab_vaddr(q->t))
		return 0;
	if (elfimage_read_ptr(q->img, where + MODULEDATA_TEXT, &text) ||
	    elfimage_read_ptr(q->img, where + MODULEDATA_MINPC, &minpc))
		return 0;
	/* minpc is the first function's entry: confirms text too. */
	if (minpc != first_entry(q->t, text))
		return 0;
	q->where = where;
	q->text = text;
	return 1;
}

static int find_moduledata(const struct elfimage *img, const struct pclntab *t,
			   uint64_t *where, uint64_t *text)
{
	struct moduledata_query q = { .img = img, .t = t };

	if (elfimage_for_each_pointer_to(img, t->vaddr, match_moduledata, &q) != 1)
		return -ENOENT;
	*where = q.where;
	*text = q.text;
	return 0;
}

/* Text start without a moduledata: pcHeader.textStart (Go 1.18-1.25). */
static int header_text_start(const struct elfimage *img, const struct pclntab *t,
			     uint64_t *text)
{
	if (!pclntab_needs_text_start(t)) {
		*text = 0;
		return 0;
	}
	if (elfimage_read_ptr(img, t->vaddr + PCHEADER_TEXT_START, text) || !*text)
		return -ENOENT;
	return 0;
}

enum text_source { TEXT_FROM_MODULEDATA, TEXT_FROM_HEADER };

/* Set t->text_start; returns where it came from, or -ENOENT. */
static int resolve_text_start(const struct elfimage *img, struct pclntab *t,
			      uint64_t *moduledata)
{
	uint64_t text;

	*moduledata = 0;
	if (!find_moduledata(img, t, moduledata, &text)) {
		t->text_start = text;
		return TEXT_FROM_MODULEDATA;
	}
	if (!header_text_start(img, t, &text)) {
		t->text_start = text;
		return TEXT_FROM_HEADER;
	}
	return -ENOENT;
}

static int read_relocated(const void *img, uint64_t vaddr, uint64_t *val)
{
	return elfimage_read_ptr(img, vaddr, val);
}

/* pclntab_parse, plus relocated reads of Go 1.16/1.17's absolute entries
 * in a PIE. */
static int parse_at(const struct elfimage *img, uint64_t vaddr, size_t size,
		    struct pclntab *t, char *err, size_t errlen)
{
	int ret = pclntab_parse(t, elfimage_at(img, vaddr, size), size, vaddr, err, errlen);

	if (!ret && img->nrelatives) {
		t->read_addr = read_relocated;
		t->read_addr_ctx = img;
	}
	return ret;
}

static int parse_section(const struct elfimage *img, const struct elf_region *sec,
			 struct pclntab *t, char *err, size_t errlen)
{
	if (!elfimage_at(img, sec->vaddr, sec->filesz)) {
		snprintf(err, errlen, "pclntab section at 0x%llx lies outside the file",
			 (unsigned long long)sec->vaddr);
		return -EINVAL;
	}
	return parse_at(img, sec->vaddr, sec->filesz, t, err, errlen);
}

/* A header found by scanning: usable if it parses and its text start is
 * known (from a moduledata only, when need_moduledata). */
static int try_candidate(const struct elfimage *img, uint64_t va, struct pclntab *t,
			 uint64_t *moduledata, bool need_moduledata)
{
	char ignored[128];
	int src;

	if (parse_at(img, va, elfimage_avail(img, va), t, ignored, sizeof(ignored)))
		return -EINVAL;
	src = resolve_text_start(img, t, moduledata);
	if (src < 0 || (need_moduledata && src != TEXT_FROM_MODULEDATA))
		return -ENOENT;
	return 0;
}

static int scan_segments(const struct elfimage *img, bool writable, struct pclntab *t,
			 uint64_t *moduledata, bool need_moduledata)
{
	size_t i;

	for (i = 0; i < img->nloads; i++) {
		const struct elf_region *r = &img->loads[i];
		uint64_t va = (r->vaddr + PCLN_ALIGN - 1) & ~(uint64_t)(PCLN_ALIGN - 1);

		if (r->writable != writable)
			continue;
		for (; va - r->vaddr + PCLN_HEADER_MAX <= r->filesz; va += PCLN_ALIGN) {
			const uint8_t *p = elfimage_at(img, va, PCLN_HEADER_MAX);

			if (p && pclntab_header_valid(p, PCLN_HEADER_MAX) &&
			    !try_candidate(img, va, t, moduledata, need_moduledata))
				return 0;
		}
	}
	return -ENOENT;
}

/*
 * Without section headers.  A header-like pattern can occur by chance, so
 * prefer a candidate that a moduledata points to; only then settle for
 * one whose own textStart makes it usable.
 */
static int scan_for_pclntab(const struct elfimage *img, struct pclntab *t,
			    uint64_t *moduledata)
{
	int pass;

	for (pass = 0; pass < 2; pass++) {
		bool need_moduledata = pass == 0;

		if (!scan_segments(img, false, t, moduledata, need_moduledata) ||
		    !scan_segments(img, true, t, moduledata, need_moduledata))
			return 0;
	}
	return -ENOENT;
}

int gomodule_load_pclntab(const struct elfimage *img, struct pclntab *t,
			  uint64_t *moduledata, char *err, size_t errlen)
{
	static const char *const sections[] = { ".gopclntab", ".data.rel.ro.gopclntab" };
	struct elf_region sec;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(sections) / sizeof(*sections); i++) {
		if (!elfimage_section(img, sections[i], &sec))
			continue;
		ret = parse_section(img, &sec, t, err, errlen);
		if (ret)
			return ret;
		if (resolve_text_start(img, t, moduledata) < 0) {
			snprintf(err, errlen, "cannot find the Go text start: no "
				 "runtime.firstmoduledata points to the pclntab at 0x%llx",
				 (unsigned long long)t->vaddr);
			return -ENOENT;
		}
		return 0;
	}
	if (scan_for_pclntab(img, t, moduledata)) {
		snprintf(err, errlen, "not a Go binary: no Go pclntab found");
		return -ENOENT;
	}
	return 0;
}
