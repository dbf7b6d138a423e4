#!/usr/bin/env python3
"""gostray integration tests: the real tracer, as root, against the leak zoo.

    python3 tests/integration/run_leakzoo.py --gostray ./gostray \\
        --go-bins build/go --versions "1.19 1.27" [--only SUBSTRING] [-v]

First builds the Go programs the cases need with tests/build-go.sh (every
binary variant: static, static-stripped, pie, pie-stripped, cgo,
cgo-stripped, extpie, extpie-stripped; incremental): tests/leakzoo,
tests/leakzoo-iter (Go >= 1.23) and demo/leakyservice.  Then the cases:

  selfcheck/goV/NAME  the zoo against its own runtime/pprof goroutine dump
                      (no gostray): proves the markers and counts the other
                      cases rely on
  zoo/goV/VARIANT     leakzoo leaks known counts per go statement, gostray
                      attaches, the zoo leaks more and runs its healthy
                      controls, then writes its truth (runtime.NumGoroutine()
                      and per-site counts); gostray's JSON must match it
                      exactly, at the file:line of each `// site:NAME` marker
  iter/goV/VARIANT    the same for iter.Pull coroutines (Go >= 1.23)
  zoo-nopark/...      the zoo case with gostray --no-park
  zoo-racing/..., iter-racing/...  gostray attaches while phase 2 churns:
                      the baseline races with creations and exits, the live
                      counts must still be exact
  info/goV/leakzoo.VARIANT  `gostray info BINARY --json`: supported, go_version
  demo/goV            the demo service under load: its leaking lines show
  bad/...             not a Go program, no such process, info of a non-Go
                      binary, a target SIGKILLed during a capture

Prints `PASS name` or `FAIL name: reason` per case (details indented below a
failure, gostray's stderr included), then a summary; exits 0 only when at
least one case ran and every case passed.  Needs root.
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
ZOO_DIR = os.path.join(ROOT, "tests", "leakzoo")
ITER_DIR = os.path.join(ROOT, "tests", "leakzoo-iter")
DEMO_DIR = os.path.join(ROOT, "demo", "leakyservice")
BUILD_GO = os.path.join(ROOT, "tests", "build-go.sh")

VARIANTS = ["static", "static-stripped", "pie", "pie-stripped", "cgo",
            "cgo-stripped", "extpie", "extpie-stripped"]

# The marker grammar, shared with tests/leakzoo/harness (markerRE).
MARKER_RE = re.compile(r"//\s*site:([A-Za-z0-9_.-]+)\s*$")

# tests/leakzoo/main.go poolSize: the fixed pool's live count.
POOL_SIZE = 6

# What every goroutine of a permanently blocked zoo leak site waits on, as
# the runtime names it (Go 1.19 says semacquire where later ones name the
# sync primitive; a coroutine parked in its yield waits on "coroutine").
# The ticker and retry loops wake up: not checked.
ZOO_WAIT_REASONS = {
    "fanout-send": {"chan send"},
    "pool-noclose": {"chan receive"},
    "ctx-ignore": {"chan receive"},
    "nil-send": {"chan send (nil chan)"},
    "nil-recv": {"chan receive (nil chan)"},
    "select-forever": {"select (no cases)"},
    "wg-wait": {"semacquire", "sync.WaitGroup.Wait"},
    "mutex-wait": {"semacquire", "sync.Mutex.Lock"},
    "http-work": {"sync.Cond.Wait"},
    "iter-leak": {"coroutine"},
}

DEMO_LEAK_SITES = ["search-backend", "checkout-audit", "subscribe-watch"]

VERBOSE = False
ALL_PROCS = []          # every child, for the runner's own exit
ALL_PROCS_LOCK = threading.Lock()


class CaseFail(Exception):
    pass


def log(msg=""):
    sys.stdout.write(msg + "\n")
    sys.stdout.flush()


def vlog(msg):
    if VERBOSE:
        log("    . " + msg)


def indent(text, prefix="    "):
    return "".join(prefix + line + "\n" for line in text.rstrip("\n").split("\n"))


# ---------------------------------------------------------------- processes

class Proc:
    """A child in its own process group, whose stdout and stderr are read
    line by line by two threads, so that waiting for a line never blocks
    past a deadline."""

    def __init__(self, case, label, argv):
        self.label = label
        self.lines = {"out": [], "err": []}
        self.cond = threading.Condition()
        self.closed = {"out": False, "err": False}
        vlog("start %s: %s" % (label, " ".join(argv)))
        try:
            self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      start_new_session=True)
        except OSError as e:
            raise CaseFail("cannot run %s: %s" % (argv[0], e))
        self.pid = self.p.pid
        case.procs.append(self)
        with ALL_PROCS_LOCK:
            ALL_PROCS.append(self)
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
        """The first line of the stream matching pred; CaseFail when the
        stream ends or the time runs out first."""
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                for line in self.lines[stream]:
                    if pred(line):
                        return line
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
            vlog("%s to %s" % (signal.Signals(sig).name, self.label))
            os.kill(self.pid, sig)

    def wait(self, timeout, what="exit"):
        try:
            rc = self.p.wait(timeout=max(timeout, 0.05))
        except subprocess.TimeoutExpired:
            raise CaseFail("%s: no %s within %.1fs" % (self.label, what, timeout))
        for t in self.threads:
            t.join(5)
        return rc

    def text(self, stream):
        with self.cond:
            return "\n".join(self.lines[stream])

    def kill(self):
        """The whole process group, whatever state it is in."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            self.p.wait(5)
        except subprocess.TimeoutExpired:
            pass


