// SPDX-License-Identifier: BSD-2-Clause
/*
 * pprof profile writer (include/output/pprofenc.h).  Entries are kept as protobuf-c
 * messages from the start, each in one allocation with its dedup key, so
 * writing only gathers pointer arrays and packs.  Ids are 1-based table
 * indexes (0 means "none" in profile.proto); string 0 is "".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "output/outfile.h"
#include "output/pprofenc.h"
#include "pprof/profile.pb-c.h"

typedef Perftools__Profiles__Profile pb_profile;
typedef Perftools__Profiles__ValueType pb_value_type;
typedef Perftools__Profiles__Sample pb_sample;
typedef Perftools__Profiles__Label pb_label;
typedef Perftools__Profiles__Mapping pb_mapping;
typedef Perftools__Profiles__Location pb_location;
typedef Perftools__Profiles__Line pb_line;
typedef Perftools__Profiles__Function pb_function;

/*
 * A deduplicating table: entries in insertion order (index = id - 1) and
 * an open-addressing index over their keys.  The key bytes live inside
 * the entry's own allocation, which the table owns.
 */
struct entry {
	const void *key;
	size_t len;
	uint64_t hash;
	void *item;
};

struct table {
	struct entry *ents;
	size_t n, cap;
	uint32_t *slots;	/* entry index + 1; 0 = empty */
	size_t nslots;		/* a power of two, at most 3/4 full */
};

struct pprof_profile {
	struct table strings;	/* item: the NUL-terminated copy */
	struct table functions;	/* item: struct function_ent */
	struct table locations;	/* item: struct location_ent */
	struct table samples;	/* item: struct sample_ent */
	int64_t *comments;
	size_t ncomments, comments_cap;
	int64_t type, unit;	/* string indexes */
	pb_mapping mapping;
	bool have_mapping;
	int64_t time_nanos, duration_nanos;
};

struct function_ent {
	pb_function msg;
	int64_t key[3];		/* name, file, start line */
};

/* Followed in the same allocation by its lines, their pointers and the key
 * { address, nlines, (function id, line) per line }. */
struct location_ent {
	pb_location msg;
};

/* Followed by its labels, their pointers and the key { nlocs, location ids,
 * nlabels, (key, value) string indexes per label }: msg.location_id points
 * into the key. */
struct sample_ent {
	pb_sample msg;
	int64_t value;
};

static uint64_t hash_bytes(const void *data, size_t len)
{
	const unsigned char *b = data;
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static long table_find(const struct table *t, const void *key, size_t len, uint64_t hash)
{
	size_t mask = t->nslots - 1, i;

	if (!t->nslots)
		return -1;
	for (i = hash & mask;; i = (i + 1) & mask) {
		uint32_t s = t->slots[i];
		const struct entry *e;

		if (!s)
			return -1;
		e = &t->ents[s - 1];
		if (e->hash == hash && e->len == len && !memcmp(e->key, key, len))
			return s - 1;
	}
}

static void table_index(struct table *t, size_t idx)
{
	size_t mask = t->nslots - 1, i;

	for (i = t->ents[idx].hash & mask; t->slots[i]; i = (i + 1) & mask)
		;
	t->slots[i] = idx + 1;
}

/* Room for one more entry, so that table_insert cannot fail. */
static int table_reserve(struct table *t)
{
	if (t->n >= PPROF_MAX_ENTRIES)
		return -ENOSPC;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct entry *ents = realloc(t->ents, cap * sizeof(*ents));

		if (!ents)
			return -ENOMEM;
		t->ents = ents;
		t->cap = cap;
	}
	if ((t->n + 1) * 4 > t->nslots * 3) {
		size_t nslots = t->nslots ? t->nslots * 2 : 128, i;
		uint32_t *slots = calloc(nslots, sizeof(*slots));

		if (!slots)
			return -ENOMEM;
		free(t->slots);
		t->slots = slots;
		t->nslots = nslots;
		for (i = 0; i < t->n; i++)
			table_index(t, i);
	}
	return 0;
}

