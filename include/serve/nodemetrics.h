/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Node mode's metrics: every traced process's sites (counts and verdicts
 * from its collector) and gostray's own health, rendered as Prometheus
 * text (include/serve/promtext.h).
 */
#ifndef GOSTRAY_NODEMETRICS_H
#define GOSTRAY_NODEMETRICS_H

#include <stddef.h>
#include "trace/node.h"

/* The exposition now (malloc'd *text, the caller frees).  top: sites per
 * process with series of their own. */
int nodemetrics_render(struct node *n, unsigned int top, char **text, size_t *len);

#endif /* GOSTRAY_NODEMETRICS_H */
