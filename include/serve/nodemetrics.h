/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Node mode's metrics: every traced process's sites (counts and verdicts
 * from its collector) and gostray's own health, rendered as Prometheus
 * text (include/serve/promtext.h).
 */
#ifndef GOSTRAY_NODEMETRICS_H
#define GOSTRAY_NODEMETRICS_H

#include <stddef.h>
#include "output/model.h"
#include "trace/node.h"

/* The report model's source for one of p's tracedprocs (p->pt, or
 * p->esc in an escalation window), its counts at now_ns. */
void nodemetrics_source(const struct node_process *p, const struct tracedproc *tp,
			uint64_t now_ns, struct model_source *src);

/* The exposition now (malloc'd *text, the caller frees).  top: sites per
 * process with series of their own. */
int nodemetrics_render(struct node *n, unsigned int top, char **text, size_t *len);

#endif /* GOSTRAY_NODEMETRICS_H */
