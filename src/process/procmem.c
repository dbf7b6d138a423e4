// SPDX-License-Identifier: BSD-2-Clause
/*
 * Reads of a running target.  process_vm_readv does many small reads per
 * system call (a snapshot of 100k goroutines needs 100k reads of a few
 * hundred bytes); /proc/PID/mem is the fallback where it is refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "process/procmem.h"

#define READV_BATCH 512	/* below IOV_MAX (1024) */

int procmem_open(struct procmem *pm, pid_t pid)
{
	char path[64];

	pm->pid = pid;
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	pm->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
	/* /proc/PID/mem is mode 0600, owned by the target's user: root
	 * without CAP_DAC_OVERRIDE (a container keeping only BPF, PERFMON
	 * and SYS_PTRACE) cannot open it for another user's process, yet may
	 * read that process's memory with process_vm_readv (ptrace access
	 * is what it checks). */
	if (pm->mem_fd < 0 && errno != EACCES && errno != EPERM)
		return -errno;
	return 0;
}

void procmem_close(struct procmem *pm)
{
	if (pm->mem_fd >= 0)
		close(pm->mem_fd);
	pm->mem_fd = -1;
}

int procmem_read(struct procmem *pm, uint64_t addr, void *buf, size_t len)
{
	ssize_t n;

	if (pm->mem_fd < 0) {
		struct iovec local = { .iov_base = buf, .iov_len = len };
		struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };

		n = process_vm_readv(pm->pid, &local, 1, &remote, 1, 0);
		if (n < 0)
			return -errno;
		return (size_t)n == len ? 0 : -EFAULT;
	}
	n = pread(pm->mem_fd, buf, len, (off_t)addr);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

/* One batch through process_vm_readv: it stops at the first request it
 * cannot complete, so read the rest of the batch one by one after it. */
static void readv_batch(struct procmem *pm, struct procmem_req *reqs, size_t n)
{
	struct iovec local[READV_BATCH], remote[READV_BATCH];
	ssize_t got;
	size_t i;

	for (i = 0; i < n; i++) {
		local[i].iov_base = reqs[i].buf;
		local[i].iov_len = reqs[i].len;
		remote[i].iov_base = (void *)(uintptr_t)reqs[i].addr;
		remote[i].iov_len = reqs[i].len;
	}
	got = process_vm_readv(pm->pid, local, n, remote, n, 0);
	for (i = 0; i < n; i++) {
		if (got >= (ssize_t)reqs[i].len) {
			reqs[i].ok = 1;
			got -= (ssize_t)reqs[i].len;
		} else {
			got = 0;
			reqs[i].ok = procmem_read(pm, reqs[i].addr, reqs[i].buf,
						  reqs[i].len) == 0;
		}
	}
}

size_t procmem_readv(struct procmem *pm, struct procmem_req *reqs, size_t n)
{
	size_t done = 0, good = 0, i;

	while (done < n) {
		size_t batch = n - done < READV_BATCH ? n - done : READV_BATCH;

		readv_batch(pm, reqs + done, batch);
		done += batch;
	}
	for (i = 0; i < n; i++)
		good += reqs[i].ok;
	return good;
}

int maps_line_parse(const char *line, struct maps_line *out)
{
	uint64_t lo, hi, off, ino;
	unsigned int maj, min;
	char perms[8];

	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64,
		   &lo, &hi, perms, &off, &maj, &min, &ino) != 7 || hi < lo)
		return -EINVAL;
	out->start = lo;
	out->end = hi;
	out->offset = off;
	out->dev = makedev(maj, min);
	out->inode = ino;
	return 0;
}

int proc_exe_mapping_start(pid_t pid, uint64_t file_offset, uint64_t *start)
{
	char path[64], line[512];
	struct maps_line m;
	struct stat st;
	bool whole = true;
	FILE *f;
	int err = -ENOENT;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	if (stat(path, &st))
		return -errno;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		/* a line longer than the buffer (a long path) continues in
		 * the next read: only a line's start is a mapping */
		bool starts_line = whole;

		whole = strchr(line, '\n') != NULL;
		if (!starts_line || maps_line_parse(line, &m))
			continue;
		if (m.inode != st.st_ino || m.dev != st.st_dev)
			continue;
		if (m.offset == file_offset) {
			*start = m.start;
			err = 0;
			break;
		}
	}
	fclose(f);
	return err;
}

int proc_alive(pid_t pid)
{
	return kill(pid, 0) == 0 || errno == EPERM;
}
