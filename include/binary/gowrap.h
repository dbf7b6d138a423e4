/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A goroutine's start function as its author wrote it.
 *
 * `go x.m(a)` and `go f(a)` compile to a closure the compiler writes (F.funcN
 * up to Go 1.21, F.gowrapN from 1.22) that makes the call; `f := x.m;
 * go f()` starts at the method value wrapper T.m-fm.  g.startpc is that
 * wrapper, a name nobody wrote.  The runtime's traceback hides wrapper
 * frames (funcID wrapper), so its dumps start at the method: gostray names
 * a site's start function the same way.
 */
#ifndef GOSTRAY_GOWRAP_H
#define GOSTRAY_GOWRAP_H

#include <stdint.h>
#include "binary/gobin.h"

/*
 * The function a goroutine entering at link-time address entry runs as
 * far as its author is concerned: the entry's own function when it is not
 * a compiler wrapper; else the call the wrapper makes, found in its
 * inline tree (the call inlined into it) or as its one direct call to a
 * function outside the runtime's internals, resolved again if that is a
 * wrapper too.  A wrapper whose call cannot be told (an interface method:
 * an indirect call) keeps its own name.  NULL when entry is not Go code.
 * The name is owned by gb.
 */
const char *gowrap_user_function(const struct gobin *gb, uint64_t entry);

#endif /* GOSTRAY_GOWRAP_H */
