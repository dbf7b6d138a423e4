// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target: a whole executable from hostile bytes, analysed the
 * way `gostray info FILE` does (src/process/target.c): ELF headers and sections
 * (libelf), the Go version (.go.buildinfo, rodata), symbols, pclntab,
 * DWARF (libdw) for the struct offsets, disassembly for the probe plan
 * (Capstone), the allgs variables.  Seeds are real Go binaries.
 *
 * The bytes go to a memfd, opened by its /proc/self/fd path like any
 * file: the code under test is exactly what runs on a user's binary.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "binary/gobin.h"
#include "process/target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const funcs[] = { "runtime.newproc1", "runtime.gopark",
					     "main.main", "runtime.goexit0" };
	struct target t;
	struct gobin_pcinfo pi;
	struct gobin_func fn;
	char path[64], err[512];
	size_t i;
	int fd;

	fd = memfd_create("fuzz-gobin", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	target_open(&t, path, err, sizeof(err));
	if (t.gb) {
		for (i = 0; i < sizeof(funcs) / sizeof(*funcs); i++)
			if (!gobin_find_func(t.gb, funcs[i], &fn))
				gobin_pc_lookup(t.gb, fn.entry + 1, &pi);
		gobin_pc_lookup(t.gb, gobin_text_start(t.gb), &pi);
		gobin_pc_lookup(t.gb, 0, &pi);
	}
	target_close(&t);
	close(fd);
	return 0;
}
