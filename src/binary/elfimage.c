// SPDX-License-Identifier: BSD-2-Clause
/*
 * elfimage: bounds-checked access to an ELF file's bytes by virtual address.
 *
 * libelf (elfutils) parses headers and symbol tables; raw section and
 * segment bytes are read from libelf's mapping of the file with our own
 * bounds checks, because Go binaries are often read without section
 * headers (program headers only) and the input is untrusted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "binary/elfimage.h"

/* offset + len lies inside [0, size), without overflowing. */
static bool in_bounds(uint64_t offset, uint64_t len, uint64_t size)
{
	return offset <= size && len <= size - offset;
}

static const uint8_t *file_bytes(const struct elfimage *img, uint64_t offset, uint64_t len)
{
	if (!img->data || !in_bounds(offset, len, img->size))
		return NULL;
	return img->data + offset;
}

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));	/* x86-64 only: host order is the file's */
	return v;
}

static int check_header(struct elfimage *img, char *err, size_t errlen)
{
	if (elf_kind(img->elf) != ELF_K_ELF) {
		snprintf(err, errlen, "not an ELF file");
		return -ENOEXEC;
	}
	if (!gelf_getehdr(img->elf, &img->ehdr)) {
		snprintf(err, errlen, "corrupted ELF header: %s", elf_errmsg(-1));
		return -ENOEXEC;
	}
	if (img->ehdr.e_ident[EI_CLASS] != ELFCLASS64 ||
	    img->ehdr.e_ident[EI_DATA] != ELFDATA2LSB) {
		snprintf(err, errlen, "not a 64-bit little-endian ELF file");
		return -ENOEXEC;
	}
	if (img->ehdr.e_machine != EM_X86_64) {
		snprintf(err, errlen, "unsupported ELF machine %u (gostray supports x86-64)",
			 img->ehdr.e_machine);
		return -ENOEXEC;
	}
	if (img->ehdr.e_type != ET_EXEC && img->ehdr.e_type != ET_DYN) {
		snprintf(err, errlen, "not an executable (ELF type %u)", img->ehdr.e_type);
		return -ENOEXEC;
	}
	return 0;
}

static int load_segments(struct elfimage *img, char *err, size_t errlen)
{
	size_t i, phnum;

	if (elf_getphdrnum(img->elf, &phnum) || phnum == 0) {
		snprintf(err, errlen, "no program headers");
		return -ENOEXEC;
	}
	img->loads = calloc(phnum, sizeof(*img->loads));
	if (!img->loads) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < phnum; i++) {
		struct elf_region *r = &img->loads[img->nloads];
		GElf_Phdr ph;

		if (!gelf_getphdr(img->elf, i, &ph)) {
			snprintf(err, errlen, "corrupted program header %zu", i);
			return -ENOEXEC;
		}
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_vaddr + ph.p_memsz < ph.p_vaddr) {
			snprintf(err, errlen, "corrupted PT_LOAD segment %zu", i);
			return -ENOEXEC;
		}
		r->vaddr = ph.p_vaddr;
		r->memsz = ph.p_memsz;
		r->offset = ph.p_offset;
		/* A truncated file backs fewer bytes than the header claims. */
		r->filesz = ph.p_offset >= img->size ? 0 :
			    ph.p_filesz < img->size - ph.p_offset ? ph.p_filesz :
			    img->size - ph.p_offset;
		r->writable = ph.p_flags & PF_W;
		r->executable = ph.p_flags & PF_X;
		img->nloads++;
	}
	if (!img->nloads) {
		snprintf(err, errlen, "no loadable segments");
		return -ENOEXEC;
	}
	return 0;
}

static int cmp_relative(const void *a, const void *b)
{
	const struct elf_relative *x = a, *y = b;

	return x->where < y->where ? -1 : x->where > y->where;
}

static const uint8_t *dynamic_table(const struct elfimage *img, size_t *n)
{
	size_t i, phnum;

	if (elf_getphdrnum(img->elf, &phnum))
		return NULL;
	for (i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(img->elf, i, &ph) && ph.p_type == PT_DYNAMIC) {
			*n = ph.p_filesz / sizeof(Elf64_Dyn);
			return file_bytes(img, ph.p_offset, *n * sizeof(Elf64_Dyn));
		}
	}
	return NULL;
}

/*
 * In a PIE, Go's pointers (moduledata, string headers) are 0 in the file
 * and exist only as R_X86_64_RELATIVE addends.  Read them through
 * PT_DYNAMIC's DT_RELA so that this works without section headers.
 */