class Case:
    def __init__(self, name, timeout, keep):
        self.name = name
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout
        self.keep = keep
        self.procs = []
        self.errors = []
        self.notes = []         # shown on failure (and with -v)
        self.show = []          # (Proc, stream) shown on failure
        self.tmp = None

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

    def cleanup(self):
        for p in self.procs:
            p.kill()
        if self.tmp and not self.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)


class Runner:
    def __init__(self, args):
        self.args = args
        self.passed = []
        self.failed = []

    def case(self, name, timeout, fn, *fargs):
        if self.args.only and self.args.only not in name:
            return
        c = Case(name, timeout, self.args.keep)
        done = threading.Event()

        def watchdog():
            # No wait inside fn outlives the case: its processes die.
            if not done.wait(timeout + 2):
                for p in list(c.procs):
                    p.kill()
        threading.Thread(target=watchdog, daemon=True).start()
        t0 = time.monotonic()
        try:
            fn(c, *fargs)
            if c.errors:
                raise CaseFail(c.errors[0] + ("" if len(c.errors) == 1 else
                                              " (and %d more)" % (len(c.errors) - 1)))
            log("PASS %s" % name + (" (%.1fs)" % (time.monotonic() - t0) if VERBOSE else ""))
            for n in c.notes if VERBOSE else []:
                log(indent(n))
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
            for p, stream in c.show:
                t = p.text(stream)
                log("    --- %s %s ---" % (p.label, "stdout" if stream == "out" else "stderr"))
                if t:
                    log(indent(t[-6000:], "    | "))
            if c.tmp:
                c.keep = True
                log("    (files kept in %s)" % c.tmp)
        finally:
            done.set()
            c.cleanup()

    def summary(self, t0):
        total = len(self.passed) + len(self.failed)
        log("")
        if self.failed:
            log("failed: " + " ".join(self.failed))
        log("%d cases, %d passed, %d failed, in %.0fs"
            % (total, len(self.passed), len(self.failed), time.monotonic() - t0))
        if total == 0:
            log("FAIL: no case ran")
            return 1
        return 0 if not self.failed else 1


# ----------------------------------------------------------------- helpers