static size_t table_insert(struct table *t, const void *key, size_t len, uint64_t hash,
			   void *item)
{
	size_t idx = t->n++;

	t->ents[idx] = (struct entry){ .key = key, .len = len, .hash = hash, .item = item };
	table_index(t, idx);
	return idx;
}

/*
 * The index of the entry with this key; else -ENOENT once there is room for
 * it (so that table_insert cannot fail), or the error that prevented that.
 */
static long table_lookup(struct table *t, const void *key, size_t len, uint64_t *hash)
{
	long found;

	*hash = hash_bytes(key, len);
	found = table_find(t, key, len, *hash);
	if (found >= 0)
		return found;
	found = table_reserve(t);
	return found ? found : -ENOENT;
}

static void table_free(struct table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->ents[i].item);
	free(t->ents);
	free(t->slots);
}

static const char *string_at(const struct pprof_profile *p, int64_t idx)
{
	return p->strings.ents[idx].item;
}

static int intern(struct pprof_profile *p, const char *s, int64_t *idx)
{
	size_t len;
	uint64_t h;
	long found;
	char *copy;

	if (!s)
		s = "";
	len = strnlen(s, PPROF_MAX_STRLEN);
	found = table_lookup(&p->strings, s, len, &h);
	if (found >= 0) {
		*idx = found;
		return 0;
	}
	if (found != -ENOENT)
		return found;
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, s, len);
	copy[len] = '\0';
	*idx = table_insert(&p->strings, copy, len, h, copy);
	return 0;
}

struct pprof_profile *pprof_new(const char *sample_type, const char *sample_unit)
{
	struct pprof_profile *p = calloc(1, sizeof(*p));
	int64_t empty;

	if (!p)
		return NULL;
	perftools__profiles__mapping__init(&p->mapping);
	/* profile.proto: string_table[0] must be "". */
	if (intern(p, "", &empty) || intern(p, sample_type, &p->type) ||
	    intern(p, sample_unit, &p->unit)) {
		pprof_free(p);
		return NULL;
	}
	return p;
}

void pprof_set_time(struct pprof_profile *p, int64_t time_nanos, int64_t duration_nanos)
{
	if (!p)
		return;
	p->time_nanos = time_nanos;
	p->duration_nanos = duration_nanos;
}

int pprof_add_comment(struct pprof_profile *p, const char *comment)
{
	int64_t idx;
	int err;

	if (!p)
		return -EINVAL;
	if (p->ncomments >= PPROF_MAX_ENTRIES)
		return -ENOSPC;
	if (p->ncomments == p->comments_cap) {
		size_t cap = p->comments_cap ? p->comments_cap * 2 : 8;
		int64_t *c = realloc(p->comments, cap * sizeof(*c));

		if (!c)
			return -ENOMEM;
		p->comments = c;
		p->comments_cap = cap;
	}
	err = intern(p, comment, &idx);
	if (err)
		return err;
	p->comments[p->ncomments++] = idx;
	return 0;
}

int pprof_set_main_mapping(struct pprof_profile *p, uint64_t start, uint64_t limit,
			   uint64_t offset, const char *filename, const char *build_id)
{
	int64_t file_idx, build_idx;
	int err;

	if (!p)
		return -EINVAL;
	err = intern(p, filename, &file_idx);
	if (!err)
		err = intern(p, build_id, &build_idx);
	if (err)
		return err;
	p->mapping.id = 1;
	p->mapping.memory_start = start;
	p->mapping.memory_limit = limit;
	p->mapping.file_offset = offset;
	p->mapping.filename = file_idx;
	p->mapping.build_id = build_idx;
	/* Symbolized already: pprof must not look for the binary. */
	p->mapping.has_functions = 1;
	p->mapping.has_filenames = 1;
	p->mapping.has_line_numbers = 1;
	p->mapping.has_inline_frames = 1;
	p->have_mapping = true;
	return 0;
}

