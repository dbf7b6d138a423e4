/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Reading a live process without stopping it: /proc/PID/maps (where the
 * executable is mapped) and its memory through process_vm_readv, falling
 * back to /proc/PID/mem.  Every read is bounds- and error-checked: the
 * target is untrusted and keeps running while we read.
 */
#ifndef GOSTRAY_PROCMEM_H
#define GOSTRAY_PROCMEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

struct procmem {
	pid_t pid;
	int mem_fd;	/* /proc/PID/mem, -1 until needed */
};

int procmem_open(struct procmem *pm, pid_t pid);
void procmem_close(struct procmem *pm);

/* Read exactly len bytes at addr; -EFAULT on a short or failed read. */
int procmem_read(struct procmem *pm, uint64_t addr, void *buf, size_t len);

/* One piece of a scatter read. */
struct procmem_req {
	uint64_t addr;
	size_t len;
	void *buf;
	uint8_t ok;	/* set to 1 when fully read */
};

/* Scatter read of n requests, many per system call; each request's ok
 * says whether it was read in full.  Returns the number read. */
size_t procmem_readv(struct procmem *pm, struct procmem_req *reqs, size_t n);

/* One line of /proc/PID/maps: the fields gostray uses. */
struct maps_line {
	uint64_t start, end;
	uint64_t offset;	/* file offset of start */
	dev_t dev;
	uint64_t inode;
};

/* Parse one line of /proc/PID/maps (hostile input: the kernel writes it,
 * but the path at its end is the target's choice).  0, or -EINVAL when
 * the line is not a mapping. */
int maps_line_parse(const char *line, struct maps_line *out);

/*
 * Start address of the mapping of the process's own executable (matched by
 * device and inode of /proc/PID/exe, so it works across mount namespaces)
 * with file offset off.  -ENOENT when not mapped.
 */
int proc_exe_mapping_start(pid_t pid, uint64_t file_offset, uint64_t *start);

/* 1 if pid exists, 0 if not. */
int proc_alive(pid_t pid);

#endif /* GOSTRAY_PROCMEM_H */