def find_markers(pkgdir):
    """{site name: (file basename, line)} from the // site: markers."""
    marks = {}
    for path in sorted(glob.glob(os.path.join(pkgdir, "*.go"))):
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                m = MARKER_RE.search(line)
                if m:
                    if m.group(1) in marks:
                        raise CaseFail("%s: site:%s marked twice" % (pkgdir, m.group(1)))
                    marks[m.group(1)] = (os.path.basename(path), n)
    if not marks:
        raise CaseFail("%s: no // site: markers" % pkgdir)
    return marks


def vt(v):
    return tuple(int(x) for x in v.split("."))


def go_version_matches(reported, v):
    """go1.19.8 matches 1.19; go1.27.3 and go1.27rc1 match 1.27; go1.2 does not."""
    return bool(re.match(r"^go%s(\D|$)" % re.escape(v), reported or ""))


def binary(args, v, name, variant):
    return os.path.join(args.go_bins, "go" + v, "%s.%s" % (name, variant))


def start_gostray(c, args, pid, extra=()):
    g = Proc(c, "gostray", [args.gostray, "capture", str(pid), "--json"] + list(extra))
    c.show.append((g, "err"))
    g.wait_line("err", lambda l: l.startswith("gostray: attached to PID"), c.left(30),
                "'gostray: attached to PID' line")
    return g


def stop_gostray(c, g):
    g.signal(signal.SIGINT)
    rc = g.wait(c.left(20), "exit after SIGINT")
    c.check(rc == 0, "gostray exited with status %s after SIGINT (want 0)" % rc)
    return json_stdout(c, g)


def json_stdout(c, p):
    try:
        return json.loads(p.text("out"))
    except ValueError as e:
        c.show.append((p, "out"))
        raise CaseFail("%s's stdout is not one JSON document: %s" % (p.label, e))


def base_func(name):
    """iter.Pull[...] and iter.Pull[go.shape.int] -> iter.Pull"""
    name = name or ""
    i = name.find("[")
    return name if i < 0 else name[:i]


def site_str(s):
    return "%s %s:%s (pc %s): live %s, live_at_start %s, created %s, exited %s" % (
        s.get("function"), os.path.basename(s.get("file") or "?"), s.get("line"), s.get("pc"),
        s.get("live"), s.get("live_at_start"), s.get("created"), s.get("exited"))


def check_report_common(c, report, pid, v):
    """What holds for every capture: identity, no lost events, the schema,
    live = live_at_start + created - exited, the runtime's sites listed."""
    totals = report.get("totals") or {}
    c.check(report.get("pid") == pid, "report pid %r, want %d" % (report.get("pid"), pid))
    c.check(go_version_matches(report.get("go_version"), v),
            "go_version %r, want go%s" % (report.get("go_version"), v))
    c.check(totals.get("lost_events") == 0, "totals.lost_events %r, want 0" % totals.get("lost_events"))
    sites = report.get("sites")
    if not c.check(isinstance(sites, list) and sites, "the report lists no sites"):
        raise CaseFail(c.errors[0])
    keys = ("pc", "function", "file", "line", "start_function", "created", "exited",
            "live", "live_at_start", "wait_reasons", "oldest_age_s", "system")
    for s in sites:
        missing = [k for k in keys if k not in s]
        if missing:
            c.check(False, "site %s has no %s" % (site_str(s), ", ".join(missing)))
            continue
        c.check(isinstance(s["pc"], str) and re.match(r"^0x[0-9a-f]+$", s["pc"]),
                "site pc %r is not a hex string" % s["pc"])
        c.check(s["live"] == s["live_at_start"] + s["created"] - s["exited"],
                "live != live_at_start + created - exited: %s" % site_str(s))
    c.check(any((s.get("function") or "").startswith("runtime.") and s.get("system") is True
                for s in sites), "no site with a runtime.* function and system: true")
    c.check(totals.get("live") == sum(s.get("live", 0) for s in sites),
            "totals.live %r != the sites' live summed (%d)"
            % (totals.get("live"), sum(s.get("live", 0) for s in sites)))