static int add_function(struct pprof_profile *p, const struct pprof_line *l, uint64_t *id)
{
	int64_t key[3];
	struct function_ent *f;
	uint64_t h;
	long found;
	int err;

	err = intern(p, l->function, &key[0]);
	if (!err)
		err = intern(p, l->file, &key[1]);
	if (err)
		return err;
	key[2] = l->start_line;
	found = table_lookup(&p->functions, key, sizeof(key), &h);
	if (found >= 0) {
		*id = found + 1;
		return 0;
	}
	if (found != -ENOENT)
		return found;
	f = malloc(sizeof(*f));
	if (!f)
		return -ENOMEM;
	perftools__profiles__function__init(&f->msg);
	memcpy(f->key, key, sizeof(key));
	f->msg.id = p->functions.n + 1;
	f->msg.name = key[0];
	f->msg.system_name = key[0];	/* as Go's own profiles do */
	f->msg.filename = key[1];
	f->msg.start_line = key[2];
	*id = table_insert(&p->functions, f->key, sizeof(key), h, f) + 1;
	return 0;
}

static int add_location(struct pprof_profile *p, const struct pprof_location *loc, uint64_t *id)
{
	uint64_t key[2 + 2 * PPROF_MAX_LINES];
	size_t n = loc->nlines, keylen = (2 + 2 * n) * sizeof(uint64_t), i;
	struct location_ent *e;
	pb_line *lines, **line_ptrs;
	uint64_t h;
	long found;
	int err;

	if (n > PPROF_MAX_LINES)
		return -E2BIG;
	if (n && !loc->lines)
		return -EINVAL;
	key[0] = loc->address;
	key[1] = n;
	for (i = 0; i < n; i++) {
		err = add_function(p, &loc->lines[i], &key[2 + 2 * i]);
		if (err)
			return err;
		key[3 + 2 * i] = (uint64_t)loc->lines[i].line;
	}
	found = table_lookup(&p->locations, key, keylen, &h);
	if (found >= 0) {
		*id = found + 1;
		return 0;
	}
	if (found != -ENOENT)
		return found;
	e = malloc(sizeof(*e) + n * (sizeof(*lines) + sizeof(*line_ptrs)) + keylen);
	if (!e)
		return -ENOMEM;
	lines = (pb_line *)(e + 1);
	line_ptrs = (pb_line **)(lines + n);
	memcpy(line_ptrs + n, key, keylen);
	perftools__profiles__location__init(&e->msg);
	e->msg.id = p->locations.n + 1;
	e->msg.address = loc->address;
	e->msg.n_line = n;
	e->msg.line = line_ptrs;
	for (i = 0; i < n; i++) {
		perftools__profiles__line__init(&lines[i]);
		lines[i].function_id = key[2 + 2 * i];
		lines[i].line = loc->lines[i].line;
		line_ptrs[i] = &lines[i];
	}
	*id = table_insert(&p->locations, line_ptrs + n, keylen, h, e) + 1;
	return 0;
}

/* Labels by key, then value, so that their order does not split samples. */
static void sort_labels(const struct pprof_profile *p, uint64_t *pairs, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		uint64_t k = pairs[2 * i], v = pairs[2 * i + 1];

		for (j = i; j > 0; j--) {
			int c = strcmp(string_at(p, pairs[2 * j - 2]), string_at(p, k));

			if (!c)
				c = strcmp(string_at(p, pairs[2 * j - 1]), string_at(p, v));
			if (c <= 0)
				break;
			pairs[2 * j] = pairs[2 * j - 2];
			pairs[2 * j + 1] = pairs[2 * j - 1];
		}
		pairs[2 * j] = k;
		pairs[2 * j + 1] = v;
	}
}

