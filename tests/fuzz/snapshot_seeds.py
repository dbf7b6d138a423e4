#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes the seeds of fuzz_snapshot (tests/fuzz/corpus/snapshot/): memory
images as fuzz_snapshot.c lays them out - byte 0 picks the g layout (0: Go
1.19, 1: Go 1.27), then the arena from FUZZ_BASE: allglen, the allgs
pointer, the array of g pointers, the g structs - with a few goroutines
in the states a snapshot meets (waiting with a reason, runnable, running,
dead, idle), and broken variants (a g pointer outside the arena, one into
the middle of another g, allglen far over the array).  Offsets are those
`gostray info` reads from DWARF for those versions (g.stack at 0,
g.sched at 56 in both)."""
import os
import struct

FUZZ_BASE = 0x500000000000
LAYOUTS = {
    0: {"goid": 152, "atomicstatus": 144, "waitreason": 176, "gopc": 296, "startpc": 312},
    1: {"goid": 152, "atomicstatus": 144, "waitreason": 176, "gopc": 288, "startpc": 304,
        "parentGoid": 280},
}
G_SIZE = 0x200
ARRAY = 0x100
FIRST_G = 0x1000


def image(layout, gs, allglen=None, extra_ptrs=()):
    off = LAYOUTS[layout]
    mem = bytearray(FIRST_G + G_SIZE * (len(gs) + 1))
    ptrs = [FUZZ_BASE + FIRST_G + i * G_SIZE for i in range(len(gs))] + list(extra_ptrs)
    struct.pack_into("<QQ", mem, 0, len(ptrs) if allglen is None else allglen, FUZZ_BASE + ARRAY)
    for i, p in enumerate(ptrs):
        struct.pack_into("<Q", mem, ARRAY + 8 * i, p)
    for i, (goid, status, reason) in enumerate(gs):
        g = FIRST_G + i * G_SIZE
        struct.pack_into("<QQ", mem, g, 0x7f0000000000 + i * 0x8000, 0x7f0000008000 + i * 0x8000)
        struct.pack_into("<Q", mem, g + off["goid"], goid)
        struct.pack_into("<I", mem, g + off["atomicstatus"], status)
        mem[g + off["waitreason"]] = reason
        struct.pack_into("<Q", mem, g + off["gopc"], 0x401000 + 0x40 * goid)
        struct.pack_into("<Q", mem, g + off["startpc"], 0x402000 + 0x40 * goid)
        if "parentGoid" in off:
            struct.pack_into("<Q", mem, g + off["parentGoid"], 1)
    return bytes([layout]) + bytes(mem)


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "snapshot")
    os.makedirs(out, exist_ok=True)
    states = [(1, 4, 14), (2, 1, 0), (3, 2, 0), (4, 6, 0), (5, 4, 7), (6, 0, 0), (7, 0x1004, 14)]
    seeds = {}
    for layout in (0, 1):
        v = "go119" if layout == 0 else "go127"
        seeds[v + "-goroutines"] = image(layout, states)
        seeds[v + "-outside"] = image(layout, states[:2], extra_ptrs=[0xdead0000, 0])
        seeds[v + "-overlap"] = image(layout, states[:3], extra_ptrs=[FUZZ_BASE + FIRST_G + 8])
        seeds[v + "-allglen-huge"] = image(layout, states[:2], allglen=1 << 40)
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