def find_site(c, report, name, mark, fn=None):
    """The report's one site for a marker (or for a creator function)."""
    if fn:
        found = [s for s in report["sites"] if base_func(s.get("function")) == fn]
        where = "function %s" % fn
    else:
        found = [s for s in report["sites"]
                 if os.path.basename(s.get("file") or "") == mark[0] and s.get("line") == mark[1]]
        where = "%s:%d" % mark
    if not found:
        c.check(False, "site %s (%s) is not in the report" % (name, where))
        return None
    if len(found) > 1:
        c.check(False, "site %s (%s) is %d sites in the report: %s"
                % (name, where, len(found), "; ".join(site_str(s) for s in found)))
        return None
    return found[0]


# ------------------------------------------------------------- zoo protocol

def run_zoo(c, argv, attach, during=False):
    """A zoo program through its phases.  attach(zoo proc) runs after READY,
    before SIGUSR1, or with during, 0.5s into phase 2 (while the controls
    churn); returns (zoo, truth)."""
    truth_path = os.path.join(c.tmpdir(), "truth.json")
    z = Proc(c, "zoo", argv + ["-truth", truth_path])
    c.show.append((z, "err"))
    z.wait_line("out", lambda l: l == "READY", c.left(30), "READY")
    if not during:
        attach(z)
    z.signal(signal.SIGUSR1)
    if during:
        time.sleep(0.5)
        attach(z)
    z.wait_line("out", lambda l: l == "PHASE2-DONE", c.left(60), "PHASE2-DONE")
    z.signal(signal.SIGUSR2)
    z.wait_line("out", lambda l: l == "TRUTH-WRITTEN", c.left(30), "TRUTH-WRITTEN")
    try:
        with open(truth_path) as f:
            truth = json.load(f)
    except (OSError, ValueError) as e:
        raise CaseFail("truth file: %s" % e)
    if truth.get("num_goroutine") != truth.get("expected_goroutines"):
        raise CaseFail("the zoo was not quiescent: %s goroutines, %s accounted for"
                       % (truth.get("num_goroutine"), truth.get("expected_goroutines")))
    return z, truth


def case_zoo(c, args, v, path, src_dir, extra=(), during=False):
    """extra: gostray options (--no-park).  during: attach while phase 2
    churns, so that the baseline read races with creations and exits; the
    split between live_at_start and created is then unknown, but live must
    still be exact: nothing counted twice, nothing missed."""
    marks = find_markers(src_dir)
    holder = {}

    def attach(z):
        holder["g"] = start_gostray(c, args, z.pid, extra)

    z, truth = run_zoo(c, [path], attach, during)
    report = stop_gostray(c, holder["g"])
    with open(os.path.join(c.tmpdir(), "report.json"), "w") as f:
        f.write(holder["g"].text("out"))
    z.signal(signal.SIGTERM)
    rc = z.wait(c.left(10))
    c.check(rc == 0, "the zoo exited with status %s after SIGTERM" % rc)
    check_zoo_report(c, report, truth, marks, z.pid, v, exact_split=not during)


