#!/usr/bin/env python3
"""gostray integration tests: the real tracer, as root, against the leak zoo.

    python3 tests/integration/run.py --gostray ./gostray --go-bins build/go \
        --versions "1.19 1.27"

For every Go version and binary variant (static, static-stripped, pie, ...)
of tests/zoo, the zoo leaks known numbers of goroutines per `go` statement,
gostray attaches, the zoo leaks more and churns, then reports its own truth
(runtime.NumGoroutine() and per-site counts); gostray's JSON report must
match it exactly, site by site, at the file:line of each `// site:NAME`
marker.  Also: coroutine goroutines (tests/zoo-iter, Go >= 1.23), the demo
service, `gostray info` on every binary, and bad input.

Prints `PASS name` or `FAIL name: reason` per case (details indented below
a failure, gostray's stderr included) and a summary; exits 0 only when at
least one case ran and every case passed.

--zoo-selfcheck runs the zoo programs without gostray (no root needed) and
checks their truth files against their own runtime/pprof goroutine dumps
(debug=2 "created by" lines): that proves the markers and counts that the
gostray cases rely on.

Missing binaries are built with tests/build-go.sh (incremental) unless
--no-build is given.
"""

import argparse

from cases_fault import *  # noqa: F401,F403


def build(runner, args, versions):
    """Build what is missing (tests/build-go.sh skips up-to-date binaries)."""
    script = os.path.join(ROOT, "tests", "build-go.sh")

    def do_build(c, v, pkgs):
        p = Proc(c, "build-go.sh", [script, args.go_bins, v] + pkgs)
        c.show.append(("build-go.sh", p, "err"))
        rc = p.wait(c.left())
        if rc != 0:
            raise CaseFail("tests/build-go.sh exited with status %s" % rc)

    for v in versions:
        pkgs = [HELLO_DIR, ZOO_DIR, DEMO_DIR]
        if version_tuple(v) >= (1, 23):
            pkgs.append(ZOO_ITER_DIR)
        runner.case("build/go%s" % v, do_build, 1800, v, pkgs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gostray", default="./gostray", help="the gostray binary")
    ap.add_argument("--go-bins", default="build/go", help="folder of goV/NAME.VARIANT binaries")
    ap.add_argument("--versions", default="1.19", help='Go versions, e.g. "1.19 1.27"')
    ap.add_argument("--variants", default="", help="only these variants (default: every one built)")
    ap.add_argument("--only", default="", help="only cases whose name matches this regex")
    ap.add_argument("--zoo-selfcheck", action="store_true",
                    help="check the zoo programs against their own goroutine dumps, without gostray")
    ap.add_argument("--no-build", action="store_true", help="do not build missing binaries")
    ap.add_argument("--keep", action="store_true", help="keep the temporary files of each case")
    ap.add_argument("--scale", type=int, default=1, help="multiply the zoo's leak counts by N")
    ap.add_argument("--repeat", type=int, default=1, help="run the zoo cases N times (flakiness hunt)")
    ap.add_argument("--soak-seconds", type=int, default=20,
                    help="how long each Go version's soak runs (default 20)")
    ap.add_argument("--sanitized", action="store_true",
                    help="gostray is built with ASan: leave out the valgrind case (they do not mix)")
    args = ap.parse_args()
    args.gostray = os.path.abspath(args.gostray)
    args.go_bins = os.path.abspath(args.go_bins)
    versions = args.versions.split()
    runner = Runner(args)

    if not args.zoo_selfcheck:
        if os.geteuid() != 0:
            log("FAIL integration: must run as root (gostray needs BPF and ptrace): sudo make test")
            return 1
        if not os.access(args.gostray, os.X_OK):
            log("FAIL integration: no gostray binary at %s (run make first)" % args.gostray)
            return 1

    if not args.no_build:
        build(runner, args, versions)

    for v in versions:
        zoo_variants = variants_of(args, v, "zoo")
        if not zoo_variants:
            runner.case("zoo/go%s" % v, case_missing, 10, "no zoo binaries in %s/go%s" % (args.go_bins, v))
            continue
        iter_variants = variants_of(args, v, "zoo-iter") if version_tuple(v) >= (1, 23) else []
        if version_tuple(v) >= (1, 23) and not iter_variants:
            runner.case("zoo-iter/go%s" % v, case_missing, 10,
                        "no zoo-iter binaries in %s/go%s" % (args.go_bins, v))
        if args.zoo_selfcheck:
            for x in zoo_variants:
                runner.case("selfcheck/go%s/zoo.%s" % (v, x), case_selfcheck, 120,
                            args, binary(args, v, "zoo", x), ZOO_DIR)
            for x in iter_variants:
                runner.case("selfcheck/go%s/zoo-iter.%s" % (v, x), case_selfcheck, 120,
                            args, binary(args, v, "zoo-iter", x), ZOO_ITER_DIR)
            continue
        # The zoo's own markers and counts first: the gostray cases rely on them.
        runner.case("selfcheck/go%s/zoo.%s" % (v, zoo_variants[0]), case_selfcheck, 120,
                    args, binary(args, v, "zoo", zoo_variants[0]), ZOO_DIR)
        runner.case("soak/go%s" % v, case_soak, args.soak_seconds + 300, args, v)
        for r in range(args.repeat):
            suffix = "" if args.repeat == 1 else "#%d" % (r + 1)
            for x in zoo_variants:
                runner.case("zoo/go%s/%s%s" % (v, x, suffix), case_zoo, 180, args, v,
                            binary(args, v, "zoo", x), ZOO_DIR)
            for x in iter_variants:
                runner.case("zoo-iter/go%s/%s%s" % (v, x, suffix), case_zoo, 180, args, v,
                            binary(args, v, "zoo-iter", x), ZOO_ITER_DIR)
            x = zoo_variants[0]
            runner.case("zoo-park/go%s/%s%s" % (v, x, suffix), case_zoo, 180, args, v,
                        binary(args, v, "zoo", x), ZOO_DIR, ["--park"])
            runner.case("zoo-park-sample/go%s/%s%s" % (v, x, suffix), case_zoo, 180, args,
                        v, binary(args, v, "zoo", x), ZOO_DIR, ["--park-sample", "50"])
            runner.case("zoo-midchurn/go%s/%s%s" % (v, x, suffix), case_zoo, 180, args, v,
                        binary(args, v, "zoo", x), ZOO_DIR, (), True)
            runner.case("zoo-by-stack/go%s/%s%s" % (v, x, suffix), case_zoo, 180, args, v,
                        binary(args, v, "zoo", x), ZOO_DIR, ["--by", "stack"])
        # The end of a trace: one cut instant, reconciled with a snapshot.
        x = "static" if "static" in zoo_variants else zoo_variants[0]
        runner.case("cut/go%s/zoo.%s" % (v, x), case_cut_churn, 90, args, v,
                    binary(args, v, "zoo", x))
        runner.case("cut-stopped/go%s/zoo.%s" % (v, x), case_cut_stopped, 90, args, v,
                    binary(args, v, "zoo", x))
        # Without probes (issue 16): exact live counts of a frozen target,
        # verdicts from snapshots alone.
        runner.case("cut-stopped-probefree/go%s/zoo.%s" % (v, x), case_cut_stopped, 90, args,
                    v, binary(args, v, "zoo", x), ("--probes", "none"))
        runner.case("verdicts-probefree/go%s/zoo.%s" % (v, x), case_verdicts_probe_free, 120,
                    args, v, binary(args, v, "zoo", x))
        # Verdicts on one shape per version; the page rendered once.
        runner.case("verdicts/go%s/zoo.%s" % (v, zoo_variants[0]), case_verdicts, 120, args, v,
                    binary(args, v, "zoo", zoo_variants[0]), v == versions[-1])
        if version_tuple(v) >= (1, 26):
            runner.case("leakprofile/go%s/zoo.static" % v, case_leakprofile, 180, args, v,
                        binary(args, v, "zoo", "static"))
        if v == versions[-1]:
            runner.case("top/go%s/zoo.%s" % (v, zoo_variants[0]), case_top, 120, args, v,
                        binary(args, v, "zoo", zoo_variants[0]))
        # top without probes on every version (the snapshots read each g
        # with that version's offsets)
        runner.case("top-probefree/go%s/zoo.%s" % (v, zoo_variants[0]), case_top, 120, args, v,
                    binary(args, v, "zoo", zoo_variants[0]), ("--probes", "none"))
        for i, x in enumerate(zoo_variants):
            runner.case("dump/go%s/zoo.%s" % (v, x), case_dump, 120, args, v,
                        binary(args, v, "zoo", x), i == 0)
        for x in variants_of(args, v, "leakyservice")[:1]:
            runner.case("demo/go%s/leakyservice.%s" % (v, x), case_demo, 90, args, v,
                        binary(args, v, "leakyservice", x))
        for name in ("hello", "zoo", "leakyservice", "zoo-iter"):
            for x in variants_of(args, v, name):
                runner.case("info/go%s/%s.%s" % (v, name, x), case_info, 40, args, v, binary(args, v, name, x))

    if not args.zoo_selfcheck and (not runner.only or runner.only.search("node/")):
        # gostray node: every Go process of the host (tests/integration/node.py).
        import node as node_cases
        node_args = argparse.Namespace(**vars(args))
        node_args.go_bins = os.path.abspath(args.go_bins)
        node_cases.run_node_cases(runner, node_args, versions)
    if not args.zoo_selfcheck:
        runner.case("bad/not-go", case_not_go, 30, args)
        runner.case("bad/no-such-pid", case_no_pid, 30, args)
        runner.case("bad/not-a-pid", case_not_a_pid, 30, args)
        runner.case("bad/info-not-go", case_info_not_go, 30, args)
        runner.case("bad/exit-statuses", case_exit_statuses, 120, args)
        runner.case("security/no-shell", case_no_shell, 30, args)
        runner.case("security/metrics-loopback", case_metrics_loopback, 60, args)
        kv = [v for v in versions if variants_of(args, v, "zoo")]
        if kv:
            runner.case("bad/target-killed", case_target_killed, 60, args,
                        binary(args, kv[0], "zoo", variants_of(args, kv[0], "zoo")[0]))
            runner.case("bad/target-killed-probefree", case_target_killed, 60, args,
                        binary(args, kv[0], "zoo", variants_of(args, kv[0], "zoo")[0]),
                        ("--probes", "none"))
            runner.case("bad/container-capabilities", case_capabilities, 90, args,
                        binary(args, kv[-1], "zoo", variants_of(args, kv[-1], "zoo")[0]))
            if "static" in variants_of(args, kv[-1], "zoo"):
                runner.case("fault/gostray-killed", case_gostray_killed, 120, args,
                            binary(args, kv[-1], "zoo", "static"))
                runner.case("fault/two-tracers", case_two_tracers, 180, args, kv[-1],
                            binary(args, kv[-1], "zoo", "static"))
                runner.case("fault/ring-overflow", case_ring_overflow, 180, args, kv[-1],
                            binary(args, kv[-1], "zoo", "static"))
                runner.case("fault/target-exec", case_target_exec, 60, args,
                            binary(args, kv[-1], "zoo", "static"))
                runner.case("fault/target-exec-probefree", case_target_exec, 60, args,
                            binary(args, kv[-1], "zoo", "static"), ("--probes", "none"))
                runner.case("fault/target-stopped", case_target_stopped, 120, args,
                            binary(args, kv[-1], "zoo", "static"))
                runner.case("fault/million", case_million, 300, args, kv[-1])
                if not args.sanitized:
                    runner.case("fault/valgrind", case_valgrind, 300, args, kv[-1],
                                binary(args, kv[-1], "zoo", "static"))
                runner.case("fault/binary-replaced", case_binary_replaced, 180, args, kv[-1],
                            binary(args, kv[-1], "zoo", "static"),
                            binary(args, kv[-1], "hello", "static"))
        nv = [v for v in versions if version_tuple(v) >= (1, 25) and "static-stripped" in variants_of(args, v, "zoo")]
        if nv:
            runner.case("bad/offsets-mismatch", case_offsets_mismatch, 60, args,
                        binary(args, nv[-1], "zoo", "static-stripped"), nv[-1])
    return runner.summary()


if __name__ == "__main__":
    sys.exit(main())
