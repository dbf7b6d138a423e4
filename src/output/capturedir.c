// SPDX-License-Identifier: BSD-2-Clause
/*
 * The outage capture folder (include/output/capturedir.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "output/capturedir.h"
#include "output/htmlreport.h"
#include "output/outfile.h"
#include "output/profile.h"

int capturedir_prepare(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (!dir || !*dir) {
		snprintf(err, errlen, "-o needs a folder");
		return -EINVAL;
	}
	if (!stat(dir, &st)) {
		if (S_ISDIR(st.st_mode))
			return 0;
		snprintf(err, errlen, "%s: exists and is not a folder", dir);
		return -ENOTDIR;
	}
	if (errno != ENOENT || mkdir(dir, 0755)) {
		snprintf(err, errlen, "%s: cannot create the folder: %s", dir, strerror(errno));
		return -errno;
	}
	return 0;
}

static int path_in(char *buf, size_t len, const char *dir, const char *name,
		   char *err, size_t errlen)
{
	if ((size_t)snprintf(buf, len, "%s/%s", dir, name) >= len) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -ENAMETOOLONG;
	}
	return 0;
}

static int write_json(const char *path, struct json_object *doc, char *err, size_t errlen)
{
	const char *text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY);
	struct outfile out;
	int ret;

	if (!text) {
		snprintf(err, errlen, "%s: cannot serialize the report", path);
		return -ENOMEM;
	}
	ret = outfile_begin(&out, path, err, errlen);
	if (ret)
		return ret;
	ret = outfile_write(&out, text, strlen(text), err, errlen);
	if (!ret)
		ret = outfile_write(&out, "\n", 1, err, errlen);
	if (ret) {
		outfile_abort(&out);
		return ret;
	}
	return outfile_commit(&out, err, errlen);
}

int capturedir_write(const char *dir, struct json_object *doc, const struct model *m,
		     const struct dump *d, char *err, size_t errlen)
{
	char path[4096];
	int ret;

	ret = path_in(path, sizeof(path), dir, "goroutines.pb.gz", err, errlen);
	if (!ret)
		ret = d ? profile_write_dump(d, PROFILE_BY_BLOCKED, path, err, errlen) :
			  profile_write_capture_creation(m, path, err, errlen);
	if (!ret)
		ret = path_in(path, sizeof(path), dir, "report.json", err, errlen);
	if (!ret)
		ret = write_json(path, doc, err, errlen);
	if (!ret)
		ret = path_in(path, sizeof(path), dir, "report.html", err, errlen);
	if (!ret)
		ret = htmlreport_write(m, path, err, errlen);
	return ret;
}