static int load_relatives(struct elfimage *img)
{
	uint64_t rela = 0, relasz = 0, relaent = sizeof(Elf64_Rela);
	const uint8_t *dyn, *tab;
	size_t i, n = 0, nrela;

	dyn = dynamic_table(img, &n);
	for (i = 0; dyn && i < n; i++) {
		Elf64_Dyn d;

		memcpy(&d, dyn + i * sizeof(d), sizeof(d));
		if (d.d_tag == DT_NULL)
			break;
		if (d.d_tag == DT_RELA)
			rela = d.d_un.d_ptr;
		else if (d.d_tag == DT_RELASZ)
			relasz = d.d_un.d_val;
		else if (d.d_tag == DT_RELAENT)
			relaent = d.d_un.d_val;
	}
	if (!rela || !relasz || relaent != sizeof(Elf64_Rela))
		return 0;
	tab = elfimage_at(img, rela, relasz);
	if (!tab)
		return 0;	/* corrupted: behave as if there were none */
	nrela = relasz / sizeof(Elf64_Rela);
	img->relatives = calloc(nrela ? nrela : 1, sizeof(*img->relatives));
	if (!img->relatives)
		return -ENOMEM;
	for (i = 0; i < nrela; i++) {
		Elf64_Rela r;

		memcpy(&r, tab + i * sizeof(r), sizeof(r));
		if (ELF64_R_TYPE(r.r_info) != R_X86_64_RELATIVE)
			continue;
		img->relatives[img->nrelatives].where = r.r_offset;
		img->relatives[img->nrelatives].addend = (uint64_t)r.r_addend;
		img->nrelatives++;
	}
	qsort(img->relatives, img->nrelatives, sizeof(*img->relatives), cmp_relative);
	return 0;
}

static bool probe_sections(const struct elfimage *img)
{
	size_t shnum, shstrndx;

	return img->ehdr.e_shoff != 0 && !elf_getshdrnum(img->elf, &shnum) && shnum > 1 &&
	       !elf_getshdrstrndx(img->elf, &shstrndx) && shstrndx != SHN_UNDEF;
}

int elfimage_open(struct elfimage *img, const char *path, char *err, size_t errlen)
{
	int ret;

	memset(img, 0, sizeof(*img));
	img->fd = -1;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		snprintf(err, errlen, "libelf initialisation failed: %s", elf_errmsg(-1));
		return -EINVAL;
	}
	img->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (img->fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return ret;
	}
	img->elf = elf_begin(img->fd, ELF_C_READ_MMAP, NULL);
	if (!img->elf) {
		snprintf(err, errlen, "not an ELF file");
		ret = -ENOEXEC;
		goto err_close;
	}
	img->data = (const uint8_t *)elf_rawfile(img->elf, &img->size);
	ret = check_header(img, err, errlen);
	if (ret)
		goto err_close;
	ret = load_segments(img, err, errlen);
	if (ret)
		goto err_close;
	img->has_sections = probe_sections(img);
	if (img->ehdr.e_type == ET_DYN && load_relatives(img)) {
		snprintf(err, errlen, "out of memory");
		ret = -ENOMEM;
		goto err_close;
	}
	return 0;

err_close:
	elfimage_close(img);
	return ret;
}

void elfimage_close(struct elfimage *img)
{
	free(img->relatives);
	free(img->loads);
	if (img->elf)
		elf_end(img->elf);
	if (img->fd >= 0)
		close(img->fd);
	memset(img, 0, sizeof(*img));
	img->fd = -1;
}

static const struct elf_region *segment_of(const struct elfimage *img, uint64_t vaddr)
{
	size_t i;

	for (i = 0; i < img->nloads; i++) {
		const struct elf_region *r = &img->loads[i];

		if (vaddr >= r->vaddr && vaddr - r->vaddr < r->memsz)
			return r;
	}
	return NULL;
}

size_t elfimage_avail(const struct elfimage *img, uint64_t vaddr)
{
	const struct elf_region *r = segment_of(img, vaddr);

	if (!r || vaddr - r->vaddr >= r->filesz)
		return 0;
	return r->filesz - (vaddr - r->vaddr);
}

const uint8_t *elfimage_at(const struct elfimage *img, uint64_t vaddr, size_t len)
{
	const struct elf_region *r = segment_of(img, vaddr);

	if (!r || len > elfimage_avail(img, vaddr))
		return NULL;
	return file_bytes(img, r->offset + (vaddr - r->vaddr), len);
}

int elfimage_vaddr_to_offset(const struct elfimage *img, uint64_t vaddr, uint64_t *off)
{
	const struct elf_region *r = segment_of(img, vaddr);

	if (!r || vaddr - r->vaddr >= r->filesz)
		return -EFAULT;
	*off = r->offset + (vaddr - r->vaddr);
	return 0;
}

static const struct elf_relative *relative_at(const struct elfimage *img, uint64_t where)
{
	struct elf_relative key = { .where = where };

	if (!img->nrelatives)
		return NULL;
	return bsearch(&key, img->relatives, img->nrelatives, sizeof(key), cmp_relative);
}

