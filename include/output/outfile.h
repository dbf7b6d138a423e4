/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Output files gostray writes as root (profiles, reports): created next to
 * their final name with O_EXCL and O_NOFOLLOW, mode 0644 whatever the
 * umask, fsync'ed and renamed into place, so that a reader never sees half
 * a file and a symbolic link planted at the name (or at the temporary
 * name) is never written through.
 */
#ifndef GOSTRAY_OUTFILE_H
#define GOSTRAY_OUTFILE_H

#include <stddef.h>

struct outfile {
	const char *path;	/* the final name (not copied) */
	char *tmp;		/* the file being written */
	int fd;
};

/* Refuses a path that is a symlink, a directory or another non-regular
 * file.  0, or a negative errno with one line in err. */
int outfile_begin(struct outfile *o, const char *path, char *err, size_t errlen);

int outfile_write(struct outfile *o, const void *buf, size_t len, char *err,
		  size_t errlen);

/* fsync, close and rename into place; on failure the temporary file is
 * removed (no outfile_abort needed). */
int outfile_commit(struct outfile *o, char *err, size_t errlen);

/* Remove the temporary file; safe after a failed begin or a commit. */
void outfile_abort(struct outfile *o);

#endif /* GOSTRAY_OUTFILE_H */
