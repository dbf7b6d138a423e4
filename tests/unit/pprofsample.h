/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the pprof writer's tests share: a leak and a healthy worker as
 * gostray would see them (runtime.gopark on top, main.send inlined into
 * the closure of handleSearch), a profile of them, a temporary folder
 * (cmocka group setup pprof_tmpdir_make, teardown pprof_tmpdir_remove)
 * and profiles read back from gzip and protobuf.
 */
#ifndef GOSTRAY_TEST_PPROFSAMPLE_H
#define GOSTRAY_TEST_PPROFSAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "output/pprofenc.h"
#include "pprof/profile.pb-c.h"

typedef Perftools__Profiles__Profile pb_profile;

extern char pprof_tmpdir[];

extern const struct pprof_line park, inlined[2], search, worker;
extern const struct pprof_location leak_stack[3], worker_stack[2];
extern const struct pprof_label leak_labels[2], worker_labels[1];

int pprof_tmpdir_make(void **state);
int pprof_tmpdir_remove(void **state);
/* A malloc'ed path in the folder. */
char *path_in_tmp(const char *name);
/* The file gunzipped (a gzip stream, not raw zlib, with its CRC checked). */
unsigned char *read_gunzip(const char *path, size_t *len);
pb_profile *read_profile(const char *path);
/* p written to the folder as name and read back. */
pb_profile *write_and_read(struct pprof_profile *p, const char *name);
/* The leak (leaked goroutines) and the worker (3), with a comment,
 * a time and a main mapping. */
struct pprof_profile *leak_profile(int64_t leaked);

#endif /* GOSTRAY_TEST_PPROFSAMPLE_H */