static int64_t add_saturating(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

int pprof_add_sample(struct pprof_profile *p, const struct pprof_location *locs, size_t nlocs,
		     int64_t value, const struct pprof_label *labels, size_t nlabels)
{
	uint64_t key[2 + PPROF_MAX_LOCS + 2 * PPROF_MAX_LABELS], *pairs, h;
	size_t keylen, i;
	struct sample_ent *e;
	pb_label *lab, **lab_ptrs;
	uint64_t *ekey;
	long found;
	int err;

	if (!p || (nlocs && !locs) || (nlabels && !labels))
		return -EINVAL;
	if (nlabels > PPROF_MAX_LABELS)
		return -E2BIG;
	if (nlocs > PPROF_MAX_LOCS)
		nlocs = PPROF_MAX_LOCS;	/* keep the innermost frames */
	key[0] = nlocs;
	for (i = 0; i < nlocs; i++) {
		err = add_location(p, &locs[i], &key[1 + i]);
		if (err)
			return err;
	}
	key[1 + nlocs] = nlabels;
	pairs = &key[2 + nlocs];
	for (i = 0; i < nlabels; i++) {
		int64_t k, v;

		err = intern(p, labels[i].key, &k);
		if (!err)
			err = intern(p, labels[i].str, &v);
		if (err)
			return err;
		pairs[2 * i] = k;
		pairs[2 * i + 1] = v;
	}
	sort_labels(p, pairs, nlabels);
	keylen = (2 + nlocs + 2 * nlabels) * sizeof(uint64_t);
	found = table_lookup(&p->samples, key, keylen, &h);
	if (found >= 0) {
		e = p->samples.ents[found].item;
		e->value = add_saturating(e->value, value);
		return 0;
	}
	if (found != -ENOENT)
		return found;
	e = malloc(sizeof(*e) + nlabels * (sizeof(*lab) + sizeof(*lab_ptrs)) + keylen);
	if (!e)
		return -ENOMEM;
	lab = (pb_label *)(e + 1);
	lab_ptrs = (pb_label **)(lab + nlabels);
	ekey = (uint64_t *)(lab_ptrs + nlabels);
	memcpy(ekey, key, keylen);
	perftools__profiles__sample__init(&e->msg);
	e->value = value;
	e->msg.n_value = 1;
	e->msg.value = &e->value;
	e->msg.n_location_id = nlocs;
	e->msg.location_id = ekey + 1;
	e->msg.n_label = nlabels;
	e->msg.label = lab_ptrs;
	for (i = 0; i < nlabels; i++) {
		perftools__profiles__label__init(&lab[i]);
		lab[i].key = pairs[2 * i];
		lab[i].str = pairs[2 * i + 1];
		lab_ptrs[i] = &lab[i];
	}
	table_insert(&p->samples, ekey, keylen, h, e);
	return 0;
}

size_t pprof_sample_count(const struct pprof_profile *p)
{
	return p ? p->samples.n : 0;
}

/* One line: a path may hold control characters. */
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	char *c;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	for (c = err; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
}

static int write_all(int fd, const unsigned char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		buf += n;
		len -= n;
	}
	return 0;
}

/* gzip (RFC 1952) stream of data to fd. */
static int gzip_to_fd(const unsigned char *data, size_t len, int fd, const char *name,
		      char *err, size_t errlen)
{
	unsigned char out[65536];
	z_stream zs = { 0 };
	int zret, ret = 0;

	/* 15 + 16: a 32 KiB window with a gzip header and trailer. */
	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		set_err(err, errlen, "%s: zlib: cannot start compression", name);
		return -ENOMEM;
	}
	zs.next_in = (unsigned char *)data;
	do {
		/* avail_in is 32-bit: feed at most 1 GiB at a time. */
		size_t chunk = len > (1u << 30) ? (1u << 30) : len;
		int flush = chunk == len ? Z_FINISH : Z_NO_FLUSH;

		zs.avail_in = chunk;
		len -= chunk;
		do {
			zs.next_out = out;
			zs.avail_out = sizeof(out);
			zret = deflate(&zs, flush);
			if (zret == Z_STREAM_ERROR) {
				set_err(err, errlen, "%s: zlib: compression failed", name);
				ret = -EIO;
				goto end_deflate;
			}
			ret = write_all(fd, out, sizeof(out) - zs.avail_out);
			if (ret) {
				set_err(err, errlen, "%s: write: %s", name, strerror(-ret));
				goto end_deflate;
			}
		} while (zs.avail_out == 0);
	} while (len);
	if (zret != Z_STREAM_END) {
		set_err(err, errlen, "%s: zlib: compression did not finish", name);
		ret = -EIO;
	}