int elfimage_read_ptr(const struct elfimage *img, uint64_t vaddr, uint64_t *val)
{
	const struct elf_relative *rel = relative_at(img, vaddr);
	const uint8_t *p;

	if (rel) {
		*val = rel->addend;
		return 0;
	}
	p = elfimage_at(img, vaddr, sizeof(uint64_t));
	if (!p)
		return -EFAULT;
	*val = get_u64(p);
	return 0;
}

static int scan_segment_for(const struct elfimage *img, const struct elf_region *r,
			    uint64_t target, int (*cb)(uint64_t where, void *ctx), void *ctx)
{
	const uint8_t *p = file_bytes(img, r->offset, r->filesz);
	uint64_t first = (r->vaddr + 7) & ~7ULL, va;
	int ret;

	if (!p)
		return 0;
	for (va = first; va - r->vaddr + 8 <= r->filesz; va += 8) {
		if (get_u64(p + (va - r->vaddr)) != target)
			continue;
		if (relative_at(img, va))
			continue;	/* the relocation decides; seen below */
		ret = cb(va, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

int elfimage_for_each_pointer_to(const struct elfimage *img, uint64_t target,
				 int (*cb)(uint64_t where, void *ctx), void *ctx)
{
	size_t i;
	int ret;

	for (i = 0; i < img->nloads; i++) {
		if (!img->loads[i].writable)
			continue;
		ret = scan_segment_for(img, &img->loads[i], target, cb, ctx);
		if (ret)
			return ret;
	}
	for (i = 0; i < img->nrelatives; i++) {
		const struct elf_relative *rel = &img->relatives[i];
		const struct elf_region *seg = segment_of(img, rel->where);

		if (rel->addend != target || !seg || !seg->writable || rel->where % 8)
			continue;
		ret = cb(rel->where, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

static Elf_Scn *section_by_name(const struct elfimage *img, const char *name,
				GElf_Shdr *shdr)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (!img->has_sections || elf_getshdrstrndx(img->elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(img->elf, scn))) {
		const char *sname;

		if (!gelf_getshdr(scn, shdr))
			continue;
		sname = elf_strptr(img->elf, shstrndx, shdr->sh_name);
		if (sname && !strcmp(sname, name))
			return scn;
	}
	return NULL;
}

bool elfimage_section(const struct elfimage *img, const char *name, struct elf_region *out)
{
	GElf_Shdr sh;

	if (!section_by_name(img, name, &sh))
		return false;
	out->vaddr = sh.sh_addr;
	out->memsz = sh.sh_size;
	out->offset = sh.sh_offset;
	out->filesz = sh.sh_type == SHT_NOBITS ? 0 : sh.sh_size;
	out->writable = sh.sh_flags & SHF_WRITE;
	out->executable = sh.sh_flags & SHF_EXECINSTR;
	return in_bounds(out->offset, out->filesz, img->size);
}

/* Call cb for each defined symbol of the first section of type sh_type. */
static int for_each_symbol(const struct elfimage *img, Elf64_Word sh_type,
			   int (*cb)(const GElf_Sym *sym, const char *name, void *ctx),
			   void *ctx)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	if (!img->has_sections)
		return -ENOENT;
	while ((scn = elf_nextscn(img->elf, scn))) {
		Elf_Data *data;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != sh_type)
			continue;
		/* elf_getdata fails when the section lies outside the file. */
		data = elf_getdata(scn, NULL);
		if (!data || sh.sh_entsize != sizeof(Elf64_Sym))
			return -ENOENT;
		n = data->d_size / sizeof(Elf64_Sym);
		for (i = 1; i < n; i++) {
			const char *name;
			GElf_Sym sym;
			int ret;

			if (!gelf_getsym(data, i, &sym) || sym.st_shndx == SHN_UNDEF)
				continue;
			name = elf_strptr(img->elf, sh.sh_link, sym.st_name);
			if (!name || !*name)
				continue;
			ret = cb(&sym, name, ctx);
			if (ret)
				return ret;
		}
		return 0;
	}
	return -ENOENT;
}

struct symbol_query {
	const char *name;
	GElf_Sym *out;
};

static int match_symbol(const GElf_Sym *sym, const char *name, void *ctx)
{
	struct symbol_query *q = ctx;

	if (strcmp(name, q->name))
		return 0;
	*q->out = *sym;
	return 1;
}

int elfimage_symbol(const struct elfimage *img, Elf64_Word sh_type, const char *name,
		    GElf_Sym *out)
{
	struct symbol_query q = { .name = name, .out = out };

	return for_each_symbol(img, sh_type, match_symbol, &q) == 1 ? 0 : -ENOENT;
}

static int stop_at_first(const GElf_Sym *sym, const char *name, void *ctx)
{
	return 1;
}

bool elfimage_has_symbols(const struct elfimage *img, Elf64_Word sh_type)
{
	return for_each_symbol(img, sh_type, stop_at_first, NULL) == 1;
}
