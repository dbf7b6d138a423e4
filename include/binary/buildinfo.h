/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The Go toolchain version a binary was built with: from .go.buildinfo
 * (docs/go-runtime.md § The Go version), else from runtime.buildVersion's string in
 * read-only data (binaries such as esbuild >= 0.27 ship no buildinfo).
 */
#ifndef GOSTRAY_BUILDINFO_H
#define GOSTRAY_BUILDINFO_H

#include <stddef.h>

#include "binary/elfimage.h"

/* Version string from .go.buildinfo (section, else a scan of the writable
 * segments), both the 1.18+ inline format and the older pointer format.
 * -ENOENT when there is no buildinfo. */
int buildinfo_go_version(const struct elfimage *img, char *buf, size_t len);

/* Version string "go1.N[.P]" found in read-only data, preferring one that
 * a string header in writable data points to (runtime.buildVersion).
 * -ENOENT when none. */
int rodata_go_version(const struct elfimage *img, char *buf, size_t len);

/* "go1.19.8", "devel go1.27-abc X:foo" -> 1, 19.  -EINVAL when no go1.N. */
int go_version_parse(const char *version, int *major, int *minor);

#endif /* GOSTRAY_BUILDINFO_H */
