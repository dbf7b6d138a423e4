/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Text into HTML, for pages whose every string comes from a target
 * nobody here wrote: function and file names, wait reasons.
 */
#ifndef GOSTRAY_HTMLESC_H
#define GOSTRAY_HTMLESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Text and attribute values alike: & < > " ' as entities, so that one
 * function serves both.  Control characters, invalid UTF-8 and the
 * bidirectional overrides (which can make a name read as another one in
 * a ticket) become U+FFFD.  wbr (text only): long Go names may wrap
 * after their dots and slashes rather than anywhere.
 */
void html_escape(FILE *f, const char *s, size_t len, bool wbr);

/* s escaped, or fallback (trusted markup) when s is NULL or empty. */
void html_escape_str(FILE *f, const char *s, const char *fallback, bool wbr);

/* The last n components of path s (len bytes, n >= 1): where they start
 * in *tail, their length returned. */
size_t html_path_tail(const char *s, size_t len, int n, const char **tail);

/* "dir/file.go:41" with the whole path as a tooltip (line <= 0: none). */
void html_loc(FILE *f, const char *file, int line);

/* file:line function, for tables and legends; plain text (wbr false)
 * inside an SVG title. */
void html_site_label(FILE *f, const char *file, int line, const char *function, bool wbr);

#endif /* GOSTRAY_HTMLESC_H */