def check_zoo_report(c, report, truth, marks, pid, v, exact_split=True):
    """gostray's report against the zoo's truth, site by site."""
    c.notes.append("truth: " + json.dumps(truth, sort_keys=True))
    check_report_common(c, report, pid, v)
    totals = report["totals"]
    c.check(totals.get("live_user") == truth["num_goroutine"],
            "totals.live_user %r, runtime.NumGoroutine() %d"
            % (totals.get("live_user"), truth["num_goroutine"]))

    tsites = truth["sites"]
    c.check(set(tsites) == set(marks), "the truth's sites %s != the markers %s"
            % (sorted(tsites), sorted(marks)))
    for name in sorted(tsites):
        t = tsites[name]
        if name not in marks:
            continue
        if not exact_split and t["live"] == 0 and not any(
                os.path.basename(x.get("file") or "") == marks[name][0] and x.get("line") == marks[name][1]
                for x in report["sites"]):
            continue    # all born and gone before the attach
        s = find_site(c, report, name, marks[name], t.get("function"))
        if s is None:
            continue
        what = "site %s (%s:%d)" % ((name,) + marks[name])
        c.check(s["live"] == t["live"], "%s: live %s, truth %d" % (what, s["live"], t["live"]))
        c.check(s.get("system") is False, "%s: system %r, want false" % (what, s.get("system")))
        if not exact_split:
            continue
        c.check(s["live_at_start"] == t["phase1"],
                "%s: live_at_start %s, truth %d (alive at attach)" % (what, s["live_at_start"], t["phase1"]))
        c.check(s["created"] == t["phase2"],
                "%s: created %s, truth %d (created while attached)" % (what, s["created"], t["phase2"]))
        c.check(s["exited"] == t["phase1"] + t["phase2"] - t["live"],
                "%s: exited %s, truth %d" % (what, s["exited"], t["phase1"] + t["phase2"] - t["live"]))
        if t["leak"]:
            c.check(t["live"] > 0 and t["phase1"] > 0 and t["phase2"] > 0,
                    "%s: the zoo leaked nothing in a phase: %r" % (what, t))
        want = ZOO_WAIT_REASONS.get(name)
        if want and s["live"]:
            got = sum(n for r, n in s["wait_reasons"].items() if r in want)
            c.check(got == s["live"], "%s: wait_reasons %r, want all %d live on %s"
                    % (what, s["wait_reasons"], s["live"], " or ".join(sorted(want))))
    if "churn" in tsites:
        ch = tsites["churn"]
        c.check(ch["phase2"] >= 1000 and ch["live"] == 0,
                "churn: truth created %d (want >= 1000), live %d" % (ch["phase2"], ch["live"]))
    if "pool-fixed" in tsites:
        c.check(tsites["pool-fixed"]["live"] == POOL_SIZE,
                "pool-fixed: truth live %d, want the pool size %d" % (tsites["pool-fixed"]["live"], POOL_SIZE))


def case_selfcheck(c, args, path, src_dir):
    """The zoo against its own goroutine dumps, without gostray."""
    p = Proc(c, "zoo -selfcheck", [path, "-selfcheck"])
    c.show.append((p, "out"))
    c.show.append((p, "err"))
    rc = p.wait(c.left())
    c.check(rc == 0, "exit status %s" % rc)
    c.check(any(l.startswith("SELFCHECK OK") for l in p.text("out").split("\n")),
            "no SELFCHECK OK line")
    # The markers the runner finds are the ones the program checked.
    listed = set(re.findall(r"^site (\S+)", p.text("out"), re.M))
    c.check(listed == set(find_markers(src_dir)),
            "sites %s, markers %s" % (sorted(listed), sorted(find_markers(src_dir))))
    c.notes.append(p.text("out"))


def case_info(c, args, v, path):
    p = Proc(c, "gostray info", [args.gostray, "info", path, "--json"])
    c.show.append((p, "err"))
    rc = p.wait(c.left())
    c.check(rc == 0, "exit status %s" % rc)
    doc = json_stdout(c, p)
    c.check(doc.get("supported") is True, "supported %r (%s)" % (doc.get("supported"), doc.get("reason")))
    c.check(go_version_matches(doc.get("go_version"), v), "go_version %r, want go%s" % (doc.get("go_version"), v))


def case_demo(c, args, v, path):
    marks = find_markers(DEMO_DIR)
    svc = Proc(c, "leakyservice", [path, "-addr", "127.0.0.1:0", "-load"])
    c.show.append((svc, "err"))
    svc.wait_line("out", lambda l: "listening" in l, c.left(20), "'listening' line")
    time.sleep(1.5)     # some leaks before attach
    g = Proc(c, "gostray", [args.gostray, "capture", str(svc.pid), "-d", "3", "--json"])
    c.show.append((g, "err"))
    rc = g.wait(c.left(30))
    c.check(rc == 0, "gostray exited with status %s" % rc)
    report = json_stdout(c, g)
    check_report_common(c, report, svc.pid, v)
    for name in DEMO_LEAK_SITES:
        if not c.check(name in marks, "demo/leakyservice has no marker site:%s" % name):
            continue
        s = find_site(c, report, name, marks[name])
        if s:
            c.check(s["live"] > 0 and s["live_at_start"] > 0 and s["created"] > 0,
                    "demo leak site %s: %s; want live, live_at_start and created > 0" % (name, site_str(s)))


