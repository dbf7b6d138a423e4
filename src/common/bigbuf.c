// SPDX-License-Identifier: BSD-2-Clause
/* Large zeroed buffers, mapped populated (include/common/bigbuf.h). */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "common/bigbuf.h"

void *bigbuf_alloc(size_t n, size_t size)
{
	void *buf;

	if (size && n > SIZE_MAX / size)
		return NULL;
	if (n * size < BIGBUF_POPULATE)
		return calloc(n ? n : 1, size ? size : 1);
	/* anonymous pages come zeroed */
	buf = mmap(NULL, n * size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	return buf == MAP_FAILED ? NULL : buf;
}

void bigbuf_free(void *buf, size_t n, size_t size)
{
	if (!buf)
		return;
	if (n * size < BIGBUF_POPULATE)
		free(buf);
	else
		munmap(buf, n * size);
}
