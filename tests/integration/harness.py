"""The integration runner's machinery (tests/integration/run.py): processes
that die with their case, cases with deadlines, the zoo's markers and
truth files, starting gostray and reading its JSON."""

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


def go_tool(v):
    """The go command of toolchain v (tools/go-toolchain.sh fetches it)."""
    return subprocess.run([os.path.join(ROOT, "tools", "go-toolchain.sh"), v], check=True,
                          capture_output=True, text=True).stdout.strip()


def unused_pid():
    p = subprocess.Popen(["true"])
    p.wait()
    pid = p.pid
    while os.path.exists("/proc/%d" % pid):
        pid += 1
    return pid


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


def expect_one_line_error(c, p, rc, needle):
    err = [l for l in p.text("err").split("\n") if l.strip()]
    c.check(rc not in (0, None), "exit status %s, want non-zero" % rc)
    c.check(len(err) == 1, "%d lines on stderr, want 1" % len(err))
    c.check(any(needle.lower() in l.lower() for l in err), "stderr does not mention %r" % needle)


def run_dump(c, args, pid, label, extra=()):
    p = Proc(c, label, [args.gostray, "dump", str(pid), "--json"] + list(extra))
    rc = p.wait(c.left(60), "dump")
    c.show.append((label, p, "err"))
    c.check(rc == 0, "%s exited with status %s" % (label, rc))
    return json_stdout(c, p)