# ----------------------------------------------------------------- bad input

def expect_one_line_error(c, p, rc, needle):
    err = [l for l in p.text("err").split("\n") if l.strip()]
    c.check(rc not in (0, None), "exit status %s, want non-zero" % rc)
    c.check(len(err) == 1, "%d lines on stderr, want 1" % len(err))
    c.check(any(needle in l for l in err), "stderr does not say %r" % needle)


def case_not_go(c, args):
    s = Proc(c, "sleep", ["sleep", "100"])
    for _ in range(200):        # until the child has exec'd sleep
        try:
            if os.path.basename(os.readlink("/proc/%d/exe" % s.pid)) == "sleep":
                break
        except OSError:
            pass
        time.sleep(0.01)
    g = Proc(c, "gostray", [args.gostray, "capture", str(s.pid)])
    c.show.append((g, "err"))
    expect_one_line_error(c, g, g.wait(c.left(15)), "not a Go program")
    c.check(s.p.poll() is None, "the sleep process died")


def unused_pid():
    with open("/proc/sys/kernel/pid_max") as f:
        pid_max = int(f.read())
    for pid in range(pid_max - 1, 300, -1):
        if not os.path.exists("/proc/%d" % pid):
            return pid
    raise CaseFail("no free PID")


def case_no_pid(c, args):
    g = Proc(c, "gostray", [args.gostray, "capture", str(unused_pid()), "--json"])
    c.show.append((g, "err"))
    expect_one_line_error(c, g, g.wait(c.left(15)), "no process")


def case_info_not_go(c, args):
    g = Proc(c, "gostray", [args.gostray, "info", "/bin/true"])
    c.show.append((g, "err"))
    rc = g.wait(c.left(15))
    c.check(rc not in (0, None), "exit status %s, want non-zero" % rc)


def case_target_killed(c, args, path):
    z = Proc(c, "zoo", [path])
    c.show.append((z, "err"))
    z.wait_line("out", lambda l: l == "READY", c.left(30), "READY")
    g = start_gostray(c, args, z.pid)
    time.sleep(0.5)
    z.p.kill()
    z.p.wait()
    t0 = time.monotonic()
    rc = g.wait(2.0, "exit within 2s of the target's death")
    c.notes.append("gostray exited %.2fs after the target" % (time.monotonic() - t0))
    c.check(rc == 0, "exit status %s, want 0" % rc)
    report = json_stdout(c, g)
    c.check(report.get("target_exited") is True, "target_exited %r, want true" % report.get("target_exited"))
    c.check("exited" in g.text("err"), "stderr does not say the target exited")


# -------------------------------------------------------------------- main

def newest_mtime(d):
    return max((os.stat(os.path.join(r, f)).st_mtime
                for r, _, fs in os.walk(d) for f in fs), default=0)


def build(c, args, versions):
    # leakzoo-iter imports tests/leakzoo/harness: build-go.sh only looks at
    # the package's own folder, so stale binaries go first.
    harness = newest_mtime(os.path.join(ZOO_DIR, "harness"))
    for v in versions:
        for x in VARIANTS:
            b = binary(args, v, "leakzoo-iter", x)
            if os.path.exists(b) and os.stat(b).st_mtime < harness:
                os.unlink(b)
    jobs = [(" ".join(versions), [ZOO_DIR, DEMO_DIR])]
    newer = [v for v in versions if vt(v) >= (1, 23)]
    if newer:
        jobs.append((" ".join(newer), [ITER_DIR]))
    for vs, pkgs in jobs:
        p = Proc(c, "build-go.sh", [BUILD_GO, args.go_bins, vs] + pkgs)
        c.show.append((p, "out"))
        c.show.append((p, "err"))
        rc = p.wait(c.left())
        if rc != 0:
            raise CaseFail("tests/build-go.sh %s %s exited with status %s" % (vs, " ".join(pkgs), rc))