end_deflate:
	deflateEnd(&zs);
	return ret;
}

/* Gather the tables into one Profile message, pack it, gzip it to fd. */
static int write_profile(struct pprof_profile *p, int fd, const char *name, char *err,
			 size_t errlen)
{
	pb_profile prof = PERFTOOLS__PROFILES__PROFILE__INIT;
	pb_value_type type = PERFTOOLS__PROFILES__VALUE_TYPE__INIT;
	pb_value_type *types[1] = { &type };
	pb_mapping *mappings[1] = { &p->mapping };
	char **strings = NULL;
	pb_function **functions = NULL;
	pb_location **locations = NULL;
	pb_sample **samples = NULL;
	unsigned char *buf = NULL;
	size_t len, i;
	int ret = -ENOMEM;

	strings = calloc(p->strings.n + 1, sizeof(*strings));
	functions = calloc(p->functions.n + 1, sizeof(*functions));
	locations = calloc(p->locations.n + 1, sizeof(*locations));
	samples = calloc(p->samples.n + 1, sizeof(*samples));
	if (!strings || !functions || !locations || !samples)
		goto out_nomem;
	for (i = 0; i < p->strings.n; i++)
		strings[i] = p->strings.ents[i].item;
	for (i = 0; i < p->functions.n; i++)
		functions[i] = p->functions.ents[i].item;
	for (i = 0; i < p->locations.n; i++) {
		pb_location *l = p->locations.ents[i].item;

		l->mapping_id = p->have_mapping && l->address >= p->mapping.memory_start &&
				l->address < p->mapping.memory_limit;
		locations[i] = l;
	}
	for (i = 0; i < p->samples.n; i++)
		samples[i] = p->samples.ents[i].item;

	type.type = p->type;
	type.unit = p->unit;
	prof.n_sample_type = 1;
	prof.sample_type = types;
	prof.period_type = &type;
	prof.period = 1;
	prof.n_sample = p->samples.n;
	prof.sample = samples;
	prof.n_mapping = p->have_mapping;
	prof.mapping = mappings;
	prof.n_location = p->locations.n;
	prof.location = locations;
	prof.n_function = p->functions.n;
	prof.function = functions;
	prof.n_string_table = p->strings.n;
	prof.string_table = strings;
	prof.time_nanos = p->time_nanos;
	prof.duration_nanos = p->duration_nanos;
	prof.n_comment = p->ncomments;
	prof.comment = p->comments;

	len = perftools__profiles__profile__get_packed_size(&prof);
	buf = malloc(len ? len : 1);
	if (!buf)
		goto out_nomem;
	perftools__profiles__profile__pack(&prof, buf);
	ret = gzip_to_fd(buf, len, fd, name, err, errlen);
	goto out_free;

out_nomem:
	set_err(err, errlen, "%s: out of memory packing the profile", name);
out_free:
	free(buf);
	free(samples);
	free(locations);
	free(functions);
	free(strings);
	return ret;
}

int pprof_write_gz_fd(struct pprof_profile *p, int fd, char *err, size_t errlen)
{
	if (!p || fd < 0) {
		set_err(err, errlen, "pprof: no profile or no file to write");
		return -EINVAL;
	}
	return write_profile(p, fd, "pprof output", err, errlen);
}

int pprof_write_gz(struct pprof_profile *p, const char *path, char *err, size_t errlen)
{
	struct outfile out;
	int ret;

	if (!p || !path || !*path) {
		set_err(err, errlen, "pprof: no profile or no path to write");
		return -EINVAL;
	}
	ret = outfile_begin(&out, path, err, errlen);
	if (ret)
		return ret;
	ret = write_profile(p, out.fd, path, err, errlen);
	if (ret) {
		outfile_abort(&out);
		return ret;
	}
	return outfile_commit(&out, err, errlen);
}

void pprof_free(struct pprof_profile *p)
{
	if (!p)
		return;
	table_free(&p->samples);
	table_free(&p->locations);
	table_free(&p->functions);
	table_free(&p->strings);
	free(p->comments);
	free(p);
}
