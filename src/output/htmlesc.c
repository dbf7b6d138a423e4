// SPDX-License-Identifier: BSD-2-Clause
/*
 * Text into HTML (include/output/htmlesc.h).
 */
#define _GNU_SOURCE	/* memrchr */
#include <stdint.h>
#include <string.h>

#include "output/htmlesc.h"

/* Length of the valid UTF-8 sequence at p, 0 when it is not one. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end, uint32_t *cp)
{
	size_t n, i;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		*cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		*cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		*cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF. */
	if ((n == 3 && *cp < 0x800) || (n == 4 && (*cp < 0x10000 || *cp > 0x10ffff)) ||
	    (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return n;
}

/* One pass over the bytes: entities, wrap points, or U+FFFD for what a
 * reader must not be shown as it is (include/output/htmlesc.h). */
void html_escape(FILE *f, const char *s, size_t len, bool wbr)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	uint32_t cp;
	size_t n;

	while (p < end) {
		switch (*p) {
		case '&': fputs("&amp;", f); p++; continue;
		case '<': fputs("&lt;", f); p++; continue;
		case '>': fputs("&gt;", f); p++; continue;
		case '"': fputs("&quot;", f); p++; continue;
		case '\'': fputs("&#39;", f); p++; continue;
		case '\t': case '\n': fputc(' ', f); p++; continue;
		}
		if (wbr && (*p == '.' || *p == '/') && p > (const unsigned char *)s) {
			fputc(*p++, f);
			fputs("<wbr>", f);
			continue;
		}
		n = utf8_seq(p, end, &cp);
		if (!n || cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||
		    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) {
			fputs("\xef\xbf\xbd", f);
			p += n ? n : 1;
			continue;
		}
		fwrite(p, 1, n, f);
		p += n;
	}
}

void html_escape_str(FILE *f, const char *s, const char *fallback, bool wbr)
{
	if (s && *s)
		html_escape(f, s, strlen(s), wbr);
	else
		fputs(fallback, f);
}

/* The last n components of a path (n >= 1). */
size_t html_path_tail(const char *s, size_t len, int n, const char **tail)
{
	const char *p = s + len;

	while (p > s) {
		const char *slash = memrchr(s, '/', p - s);

		if (!slash)
			break;
		if (--n == 0) {
			*tail = slash + 1;
			return s + len - *tail;
		}
		p = slash;
	}
	*tail = s;
	return len;
}

void html_loc(FILE *f, const char *file, int line)
{
	size_t len, tlen;
	const char *tail;

	if (!file || !*file)
		file = "?";
	len = strlen(file);
	tlen = html_path_tail(file, len, 2, &tail);
	fputs("<span class=\"loc\" title=\"", f);
	html_escape(f, file, len, false);
	if (line > 0)
		fprintf(f, ":%d", line);
	fputs("\">", f);
	html_escape(f, tail, tlen, false);
	if (line > 0)
		fprintf(f, ":%d", line);
	fputs("</span>", f);
}

void html_site_label(FILE *f, const char *file, int line, const char *function, bool wbr)
{
	html_loc(f, file, line);
	fputs(" <span class=\"fn\">", f);
	html_escape_str(f, function, "?", wbr);
	fputs("</span>", f);
}