def kill_everything(*_):
    with ALL_PROCS_LOCK:
        procs = list(ALL_PROCS)
    for p in procs:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except OSError:
            pass


def main():
    global VERBOSE
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gostray", default="./gostray", help="the gostray binary")
    ap.add_argument("--go-bins", default="build/go", help="where goV/NAME.VARIANT binaries are built")
    ap.add_argument("--versions", default="1.19 1.27", help='Go versions, e.g. "1.19 1.27"')
    ap.add_argument("--only", default="", metavar="SUBSTRING",
                    help="only the cases whose name contains SUBSTRING (the build always runs)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="show each step, timings and passing cases' details")
    ap.add_argument("--keep", action="store_true", help="keep each case's temporary files")
    args = ap.parse_args()
    VERBOSE = args.verbose
    args.gostray = os.path.abspath(args.gostray)
    args.go_bins = os.path.abspath(args.go_bins)
    versions = args.versions.split()

    if os.geteuid() != 0:
        log("run_leakzoo.py: the integration tests need root (gostray loads BPF programs "
            "and reads other processes' memory): sudo make test")
        return 1
    if not os.access(args.gostray, os.X_OK):
        log("run_leakzoo.py: no gostray binary at %s (run make first)" % args.gostray)
        return 1
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda s, f: (kill_everything(), sys.exit(128 + s)))

    t0 = time.monotonic()
    r = Runner(args)
    only, args.only = args.only, ""
    r.case("build", 1800, build, args, versions)
    args.only = only
    if r.failed:
        return r.summary(t0)

    for v in versions:
        def zoo(x, v=v):
            return binary(args, v, "leakzoo", x)

        def it(x, v=v):
            return binary(args, v, "leakzoo-iter", x)
        r.case("selfcheck/go%s/leakzoo" % v, 60, case_selfcheck, args, zoo("static"), ZOO_DIR)
        if vt(v) >= (1, 23):
            r.case("selfcheck/go%s/leakzoo-iter" % v, 60, case_selfcheck, args, it("static"), ITER_DIR)
        for x in VARIANTS:
            r.case("zoo/go%s/%s" % (v, x), 90, case_zoo, args, v, zoo(x), ZOO_DIR)
        if vt(v) >= (1, 23):
            for x in VARIANTS:
                r.case("iter/go%s/%s" % (v, x), 60, case_zoo, args, v, it(x), ITER_DIR)
        r.case("zoo-nopark/go%s/pie-stripped" % v, 90, case_zoo, args, v, zoo("pie-stripped"), ZOO_DIR,
               ["--no-park"])
        r.case("zoo-racing/go%s/static-stripped" % v, 90, case_zoo, args, v, zoo("static-stripped"), ZOO_DIR,
               (), True)
        if vt(v) >= (1, 23):
            r.case("iter-racing/go%s/static-stripped" % v, 60, case_zoo, args, v, it("static-stripped"),
                   ITER_DIR, (), True)
        for x in VARIANTS:
            r.case("info/go%s/leakzoo.%s" % (v, x), 30, case_info, args, v, zoo(x))
        r.case("demo/go%s" % v, 60, case_demo, args, v, binary(args, v, "leakyservice", "static-stripped"))
        r.case("bad/target-killed/go%s" % v, 40, case_target_killed, args, zoo("static"))
    r.case("bad/not-go", 20, case_not_go, args)
    r.case("bad/no-such-pid", 20, case_no_pid, args)
    r.case("bad/info-not-go", 20, case_info_not_go, args)
    return r.summary(t0)


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        kill_everything()
