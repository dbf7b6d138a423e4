// SPDX-License-Identifier: BSD-2-Clause
/*
 * Go version of a binary: .go.buildinfo first (what `go version FILE`
 * reads), else runtime.buildVersion's bytes in read-only data.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binary/buildinfo.h"

#define BUILDINFO_MAGIC "\xff Go buildinf:"
#define BUILDINFO_MAGIC_LEN 14
#define BUILDINFO_HEADER_LEN 32
#define BUILDINFO_ALIGN 16
#define BUILDINFO_FLAG_BIG_ENDIAN 0x1
#define BUILDINFO_FLAG_INLINE 0x2
/* Longer than any real version, "devel go1.27-abcdef... X:exp1,exp2". */
#define VERSION_MAX_LEN 256

/* Copy a version string of len bytes if it is plain printable ASCII. */
static int copy_version(const uint8_t *s, uint64_t slen, char *buf, size_t len)
{
	uint64_t i;

	if (!s || slen == 0 || slen > VERSION_MAX_LEN || slen >= len)
		return -EINVAL;
	for (i = 0; i < slen; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return -EINVAL;
	memcpy(buf, s, slen);
	buf[slen] = '\0';
	return 0;
}

/* Go 1.18+: uvarint-length-prefixed version string after the header. */
static int inline_version(const struct elfimage *img, uint64_t va, char *buf, size_t len)
{
	uint64_t p = va + BUILDINFO_HEADER_LEN, slen = 0;
	unsigned int shift;

	for (shift = 0; shift < 64; shift += 7, p++) {
		const uint8_t *b = elfimage_at(img, p, 1);

		if (!b)
			return -EINVAL;
		slen |= (uint64_t)(*b & 0x7f) << shift;
		if (!(*b & 0x80))
			break;
	}
	if (shift >= 64 || slen > VERSION_MAX_LEN)
		return -EINVAL;
	return copy_version(elfimage_at(img, p + 1, slen), slen, buf, len);
}

/* Go string header {ptr, len} at hdr: the bytes it points to. */
static int string_at_header(const struct elfimage *img, uint64_t hdr, char *buf, size_t len)
{
	const uint8_t *lenp = elfimage_at(img, hdr + 8, 8);
	uint64_t str, slen;

	if (elfimage_read_ptr(img, hdr, &str) || !lenp)
		return -EINVAL;
	memcpy(&slen, lenp, sizeof(slen));
	if (slen > VERSION_MAX_LEN)
		return -EINVAL;
	return copy_version(elfimage_at(img, str, slen), slen, buf, len);
}

/* Before 1.18: a pointer at +16 to runtime.buildVersion's string header. */
static int pointer_version(const struct elfimage *img, uint64_t va, char *buf, size_t len)
{
	uint64_t hdr;

	if (elfimage_read_ptr(img, va + 16, &hdr))
		return -EINVAL;
	return string_at_header(img, hdr, buf, len);
}

static int parse_buildinfo(const struct elfimage *img, uint64_t va, char *buf, size_t len)
{
	const uint8_t *h = elfimage_at(img, va, BUILDINFO_HEADER_LEN);

	if (!h || memcmp(h, BUILDINFO_MAGIC, BUILDINFO_MAGIC_LEN))
		return -ENOENT;
	if (h[14] != 8 || (h[15] & BUILDINFO_FLAG_BIG_ENDIAN))
		return -ENOTSUP;
	if (h[15] & BUILDINFO_FLAG_INLINE)
		return inline_version(img, va, buf, len);
	return pointer_version(img, va, buf, len);
}

/* Without section headers: the magic at a 16-aligned vaddr (the address,
 * not the file offset, is aligned) in a writable segment. */
static int scan_for_buildinfo(const struct elfimage *img, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < img->nloads; i++) {
		const struct elf_region *r = &img->loads[i];
		uint64_t va;

		if (!r->writable)
			continue;
		va = (r->vaddr + BUILDINFO_ALIGN - 1) & ~(uint64_t)(BUILDINFO_ALIGN - 1);
		for (; va - r->vaddr + BUILDINFO_HEADER_LEN <= r->filesz; va += BUILDINFO_ALIGN) {
			const uint8_t *h = elfimage_at(img, va, BUILDINFO_MAGIC_LEN);

			if (h && !memcmp(h, BUILDINFO_MAGIC, BUILDINFO_MAGIC_LEN))
				return parse_buildinfo(img, va, buf, len);
		}
	}
	return -ENOENT;
}

