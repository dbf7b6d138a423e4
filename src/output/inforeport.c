// SPDX-License-Identifier: BSD-2-Clause
/*
 * gostray info: what gostray finds in a Go binary or process, in text and
 * JSON (include/output/inforeport.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "binary/gobin.h"
#include "output/inforeport.h"
#include "output/jsonhex.h"
#include "process/target.h"

static struct json_object *var_json(const struct gobin_var *v)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "addr", json_hex(v->addr));
	json_object_object_add(o, "source",
			       json_object_new_string(gobin_source_name(v->src)));
	return o;
}

static struct json_object *offsets_json(const struct go_offsets *o)
{
	struct json_object *j = json_object_new_object();

	json_object_object_add(j, "source",
			       json_object_new_string(gobin_source_name(o->src)));
	json_object_object_add(j, "g.goid", json_object_new_int(o->g_goid));
	json_object_object_add(j, "g.atomicstatus", json_object_new_int(o->g_atomicstatus));
	json_object_object_add(j, "g.waitreason", json_object_new_int(o->g_waitreason));
	json_object_object_add(j, "g.gopc", json_object_new_int(o->g_gopc));
	json_object_object_add(j, "g.startpc", json_object_new_int(o->g_startpc));
	json_object_object_add(j, "g.parentGoid", o->g_parent_goid == GO_NO_FIELD ?
			       NULL : json_object_new_int(o->g_parent_goid));
	json_object_object_add(j, "g.m", json_object_new_int(o->g_m));
	json_object_object_add(j, "m.curg", json_object_new_int(o->m_curg));
	return j;
}

struct json_object *report_info_json(const struct target *t)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *probes = json_object_new_array();
	int i;

	if (t->pid)
		json_object_object_add(doc, "pid", json_object_new_int(t->pid));
	json_object_object_add(doc, "exe", json_object_new_string(t->exe_name));
	json_object_object_add(doc, "supported", json_object_new_boolean(t->supported));
	if (!t->supported)
		json_object_object_add(doc, "reason", json_object_new_string(t->unsupported));
	if (!t->gb)
		return doc;
	json_object_object_add(doc, "go_version",
			       json_object_new_string(gobin_go_version(t->gb)));
	json_object_object_add(doc, "version_source", json_object_new_string(
				       gobin_source_name(gobin_version_source(t->gb))));
	json_object_object_add(doc, "pie", json_object_new_boolean(gobin_is_pie(t->gb)));
	json_object_object_add(doc, "symbols", json_object_new_string(
				       gobin_source_name(gobin_symbol_source(t->gb))));
	json_object_object_add(doc, "dwarf", json_object_new_boolean(gobin_has_dwarf(t->gb)));
	json_object_object_add(doc, "text_start", json_hex(gobin_text_start(t->gb)));
	if (t->off.src != GOBIN_SRC_NONE)
		json_object_object_add(doc, "offsets", offsets_json(&t->off));
	if (t->offsets_note[0])
		json_object_object_add(doc, "offsets_note",
				       json_object_new_string(t->offsets_note));
	for (i = 0; i < t->plan.n; i++) {
		const struct probe_point *p = &t->plan.points[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "kind", json_object_new_string(probe_kind_name(p->kind)));
		json_object_object_add(o, "function", json_object_new_string(p->function));
		json_object_object_add(o, "addr", json_hex(p->vaddr));
		json_object_object_add(o, "file_offset", json_hex(p->file_offset));
		json_object_object_add(o, "instruction", json_object_new_string(p->insn));
		json_object_array_add(probes, o);
	}
	json_object_object_add(doc, "probes", probes);
	if (t->allglen.src != GOBIN_SRC_NONE) {
		json_object_object_add(doc, "allglen", var_json(&t->allglen));
		json_object_object_add(doc, "allgptr", var_json(&t->allgptr));
	}
	return doc;
}

void report_info_text(FILE *f, const struct target *t)
{
	int i;

	fprintf(f, "%-12s %s\n", "exe:", t->exe_name);
	if (t->pid)
		fprintf(f, "%-12s %d\n", "pid:", t->pid);
	if (t->gb) {
		fprintf(f, "%-12s %s (from %s)\n", "go version:", gobin_go_version(t->gb),
			gobin_source_name(gobin_version_source(t->gb)));
		fprintf(f, "%-12s %s%s, symbols from %s\n", "binary:",
			gobin_is_pie(t->gb) ? "PIE" : "static address",
			gobin_has_dwarf(t->gb) ? ", DWARF" : ", no DWARF",
			gobin_source_name(gobin_symbol_source(t->gb)));
		if (t->off.src != GOBIN_SRC_NONE)
			fprintf(f, "%-12s from %s (g.goid %u, g.gopc %u, g.startpc %u, "
				"g.atomicstatus %u)\n", "offsets:",
				gobin_source_name(t->off.src), t->off.g_goid,
				t->off.g_gopc, t->off.g_startpc, t->off.g_atomicstatus);
		if (t->offsets_note[0])
			fprintf(f, "%-12s %s\n", "note:", t->offsets_note);
		for (i = 0; i < t->plan.n; i++) {
			const struct probe_point *p = &t->plan.points[i];

			fprintf(f, "%-12s %-12s 0x%" PRIx64 " %s: %s\n", i ? "" : "probes:",
				probe_kind_name(p->kind), p->vaddr, p->function, p->insn);
		}
		if (t->allglen.src != GOBIN_SRC_NONE)
			fprintf(f, "%-12s allglen 0x%" PRIx64 ", allgptr 0x%" PRIx64
				" (from %s)\n", "allgs:", t->allglen.addr, t->allgptr.addr,
				gobin_source_name(t->allglen.src));
	}
	if (t->supported) {
		fprintf(f, "%-12s yes\n", "supported:");
	} else {
		const char *why = t->unsupported;
		size_t n = strlen(t->exe_name);

		/* the reason names the exe already printed above */
		if (!strncmp(why, t->exe_name, n) && !strncmp(why + n, ": ", 2))
			why += n + 2;
		fprintf(f, "%-12s no: %s\n", "supported:", why);
	}
}
