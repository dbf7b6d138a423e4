/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Locating a Go binary's pclntab and runtime.firstmoduledata in its ELF
 * image, with or without section headers (docs/go-runtime.md § The function table).
 */
#ifndef GOSTRAY_GOMODULE_H
#define GOSTRAY_GOMODULE_H

#include <stddef.h>
#include <stdint.h>

#include "binary/elfimage.h"
#include "binary/pclntab.h"

/*
 * Find and parse the pclntab: the .gopclntab section, else
 * .data.rel.ro.gopclntab, else a scan of the PT_LOAD segments (read-only
 * first, then writable) for a valid header.  Then set t->text_start from
 * moduledata.text, falling back to pcHeader.textStart (0 from Go 1.26).
 * err: "not a Go binary: no Go pclntab found", "unsupported pclntab
 * format 0x...", ...
 */
int gomodule_load_pclntab(const struct elfimage *img, struct pclntab *t,
			  uint64_t *moduledata, char *err, size_t errlen);

#endif /* GOSTRAY_GOMODULE_H */