int buildinfo_go_version(const struct elfimage *img, char *buf, size_t len)
{
	struct elf_region sec;

	if (elfimage_section(img, ".go.buildinfo", &sec))
		return parse_buildinfo(img, sec.vaddr, buf, len);
	return scan_for_buildinfo(img, buf, len);
}

int go_version_parse(const char *version, int *major, int *minor)
{
	const char *p = strstr(version, "go1.");
	char *end;
	long mi;

	if (!p || !isdigit((unsigned char)p[4]))
		return -EINVAL;
	mi = strtol(p + 4, &end, 10);
	if (mi > 1000)
		return -EINVAL;
	*major = 1;
	*minor = (int)mi;
	return 0;
}

/* Length of "go1.N[.P]" (or "go1.NrcK"/"betaK") at s, 0 when it is not one. */
static size_t version_token_len(const uint8_t *s, size_t avail)
{
	size_t i = 4;

	if (avail < 5 || memcmp(s, "go1.", 4) || !isdigit(s[4]))
		return 0;
	while (i < avail && isdigit(s[i]))
		i++;
	if (i + 1 < avail && s[i] == '.' && isdigit(s[i + 1]))
		for (i++; i < avail && isdigit(s[i]); i++)
			;
	return i;
}

struct version_candidate {
	const struct elfimage *img;
	uint64_t vaddr;		/* of the candidate's first byte */
	size_t token_len;	/* of "go1.N[.P]" */
	char *buf;
	size_t len;
};

/* A string header {ptr = candidate, len} whose len covers the whole token
 * (and maybe a " X:..." suffix) confirms where the string ends. */
static int confirm_by_header(uint64_t where, void *ctx)
{
	struct version_candidate *c = ctx;
	const uint8_t *lenp = elfimage_at(c->img, where + 8, 8);
	uint64_t slen;

	if (!lenp)
		return 0;
	memcpy(&slen, lenp, sizeof(slen));
	if (slen < c->token_len || slen > VERSION_MAX_LEN)
		return 0;
	if (slen > c->token_len) {
		const uint8_t *s = elfimage_at(c->img, c->vaddr, slen);

		/* only a GOEXPERIMENT suffix may follow: "go1.N.P X:..." */
		if (!s || s[c->token_len] != ' ')
			return 0;
	}
	return copy_version(elfimage_at(c->img, c->vaddr, slen), slen, c->buf, c->len) ? 0 : 1;
}

static int scan_segment_for_version(const struct elfimage *img, const struct elf_region *r,
				    char *fallback, size_t fblen, char *buf, size_t len)
{
	const uint8_t *seg = elfimage_at(img, r->vaddr, r->filesz);
	const uint8_t *p;
	size_t off = 0;

	if (!seg)
		return -ENOENT;
	while (off < r->filesz &&
	       (p = memmem(seg + off, r->filesz - off, "go1.", 4))) {
		struct version_candidate c = {
			.img = img, .vaddr = r->vaddr + (p - seg),
			.token_len = version_token_len(p, r->filesz - (p - seg)),
			.buf = buf, .len = len,
		};

		off = p - seg + 1;
		if (!c.token_len)
			continue;
		if (elfimage_for_each_pointer_to(img, c.vaddr, confirm_by_header, &c) == 1)
			return 0;
		if (!*fallback && c.token_len < fblen)
			copy_version(p, c.token_len, fallback, fblen);
	}
	return -ENOENT;
}

int rodata_go_version(const struct elfimage *img, char *buf, size_t len)
{
	char fallback[VERSION_MAX_LEN + 1] = "";
	size_t i;

	for (i = 0; i < img->nloads; i++) {
		if (img->loads[i].writable)
			continue;
		if (!scan_segment_for_version(img, &img->loads[i], fallback, sizeof(fallback),
					      buf, len))
			return 0;
	}
	/* No string header found: the first well-formed token is our best. */
	if (*fallback)
		return copy_version((const uint8_t *)fallback, strlen(fallback), buf, len);
	return -ENOENT;
}
