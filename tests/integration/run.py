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
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ZOO_DIR = os.path.join(ROOT, "tests", "zoo")
ZOO_ITER_DIR = os.path.join(ROOT, "tests", "zoo-iter")
DEMO_DIR = os.path.join(ROOT, "demo", "leakyservice")
HELLO_DIR = os.path.join(ROOT, "tests", "fixtures", "hello")

VARIANTS = ["static", "static-stripped", "pie", "pie-stripped", "cgo",
            "cgo-stripped", "extpie", "extpie-stripped"]

# `go f(x) // site:NAME` - only on a line holding a go statement.
MARKER_RE = re.compile(r"^\s*go\s.*//\s*site:([A-Za-z0-9_.-]+)\s*$")
# `helper(x) // caller:NAME` - a call on one of the paths that reach a go
# statement from several callers (the truth's per-caller counts).
CALLER_RE = re.compile(r"//\s*caller:([A-Za-z0-9_.-]+)\s*$")

# What each zoo leak site's goroutines are parked on, as the runtime names
# it (runtime2.go waitReasonStrings; the sync ones were renamed in Go 1.20+).
ZOO_WAIT_REASONS = {
    "fanout-send": {"chan send"},
    "pool-worker": {"chan receive"},
    "ctx-ignore": {"chan receive"},
    "nil-send": {"chan send (nil chan)"},
    "nil-recv": {"chan receive (nil chan)"},
    "select-forever": {"select (no cases)"},
    "retry-forever": {"sleep"},
    "wg-wait": {"semacquire", "sync.WaitGroup.Wait"},
    "mutex-wait": {"semacquire", "sync.Mutex.Lock"},
    "http-handler-work": {"chan send"},
    "pool-fixed": {"chan receive"},
    "http-serve": {"IO wait"},
    "shared-watch": {"chan receive"},
    "range-noclose": {"chan receive"},
    "start-no-stop": {"select"},
    "double-send": {"chan send"},
    "ncast-one-reader": {"chan send"},
    "timeout-sender": {"chan send"},
    "lock-order": {"semacquire", "sync.Mutex.Lock"},
    "rwmutex-reader": {"semacquire", "sync.RWMutex.RLock"},
    "cond-wait": {"sync.Cond.Wait"},
    "method-leak": {"chan send"},
}

# The function each zoo site's goroutines run, as its author wrote it: a
# `go x.m(a)` or `go f(a)` statement starts them at a wrapper the compiler
# wrote (F.funcN up to Go 1.21, F.gowrapN from 1.22), never to be shown.
ZOO_START_FUNCTIONS = {
    "method-leak": "main.(*jobStore).persist",
    "start-no-stop": "main.(*watcher).loop",
    "mutex-wait": "main.(*cache).refresh",
    "rwmutex-reader": "main.(*table).lookup",
    "ctx-ignore": "main.watchConfig",
    "lock-order": "main.transfer",
    "double-send": "main.compute",
    "ncast-one-reader": "main.broadcast",
    "timeout-sender": "main.slowBackend",
    "cond-wait": "main.awaitReady",
    "range-noclose": "main.consumeAll",
    "select-forever": "main.keepAlive",
}

# Leak sites of the demo service (their goroutines pile up under -load).
DEMO_LEAK_SITES = ["search-backend", "checkout-audit", "subscribe-watch"]


class CaseFail(Exception):
    pass


def log(msg=""):
    sys.stdout.write(msg + "\n")
    sys.stdout.flush()


def indent(text, prefix="    "):
    return "".join(prefix + line + "\n" for line in text.rstrip("\n").split("\n"))


# ---------------------------------------------------------------- processes

