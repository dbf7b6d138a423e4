// SPDX-License-Identifier: BSD-2-Clause
/*
 * Helpers of the unit tests that read Go binaries (tests/unit/fixture.h):
 * the fixtures of every toolchain, and damaged copies of them.
 */
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "binary/elfimage.h"
#include "fixture.h"

char fixture_tmpdir[PATH_MAX];

const char *const allg_vars[3] = {
	"runtime.allgs", "runtime.allglen", "runtime.allgptr",
};
const char *const runtime_funcs[10] = {
	"runtime.newproc1", "runtime.newproc", "runtime.newproc.func1",
	"runtime.runqput", "runtime.gopark", "runtime.goexit1", "runtime.goexit0",
	"runtime.allgadd", "runtime.casgstatus", "runtime.rt0_go",
};

void assert_hello_pos(struct gobin *gb, uint64_t pc, const char *function, int line)
{
	struct gobin_pcinfo pi;
	size_t flen, slen = strlen(HELLO_FILE_SUFFIX);

	assert_int_equal(gobin_pc_lookup(gb, pc, &pi), 0);
	assert_string_equal(pi.function, function);
	flen = strlen(pi.file);
	assert_true(flen >= slen);
	assert_string_equal(pi.file + flen - slen, HELLO_FILE_SUFFIX);
	assert_int_equal(pi.line, line);
}

const char *fixtures_dir(void)
{
	const char *d = getenv("GOSTRAY_FIXTURES");

	return d && *d ? d : "build/go";
}

void fixture_path(char *buf, size_t len, const char *ver, const char *variant,
		  bool stripped)
{
	snprintf(buf, len, "%s/go%s/hello.%s%s", fixtures_dir(), ver, variant,
		 stripped ? "-stripped" : "");
}

bool version_present(const char *ver)
{
	char path[PATH_MAX];

	fixture_path(path, sizeof(path), ver, "static", false);
	return access(path, R_OK) == 0;
}

int minor_of(const char *ver)
{
	const char *dot = strchr(ver, '.');

	return dot ? atoi(dot + 1) : -1;
}

/* What `go version FILE` prints after "FILE: ". */
void go_version_of(const char *path, char *buf, size_t len)
{
	char cmd[PATH_MAX + 64], line[512], *colon;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "go version '%s' 2>/dev/null", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (!fgets(line, sizeof(line), p))
		line[0] = '\0';
	assert_int_equal(pclose(p), 0);
	colon = strstr(line, ": ");
	if (!colon)
		fail_msg("`go version %s` printed no version: is go in PATH?", path);
	snprintf(buf, len, "%s", colon + 2);
	buf[strcspn(buf, "\n")] = '\0';
}

struct gobin *open_ok(const char *path)
{
	struct gobin *gb = NULL;
	char err[256] = "";

	if (gobin_open(path, &gb, err, sizeof(err)))
		fail_msg("gobin_open(%s): %s", path, err);
	assert_non_null(gb);
	return gb;
}

void expect_open_error(const char *path, const char *message)
{
	struct gobin *gb = NULL;
	char err[256] = "";

	assert_true(gobin_open(path, &gb, err, sizeof(err)) < 0);
	assert_null(gb);
	if (!strstr(err, message))
		fail_msg("%s: error \"%s\", expected \"%s\"", path, err, message);
	assert_null(strchr(err, '\n'));
}

void copy_file(const char *from, const char *to, size_t max)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out;
	size_t done = 0;
	ssize_t n;

	assert_true(in >= 0);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	assert_true(out >= 0);
	while (done < max && (n = read(in, buf, sizeof(buf))) > 0) {
		size_t want = (size_t)n < max - done ? (size_t)n : max - done;

		assert_int_equal(write(out, buf, want), (ssize_t)want);
		done += want;
	}
	close(in);
	close(out);
}

void patch_file(const char *path, uint64_t offset, const void *bytes, size_t len)
{
	int fd = open(path, O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, bytes, len, (off_t)offset), (ssize_t)len);
	close(fd);
}

void tmp_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", fixture_tmpdir, name);
}

/* File offset of a section, through the module gobin itself uses; the
 * results it leads to are checked against independent facts. */
uint64_t section_offset(const char *path, const char *name, uint64_t *vaddr)
{
	struct elfimage img;
	struct elf_region sec;
	char err[256];

	if (elfimage_open(&img, path, err, sizeof(err)))
		fail_msg("%s: %s", path, err);
	if (!elfimage_section(&img, name, &sec))
		fail_msg("%s: no section %s", path, name);
	elfimage_close(&img);
	if (vaddr)
		*vaddr = sec.vaddr;
	return sec.offset;
}

uint64_t symbol_value(const char *path, const char *name)
{
	struct elfimage img;
	GElf_Sym sym;
	char err[256];

	if (elfimage_open(&img, path, err, sizeof(err)))
		fail_msg("%s: %s", path, err);
	if (elfimage_symbol(&img, SHT_SYMTAB, name, &sym))
		fail_msg("%s: no symbol %s", path, name);
	elfimage_close(&img);
	return sym.st_value;
}

/* Remove the section headers, as some shipped binaries do. */
void strip_section_headers(const char *path)
{
	Elf64_Ehdr eh;
	int fd = open(path, O_RDWR);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &eh, sizeof(eh), 0), sizeof(eh));
	eh.e_shoff = 0;
	eh.e_shnum = 0;
	eh.e_shstrndx = 0;
	assert_int_equal(pwrite(fd, &eh, sizeof(eh), 0), sizeof(eh));
	close(fd);
}

/* Make the buildinfo magic unrecognisable, as if there were none. */
void wipe_buildinfo(const char *path, const char *orig)
{
	static const uint8_t zeros[16];

	patch_file(path, section_offset(orig, ".go.buildinfo", NULL), zeros, sizeof(zeros));
}

int fixture_tmpdir_make(void **state)
{
	snprintf(fixture_tmpdir, sizeof(fixture_tmpdir), "/tmp/gostray-test-gobin.XXXXXX");
	return mkdtemp(fixture_tmpdir) ? 0 : -1;
}

int fixture_tmpdir_remove(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fixture_tmpdir);
	return system(cmd) ? -1 : 0;
}
