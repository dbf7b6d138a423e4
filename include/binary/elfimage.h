/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * elfimage: a read-only view of an ELF64 little-endian file for gobin.
 *
 * libelf parses the headers; the raw bytes come from libelf's own mapping
 * of the file (elf_rawfile).  Every accessor here checks bounds against the
 * file size, because the file is untrusted: a truncated or corrupted binary
 * yields an error, never an out-of-bounds read.
 *
 * Addresses are link-time virtual addresses, as written in the file.
 */
#ifndef GOSTRAY_ELFIMAGE_H
#define GOSTRAY_ELFIMAGE_H

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A PT_LOAD segment or a section, reduced to what gobin needs. */
struct elf_region {
	uint64_t vaddr;
	uint64_t memsz;		/* size in memory */
	uint64_t offset;	/* file offset */
	uint64_t filesz;	/* bytes backed by the file (0 for NOBITS) */
	bool writable;
	bool executable;
};

/* An R_X86_64_RELATIVE relocation: *where = load bias + addend. */
struct elf_relative {
	uint64_t where;
	uint64_t addend;
};

struct elfimage {
	int fd;
	Elf *elf;
	const uint8_t *data;	/* the whole file, as mapped by libelf */
	size_t size;
	GElf_Ehdr ehdr;
	struct elf_region *loads;	/* PT_LOAD segments, file order */
	size_t nloads;
	bool has_sections;	/* section headers present and readable */
	struct elf_relative *relatives;	/* sorted by where (PIE only) */
	size_t nrelatives;
};

/* Open path; on failure fill err with one line ("not an ELF file", ...). */
int elfimage_open(struct elfimage *img, const char *path, char *err, size_t errlen);
void elfimage_close(struct elfimage *img);

/* Pointer to len file bytes at vaddr, or NULL when any of them is not
 * backed by the file (outside every PT_LOAD, or in its zero-filled tail). */
const uint8_t *elfimage_at(const struct elfimage *img, uint64_t vaddr, size_t len);

/* File bytes available from vaddr to the end of its segment's file data. */
size_t elfimage_avail(const struct elfimage *img, uint64_t vaddr);

int elfimage_vaddr_to_offset(const struct elfimage *img, uint64_t vaddr, uint64_t *off);

/* The 64-bit pointer stored at vaddr as the loaded program sees it before
 * relocation by the load bias: a RELATIVE relocation's addend when there is
 * one (PIE files hold 0 there), else the file's bytes. */
int elfimage_read_ptr(const struct elfimage *img, uint64_t vaddr, uint64_t *val);

/* Call cb for every 8-aligned location in a writable segment whose pointer
 * (see elfimage_read_ptr) equals target.  Stops when cb returns non-zero
 * and returns that value; 0 when every location was visited. */
int elfimage_for_each_pointer_to(const struct elfimage *img, uint64_t target,
				 int (*cb)(uint64_t where, void *ctx), void *ctx);

/* Find a section by name; false when absent or when there are no section
 * headers.  The region is checked to lie inside the file. */
bool elfimage_section(const struct elfimage *img, const char *name,
		      struct elf_region *out);

/* Look a symbol up by exact name in the section of type SHT_SYMTAB or
 * SHT_DYNSYM.  -ENOENT when absent; defined symbols only. */
int elfimage_symbol(const struct elfimage *img, Elf64_Word sh_type, const char *name,
		    GElf_Sym *out);

/* True when a section of that type exists with at least one symbol. */
bool elfimage_has_symbols(const struct elfimage *img, Elf64_Word sh_type);

#endif /* GOSTRAY_ELFIMAGE_H */
