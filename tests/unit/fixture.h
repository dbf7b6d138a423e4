/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * For the unit tests that read Go binaries: where the fixtures of every
 * toolchain are (tests/build-go.sh builds them into build/go, or
 * $GOSTRAY_FIXTURES), what `go version` says of one, gobin opened or
 * refused, and damaged copies made in a temporary folder (the cmocka group
 * setup fixture_tmpdir_make, teardown fixture_tmpdir_remove).
 */
#ifndef GOSTRAY_TEST_FIXTURE_H
#define GOSTRAY_TEST_FIXTURE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "binary/gobin.h"

/* Lines of tests/fixtures/hello/main.go (see the comments there). */
#define HELLO_FILE_SUFFIX "/tests/fixtures/hello/main.go"
#define HELLO_DRAIN_LINE 16
#define HELLO_MAIN_LINE 22
#define HELLO_GO_DRAIN_LINE 24
#define HELLO_GO_CLOSURE_LINE 25
#define HELLO_CLOSURE_SEND_LINE 26

extern char fixture_tmpdir[PATH_MAX];

/* The variables that locate every g. */
extern const char *const allg_vars[3];
/* Runtime functions the tracer looks up (probeplan.c, target.c); the first
 * ones start with the stack check, the last ones do not (nosplit, asm). */
extern const char *const runtime_funcs[10];
#define RUNTIME_FUNCS_WITH_STACK_CHECK 8

/* gb names pc as function at the fixture's file:line. */
void assert_hello_pos(struct gobin *gb, uint64_t pc, const char *function, int line);

const char *fixtures_dir(void);
void fixture_path(char *buf, size_t len, const char *ver, const char *variant, bool stripped);
bool version_present(const char *ver);
int minor_of(const char *ver);
void go_version_of(const char *path, char *buf, size_t len);
struct gobin *open_ok(const char *path);
void expect_open_error(const char *path, const char *message);
void copy_file(const char *from, const char *to, size_t max);
void patch_file(const char *path, uint64_t offset, const void *bytes, size_t len);
void tmp_path(char *buf, size_t len, const char *name);
/* File offset (and vaddr) of a section, and a .symtab symbol's value. */
uint64_t section_offset(const char *path, const char *name, uint64_t *vaddr);
uint64_t symbol_value(const char *path, const char *name);
void strip_section_headers(const char *path);
void wipe_buildinfo(const char *path, const char *orig);
int fixture_tmpdir_make(void **state);
int fixture_tmpdir_remove(void **state);

#endif /* GOSTRAY_TEST_FIXTURE_H */
