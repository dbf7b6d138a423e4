// SPDX-License-Identifier: BSD-2-Clause
/*
 * Atomic, symlink-safe output files (see include/output/outfile.h).
 */
#define _GNU_SOURCE	/* mkostemp */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output/outfile.h"

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	/* One line, whatever the path holds. */
	for (; *err; err++)
		if ((unsigned char)*err < 0x20 || *err == 0x7f)
			*err = '?';
}

int outfile_begin(struct outfile *o, const char *path, char *err, size_t errlen)
{
	struct stat st;
	int ret;

	o->path = path;
	o->tmp = NULL;
	o->fd = -1;
	if (!path || !*path) {
		set_err(err, errlen, "no output path");
		return -EINVAL;
	}
	if (!lstat(path, &st) && !S_ISREG(st.st_mode)) {
		if (S_ISLNK(st.st_mode)) {
			set_err(err, errlen, "%s: is a symbolic link, not writing through it", path);
			return -ELOOP;
		}
		set_err(err, errlen, "%s: exists and is not a regular file, not replacing it",
			path);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EEXIST;
	}
	o->tmp = malloc(strlen(path) + sizeof(".XXXXXX"));
	if (!o->tmp) {
		set_err(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	strcpy(o->tmp, path);
	strcat(o->tmp, ".XXXXXX");
	/* O_EXCL (mkostemp's own): a file planted at the name is never opened. */
	o->fd = mkostemp(o->tmp, O_CLOEXEC | O_NOFOLLOW);
	if (o->fd < 0) {
		ret = -errno;
		set_err(err, errlen, "%s: cannot create a file next to it: %s", path,
			strerror(errno));
		goto err_free_tmp;
	}
	if (fchmod(o->fd, 0644)) {
		ret = -errno;
		set_err(err, errlen, "%s: chmod of the new file: %s", path, strerror(errno));
		outfile_abort(o);
		return ret;
	}
	return 0;

err_free_tmp:
	free(o->tmp);
	o->tmp = NULL;
	return ret;
}

int outfile_write(struct outfile *o, const void *buf, size_t len, char *err,
		  size_t errlen)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(o->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;

			set_err(err, errlen, "%s: write: %s", o->path, strerror(e));
			return -e;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int outfile_commit(struct outfile *o, char *err, size_t errlen)
{
	int ret;

	if (fsync(o->fd)) {
		ret = -errno;
		set_err(err, errlen, "%s: fsync: %s", o->path, strerror(errno));
		goto err_abort;
	}
	ret = close(o->fd) ? -errno : 0;
	o->fd = -1;
	if (ret) {
		set_err(err, errlen, "%s: close: %s", o->path, strerror(-ret));
		goto err_abort;
	}
	if (rename(o->tmp, o->path)) {
		ret = -errno;
		set_err(err, errlen, "%s: cannot replace it: %s", o->path, strerror(errno));
		goto err_abort;
	}
	free(o->tmp);
	o->tmp = NULL;
	return 0;

err_abort:
	outfile_abort(o);
	return ret;
}

void outfile_abort(struct outfile *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (o->tmp) {
		unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
	}
}
