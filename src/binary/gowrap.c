// SPDX-License-Identifier: BSD-2-Clause
/*
 * Start functions through compiler wrappers (include/binary/gowrap.h).
 */
#include <stdbool.h>
#include <string.h>

#include "process/gostack.h"
#include "binary/gowrap.h"
#include "binary/pclntab.h"
#include "binary/probeplan.h"

/* A wrapper of a wrapper (a method value of a promoted method...) is
 * resolved again, this many times at most. */
#define GOWRAP_MAX_DEPTH 4
/* Wrappers are a call and its argument moves; larger ones are not
 * scanned. */
#define GOWRAP_MAX_BYTES 4096
#define GOWRAP_MAX_CALLS 16

static bool is_wrapper(const struct gobin *gb, const struct pcln_func *fn)
{
	int wrapper = gobin_wrapper_funcid(gb);
	size_t len = strlen(fn->name);

	if (wrapper > 0 && fn->funcid == wrapper)
		return true;
	/* The names the compiler gives them, for a version whose funcID
	 * gostray does not know. */
	return (len > 3 && !strcmp(fn->name + len - 3, "-fm")) ||
	       strstr(fn->name, ".gowrap") != NULL;
}

/* The runtime's internals a wrapper calls besides the user's function:
 * morestack, panicwrap, write barriers... (exported runtime functions,
 * as `go runtime.GC()` calls, are the user's). */
static bool runtime_internal(const char *name)
{
	return !strncmp(name, "runtime.", 8) && !(name[8] >= 'A' && name[8] <= 'Z');
}

/* The outermost call inlined into the wrapper, NULL when none is. */
static const char *inlined_call(const struct gobin *gb, const struct pcln_func *fn)
{
	struct go_frame frames[GOSTACK_MAX_INLINE + 1];
	uint64_t pc;

	for (pc = fn->entry + 1; pc < fn->end; pc++) {
		size_t n = gostack_symbolize(gb, 0, pc, frames,
					     sizeof(frames) / sizeof(*frames));
		int wrapper = gobin_wrapper_funcid(gb);

		/* innermost first, the physical function last */
		if (n >= 2 && frames[n - 2].function &&
		    !(wrapper > 0 && frames[n - 2].funcid == wrapper))
			return frames[n - 2].function;
	}
	return NULL;
}

/* The wrapper's one direct call outside the runtime's internals. */
static int called_function(const struct gobin *gb, const struct pcln_func *fn,
			   struct pcln_func *out)
{
	struct gobin_func gf = { .entry = fn->entry, .end = fn->end, .name = fn->name };
	uint64_t targets[GOWRAP_MAX_CALLS];
	bool found = false;
	int i, n;

	n = probeplan_direct_calls(gb, &gf, targets, GOWRAP_MAX_CALLS);
	for (i = 0; i < n; i++) {
		struct pcln_func callee;

		if (pclntab_func_at(gobin_pclntab(gb), targets[i], &callee) ||
		    callee.entry != targets[i] || runtime_internal(callee.name))
			continue;
		if (found && callee.entry != out->entry)
			return -1;	/* two calls: not a plain wrapper */
		*out = callee;
		found = true;
	}
	return found ? 0 : -1;
}

const char *gowrap_user_function(const struct gobin *gb, uint64_t entry)
{
	const struct pclntab *t = gobin_pclntab(gb);
	struct pcln_func fn;
	int depth;

	if (!t || pclntab_func_at(t, entry, &fn))
		return NULL;
	for (depth = 0; depth < GOWRAP_MAX_DEPTH; depth++) {
		const char *name;
		struct pcln_func callee;

		if (!is_wrapper(gb, &fn) || fn.end - fn.entry > GOWRAP_MAX_BYTES)
			return fn.name;
		name = inlined_call(gb, &fn);
		if (name)
			return name;
		if (called_function(gb, &fn, &callee))
			return fn.name;
		fn = callee;
	}
	return fn.name;
}