class Proc:
    """A child process whose stdout and stderr are read line by line by two
    threads, so that waiting for a line never blocks past a deadline."""

    def __init__(self, case, label, argv, env=None):
        self.label = label
        self.argv = argv
        self.lines = {"out": [], "err": []}
        self.cond = threading.Condition()
        self.closed = {"out": False, "err": False}
        try:
            self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                      stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE,
                                      start_new_session=True, env=env)
        except OSError as e:
            raise CaseFail("cannot run %s: %s" % (argv[0], e))
        self.pid = self.p.pid
        case.procs.append(self)
        self.threads = [threading.Thread(target=self._read, args=(s, f), daemon=True)
                        for s, f in (("out", self.p.stdout), ("err", self.p.stderr))]
        for t in self.threads:
            t.start()

    def _read(self, stream, f):
        for raw in iter(f.readline, b""):
            with self.cond:
                self.lines[stream].append(raw.decode("utf-8", "replace").rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.closed[stream] = True
            self.cond.notify_all()

    def wait_line(self, stream, pred, timeout, what):
        """First line of stream matching pred (from the start); CaseFail if
        the stream ends or the time runs out first."""
        end = time.monotonic() + timeout
        seen = 0
        with self.cond:
            while True:
                for line in self.lines[stream][seen:]:
                    if pred(line):
                        return line
                seen = len(self.lines[stream])
                if self.closed[stream]:
                    self.p.poll()
                    raise CaseFail("%s ended (exit status %s) before %s"
                                   % (self.label, self.p.returncode, what))
                left = end - time.monotonic()
                if left <= 0:
                    raise CaseFail("%s: no %s within %.0fs" % (self.label, what, timeout))
                self.cond.wait(left)

    def signal(self, sig):
        if self.p.poll() is None:
            os.kill(self.pid, sig)

    def wait(self, timeout, what="exit"):
        try:
            rc = self.p.wait(timeout=max(timeout, 0.1))
        except subprocess.TimeoutExpired:
            raise CaseFail("%s: no %s within %.0fs" % (self.label, what, timeout))
        for t in self.threads:
            t.join(5)
        return rc

    def text(self, stream):
        with self.cond:
            return "\n".join(self.lines[stream])

    def kill(self):
        if self.p.poll() is None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                pass


class Case:
    def __init__(self, name, timeout):
        self.name = name
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout
        self.procs = []
        self.errors = []
        self.notes = []         # shown on failure
        self.show = []          # (label, Proc, stream) shown on failure
        self.tmp = None
        self.scale = 1

    def left(self, want=None):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise CaseFail("case timeout (%.0fs)" % self.timeout)
        return left if want is None else min(want, left)

    def check(self, cond, msg):
        if not cond:
            self.errors.append(msg)
        return cond

    def tmpdir(self):
        if self.tmp is None:
            self.tmp = tempfile.mkdtemp(prefix="gostray-it-")
        return self.tmp

    def cleanup(self, keep):
        for p in self.procs:
            p.kill()
        if self.tmp and not keep:
            shutil.rmtree(self.tmp, ignore_errors=True)


class Runner:
    def __init__(self, args):
        self.args = args
        self.passed = []
        self.failed = []
        self.only = re.compile(args.only) if args.only else None

    def case(self, name, fn, timeout, *fargs):
        if self.only and not self.only.search(name):
            return
        c = Case(name, timeout)
        c.scale = self.args.scale
        # A watchdog kills the case's processes at its deadline, so that no
        # wait inside fn can outlive it.
        done = threading.Event()

        def watchdog():
            if not done.wait(timeout + 5):
                for p in list(c.procs):
                    p.kill()
        threading.Thread(target=watchdog, daemon=True).start()
        try:
            fn(c, *fargs)
            if c.errors:
                raise CaseFail(c.errors[0] + ("" if len(c.errors) == 1 else
                                              " (and %d more)" % (len(c.errors) - 1)))
            log("PASS %s" % name)
            self.passed.append(name)
        except Exception as e:  # noqa: BLE001 - every error fails the case
            if isinstance(e, CaseFail):
                reason = str(e)
            else:
                reason = "runner error: %r" % e
                c.notes.append(traceback.format_exc())
            log("FAIL %s: %s" % (name, reason))
            self.failed.append(name)
            if len(c.errors) > 1:
                log(indent("\n".join(c.errors)))
            for n in c.notes:
                log(indent(n))
            for label, p, stream in c.show:
                t = p.text(stream)
                log("    --- %s %s (%d lines) ---" % (label, "stdout" if stream == "out" else "stderr",
                                                       t.count("\n") + 1 if t else 0))
                if t:
                    log(indent(t[-6000:], "    | "))
        finally:
            done.set()
            c.cleanup(self.args.keep)

    def summary(self):
        total = len(self.passed) + len(self.failed)
        log("")
        if self.failed:
            log("FAILED cases: " + ", ".join(self.failed))
        log("%d cases: %d passed, %d failed" % (total, len(self.passed), len(self.failed)))
        if total == 0:
            log("FAIL: no test case ran")
            return 1
        return 0 if not self.failed else 1


# ----------------------------------------------------------------- helpers

def find_markers(pkgdir):
    """{site name: (file basename, line)} from the // site: markers."""
    marks = {}
    dups = []
    for path in sorted(glob.glob(os.path.join(pkgdir, "*.go"))):
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                m = MARKER_RE.match(line)
                if m:
                    name = m.group(1)
                    if name in marks:
                        dups.append(name)
                    marks[name] = (os.path.basename(path), n)
    if dups:
        raise CaseFail("%s: duplicate markers: %s" % (pkgdir, ", ".join(dups)))
    return marks


def find_callers(pkgdir):
    """{caller name: (file basename, line)} from the // caller: markers."""
    marks = {}
    for path in sorted(glob.glob(os.path.join(pkgdir, "*.go"))):
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                m = CALLER_RE.search(line)
                if m:
                    if m.group(1) in marks:
                        raise CaseFail("%s: duplicate caller marker %s" % (pkgdir, m.group(1)))
                    marks[m.group(1)] = (os.path.basename(path), n)
    return marks


def version_tuple(v):
    return tuple(int(x) for x in v.split("."))


def go_version_matches(reported, v):
    """go1.19.8 matches 1.19; go1.27.3, go1.27rc1 match 1.27; go1.2 does not."""
    return bool(re.match(r"^go%s(\D|$)" % re.escape(v), reported or ""))


def binary(args, v, name, variant):
    return os.path.join(args.go_bins, "go" + v, "%s.%s" % (name, variant))


def variants_of(args, v, name):
    have = [x for x in VARIANTS if os.path.exists(binary(args, v, name, x))]
    if args.variants:
        have = [x for x in have if x in args.variants.split()]
    return have


def start_target(c, label, argv, ready_prefix, timeout=30):
    p = Proc(c, label, argv)
    c.show.append((label, p, "err"))
    line = p.wait_line("out", lambda l: l.startswith(ready_prefix), c.left(timeout),
                       "'%s' line" % ready_prefix)
    return p, line


def start_gostray(c, args, pid, extra=()):
    g = Proc(c, "gostray", [args.gostray, "capture", str(pid), "-d", "600", "--json"] + list(extra))
    c.show.append(("gostray", g, "err"))
    g.wait_line("err", lambda l: l.startswith("gostray: attached"), c.left(60), "attach line")
    return g


def stop_gostray(c, g, how=signal.SIGINT):
    g.signal(how)
    rc = g.wait(c.left(60), "exit after %s" % signal.Signals(how).name)
    c.check(rc == 0, "gostray exited with status %s (want 0)" % rc)
    return json_stdout(c, g)


def json_stdout(c, p):
    """The one JSON document a finished process printed on stdout."""
    try:
        return json.loads(p.text("out"))
    except ValueError as e:
        c.show.append((p.label, p, "out"))
        raise CaseFail("%s's stdout is not one JSON document: %s" % (p.label, e))


def read_truth(c, path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise CaseFail("truth file %s: %s" % (path, e))


def sites_at(report, fname, line):
    return [s for s in report.get("sites", [])
            if os.path.basename(s.get("file") or "") == fname and s.get("line") == line]


def sites_of_function(report, func):
    return [s for s in report.get("sites", [])
            if s.get("function") == func or (s.get("function") or "").startswith(func + "[")]


def merged(found):
    """Several report entries for one go statement (should be one) summed."""
    m = {"created": 0, "exited": 0, "live": 0, "live_at_start": 0, "wait_reasons": {}}
    for s in found:
        for k in ("created", "exited", "live", "live_at_start"):
            m[k] += int(s.get(k) or 0)
        for r, n in (s.get("wait_reasons") or {}).items():
            m["wait_reasons"][r] = m["wait_reasons"].get(r, 0) + n
    return m


def check_report_common(c, report, pid, v):
    totals = report.get("totals") or {}
    c.check(report.get("pid") == pid, "report pid %r, want %d" % (report.get("pid"), pid))
    c.check(go_version_matches(report.get("go_version"), v),
            "go_version %r, want go%s" % (report.get("go_version"), v))
    c.check(totals.get("lost_events") == 0, "totals.lost_events %r, want 0" % totals.get("lost_events"))
    sites = report.get("sites")
    if not c.check(isinstance(sites, list) and sites, "no sites in the report"):
        return
    for s in sites:
        for k in ("pc", "function", "file", "line", "start_function", "created", "exited",
                  "live", "live_at_start", "wait_reasons", "oldest_age_s"):
            if not c.check(k in s, "site %s:%s has no '%s'" % (s.get("file"), s.get("line"), k)):
                return
        c.check(isinstance(s["pc"], str) and re.match(r"^0x[0-9a-f]+$", s["pc"]),
                "site pc %r is not a hex string" % s["pc"])
        c.check(s["live"] == s["live_at_start"] + s["created"] - s["exited"],
                "site %s (%s:%s): live %d != live_at_start %d + created %d - exited %d"
                % (s["function"], os.path.basename(s["file"]), s["line"], s["live"],
                   s["live_at_start"], s["created"], s["exited"]))
        check_stack_split(c, s)
    c.check(any((s["function"] or "").startswith("runtime.") for s in sites),
            "no runtime.* site listed")
    probes = report.get("probes") or {}
    for k in ("stack_walk_faults", "stack_maps_full", "stacks_unreadable", "stack_mismatches"):
        c.check(probes.get(k) == 0, "probes.%s %r, want 0" % (k, probes.get(k)))
    c.check(report.get("stack_depth") == 0 or probes.get("creation_stacks", 0) > 0,
            "no creation stack recorded")
    c.check(totals.get("live") == sum(s["live"] for s in sites),
            "totals.live %r != sum of the sites' live %d"
            % (totals.get("live"), sum(s["live"] for s in sites)))


def frame_at(f):
    return (os.path.basename(f.get("file") or ""), f.get("line"))


def check_stack_split(c, s):
    """A row's creation stacks: --by site, the site's split must add up to
    it; --by stack, the row's stack must start at its go statement."""
    where = "%s (%s:%s)" % (s["function"], os.path.basename(s["file"]), s["line"])
    if "creation_stacks" in s:
        sts = s["creation_stacks"]
        for k in ("created", "exited", "live", "live_at_start"):
            c.check(sum(st[k] for st in sts) == s[k],
                    "site %s: creation stacks' %s add up to %d, the site's is %d"
                    % (where, k, sum(st[k] for st in sts), s[k]))
        frames = [st["frames"] for st in sts if st["frames"]]
        c.check(sum(1 for st in sts if not st["frames"]) <= 1,
                "site %s: more than one unknown creation stack" % where)
    elif "creation_stack" in s:
        frames = [s["creation_stack"]] if s["creation_stack"] else []
    else:
        c.check(False, "site %s has neither creation_stacks nor creation_stack" % where)
        return
    for fr in frames:
        c.check(fr and frame_at(fr[0]) == (os.path.basename(s["file"]), s["line"]),
                "site %s: a creation stack starts at %s, not at its go statement"
                % (where, frame_at(fr[0]) if fr else None))


def merge_stack_rows(report):
    """A --by stack report's rows summed per go statement, with the
    creation_stacks a --by site report would list."""
    out, by_pc = [], {}
    for row in report.get("sites", []):
        st = {k: row[k] for k in ("created", "exited", "live", "live_at_start")}
        st["frames"] = row.get("creation_stack")
        m = by_pc.get(row["pc"])
        if m is None:
            m = dict(row, wait_reasons=dict(row.get("wait_reasons") or {}), creation_stacks=[])
            m.pop("creation_stack", None)
            by_pc[row["pc"]] = m
            out.append(m)
        else:
            for k in ("created", "exited", "live", "live_at_start"):
                m[k] += row[k]
            for r, n in (row.get("wait_reasons") or {}).items():
                m["wait_reasons"][r] = m["wait_reasons"].get(r, 0) + n
        m["creation_stacks"].append(st)
    return dict(report, sites=out)


def check_creation_stacks(c, name, t, site, callers):
    """A go statement reached from several callers (the truth's "callers"):
    one creation stack per caller, whose frame after the go statement is
    that caller's marked line, with exactly the goroutines it created; and
    the goroutines born before attach in the unknown stack."""
    where = "%s:%d" % (site["file"], site["line"])
    sts = site["creation_stacks"]
    known = [st for st in sts if st["frames"]]
    c.check(len(known) == len(t["callers"]),
            "site %s (%s): %d creation stacks (%s), want %d, one per caller"
            % (name, where, len(known), ", ".join("%s:%s" % frame_at(st["frames"][1])
                                                   if len(st["frames"]) > 1 else "-" for st in known),
               len(t["callers"])))
    for cname, ct in sorted(t["callers"].items()):
        if not c.check(cname in callers, "truth caller %s has no // caller: marker" % cname):
            continue
        found = [st for st in known if len(st["frames"]) > 1 and frame_at(st["frames"][1]) == callers[cname]]
        if not c.check(len(found) == 1, "site %s (%s): %d creation stacks through caller %s (%s:%d), want 1"
                       % ((name, where, len(found), cname) + callers[cname])):
            continue
        st = found[0]
        want = {"created": ct["created_phase2"], "live": ct["live"] - ct["live_phase1"],
                "exited": ct["created_phase2"] - (ct["live"] - ct["live_phase1"]), "live_at_start": 0}
        bad = [k for k in want if st[k] != want[k]]
        c.check(not bad, "site %s, stack through %s (%s:%d): %s; truth: %s"
                % ((name, cname) + callers[cname] + (describe(st), describe(want))))
        c.check(frame_at(st["frames"][0]) == (os.path.basename(site["file"]), site["line"]),
                "site %s, stack through %s: first frame %s:%s, not the go statement"
                % ((name, cname) + frame_at(st["frames"][0])))
    unknown = [st for st in sts if not st["frames"]]
    born_before = sum(ct["live_phase1"] for ct in t["callers"].values())
    got = unknown[0]["live_at_start"] if unknown else 0
    c.check(got == born_before and all(st["created"] == 0 for st in unknown),
            "site %s (%s): unknown creation stack has live_at_start %d, created %d; want %d born "
            "before attach, none created" % (name, where, got, sum(st["created"] for st in unknown),
                                              born_before))


def describe(m):
    return "live %d, live_at_start %d, created %d, exited %d" % (
        m["live"], m["live_at_start"], m["created"], m["exited"])


def check_site(c, name, found, t, where, exact_split=True):
    """One truth site against the report entries found for it.  Without
    exact_split (attached mid-phase), only live and the invariant are
    known exactly."""
    kind = t["kind"]
    if not found:
        if t["live"] == 0 and (t["created_phase2"] == 0 or not exact_split):
            return      # born and gone before attach: nothing to see
        c.check(False, "site %s (%s) missing from the report (truth: live %d, created in phase 2 %d)"
                % (name, where, t["live"], t["created_phase2"]))
        return
    m = merged(found)
    c.check(len(found) == 1, "site %s (%s) is %d report sites" % (name, where, len(found)))
    want = {"live": t["live"], "live_at_start": t["live_phase1"], "created": t["created_phase2"],
            "exited": t["live_phase1"] + t["created_phase2"] - t["live"]}
    keys = ("live", "live_at_start", "created", "exited") if exact_split else ("live",)
    bad = [k for k in keys if m[k] != want[k]]
    c.check(not bad, "site %s (%s): %s; truth: %s" % (name, where, describe(m), describe(want)))
    if kind == "churn" and exact_split:
        c.check(m["created"] > 1000, "churn site %s created only %d during the trace" % (name, m["created"]))
    start = ZOO_START_FUNCTIONS.get(name)
    for s in found:
        c.check(start is None or s.get("start_function") == start,
                "site %s (%s): start_function %r, want %r (the function its author wrote)"
                % (name, where, s.get("start_function"), start))
    reasons = ZOO_WAIT_REASONS.get(name)
    if reasons and t["live"] > 0:
        wr = m["wait_reasons"]
        c.check(sum(wr.values()) == t["live"] and set(wr) <= reasons,
                "site %s (%s): wait_reasons %s, want %d goroutines in %s"
                % (name, where, json.dumps(wr, sort_keys=True), t["live"], " or ".join(sorted(reasons))))


def check_against_truth(c, report, truth, marks, src_dir, exact_split=True):
    callers = find_callers(src_dir)
    if report.get("by") == "stack":
        report = merge_stack_rows(report)
    totals = report.get("totals") or {}
    c.check(totals.get("live_user") == truth["num_goroutine"],
            "totals.live_user %r, want runtime.NumGoroutine() = %d"
            % (totals.get("live_user"), truth["num_goroutine"]))
    c.check(report.get("target_exited") in (False, None), "report says the target exited")
    for name, t in sorted(truth["sites"].items()):
        if t.get("function"):
            found = sites_of_function(report, t["function"])
            where = t["function"]
        else:
            if not c.check(name in marks, "truth site %s has no // site: marker" % name):
                continue
            fname, line = marks[name]
            found = sites_at(report, fname, line)
            where = "%s:%d" % (fname, line)
            for s in found:
                c.check(s["function"].startswith("main."), "site %s (%s): function %r, want main.*"
                        % (name, where, s["function"]))
        check_site(c, name, found, t, where, exact_split)
        if t.get("callers") and exact_split and len(found) == 1:
            check_creation_stacks(c, name, t, found[0], callers)
    # Live goroutines attributed to a line of the zoo that is not a marker
    # are goroutines counted at the wrong site.
    marked = set(marks.values())
    src_files = {os.path.basename(p) for p in glob.glob(os.path.join(src_dir, "*.go"))}
    for s in report.get("sites", []):
        fname = os.path.basename(s["file"] or "")
        if (fname in src_files and s["function"].startswith("main.")
                and (fname, s["line"]) not in marked and s["live"]):
            c.check(False, "unexpected site %s %s:%d with %d live" % (s["function"], fname, s["line"], s["live"]))


# ------------------------------------------------------------------- cases

def zoo_protocol(c, argv, on_ready=None, on_phase2=None):
    """Run a zoo program through its phases; returns (zoo proc, pid, truth).
    on_ready(pid) is called after READY and must return when SIGUSR1 may
    be sent; on_phase2(pid), if given, 0.5 s after SIGUSR1, while the
    controls churn."""
    truth_path = os.path.join(c.tmpdir(), "truth.json")
    z, line = start_target(c, "zoo", argv + ["-truth", truth_path, "-scale", str(c.scale)], "READY ")
    pid = int(line.split()[1])
    if pid != z.pid:
        raise CaseFail("zoo says READY %d, its PID is %d" % (pid, z.pid))
    ctx = on_ready(z) if on_ready else None
    z.signal(signal.SIGUSR1)
    if on_phase2:
        time.sleep(0.5)
        ctx = on_phase2(z)
    z.wait_line("out", lambda l: l == "PHASE2-DONE", c.left(90), "PHASE2-DONE")
    z.signal(signal.SIGUSR2)
    z.wait_line("out", lambda l: l == "TRUTH-WRITTEN", c.left(30), "TRUTH-WRITTEN")
    truth = read_truth(c, truth_path)
    if truth["num_goroutine"] != truth.get("expected_goroutines", truth["num_goroutine"]):
        c.notes.append("zoo was not quiescent: %d goroutines, %d expected"
                       % (truth["num_goroutine"], truth["expected_goroutines"]))
    return z, pid, truth, ctx


def check_parks(c, report, truth, marks, extra):
    """The park probe's counters.  Off (the default): the report says so
    and no site has parks.  --park: the sleeper goroutines' time.Sleep
    calls, each one park with reason "sleep", counted exactly at their go
    statement.  --park-sample P: the probe was live about P % of the trace,
    and counted no more sleeps than there were."""
    probe = report.get("park_probe") or {}
    with_parks = [s for s in report["sites"] if "parks" in s]
    if "--park" not in extra and "--park-sample" not in extra:
        c.check(probe.get("mode") == "off" and not with_parks,
                "no --park: park_probe %r, %d sites with parks" % (probe, len(with_parks)))
        return
    sampled = "--park-sample" in extra
    c.check(probe.get("mode") == ("sampled" if sampled else "on"),
            "park_probe.mode %r" % probe.get("mode"))
    for name, t in truth["sites"].items():
        if not t.get("sleeps"):
            continue
        fname, line = marks[name]
        found = sites_at(report, fname, line)
        if not c.check(len(found) == 1, "%s: %d sites in the report" % (name, len(found))):
            continue
        parks = found[0].get("parks") or {}
        got = (parks.get("by_reason") or {}).get("sleep")
        if sampled:
            c.check(got is None or 0 < got <= t["sleeps"],
                    "%s: %r sleep parks counted while sampling, %d sleeps made"
                    % (name, got, t["sleeps"]))
        else:
            c.check(got == t["sleeps"], "%s: %r sleep parks counted, %d sleeps made (%s)"
                    % (name, got, t["sleeps"], parks))
    if sampled:
        pct = int(extra[list(extra).index("--park-sample") + 1])
        live, total = probe.get("live_s") or 0, report.get("duration_s") or 0
        # the share of whole 10 s windows, give or take the last one
        c.check(total and abs(live - total * pct / 100) <= 10 * pct / 100 + 0.5,
                "park probe live %.1f s of %.1f s at %d %%" % (live, total, pct))
    hits = (report.get("probes") or {}).get("park_hits", 0)
    counted = sum(s["parks"]["count"] for s in with_parks)
    c.check(counted == hits, "sites' parks add up to %d, the probe counted %d parks"
            % (counted, hits))


def case_zoo(c, args, v, bin_path, src_dir, extra=(), during=False):
    """extra: gostray options (--park, --by stack: the report's rows are
    then per creation stack, summed per go statement before they are
    checked, and each caller's stack checked).  during: attach 0.5 s into phase
    2, while the controls churn, so the baseline read races with creations
    and exits: the split between live_at_start and created is then unknown,
    but live must still be exact (nothing counted twice, nothing missed)."""
    marks = find_markers(src_dir)
    holder = {}

    def attach(z):
        holder["g"] = start_gostray(c, args, z.pid, extra)

    def on_ready(z):
        attach(z)
        time.sleep(1)   # let gostray run a while before phase 2

    z, pid, truth, _ = zoo_protocol(c, [bin_path], None if during else on_ready,
                                    attach if during else None)
    report = stop_gostray(c, holder["g"])
    z.signal(signal.SIGTERM)
    rc = z.wait(c.left(15))
    c.check(rc == 0, "zoo exited with status %s after SIGTERM" % rc)
    check_report_common(c, report, pid, v)
    check_against_truth(c, report, truth, marks, src_dir, exact_split=not during)
    check_parks(c, report, truth, marks, extra)
    if c.errors:
        c.notes.append("truth: " + json.dumps(truth, sort_keys=True))


VERDICT_SECONDS = 15


def check_verdicts(c, report, truth, marks):
    """Every zoo leak site `leak`, every healthy control `ok`, no other site
    (the runtime's, net/http's) `leak`; each verdict with its reason."""
    leak_at = set()
    for name, t in truth["sites"].items():
        fname, line = marks[name]
        found = sites_at(report, fname, line)
        if not c.check(len(found) == 1, "%s (%s:%d): %d sites in the report, want 1"
                       % (name, fname, line, len(found))):
            continue
        s = found[0]
        want = "leak" if t["kind"] == "leak" else "ok"
        c.check(s.get("verdict") == want and s.get("reason"),
                "%s (%s:%d, %s): verdict %r (%s), want %s"
                % (name, fname, line, t["kind"], s.get("verdict"), s.get("reason"), want))
        if want == "leak":
            leak_at.add((fname, line))
    for s in report["sites"]:
        key = (os.path.basename(s.get("file") or ""), s.get("line"))
        if s.get("verdict") == "leak" and key not in leak_at:
            c.check(False, "%s (%s:%s%s) is `leak`: %s" % (s.get("function"), key[0], key[1],
                    ", a runtime site" if s.get("system") else "", s.get("reason")))
        if s.get("system"):
            c.check(s.get("verdict") == "ok", "runtime site %s is %r, want ok"
                    % (s.get("function"), s.get("verdict")))
        series = s.get("series") or {}
        n = len(series.get("t_s") or [])
        c.check(n >= VERDICT_SECONDS and all(len(series.get(k) or []) == n
                                            for k in ("live", "created", "exited")),
                "site %s: series of %d points (want >= %d, all the same length)"
                % (s.get("function"), n, VERDICT_SECONDS))
        if n:
            c.check(series["live"][-1] == s["live"] and series["created"][-1] == s["created"],
                    "site %s: the series ends at live %s created %s, the counts say %s %s"
                    % (s.get("function"), series["live"][-1], series["created"][-1],
                       s["live"], s["created"]))
    counts = report.get("verdicts") or {}
    c.check(counts.get("leak") == len(leak_at),
            "verdicts.leak %r, want %d" % (counts.get("leak"), len(leak_at)))
    return leak_at


def capture_through_phase2(c, bin_path, argv_of, attach_s=60):
    """The zoo through its phases with a capture that ends by itself,
    started at READY (argv_of(pid) is its command line) and attached a
    second before phase 2; returns (zoo, pid, truth, the capture)."""
    holder = {}

    def on_ready(z):
        g = Proc(c, "gostray", argv_of(z.pid))
        c.show.append(("gostray", g, "err"))
        g.wait_line("err", lambda l: l.startswith("gostray: attached"), c.left(attach_s),
                    "attach line")
        holder["g"] = g
        time.sleep(1)

    z, pid, truth, _ = zoo_protocol(c, [bin_path], on_ready)
    return z, pid, truth, holder["g"]


def case_verdicts(c, args, v, bin_path, html=False):
    """`capture -d 15s -o DIR --fail-on-leak` over the zoo's phase 2: the
    verdicts, the exit status, the folder's three files and, with html,
    report.html rendered by headless Chromium."""
    marks = find_markers(ZOO_DIR)
    out = os.path.join(c.tmpdir(), "incident")
    z, pid, truth, g = capture_through_phase2(
        c, bin_path, lambda pid: [args.gostray, "capture", str(pid), "-d", str(VERDICT_SECONDS),
                                  "-o", out, "--fail-on-leak", "--json"])
    rc = g.wait(c.left(VERDICT_SECONDS + 60), "end of the capture")
    c.check(rc == 3, "gostray capture --fail-on-leak exited with status %s, want 3" % rc)
    report = json_stdout(c, g)
    z.signal(signal.SIGTERM)
    c.check(z.wait(c.left(15)) == 0, "zoo did not exit 0 after SIGTERM")
    check_report_common(c, report, pid, v)
    for name in ("report.json", "report.html", "goroutines.pb.gz"):
        path = os.path.join(out, name)
        if c.check(os.path.isfile(path), "%s was not written" % path):
            mode = os.stat(path).st_mode & 0o777
            c.check(mode == 0o644, "%s has mode %o, want 644" % (path, mode))
    try:
        with open(os.path.join(out, "report.json")) as f:
            saved = json.load(f)
    except (OSError, ValueError) as e:
        raise CaseFail("report.json: %s" % e)
    # One document: what --json printed is what the folder keeps.
    differing = sorted(k for k in set(saved) | set(report) if saved.get(k) != report.get(k))
    c.check(not differing, "report.json differs from the document printed on stdout in %s"
            % differing)
    blocked = saved.get("blocked_stacks") or []
    c.check(blocked and all(b.get("count") and b.get("frames") for b in blocked),
            "report.json has no blocked_stacks (or one without count/frames)")
    t = report.get("totals") or {}
    c.check(report.get("goroutines_at_end") == t.get("live") and
            report.get("goroutines_at_start") == t.get("live_at_start"),
            "goroutines_at_start/end %r/%r, the totals say %r/%r"
            % (report.get("goroutines_at_start"), report.get("goroutines_at_end"),
               t.get("live_at_start"), t.get("live")))
    leak_at = check_verdicts(c, report, truth, marks)
    if html and not c.errors:
        import html_check
        ok_at = [(os.path.basename(s["file"]), s["line"]) for s in report["sites"]
                 if s.get("verdict") == "ok" and not s.get("system") and s["live"]]
        shot = os.path.join(c.tmpdir(), "report.png")
        for msg in html_check.check_report_html(os.path.join(out, "report.html"),
                                                sorted(leak_at), ok_at, shot):
            c.check(False, "report.html: " + msg)
    if c.errors:
        c.notes.append("truth: " + json.dumps(truth, sort_keys=True))


LEAKED_HEAD_RE = re.compile(r"^goroutine \d+ \[.*\(leaked\)\]:")


def leaked_by_site(text):
    """{(file basename, line): n} of the goroutines a debug=2 dump marks
    "(leaked)" (the runtime's goroutineleak profile)."""
    out = {}
    for block in text.split("\n\n"):
        lines = block.strip("\n").split("\n")
        if not lines or not LEAKED_HEAD_RE.match(lines[0]):
            continue
        key = ("?", 0)
        for i, l in enumerate(lines):
            if l.startswith("created by ") and i + 1 < len(lines):
                m = re.match(r"^\s*(.*):(\d+)(\s|$)", lines[i + 1])
                if m:
                    key = (os.path.basename(m.group(1)), int(m.group(2)))
        out[key] = out.get(key, 0) + 1
    return out


def zoo_with_leak_profile(c, v, bin_path):
    """Go 1.27 has the goroutineleak profile on by default, 1.26 only
    with GOEXPERIMENT=goroutineleakprofile: the zoo built so, here."""
    if version_tuple(v) >= (1, 27):
        return bin_path
    out = os.path.join(c.tmpdir(), "zoo-leakprofile")
    r = subprocess.run([go_tool(v), "build", "-o", out, "."], cwd=ZOO_DIR, capture_output=True,
                       text=True, timeout=c.left(180),
                       env=dict(os.environ, CGO_ENABLED="0", GOTOOLCHAIN="local", GOFLAGS="-mod=mod",
                                GOWORK="off", GOEXPERIMENT="goroutineleakprofile"))
    if r.returncode:
        raise CaseFail("go build the zoo with GOEXPERIMENT=goroutineleakprofile: %s"
                       % r.stderr.strip()[-300:])
    return out


def case_leakprofile(c, args, v, bin_path):
    """gostray's verdicts side by side with the runtime's own goroutineleak
    profile of the same process (Go 1.26+): a 15 s capture over phase 2,
    then the profile.  Every site the runtime proves leaked must be `leak`
    in gostray's report, and once the runtime marked them, gostray's dump
    must show exactly those goroutines as leaked."""
    marks = find_markers(ZOO_DIR)
    prof = os.path.join(c.tmpdir(), "goroutineleak.txt")
    holder = {}

    def on_ready(z):
        g = Proc(c, "gostray", [args.gostray, "capture", str(z.pid), "-d", str(VERDICT_SECONDS),
                                "--json"])
        c.show.append(("gostray", g, "err"))
        g.wait_line("err", lambda l: l.startswith("gostray: attached"), c.left(60), "attach line")
        holder["g"] = g
        time.sleep(1)
    z, pid, truth, _ = zoo_protocol(c, [zoo_with_leak_profile(c, v, bin_path), "-leakprofile", prof],
                                    on_ready)
    g = holder["g"]
    rc = g.wait(c.left(VERDICT_SECONDS + 60), "end of the capture")
    c.check(rc == 0, "gostray capture exited with status %s" % rc)
    report = json_stdout(c, g)
    line = z.wait_line("out", lambda l: l.startswith("LEAKPROFILE-"), c.left(60), "LEAKPROFILE line")
    if not c.check(line == "LEAKPROFILE-WRITTEN", "the zoo says %s: no goroutineleak profile" % line):
        return
    with open(prof, encoding="utf-8", errors="replace") as f:
        runtime_leaked = leaked_by_site(f.read())
    d = run_dump(c, args, pid, "dump")
    ours = {}
    for gr in d.get("goroutines") or []:
        if gr.get("status") == "leaked" and gr.get("created_by"):
            key = (os.path.basename(gr["created_by"].get("file") or ""), gr["created_by"].get("line"))
            ours[key] = ours.get(key, 0) + 1
    c.check(ours == runtime_leaked, "gostray's dump shows leaked goroutines %s, the runtime's "
            "profile %s" % (sorted(ours.items()), sorted(runtime_leaked.items())))
    rows = []
    for name, t in sorted(truth["sites"].items()):
        if t["kind"] != "leak":
            continue
        key = marks[name]
        found = sites_at(report, *key)
        verdict = found[0].get("verdict") if found else None
        n = runtime_leaked.get(key, 0)
        rows.append("%s %d live: gostray %s, goroutineleak %d" % (name, t["live"], verdict, n))
        c.check(verdict == "leak", "%s: gostray says %r (%s)" % (
            name, verdict, found[0].get("reason") if found else "no site"))
        c.check(n <= t["live"], "%s: the runtime marks %d leaked, %d are alive" % (name, n, t["live"]))
    leak_keys = {marks[n] for n, t in truth["sites"].items() if t["kind"] == "leak"}
    for key, n in sorted(runtime_leaked.items()):
        if key not in leak_keys:
            c.check(False, "the runtime marks %d goroutines of %s:%d leaked, no zoo leak site" % ((n,) + key))
    found_rt = sum(1 for r in rows if not r.endswith("goroutineleak 0"))
    log("    %s: gostray leak at %d of %d leak sites, the runtime's goroutineleak profile at %d:"
        % (c.name, sum(1 for r in rows if " gostray leak," in r), len(rows), found_rt))
    for r in rows:
        log("      " + r)
    z.signal(signal.SIGTERM)
    c.check(z.wait(c.left(15)) == 0, "zoo did not exit 0 after SIGTERM")


def case_top(c, args, v, bin_path):
    """`gostray top` on the zoo at READY, in an 80x24 tmux pane: the
    leaking site with the most goroutines is the first row (select {}:
    leak from the first snapshot), Enter shows its creation and blocked
    stacks, q gives the terminal back with the final report."""
    import top_tmux
    marks = find_markers(ZOO_DIR)
    z, _ = start_target(c, "zoo", [bin_path], "READY ")
    fname, line = marks["select-forever"]
    screens = {}
    for msg in top_tmux.drive_top(os.path.abspath(args.gostray), z.pid, "%s:%d" % (fname, line),
                                  c.left(60), True, screens):
        c.check(False, "top: " + msg)
    if c.errors:
        for k, text in screens.items():
            c.notes.append("%s screen:\n%s" % (k, text))
    z.signal(signal.SIGTERM)
    c.check(z.wait(c.left(15)) == 0, "zoo did not exit 0 after SIGTERM")


def parse_dump(path):
    """pprof debug=2 dump -> (goroutine count, {(file basename, line): n},
    {creator function: n})."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    count = 0
    by_line, by_func = {}, {}
    for block in text.split("\n\n"):
        lines = block.strip("\n").split("\n")
        if not lines or not lines[0].startswith("goroutine "):
            continue
        count += 1
        for i, l in enumerate(lines):
            if l.startswith("created by ") and i + 1 < len(lines):
                func = l[len("created by "):].split(" in goroutine ")[0].strip()
                m = re.match(r"^\s*(.*):(\d+)(\s|$)", lines[i + 1])
                if m:
                    key = (os.path.basename(m.group(1)), int(m.group(2)))
                    by_line[key] = by_line.get(key, 0) + 1
                    func = re.sub(r"\[.*\]$", "", func)
                    by_func[func] = by_func.get(func, 0) + 1
    return count, by_line, by_func


def case_selfcheck(c, args, bin_path, src_dir):
    """The zoo against its own pprof dumps, no gostray."""
    marks = find_markers(src_dir)
    dump = os.path.join(c.tmpdir(), "goroutines")
    z, pid, truth, _ = zoo_protocol(c, [bin_path, "-pprof", dump])
    z.signal(signal.SIGTERM)
    rc = z.wait(c.left(15))
    c.check(rc == 0, "exit status %s after SIGTERM" % rc)
    c.check(not z.text("err"), "zoo wrote to stderr")
    c.check(truth["num_goroutine"] == truth.get("expected_goroutines", truth["num_goroutine"]),
            "not quiescent: NumGoroutine %d, expected %s" % (truth["num_goroutine"], truth.get("expected_goroutines")))
    tsites = truth["sites"]
    for name in sorted(marks):
        c.check(name in tsites, "marker site:%s (%s:%d) is not in the truth" % ((name,) + marks[name]))
    leak_fields = {}
    for field in ("live", "live_phase1", "created_phase2"):
        vals = [t[field] for t in tsites.values() if t["kind"] == "leak" and t[field]]
        c.check(len(vals) == len(set(vals)), "leak sites share %s counts: %s" % (field, sorted(vals)))
        leak_fields[field] = vals
    for when, fname, key in (("phase 1", dump + ".phase1", "live_phase1"), ("final", dump + ".final", "live")):
        count, by_line, by_func = parse_dump(fname)
        if when == "final":
            c.check(count == truth["num_goroutine"], "final dump has %d goroutines, NumGoroutine %d"
                    % (count, truth["num_goroutine"]))
        for name, t in sorted(tsites.items()):
            if t.get("function"):
                got, where = by_func.get(t["function"], 0), t["function"]
            elif name in marks:
                got, where = by_line.get(marks[name], 0), "%s:%d" % marks[name]
            else:
                c.check(False, "truth site %s has no marker" % name)
                continue
            c.check(got == t[key], "%s: site %s (%s): %d live in the dump, truth %d"
                    % (when, name, where, got, t[key]))
        src_files = {os.path.basename(p) for p in glob.glob(os.path.join(src_dir, "*.go"))}
        marked = set(marks.values())
        for (fname_, line), n in sorted(by_line.items()):
            if fname_ in src_files and (fname_, line) not in marked:
                c.check(False, "%s: %d goroutines created at unmarked %s:%d" % (when, n, fname_, line))
    if c.errors:
        c.notes.append("truth: " + json.dumps(truth, sort_keys=True))


def parse_go_stacks(path):
    """The runtime's debug=2 dump -> {goid: {header, frames, created_by, parent}}:
    frames and created_by as (function, file, line); arguments dropped."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    out = {}
    for block in text.split("\n\n"):
        lines = block.strip("\n").split("\n")
        m = re.match(r"^goroutine (\d+) (?:gp=\S+ m=\S+(?: mp=\S+)? )?\[([^\]]*)\]:$", lines[0]) if lines else None
        if not m:
            continue
        g = {"header": re.sub(r", \d+ minutes$", "", m.group(2)), "frames": [],
             "created_by": None, "parent": None}
        i = 1
        while i + 1 < len(lines):
            head, pos = lines[i], lines[i + 1].strip()
            i += 2
            fm = re.match(r"^(.*):(\d+)(?: \+0x[0-9a-f]+)?$", pos)
            if not fm:
                i -= 1
                continue
            where = (fm.group(1), int(fm.group(2)))
            if head.startswith("created by "):
                rest = head[len("created by "):]
                func, _, parent = rest.partition(" in goroutine ")
                g["created_by"] = (func.strip(),) + where
                g["parent"] = int(parent) if parent else None
            else:
                fm2 = re.match(r"^(.*)\([^()]*\)$", head)
                func = fm2.group(1) if fm2 else head
                g["frames"].append((func,) + where)
        out[int(m.group(1))] = g
    return out


def compare_dumps(c, when, go, ours):
    """gostray dump --json against the runtime's own dump of the same moment.
    The goroutine that wrote the runtime's dump was running then and is
    blocked elsewhere now: it is left out."""
    writers = {goid for goid, g in go.items() if g["header"] == "running"}
    mine = {g["goid"]: g for g in ours["goroutines"]}
    want, got = set(go) - writers, set(mine) - writers
    c.check(want == got, "%s: goroutines differ: only in the runtime's dump %s, only in gostray's %s"
            % (when, sorted(want - got)[:10], sorted(got - want)[:10]))
    bad = 0
    for goid in sorted(want & got):
        g, m = go[goid], mine[goid]
        header = m["wait_reason"] or m["status"]
        frames = [(f["function"], f["file"], f["line"]) for f in m["stack"]]
        cb = m["created_by"]
        created = (cb["function"], cb["file"], cb["line"]) if cb else None
        problems = []
        # The zoo's retry loops wake from time.Sleep every 50 ms: between
        # the two dumps such a goroutine may have become runnable or run.
        woke = header != g["header"] and {header, g["header"]} <= {"sleep", "runnable", "running"}
        if header != g["header"] and not woke:
            problems.append("state %r, runtime says %r" % (header, g["header"]))
        if woke and (not frames or not g["frames"]):
            frames = g["frames"]    # one side was running: no stack to compare
        if created != g["created_by"]:
            problems.append("created by %s, runtime says %s" % (created, g["created_by"]))
        if g["parent"] is not None and m["parent_goid"] != g["parent"]:
            problems.append("parent %s, runtime says %s" % (m["parent_goid"], g["parent"]))
        if frames[:1] != g["frames"][:1]:
            problems.append("leaf frame %s, runtime says %s" % (frames[:1], g["frames"][:1]))
        elif frames != g["frames"]:
            problems.append("stack %s, runtime says %s" % (frames, g["frames"]))
        if problems:
            bad += 1
            if bad <= 5:
                c.check(False, "%s: goroutine %d: %s" % (when, goid, "; ".join(problems)))
    if bad > 5:
        c.check(False, "%s: %d goroutines differ in all" % (when, bad))
    c.check(len(want & got) >= 50, "%s: only %d goroutines compared" % (when, len(want & got)))


def run_dump(c, args, pid, label, extra=()):
    p = Proc(c, label, [args.gostray, "dump", str(pid), "--json"] + list(extra))
    rc = p.wait(c.left(60), "dump")
    c.show.append((label, p, "err"))
    c.check(rc == 0, "%s exited with status %s" % (label, rc))
    return json_stdout(c, p)


def go_tool(v):
    """The go command of toolchain v (tools/go-toolchain.sh fetches it)."""
    return subprocess.run([os.path.join(ROOT, "tools", "go-toolchain.sh"), v], check=True,
                          capture_output=True, text=True).stdout.strip()


def pprof_traces(c, go, *argv):
    """`go tool pprof -traces` -> {created_by label's (file basename, line): count}."""
    r = subprocess.run([go, "tool", "pprof", "-traces"] + list(argv), capture_output=True,
                       text=True, timeout=c.left(60))
    if not c.check(r.returncode == 0, "go tool pprof -traces %s failed: %s"
                   % (" ".join(argv), r.stderr.strip()[-300:])):
        return {}
    out = {}
    for block in r.stdout.split("-----------+")[1:]:
        m = re.search(r"created_by:\s+\S+ (\S+):(\d+)\n", block)
        n = re.search(r"^\s+(-?\d+)\s+\S", block, re.M)
        if m and n:
            key = (os.path.basename(m.group(1)), int(m.group(2)))
            out[key] = out.get(key, 0) + int(n.group(1))
    c.check(out, "go tool pprof -traces %s: no sample with a created_by label" % " ".join(argv))
    return out


def check_profile_counts(c, when, counts, truth, marks, want):
    """Every leak site of the zoo: the profile's goroutines created at its
    marker line, against the truth (want(site) -> expected count)."""
    for name, t in sorted(truth["sites"].items()):
        if t["kind"] != "leak" or name not in marks:
            continue
        got = counts.get(marks[name], 0)
        c.check(got == want(t), "%s: site %s (%s:%d): %d goroutines in the profile, truth %d"
                % ((when, name) + marks[name] + (got, want(t))))


def case_dump(c, args, v, bin_path, full):
    """gostray dump against the zoo's own runtime/pprof dump (debug=2)
    written at READY (and, when full, after phase 2's churn, with the
    truth): the same goroutines, states, creators and stacks.  When full,
    also its pprof profiles: `go tool pprof` reads them, the leak sites
    have their exact counts, and -base shows phase 2's growth."""
    dump = os.path.join(c.tmpdir(), "goroutines")
    prof = [os.path.join(c.tmpdir(), "phase1.pb.gz"), os.path.join(c.tmpdir(), "final.pb.gz")]
    z, line = start_target(c, "zoo", [bin_path, "-pprof", dump, "-truth",
                                      os.path.join(c.tmpdir(), "truth.json")], "READY ")
    ours = run_dump(c, args, z.pid, "gostray-dump", ["--pprof", prof[0]] if full else [])
    compare_dumps(c, "at READY", parse_go_stacks(dump + ".phase1"), ours)
    if full:
        # capture --pprof-by creation: the live goroutines by creation stack
        cap = os.path.join(c.tmpdir(), "capture.pb.gz")
        g = Proc(c, "gostray-capture", [args.gostray, "capture", str(z.pid), "-d", "1", "--json",
                                        "--pprof-by", "creation", "--pprof", cap])
        c.show.append(("gostray-capture", g, "err"))
        rc = g.wait(c.left(60), "capture")
        c.check(rc == 0, "capture --pprof exited with status %s" % rc)
        z.signal(signal.SIGUSR1)
        z.wait_line("out", lambda l: l == "PHASE2-DONE", c.left(90), "PHASE2-DONE")
        z.signal(signal.SIGUSR2)
        z.wait_line("out", lambda l: l == "TRUTH-WRITTEN", c.left(30), "TRUTH-WRITTEN")
        ours = run_dump(c, args, z.pid, "gostray-dump-final", ["--pprof", prof[1]])
        compare_dumps(c, "after phase 2", parse_go_stacks(dump + ".final"), ours)
        truth = read_truth(c, os.path.join(c.tmpdir(), "truth.json"))
        marks = find_markers(ZOO_DIR)
        go = go_tool(v)
        check_profile_counts(c, "profile at READY", pprof_traces(c, go, prof[0]), truth, marks,
                             lambda t: t["live_phase1"])
        check_profile_counts(c, "capture profile by creation at READY", pprof_traces(c, go, cap),
                             truth, marks, lambda t: t["live_phase1"])
        check_profile_counts(c, "final profile", pprof_traces(c, go, prof[1]), truth, marks,
                             lambda t: t["live"])
        check_profile_counts(c, "final -base READY", pprof_traces(c, go, "-base", prof[0], prof[1]),
                             truth, marks, lambda t: t["live"] - t["live_phase1"])
    z.signal(signal.SIGTERM)
    rc = z.wait(c.left(15))
    c.check(rc == 0, "zoo exited with status %s after two dumps (want 0)" % rc)


def case_demo(c, args, v, bin_path):
    marks = find_markers(DEMO_DIR)
    svc, _ = start_target(c, "leakyservice", [bin_path, "-addr", "127.0.0.1:0", "-load", "-rate", "100"],
                          "leakyservice: listening")
    time.sleep(1)
    g = start_gostray(c, args, svc.pid)
    time.sleep(7)   # survivors older than the 5 s verdict threshold
    report = stop_gostray(c, g)
    check_report_common(c, report, svc.pid, v)
    leak_at = set()
    for name in DEMO_LEAK_SITES:
        if not c.check(name in marks, "demo has no marker site:%s" % name):
            continue
        found = sites_at(report, *marks[name])
        if c.check(found, "demo leak site %s (%s:%d) not in the report" % ((name,) + marks[name])):
            m = merged(found)
            c.check(m["live"] > 0 and m["created"] > 0 and m["live_at_start"] > 0,
                    "demo leak site %s: %s; want all > 0" % (name, describe(m)))
            c.check(all(s.get("verdict") == "leak" for s in found),
                    "demo leak site %s: verdict %s, want leak"
                    % (name, [(s.get("verdict"), s.get("reason")) for s in found]))
            leak_at.add(marks[name])
    for s in report["sites"]:
        if (os.path.basename(s["file"]), s["line"]) not in leak_at:
            c.check(s.get("verdict") != "leak", "demo site %s (%s:%s) is `leak`: %s"
                    % (s["function"], os.path.basename(s["file"]), s["line"], s.get("reason")))


def case_info(c, args, v, bin_path):
    p = Proc(c, "gostray info", [args.gostray, "info", bin_path, "--json"])
    c.show.append(("gostray info", p, "err"))
    rc = p.wait(c.left(30))
    c.check(rc == 0, "exit status %s" % rc)
    doc = json_stdout(c, p)
    c.check(doc.get("supported") is True, "supported: %r (%s)" % (doc.get("supported"), doc.get("reason")))
    c.check(go_version_matches(doc.get("go_version"), v), "go_version %r, want go%s" % (doc.get("go_version"), v))
    c.check(isinstance(doc.get("probes"), list) and doc.get("probes"), "no probes listed")
    stripped = bin_path.endswith("-stripped")
    if "symbols" in doc and stripped:
        c.check(doc["symbols"] != "symtab", "a stripped binary's symbols from %r" % doc["symbols"])


def expect_one_line_error(c, p, rc, needle):
    err = [l for l in p.text("err").split("\n") if l.strip()]
    c.check(rc not in (0, None), "exit status %s, want non-zero" % rc)
    c.check(len(err) == 1, "%d lines on stderr, want 1" % len(err))
    c.check(any(needle.lower() in l.lower() for l in err), "stderr does not mention %r" % needle)


def case_not_go(c, args):
    s = Proc(c, "sleep", ["sleep", "60"])
    for _ in range(100):        # until the fork has exec'd sleep
        try:
            if os.path.basename(os.readlink("/proc/%d/exe" % s.pid)) == "sleep":
                break
        except OSError:
            pass
        time.sleep(0.01)
    g = Proc(c, "gostray", [args.gostray, "capture", str(s.pid), "-d", "5"])
    c.show.append(("gostray", g, "err"))
    expect_one_line_error(c, g, g.wait(c.left(20)), "not a Go")
    c.check(s.p.poll() is None, "gostray hurt the process it refused")


CONTAINER_CAPS = "+bpf,+perfmon,+sys_ptrace"     # what a container is often given


def case_capabilities(c, args, bin_path):
    """Root with only the capabilities a container gets (no CAP_DAC_OVERRIDE):
    without CAP_SYS_ADMIN the uprobes cannot be created on this kernel, and
    gostray must say which capability, in one line, leaving the target
    alone; with it, a target of another user (whose /proc/PID/mem root
    cannot open without CAP_DAC_OVERRIDE) is traced and dumped."""
    if not shutil.which("setpriv"):
        raise CaseFail("no setpriv (util-linux)")
    exe = os.path.join(c.tmpdir(), "zoo-nobody")
    shutil.copyfile(bin_path, exe)
    os.chmod(exe, 0o755)
    os.chmod(c.tmpdir(), 0o755)
    z = Proc(c, "zoo", ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", exe])
    line = z.wait_line("out", lambda l: l.startswith("READY "), c.left(30), "READY line")
    pid = int(line.split()[1])
    c.check(os.stat("/proc/%d" % pid).st_uid == 65534, "the zoo does not run as nobody")
    def limited(caps):
        return ["setpriv", "--bounding-set=-all," + caps, "--inh-caps=-all", args.gostray]
    g = Proc(c, "gostray", limited(CONTAINER_CAPS) + ["capture", str(pid), "-d", "2"])
    c.show.append(("gostray", g, "err"))
    rc = g.wait(c.left(20))
    # Kernels that still let CAP_PERFMON create uprobes trace here: then
    # the capture must simply work.
    if rc != 0:
        expect_one_line_error(c, g, rc, "CAP_SYS_ADMIN")
    c.check(z.p.poll() is None, "the zoo did not survive the refused attach")
    with_admin = limited(CONTAINER_CAPS + ",+sys_admin")
    g = Proc(c, "gostray", with_admin + ["capture", str(pid), "-d", "2", "--json"])
    c.show.append(("gostray", g, "err"))
    rc = g.wait(c.left(30))
    c.check(rc == 0, "capture with BPF, PERFMON, SYS_PTRACE and SYS_ADMIN exited %s" % rc)
    if rc == 0:
        rep = json_stdout(c, g)
        c.check(rep["totals"]["live_at_start"] > 100 and rep["totals"]["lost_events"] == 0,
                "capture of another user's process: %s" % rep["totals"])
    d = Proc(c, "gostray", with_admin + ["dump", str(pid), "--json"])
    rc = d.wait(c.left(30))
    c.check(rc == 0 and json_stdout(c, d).get("goroutine_count", 0) > 100,
            "dump of another user's process with container capabilities failed (%s)" % rc)
    z.signal(signal.SIGTERM)
    c.check(z.wait(c.left(15)) == 0, "zoo did not exit 0 after SIGTERM")


def unused_pid():
    p = subprocess.Popen(["true"])
    p.wait()
    pid = p.pid
    while os.path.exists("/proc/%d" % pid):
        pid += 1
    return pid


def case_no_pid(c, args):
    pid = unused_pid()
    g = Proc(c, "gostray", [args.gostray, "capture", str(pid), "-d", "1", "--json"])
    c.show.append(("gostray", g, "err"))
    expect_one_line_error(c, g, g.wait(c.left(20)), str(pid))


def case_not_a_pid(c, args):
    g = Proc(c, "gostray", [args.gostray, "capture", "notapid", "-d", "1"])
    c.show.append(("gostray", g, "err"))
    rc = g.wait(c.left(20))
    c.check(rc not in (0, None), "exit status %s, want non-zero" % rc)
    c.check("notapid" in g.text("err"), "stderr does not name the bad argument")


def case_exit_statuses(c, args):
    """Every command's exit statuses (0, 1 error, 2 usage, 3 leak: the
    last one in verdicts/*), one line on stderr for every error, and under
    --json the same message as one JSON object on stdout."""
    sleeper = Proc(c, "sleep", ["sleep", "60"])
    time.sleep(0.2)
    cases = [
        # (argv, status, text stderr must hold, JSON expected on stdout)
        (["bogus"], 2, "unknown command 'bogus'", False),
        ([], 2, None, False),
        (["dump", "--park", "1"], 2, "dump does not take --park", False),
        (["info", "--group", "x"], 2, "info does not take --group", False),
        (["top", "-o", "x", "1"], 2, "top does not take --output", False),
        (["capture", "--json", "--bogus", "1"], 2, "unknown option '--bogus'", True),
        (["capture", "--json"], 2, "missing TARGET", True),
        (["capture", "1", "-d", "xyz", "--json"], 2, "invalid duration 'xyz'", True),
        (["capture", "1", "-d"], 2, "needs a value", False),
        (["dump", "notapid", "--json"], 1, "'notapid' is not a PID", True),
        (["capture", str(sleeper.pid), "-d", "1", "--json"], 1, "not a Go", True),
        (["info", "/nonexistent/binary", "--json"], 1, "/nonexistent/binary", True),
        (["node", "--top-sites", "0"], 2, "invalid --top-sites '0'", False),
        (["node", "extra"], 2, "node takes no PID", False),
        (["node", "--listen", "256.0.0.1:80", "-d", "1"], 1, "--listen 256.0.0.1:80", False),
        (["--version"], 0, None, False),
        (["capture", "--help"], 0, None, False),
    ]
    for argv, want, needle, js in cases:
        p = Proc(c, "gostray", [args.gostray] + argv)
        rc = p.wait(c.left(20), "exit")
        err = [l for l in p.text("err").split("\n") if l.strip()]
        what = "gostray %s" % " ".join(argv)
        c.check(rc == want, "%s: exit status %s, want %d" % (what, rc, want))
        if needle is not None:
            c.check(len(err) == 1 and needle in err[0],
                    "%s: stderr %r, want one line with %r" % (what, err, needle))
        if js:
            try:
                doc = json.loads(p.text("out"))
            except ValueError:
                c.check(False, "%s: stdout is not one JSON object: %r" % (what, p.text("out")[:200]))
                continue
            c.check(doc.get("exit_status") == want and needle in (doc.get("error") or "")
                    and err and err[0] == "gostray: " + doc["error"],
                    "%s: JSON %r, stderr %r" % (what, doc, err))
        elif want:
            c.check(not p.text("out").strip(), "%s: wrote to stdout: %r" % (what, p.text("out")[:200]))
    c.check(sleeper.p.poll() is None, "gostray hurt the process it refused")


def case_info_not_go(c, args):
    g = Proc(c, "gostray", [args.gostray, "info", "/bin/true"])
    c.show.append(("gostray", g, "err"))
    expect_one_line_error(c, g, g.wait(c.left(20)), "not a Go")


def case_target_killed(c, args, bin_path):
    z, _ = start_target(c, "zoo", [bin_path], "READY ")
    g = start_gostray(c, args, z.pid)
    time.sleep(1)
    z.p.kill()
    z.p.wait()
    rc = g.wait(c.left(20), "exit after the target died")
    c.check(rc == 0, "exit status %s, want 0" % rc)
    report = json_stdout(c, g)
    c.check(report.get("target_exited") is True, "report's target_exited is %r" % report.get("target_exited"))
    c.check(report.get("sites"), "the report lists no sites")
    c.check(re.search(r"target.*exited", g.text("err")), "stderr does not say the target exited")


def probe_bytes(c, args, pid, bin_path):
    """(addr, bytes in the file, bytes in the process now) of every probe
    gostray plans in a static binary (runtime address = link address)."""
    info = Proc(c, "gostray-info", [args.gostray, "info", str(pid), "--json"])
    c.check(info.wait(c.left(20)) == 0, "gostray info failed")
    probes = json.loads(info.text("out"))["probes"]
    out = []
    with open(bin_path, "rb") as f, open("/proc/%d/mem" % pid, "rb", buffering=0) as mem:
        for p in probes:
            f.seek(int(p["file_offset"], 16))
            mem.seek(int(p["addr"], 16))
            out.append((p["addr"], f.read(5), mem.read(5)))
    return out


def case_gostray_killed(c, args, bin_path):
    """gostray SIGKILLed mid-trace (every probe on, --park): the kernel
    removes the probes with gostray's file descriptors, so every probed
    instruction of the target is its original again, and the target runs
    on and exits cleanly."""
    z, _ = start_target(c, "zoo", [bin_path], "READY ")
    g = start_gostray(c, args, z.pid, ["--park"])
    time.sleep(1)   # the zoo's tickers park: the park probe has fired
    planted = probe_bytes(c, args, z.pid, bin_path)
    c.check(planted and all(now != orig for _, orig, now in planted),
            "not every probe is planted in the target while gostray runs: %s"
            % [(a, o.hex(), n.hex()) for a, o, n in planted])
    os.kill(g.pid, signal.SIGKILL)
    g.wait(c.left(10), "death by SIGKILL")
    deadline = time.monotonic() + 5
    while True:
        left = [(a, o.hex(), n.hex()) for a, o, n in probe_bytes(c, args, z.pid, bin_path)
                if o != n]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    c.check(not left, "probes left in the target 5 s after gostray was killed: %s" % left)
    c.check(z.p.poll() is None, "the target died with gostray")
    z.signal(signal.SIGUSR1)     # phase 2: creations, exits, parks, unprobed
    z.wait_line("out", lambda l: l == "PHASE2-DONE", c.left(90), "PHASE2-DONE")
    z.signal(signal.SIGTERM)
    c.check(z.wait(c.left(10)) == 0, "the target did not exit cleanly")


def case_two_tracers(c, args, v, bin_path):
    """Two gostray captures of one zoo at once (each its own BPF object and
    probes on the same instructions): both see phase 2 exactly, as one
    alone would."""
    marks = find_markers(ZOO_DIR)
    holder = {}

    def on_ready(z):
        holder["a"] = start_gostray(c, args, z.pid)
        holder["b"] = start_gostray(c, args, z.pid, ["--park"])
        time.sleep(1)

    z, pid, truth, _ = zoo_protocol(c, [bin_path], on_ready)
    reports = [stop_gostray(c, holder[k]) for k in ("a", "b")]
    z.signal(signal.SIGTERM)
    c.check(z.wait(c.left(15)) == 0, "zoo did not exit 0 after SIGTERM")
    for report, extra in zip(reports, ((), ("--park",))):
        check_report_common(c, report, pid, v)
        check_against_truth(c, report, truth, marks, ZOO_DIR)
        check_parks(c, report, truth, marks, extra)


def case_target_exec(c, args, bin_path):
    """The target replaces its program (execve of /bin/sleep, same PID)
    mid-trace: gostray notices within a poll, stops reading that memory,
    says so, and reports the Go program's counts until then."""
    z, _ = start_target(c, "zoo", [bin_path, "-exec", "/bin/sleep 600"], "READY ")
    g = start_gostray(c, args, z.pid)
    time.sleep(1)
    z.signal(signal.SIGHUP)
    rc = g.wait(c.left(20), "exit after the target's exec")
    c.check(rc == 0, "exit status %s, want 0" % rc)
    report = json_stdout(c, g)
    c.check(report.get("target_exited") is True and report.get("target_exec") is True,
            "target_exited %r, target_exec %r" % (report.get("target_exited"),
                                                 report.get("target_exec")))
    c.check(re.search(r"target PID %d replaced its program \(exec\)" % z.pid, g.text("err")),
            "stderr does not say the target replaced its program")
    marks = find_markers(ZOO_DIR)
    fname, line = marks["select-forever"]
    found = sites_at(report, fname, line)
    c.check(found and found[0]["live"] == 19,
            "select-forever: %s live at the exec, the zoo's phase 1 left 19"
            % (found[0]["live"] if found else "no site"))
    with open("/proc/%d/comm" % z.pid) as f:
        c.check(f.read().strip() == "sleep", "the target is not sleep after its exec")


def case_target_stopped(c, args, bin_path):
    """The target is SIGSTOPped mid-trace, and gostray stopped while it is:
    the detach and the final snapshot of a stopped process neither hang nor
    fail, the counts are exact, and the target, continued, runs its phase 2
    and exits 0."""
    z, _ = start_target(c, "zoo", [bin_path], "READY ")
    g = start_gostray(c, args, z.pid, ["-o", os.path.join(c.tmpdir(), "incident")])
    time.sleep(1)
    z.signal(signal.SIGSTOP)
    time.sleep(1)
    t0 = time.monotonic()
    report = stop_gostray(c, g)
    log("    fault/target-stopped: gostray done %.1f s after SIGINT, the target stopped"
        % (time.monotonic() - t0))
    c.check(report.get("target_exited") is False, "target_exited %r" % report.get("target_exited"))
    marks = find_markers(ZOO_DIR)
    fname, line = marks["select-forever"]
    found = sites_at(report, fname, line)
    c.check(found and found[0]["live"] == 19 and found[0]["verdict"] == "leak",
            "select-forever: %s" % (found[0] if found else "no site"))
    c.check(os.path.isfile(os.path.join(c.tmpdir(), "incident", "report.html")),
            "no report.html from a capture of a stopped target")
    z.signal(signal.SIGCONT)
    z.signal(signal.SIGUSR1)
    z.wait_line("out", lambda l: l == "PHASE2-DONE", c.left(90), "PHASE2-DONE")
    z.signal(signal.SIGTERM)
    c.check(z.wait(c.left(10)) == 0, "the target did not exit cleanly after SIGCONT")


STEADY_RE = re.compile(r"//\s*steady-site:([A-Za-z0-9_.-]+)\s*$")


def steady_sites():
    """{name: (file basename, line)} of the zoo's steady churn."""
    marks = {}
    path = os.path.join(ZOO_DIR, "steady_churn.go")
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            m = STEADY_RE.search(line)
            if m:
                marks[m.group(1)] = (os.path.basename(path), n)
    if "churn" not in marks:
        raise CaseFail("%s has no // steady-site:churn marker" % path)
    return marks


def check_end_check(c, report, exact):
    """The report's end check: present, the sites' diffs adding up, and
    within what changed while the end snapshot was read (0 if exact)."""
    ec = report.get("end_check")
    if not c.check(isinstance(ec, dict), "no end_check in the report: %r" % ec):
        return
    sites = [s for s in report["sites"] if isinstance(s.get("end_check"), dict)]
    c.check(len(sites) == len(report["sites"]), "%d of %d sites have an end_check"
            % (len(sites), len(report["sites"])))
    c.check(ec["diff"] == sum(s["end_check"]["diff"] for s in sites),
            "end_check.diff %r is not the sum of the sites' diffs" % ec["diff"])
    c.check(ec["snapshot_live"] == report["totals"]["live"] + ec["diff"],
            "end_check.snapshot_live %r != live %r + diff %r"
            % (ec["snapshot_live"], report["totals"]["live"], ec["diff"]))
    for s in sites:
        e = s["end_check"]
        limit = 0 if exact else e["changed_during_read"]
        c.check(abs(e["diff"]) <= limit,
                "site %s %s:%s: end snapshot %d, live %d at the cut (%d changed while it was read)"
                % (s["function"], os.path.basename(s["file"]), s["line"], e["snapshot_live"],
                   s["live"], e["changed_during_read"]))
    if exact:
        c.check(ec["abs_diff"] == 0 and ec["changed_during_read"] == 0,
                "a stopped target's end check: %s" % json.dumps(ec, sort_keys=True))


def case_cut_churn(c, args, v, bin_path):
    """The end of a trace is one instant: a site whose goroutines live
    50 ms (one every 10 ms) ends with the live count the zoo's own
    runtime/pprof dump shows at the end (+-1), not with the exits that
    kept coming while the probes were removed."""
    marks = steady_sites()
    dump = os.path.join(c.tmpdir(), "goroutines")
    truth = os.path.join(c.tmpdir(), "truth.json")
    z, _ = start_target(c, "zoo", [bin_path, "-steady-churn", "-pprof", dump, "-truth", truth],
                        "READY ")
    g = Proc(c, "gostray", [args.gostray, "capture", str(z.pid), "-d", "3", "--json"])
    c.show.append(("gostray", g, "err"))
    rc = g.wait(c.left(60), "end of a 3 s capture")
    c.check(rc == 0, "gostray exited with status %s" % rc)
    report = json_stdout(c, g)
    z.signal(signal.SIGUSR2)
    z.wait_line("out", lambda l: l == "TRUTH-WRITTEN", c.left(30), "TRUTH-WRITTEN")
    _, by_line, _ = parse_dump(dump + ".final")
    fname, line = marks["churn"]
    found = sites_at(report, fname, line)
    if not c.check(len(found) == 1, "steady churn %s:%d: %d sites" % (fname, line, len(found))):
        return
    s, in_dump = found[0], by_line.get(marks["churn"], 0)
    log("    %s: steady churn live %d at the cut, %d in the zoo's dump, end check %s, "
        "%d records after the cut" % (c.name, s["live"], in_dump,
                                       json.dumps(report.get("end_check")),
                                       (report.get("probes") or {}).get("records_after_cut", -1)))
    c.check(s["created"] > 200, "steady churn: only %d created in 3 s" % s["created"])
    c.check(abs(s["live"] - in_dump) <= 1 and in_dump >= 3,
            "steady churn: live %d at the end, the zoo's dump shows %d" % (s["live"], in_dump))
    c.check((report.get("probes") or {}).get("records_after_cut", 0) > 0,
            "no record after the cut: the probes cannot have fired while removed?")
    check_end_check(c, report, False)
    z.signal(signal.SIGTERM)
    c.check(z.wait(c.left(10)) == 0, "the zoo did not exit 0")


def case_cut_stopped(c, args, v, bin_path):
    """A target stopped before the end: the report equals gostray's dump
    of the same stopped process site by site, and the end check is 0."""
    z, _ = start_target(c, "zoo", [bin_path, "-steady-churn"], "READY ")
    g = Proc(c, "gostray", [args.gostray, "capture", str(z.pid), "-d", "3", "--json"])
    c.show.append(("gostray", g, "err"))
    g.wait_line("err", lambda l: l.startswith("gostray: attached"), c.left(60), "attach line")
    time.sleep(1.5)
    z.signal(signal.SIGSTOP)
    rc = g.wait(c.left(60), "end of a 3 s capture")
    c.check(rc == 0, "gostray exited with status %s" % rc)
    report = json_stdout(c, g)
    d = run_dump(c, args, z.pid, "dump", ["--all"])
    z.signal(signal.SIGCONT)
    by_pc = {}
    for gr in d.get("goroutines") or []:
        key = (gr.get("created_by") or {}).get("pc", "main")
        by_pc[key] = by_pc.get(key, 0) + 1
    c.check(d.get("goroutine_count") == report["totals"]["live"],
            "dump of the stopped target: %r goroutines, the report's live %r"
            % (d.get("goroutine_count"), report["totals"]["live"]))
    for s in report["sites"]:
        want = by_pc.get(s["pc"], 0) + (by_pc.get("main", 0) if s["start_function"] == "runtime.main" else 0)
        c.check(s["live"] == want, "site %s %s:%s: live %d, the dump of the stopped target shows %d"
                % (s["function"], os.path.basename(s["file"]), s["line"], s["live"], want))
    fname, line = steady_sites()["churn"]
    found = sites_at(report, fname, line)
    c.check(found and found[0]["live"] >= 3, "steady churn: %s" % (found[0] if found else "no site"))
    check_end_check(c, report, True)
    z.signal(signal.SIGTERM)
    c.check(z.wait(c.left(10)) == 0, "the zoo did not exit 0 after SIGCONT")


def case_binary_replaced(c, args, v, bin_path, other_path):
    """The target's executable is replaced on disk while it runs (another
    program renamed over its path, as a deploy does): gostray analyses and
    probes the file the process runs (/proc/PID/exe, the old inode), not
    the one at the path now, and counts exactly."""
    marks = find_markers(ZOO_DIR)
    path = os.path.join(c.tmpdir(), "zoo-replaced")
    shutil.copy(bin_path, path)
    holder = {}

    def on_ready(z):
        fresh = os.path.join(c.tmpdir(), "fresh")
        shutil.copy(other_path, fresh)
        os.replace(fresh, path)
        holder["g"] = start_gostray(c, args, z.pid)
        time.sleep(1)

    z, pid, truth, _ = zoo_protocol(c, [path], on_ready)
    report = stop_gostray(c, holder["g"])
    z.signal(signal.SIGTERM)
    c.check(z.wait(c.left(15)) == 0, "zoo did not exit 0 after SIGTERM")
    c.check("(deleted)" in report.get("exe", ""), "report exe %r: not the deleted original"
            % report.get("exe"))
    check_report_common(c, report, pid, v)
    check_against_truth(c, report, truth, marks, ZOO_DIR)


def case_valgrind(c, args, v, bin_path):
    """One capture/detach cycle (probes, baseline, phase 2's churn, the
    end dump, the incident folder) under valgrind's memcheck: no error and
    nothing definitely or indirectly lost.  tests/valgrind.supp holds the
    two bpf() attribute checks valgrind gets wrong for libbpf."""
    out = os.path.join(c.tmpdir(), "incident")
    memcheck = ["valgrind", "--suppressions=" + os.path.join(ROOT, "tests", "valgrind.supp"),
                "--leak-check=full", "--errors-for-leak-kinds=definite,indirect",
                "--error-exitcode=99"]
    z, pid, truth, g = capture_through_phase2(
        c, bin_path, lambda pid: memcheck + [args.gostray, "capture", str(pid), "-d", "20",
                                             "-o", out, "--json"], attach_s=120)
    rc = g.wait(c.left(120), "end of the capture under valgrind")
    z.signal(signal.SIGTERM)
    c.check(z.wait(c.left(15)) == 0, "zoo did not exit 0 after SIGTERM")
    err = g.text("err")
    c.check(rc == 0, "valgrind/gostray exited with status %s (99: memcheck errors or leaks)" % rc)
    c.check(re.search(r"ERROR SUMMARY: 0 errors", err), "memcheck reported errors")
    c.check(re.search(r"in use at exit: 0 bytes in 0 blocks|definitely lost: 0 bytes", err),
            "memcheck found memory not freed at exit")
    check_report_common(c, json_stdout(c, g), pid, v)


def build_fixture(c, v, name):
    """tests/fixtures/NAME built with Go v (static), in the case's folder."""
    src = os.path.join(ROOT, "tests", "fixtures", name)
    out = os.path.join(c.tmpdir(), name)
    r = subprocess.run([go_tool(v), "build", "-o", out, "."], cwd=src, capture_output=True,
                       text=True, timeout=c.left(180),
                       env=dict(os.environ, CGO_ENABLED="0", GOTOOLCHAIN="local", GOFLAGS="-mod=mod",
                                GOWORK="off"))
    if r.returncode:
        raise CaseFail("go build tests/fixtures/%s: %s" % (name, r.stderr.strip()[-300:]))
    return src, out


def case_soak(c, args, v):
    """tests/fixtures/soak for --soak-seconds under `gostray capture --park`:
    hundreds of thousands of goroutines through channel chains, mutex
    contention and sleeps.  The workload's own checksum must equal the same
    computation done without goroutines and it must exit 0; gostray must
    lose nothing and count exactly: every churn, relay and sleeper
    goroutine created and gone, the leak site's goroutines alive, the
    sleepers' parks one per time.Sleep."""
    src, bin_path = build_fixture(c, v, "soak")
    marks = find_markers(src)
    z, _ = start_target(c, "soak", [bin_path, "-d", "%ds" % args.soak_seconds], "READY ")
    g = start_gostray(c, args, z.pid, ["--park"])
    z.signal(signal.SIGUSR1)
    line = z.wait_line("out", lambda l: l.startswith("{"), c.left(args.soak_seconds + 120),
                       "the soak's result line")
    res = json.loads(line)
    time.sleep(0.5)     # the last goroutines of the last round finish exiting
    report = stop_gostray(c, g)
    z.signal(signal.SIGTERM)
    c.check(z.wait(c.left(15)) == 0, "the soak workload did not exit 0")
    c.check(res["checksum"] == res["expected"], "the workload's checksum %d, computed without "
            "goroutines %d: the traced program went wrong" % (res["checksum"], res["expected"]))
    check_report_common(c, report, z.pid, v)
    want = {"soak-churn": (res["created"], 0), "soak-relay": (4 * res["created"], 0),
            "soak-sleeper": (res["created"] // 200, 0), "soak-leak": (res["leaked"], res["leaked"])}
    for name, (created, live) in want.items():
        fname, line_no = marks[name]
        found = sites_at(report, fname, line_no)
        if not c.check(len(found) == 1, "%s: %d sites in the report" % (name, len(found))):
            continue
        s = found[0]
        c.check(s["created"] == created and s["live"] == live,
                "%s: created %d live %d, the workload says %d and %d"
                % (name, s["created"], s["live"], created, live))
    fname, line_no = marks["soak-sleeper"]
    found = sites_at(report, fname, line_no)
    got = ((found[0].get("parks") or {}).get("by_reason") or {}).get("sleep") if found else None
    c.check(got == res["sleeps"], "soak-sleeper: %r sleep parks, %d sleeps made"
            % (got, res["sleeps"]))
    log("    soak/go%s: %ds, %d goroutines created, %d parks counted, gostray lost %d"
        % (v, args.soak_seconds, report["totals"]["created"], report["probes"]["park_hits"],
           report["totals"]["lost_events"]))


def case_no_shell(c, args):
    """gostray never starts a program, let alone a shell with user input in
    its command line: its binary imports none of libc's ways to (the
    linker would have to resolve one for any such call to exist)."""
    r = subprocess.run(["nm", "-D", "--undefined-only", args.gostray], capture_output=True,
                       text=True, timeout=30)
    if not c.check(r.returncode == 0, "nm -D %s failed: %s" % (args.gostray, r.stderr.strip())):
        return
    imported = {l.split()[-1].split("@")[0] for l in r.stdout.splitlines() if l.strip()}
    c.check(len(imported) > 50, "nm listed only %d imports: not the dynamic gostray?" % len(imported))
    bad = sorted(imported & {"system", "popen", "execl", "execle", "execlp", "execv", "execve",
                             "execvp", "execvpe", "fexecve", "posix_spawn", "posix_spawnp",
                             "fork", "vfork", "clone", "wordexp"})
    c.check(not bad, "gostray imports %s" % ", ".join(bad))


def listening_on(port):
    """Local addresses (hex, as /proc/net/tcp{,6} write them) listening on port."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                addr, p = local.rsplit(":", 1)
                if state == "0A" and int(p, 16) == port:
                    found.append(addr)
    return found


def case_metrics_loopback(c, args):
    """gostray node with no --listen serves its metrics on 127.0.0.1 only:
    nothing else on the network can read what the host's processes do."""
    if listening_on(9464):
        raise CaseFail("port 9464 is taken on this machine: cannot check the default")
    g = Proc(c, "gostray-node", [args.gostray, "node", "--include-exe", "^gostray-matches-nothing$"])
    c.show.append(("gostray-node", g, "err"))
    g.wait_line("err", lambda l: "serving metrics on" in l, c.left(30), "serving line")
    addrs = listening_on(9464)
    g.signal(signal.SIGTERM)
    c.check(g.wait(c.left(20)) == 0, "gostray node did not exit 0 on SIGTERM")
    c.check(addrs == ["0100007F"], "port 9464 listened on %s, want 127.0.0.1 only (0100007F)"
            % addrs)


MILLION = 1000000


def case_million(c, args, v):
    """A target with 1 000 000 goroutines (tests/fixtures/million, built
    here): attach, baseline, a short capture and the detach work, the site
    counts exactly a million, runtime.NumGoroutine() agrees, and gostray's
    memory stays in proportion (its RSS is noted)."""
    src, bin_path = build_fixture(c, v, "million")
    p = Proc(c, "million", [bin_path, "-n", str(MILLION)])
    c.show.append(("million", p, "err"))
    line = p.wait_line("out", lambda l: l.startswith("READY "), c.left(120), "READY line")
    num_goroutine = int(line.split()[2])
    t0 = time.monotonic()
    g = Proc(c, "gostray", [args.gostray, "capture", str(p.pid), "-d", "3", "--json"])
    c.show.append(("gostray", g, "err"))
    g.wait_line("err", lambda l: l.startswith("gostray: attached"), c.left(120), "attach line")
    attach_s = time.monotonic() - t0
    with open("/proc/%d/status" % g.pid) as f:
        rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
    c.check(g.wait(c.left(120), "end of the capture") == 0, "gostray capture failed")
    report = json_stdout(c, g)
    (fname, line_no), = find_markers(src).values()
    found = sites_at(report, fname, line_no)
    c.check(found and found[0]["live"] == MILLION and found[0]["live_at_start"] == MILLION,
            "the million site: %s" % ({k: found[0][k] for k in ("live", "live_at_start")}
                                      if found else "missing"))
    c.check(report["totals"]["live_user"] == num_goroutine,
            "live_user %d, runtime.NumGoroutine() said %d"
            % (report["totals"]["live_user"], num_goroutine))
    c.check(p.p.poll() is None, "the target died")
    log("    fault/million: attached in %.1f s, gostray's RSS %.0f MB after the baseline"
        % (attach_s, rss / 1024))


def case_ring_overflow(c, args, v, bin_path):
    """A 4 KiB ring buffer over the zoo's phase 2 (15 000 goroutines in
    bursts of 150): records are lost, and nothing else goes wrong - the
    loss is counted and announced, every record that arrived is counted,
    no site gets more than the truth, and hits + lost cover every creation
    and exit the zoo made at its marked sites."""
    marks = find_markers(ZOO_DIR)
    holder = {}

    def on_ready(z):
        holder["g"] = start_gostray(c, args, z.pid, ["--ring-buffer", "4k"])
        time.sleep(1)

    z, pid, truth, _ = zoo_protocol(c, [bin_path], on_ready)
    g = holder["g"]
    report = stop_gostray(c, g)
    z.signal(signal.SIGTERM)
    c.check(z.wait(c.left(15)) == 0, "zoo did not exit 0 after SIGTERM")
    t, p = report["totals"], report["probes"]
    lost = t["lost_events"]
    if not c.check(lost > 0, "no record lost with a 4 KiB ring buffer: the case shows nothing"):
        return
    c.check(re.search(r"warning: %d records lost" % lost, g.text("err")),
            "stderr does not warn about the %d lost records" % lost)
    c.check(t["created"] == p["create_hits"],
            "created %d, but %d creation records arrived" % (t["created"], p["create_hits"]))
    made = 0
    for name, st in truth["sites"].items():
        fname, line = marks[name]
        found = sites_at(report, fname, line)
        got = found[0]["created"] if found else 0
        c.check(got <= st["created_phase2"], "%s: %d created counted, the zoo made %d"
                % (name, got, st["created_phase2"]))
        made += 2 * st["created_phase2"] - (st["live"] - st["live_phase1"])
    seen = p["create_hits"] + p["exit_hits"] + lost
    c.check(seen >= made, "hits + lost = %d, fewer than the %d creations and exits the zoo "
            "made at its marked sites" % (seen, made))
    log("    fault/ring-overflow: %d records lost, %d arrived" % (lost, p["create_hits"] + p["exit_hits"]))


def case_offsets_mismatch(c, args, bin_path, v):
    """A Go 1.27 binary whose version strings say go1.23 gets the 1.23
    offsets (goid at 160, not 152): the attach-time self-check must refuse
    before any probe, and the target must not notice."""
    fake = os.path.join(c.tmpdir(), "zoo-says-go1.23")
    data = open(bin_path, "rb").read()
    c.check(data.count(b"go" + v.encode()) > 0, "no go%s string to patch" % v)
    with open(fake, "wb") as f:
        f.write(data.replace(b"go" + v.encode(), b"go1.23"))
    os.chmod(fake, 0o755)
    z, _ = start_target(c, "zoo", [fake], "READY ")
    info = Proc(c, "gostray", [args.gostray, "info", fake, "--json"])
    info.wait(c.left(20))
    c.check('"go1.23' in info.text("out"), "gostray info does not see the patched go1.23")
    g = Proc(c, "gostray", [args.gostray, "capture", str(z.pid), "-d", "2"])
    c.show.append(("gostray", g, "err"))
    expect_one_line_error(c, g, g.wait(c.left(20)), "offsets do not fit")
    c.check(z.p.poll() is None, "the target died after gostray refused it")
    z.signal(signal.SIGTERM)
    c.check(z.wait(c.left(10)) == 0, "the target did not exit cleanly after the refusal")


def case_missing(c, msg):
    raise CaseFail(msg)


# -------------------------------------------------------------------- main

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
        # Verdicts on one shape per version; the page rendered once.
        runner.case("verdicts/go%s/zoo.%s" % (v, zoo_variants[0]), case_verdicts, 120, args, v,
                    binary(args, v, "zoo", zoo_variants[0]), v == versions[-1])
        if version_tuple(v) >= (1, 26):
            runner.case("leakprofile/go%s/zoo.static" % v, case_leakprofile, 180, args, v,
                        binary(args, v, "zoo", "static"))
        if v == versions[-1]:
            runner.case("top/go%s/zoo.%s" % (v, zoo_variants[0]), case_top, 120, args, v,
                        binary(args, v, "zoo", zoo_variants[0]))
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
