"""The machinery of the node-mode cases (tests/integration/node.py):
scrapes and their format, zoos started in namespaces, gostray node started
and read, the checks of a scrape against each zoo's truth."""

import glob
import math
import os
import re
import shutil
import signal
import socket
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run as it  # noqa: E402  (tests/integration/run.py: Case, Runner, Proc)

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    # Debian's python3-prometheus-client (tools/install-deps.sh) lives in
    # /usr/lib/python3/dist-packages, which a python3 that is not
    # Debian's (pyenv, a venv) does not search; the parser is pure Python.
    sys.path.append("/usr/lib/python3/dist-packages")
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        text_string_to_metric_families = None

CaseFail = it.CaseFail
SCAN_INTERVAL = 1           # --scan-interval for every node started here
ZOO_CHURN = 3000            # the zoo's phase-2 churn (-churn), 5 zoos at once
SERVING_RE = re.compile(r"^gostray: node: serving metrics on http://(\S+)/metrics\s*$")
SITE_LABELS = ("pid", "exe", "site_function", "site_file", "site_line")
SITE_METRICS = ("gostray_goroutines_live", "gostray_goroutines_created_total",
                "gostray_goroutines_exited_total")
CHURN_PROCS = 100
CHURN_PARALLEL = 8
# RSS growth allowed over the 100 starts and exits (each measured with the
# steady zoo alone attached, 1 s after the metrics say so).  By design a
# forgotten process leaves nothing (its site table and baseline go with it,
# its binary's probes and symbol tables with the binary's last process);
# what RSS may keep is malloc's high-water mark of up to 8 processes of 4
# binaries attached at once: measured +2.1 MiB over the first 50, +0.0
# over the second 50 (22.9 -> 25.0 MiB, go1.19 and go1.27 zoos).  8 MiB
# leaves room for another allocator's habits; the second bound catches
# any leak of 60 KiB or more per process (50 * 60 KiB = 3 MiB), and the
# fd count any BPF object or link left behind.
RSS_GROWTH_MAX = 8 << 20
RSS_GROWTH_SECOND_HALF_MAX = 3 << 20
FD_SLACK = 2


# ------------------------------------------------------------ scraping

def fetch(url, timeout=5):
    """(body, content type) of url through urllib, with no proxy (an
    http_proxy in the environment must not see 127.0.0.1)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=timeout) as r:
        if r.status != 200:
            raise OSError("HTTP status %d" % r.status)
        return r.read().decode("utf-8"), r.headers.get("Content-Type", "")


class Scrape:
    """One exposition parsed by prometheus_client's parser."""

    def __init__(self, text, content_type=""):
        if text_string_to_metric_families is None:
            raise CaseFail("no prometheus_client parser (Debian: python3-prometheus-client)")
        self.text = text
        self.content_type = content_type
        self.types = {}         # family and sample names -> type
        self.samples = []       # (name, labels, value)
        try:
            for fam in text_string_to_metric_families(text):
                self.types[fam.name] = fam.type
                for s in fam.samples:
                    self.types.setdefault(s.name, fam.type)
                    self.samples.append((s.name, dict(s.labels), s.value))
        except Exception as e:  # noqa: BLE001 - the parser raises ValueError and others
            raise CaseFail("the exposition does not parse: %r" % e)

    def get(self, name, **labels):
        return [(l, v) for n, l, v in self.samples
                if n == name and all(l.get(k) == str(x) for k, x in labels.items())]

    def one(self, name, **labels):
        found = self.get(name, **labels)
        return found[0][1] if len(found) == 1 else None

    def pids(self):
        return {l["pid"] for _, l, _ in self.samples if "pid" in l}


def scrape(url):
    try:
        body, ct = fetch(url)
    except OSError as e:
        raise CaseFail("GET %s: %s" % (url, e))
    return Scrape(body, ct)


def poll(c, url, errors_of, timeout, what, holder=None):
    """Scrapes until errors_of(scrape) is empty; on timeout every error of
    the last scrape goes to the case.  The last scrape is returned (and
    kept in holder["last"])."""
    end = time.monotonic() + c.left(timeout)
    last, errs = None, ["nothing scraped"]
    while True:
        try:
            last = scrape(url)
            errs = errors_of(last)
        except CaseFail as e:
            errs = [str(e)]
        if holder is not None and last is not None:
            holder["last"] = last
        if not errs:
            return last
        if time.monotonic() >= end:
            c.check(False, "%s: not within %.0fs: %s" % (what, timeout, errs[0]))
            for e in errs[1:]:
                c.check(False, e)
            return last
        time.sleep(0.5)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def check_format(s):
    """Types, content type and values of the metrics the issue names."""
    errs = []
    if not s.content_type.startswith("text/plain"):
        errs.append("Content-Type %r, want text/plain (version=0.0.4)" % s.content_type)
    want = {"gostray_goroutines_live": "gauge", "gostray_goroutines_created_total": "counter",
            "gostray_goroutines_exited_total": "counter", "gostray_process_goroutines": "gauge",
            "gostray_attached_processes": "gauge", "gostray_attached_binaries": "gauge"}
    for name, typ in want.items():
        if s.types.get(name) != typ:
            errs.append("%s has type %r, want %s" % (name, s.types.get(name), typ))
    for n, l, v in s.samples:
        if n.startswith("gostray_goroutines_") or n == "gostray_process_goroutines":
            if not (math.isfinite(v) and v >= 0 and v == int(v)):
                errs.append("%s%s = %r is not a count" % (n, l, v))
            missing = [k for k in (SITE_LABELS if n in SITE_METRICS else ("pid", "exe")) if k not in l]
            if missing:
                errs.append("%s%s has no label %s" % (n, l, ", ".join(missing)))
    return errs


# ------------------------------------------------------------ processes

def wait_count(c, p, stream, pred, n, timeout, what, start=0):
    """Until p's stream has n lines (from line `start` on) matching pred."""
    end = time.monotonic() + c.left(timeout)
    with p.cond:
        while True:
            if sum(1 for l in p.lines[stream][start:] if pred(l)) >= n:
                return
            if p.closed[stream]:
                p.p.poll()
                raise CaseFail("%s ended (exit status %s) before %s" % (p.label, p.p.returncode, what))
            left = end - time.monotonic()
            if left <= 0:
                raise CaseFail("%s: no %s within %.0fs" % (p.label, what, timeout))
            p.cond.wait(left)


def ns_pids(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("NSpid:"):
                    return [int(x) for x in line.split()[1:]]
    except OSError:
        pass
    return []


def children(pid):
    out = []
    for path in glob.glob("/proc/%d/task/*/children" % pid):
        try:
            with open(path) as f:
                out += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return out


class Zoo:
    """One zoo process (optionally in its own mount + PID namespace, made
    by unshare): its host pid, its exe's basename, its truth."""

    def __init__(self, c, label, path, v, ns=False, show=True):
        self.c, self.label, self.path, self.v, self.ns = c, label, path, v, ns
        self.exe = os.path.basename(path)
        self.truth_path = os.path.join(c.tmpdir(), label + ".truth.json")
        argv = [path, "-truth", self.truth_path, "-churn", str(ZOO_CHURN)]
        if ns:
            argv = ["unshare", "--mount", "--pid", "--fork", "--mount-proc"] + argv
        self.p = it.Proc(c, label, argv)
        if show:
            c.show.append((label, self.p, "err"))
        self.pid = None
        self.truths = 0
        self.phase2s = 0
        self.dead = False

    def ready(self, timeout=30):
        line = self.p.wait_line("out", lambda l: l.startswith("READY "), self.c.left(timeout), "READY line")
        said = int(line.split()[1])
        if not self.ns:
            if said != self.p.pid:
                raise CaseFail("%s says READY %d, its pid is %d" % (self.label, said, self.p.pid))
            self.pid = self.p.pid
            return self
        # unshare --fork: the zoo is unshare's child, pid 1 of its namespace.
        kids = children(self.p.pid)
        if len(kids) != 1:
            raise CaseFail("%s: unshare (pid %d) has children %s, want the zoo alone"
                           % (self.label, self.p.pid, kids))
        nsp = ns_pids(kids[0])
        if len(nsp) != 2 or nsp[0] != kids[0] or nsp[1] != said or said != 1:
            raise CaseFail("%s: host pid %d has NSpid %s, READY said %d; want [%d, 1]"
                           % (self.label, kids[0], nsp, said, kids[0]))
        exe = os.readlink("/proc/%d/exe" % kids[0])
        if os.path.basename(exe) != self.exe:
            raise CaseFail("%s: host pid %d runs %s, not %s" % (self.label, kids[0], exe, self.exe))
        self.pid = kids[0]
        return self

    def signal(self, sig):
        if not self.dead:
            os.kill(self.pid, sig)

    def phase2(self):
        self.phase2s += 1
        self.signal(signal.SIGUSR1)

    def phase2_done(self, timeout=60):
        wait_count(self.c, self.p, "out", lambda l: l == "PHASE2-DONE", self.phase2s, timeout,
                   "PHASE2-DONE")

    def truth(self, timeout=20):
        self.truths += 1
        self.signal(signal.SIGUSR2)
        wait_count(self.c, self.p, "out", lambda l: l == "TRUTH-WRITTEN", self.truths, timeout,
                   "TRUTH-WRITTEN")
        return it.read_truth(self.c, self.truth_path)

    def kill(self):
        """SIGKILL the zoo itself (for ns, pid 1 of its namespace: unshare
        then exits too)."""
        if not self.dead:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass
            self.dead = True
            self.p.wait(self.c.left(10), "exit after SIGKILL")


def copy_binary(c, args, v, variant, name):
    """A private copy of build/go/goV/zoo.VARIANT (falls back to static)."""
    src = it.binary(args, v, "zoo", variant)
    if not os.path.exists(src):
        src = it.binary(args, v, "zoo", "static")
    return private_copy(c, src, name, "zoo")


def copy_demo(c, args, v, name):
    """A private copy of build/go/goV/leakyservice.static (the demo)."""
    return private_copy(c, it.binary(args, v, "leakyservice", "static"), name, "demo")


def private_copy(c, src, name, what):
    """src copied into the case's folder as name: a file, hence a binary,
    of its own for the uprobes and for --include-exe."""
    if not os.path.exists(src):
        raise CaseFail("no %s binary %s (make fixtures GO_VERSIONS=...)" % (what, src))
    dst = os.path.join(c.tmpdir(), name)
    shutil.copyfile(src, dst)
    os.chmod(dst, 0o755)
    return dst


def unescalated_errors(sc, pid):
    """What says that process pid is not (any more) escalated: mode
    snapshots, and no binary with probes."""
    errs = []
    if sc.one("gostray_process_mode", pid=pid, mode="snapshots") != 1:
        errs.append("PID %d not in mode snapshots" % pid)
    if sc.one("gostray_attached_binaries") != 0:
        errs.append("binaries with probes %r" % sc.one("gostray_attached_binaries"))
    return errs


def start_node(c, args, include, extra=(), holder=None):
    addr = "127.0.0.1:%d" % free_port()
    argv = [args.gostray, "node", "--listen", addr, "--scan-interval", str(SCAN_INTERVAL),
            "--include-exe", include] + list(extra)
    if getattr(args, "sanitized", False):
        # ASan's shadow memory and quarantine count in gostray's RSS: the
        # default 256 MB cap would stop attaches that the test waits for
        argv += ["--max-memory", "0"]
    g = it.Proc(c, "gostray node", argv)
    c.show.append(("gostray node", g, "err"))
    line = g.wait_line("err", lambda l: SERVING_RE.match(l) is not None, c.left(30),
                       "'gostray: node: serving metrics on http://ADDR/metrics' line")
    got = SERVING_RE.match(line).group(1)
    if got != addr:
        raise CaseFail("node serves on %s, asked for --listen %s" % (got, addr))
    if holder is not None:
        holder.setdefault("argv", []).append(" ".join(argv))
    return g, "http://%s/metrics" % addr


def mentions(pid, word):
    """A line of node's stderr about process pid that says word (node
    prints `gostray: node: PID N (exe, goV): attached, ...` and `...:
    exited, forgotten`)."""
    r = re.compile(r"(?<![0-9])%d(?![0-9])" % pid)
    return lambda l: r.search(l) is not None and word in l


# ------------------------------------------------------------ the checks

def is_user_site(function):
    """Whether a site's goroutines are counted by runtime.NumGoroutine().

    NumGoroutine() = all goroutines - sched.ngsys, and newproc1 counts a
    goroutine in ngsys when its start function is in package runtime
    ("runtime.", not "runtime/pprof.") other than runtime.main
    (isSystemGoroutine).  Goroutines whose go statement is in package
    runtime start runtime functions (forcegchelper, bgsweep, bgscavenge,
    runfinq, gcBgMarkWorker, unique's cleanup...), except one: the main
    goroutine, which rt0_go creates by calling runtime.newproc itself, so
    its site is runtime.newproc (<autogenerated>:1, the ABI wrapper) and
    its start function runtime.main.  Go statements outside package
    runtime start non-runtime functions in the zoo (no `go runtime.GC()`
    there).  Hence: user = not runtime.*, or runtime.newproc."""
    return not function.startswith("runtime.") or function == "runtime.newproc"


def zoo_errors(s, z, truth, marks, mode):
    """Everything the metrics say about zoo z against its truth, as a list
    of errors (empty: all exact).

    mode "exact": node attached before phase 2 ran (or phase 2 never ran),
      and the zoo was quiescent then: created_total is exactly what phase 2
      created and exited_total what exited since (live_phase1 + created_phase2
      - live), like capture's live_at_start/created/exited split.
    mode "after": node attached during or after phase 1, phase 2 ran
      after: created/exited are at least phase 2's.
    Always: live exact per marked site."""
    errs = []
    pid = str(z.pid)
    who = "%s (pid %s)" % (z.label, pid)
    live = s.get("gostray_goroutines_live", pid=pid)
    if not live:
        return ["%s: no gostray_goroutines_live series" % who]
    counters = {}
    for name in ("gostray_goroutines_created_total", "gostray_goroutines_exited_total"):
        for l, v in s.get(name, pid=pid):
            counters[(name, l.get("site_function"), l.get("site_file"), l.get("site_line"))] = v

    def counter(name, l):
        return counters.get((name, l["site_function"], l["site_file"], l["site_line"]))

    for l, v in live:
        if l.get("exe") != z.exe:
            errs.append("%s: series with exe=%r, want %r" % (who, l.get("exe"), z.exe))
            break
    for l, v in live:
        for name in ("gostray_goroutines_created_total", "gostray_goroutines_exited_total"):
            if counter(name, l) is None:
                errs.append("%s: site %s %s:%s has no %s" % (who, l["site_function"], l["site_file"],
                                                            l["site_line"], name))
    others = [(l, v) for l, v in live if l["site_function"] == "other"]
    if others and sum(v for _, v in others):
        errs.append("%s: an `other` series with %d live: every site of a zoo should have its own "
                    "series under --top-sites 100" % (who, sum(v for _, v in others)))
    for name, t in sorted(truth["sites"].items()):
        if name not in marks:
            errs.append("truth site %s has no // site: marker" % name)
            continue
        fname, line = marks[name]
        where = "%s site %s (%s:%d)" % (who, name, fname, line)
        found = [(l, v) for l, v in live
                 if os.path.basename(l["site_file"]) == fname and l["site_line"] == str(line)]
        if not found:
            if t["live"] == 0 and (mode != "exact" or t["created_phase2"] == 0):
                continue    # born and gone before attach: nothing to see
            errs.append("%s: no series (truth: live %d, created in phase 2 %d)"
                        % (where, t["live"], t["created_phase2"]))
            continue
        if len(found) != 1:
            errs.append("%s: %d series, want 1" % (where, len(found)))
            continue
        l, v = found[0]
        if not (l["site_file"].startswith("/") and l["site_file"].endswith("/tests/zoo/" + fname)):
            errs.append("%s: site_file %r, want the full path of tests/zoo/%s" % (where, l["site_file"], fname))
        if not l["site_function"].startswith("main."):
            errs.append("%s: site_function %r, want main.*" % (where, l["site_function"]))
        if v != t["live"]:
            errs.append("%s: live %g, truth %d" % (where, v, t["live"]))
        cr = counter("gostray_goroutines_created_total", l)
        ex = counter("gostray_goroutines_exited_total", l)
        if cr is None or ex is None:
            continue
        want_c = t["created_phase2"]
        want_e = t["live_phase1"] + t["created_phase2"] - t["live"]
        if mode == "exact" and (cr != want_c or ex != want_e):
            errs.append("%s: created %g exited %g, truth: %d created and %d exited while watched"
                        % (where, cr, ex, want_c, want_e))
        if mode == "after" and (cr < want_c or ex < want_e):
            errs.append("%s: created %g exited %g, truth: at least %d created and %d exited while "
                        "watched" % (where, cr, ex, want_c, want_e))
        # --park: the sleepers' time.Sleep calls (phase 2), one park each,
        # unless the CPU cap took the park probes (node/budget's business)
        parks = s.get("gostray_goroutine_parks_total", pid=pid, site_file=l["site_file"],
                      site_line=l["site_line"])
        capped = s.one("gostray_budget_drops_total", what="park_probes")
        if t.get("sleeps") and mode == "exact" and not capped and \
                [v for _, v in parks] != [t["sleeps"]]:
            errs.append("%s: gostray_goroutine_parks_total %s, truth: %d sleeps"
                        % (where, [v for _, v in parks], t["sleeps"]))
    # Live goroutines at a line of the zoo that is not a marker are
    # goroutines counted at the wrong site.
    marked = set(marks.values())
    src_files = {os.path.basename(p) for p in glob.glob(os.path.join(it.ZOO_DIR, "*.go"))}
    for l, v in live:
        fname = os.path.basename(l["site_file"])
        if (fname in src_files and l["site_function"].startswith("main.") and v
                and (fname, int(l["site_line"] or 0)) not in marked):
            errs.append("%s: unexpected site %s %s:%s with %g live" % (who, l["site_function"], fname,
                                                                      l["site_line"], v))
    # runtime.NumGoroutine() (the truth's num_goroutine) against the user
    # sites (is_user_site), exactly; gostray_process_goroutines is the
    # process's total, runtime's own goroutines included: the sum of its
    # site series, `other` included.
    user = sum(v for l, v in live if is_user_site(l["site_function"]))
    if user != truth["num_goroutine"]:
        errs.append("%s: user sites' live add up to %g, runtime.NumGoroutine() says %d (sites: %s)"
                    % (who, user, truth["num_goroutine"],
                       ", ".join("%s=%g" % (l["site_function"], v) for l, v in live if v)))
    total = sum(v for _, v in live)
    pg = s.get("gostray_process_goroutines", pid=pid)
    if len(pg) != 1:
        errs.append("%s: %d gostray_process_goroutines series, want 1" % (who, len(pg)))
    elif pg[0][1] != total:
        errs.append("%s: gostray_process_goroutines %g, its sites' live add up to %g" % (who, pg[0][1], total))
    elif pg[0][0].get("exe") != z.exe:
        errs.append("%s: gostray_process_goroutines has exe=%r, want %r" % (who, pg[0][0].get("exe"), z.exe))
    if total <= user:
        errs.append("%s: no runtime goroutine counted (total %g, user %g)" % (who, total, user))
    return errs


def global_errors(s, zoos, absent):
    """Attached counts exactly our live zoos (the include regex keeps the
    rest of the host out); no series of a pid in absent; no pid but ours."""
    errs = check_format(s)
    alive = [z for z in zoos if not z.dead]
    want_p, want_b = len(alive), len({z.exe for z in alive})
    ap, ab = s.one("gostray_attached_processes"), s.one("gostray_attached_binaries")
    if ap != want_p:
        errs.append("gostray_attached_processes %r, want %d (%s)" % (ap, want_p, " ".join(z.label for z in alive)))
    if ab != want_b:
        errs.append("gostray_attached_binaries %r, want %d (%s)"
                    % (ab, want_b, " ".join(sorted({z.exe for z in alive}))))
    ours = {str(z.pid) for z in alive}
    for pid, why in absent:
        if str(pid) in s.pids():
            errs.append("series of pid %s (%s) in the metrics" % (pid, why))
    extra = s.pids() - ours - {str(p) for p, _ in absent}
    if extra:
        errs.append("series of pids %s, none of them ours (%s)" % (sorted(extra), sorted(ours)))
    # Lost events or dropped events/processes would break the counts; the
    # CPU cap's dropping of park probes does not (creations and exits keep
    # them exact) and is node's budget at work, not an error.
    for n, l, v in s.samples:
        if ("lost" in n or "drop" in n) and v != 0 and l.get("what") != "park_probes":
            errs.append("%s%s = %g, want 0" % (n, l, v))
    for z in alive:
        info = s.get("gostray_process_info", pid=z.pid)
        if "gostray_process_info" in s.types and not (
                len(info) == 1 and it.go_version_matches(info[0][0].get("go_version"), z.v)):
            errs.append("%s (pid %d): gostray_process_info %s, want one with go_version go%s"
                        % (z.label, z.pid, [l for l, _ in info], z.v))
    return errs


def missing_from(s, zoos):
    return ["%s (pid %d) not in gostray_process_goroutines" % (q.label, q.pid)
            for q in zoos if not s.get("gostray_process_goroutines", pid=q.pid)]


def check_node_lines(c, g, z, forgotten):
    """node prints one line per process it attaches to and one when it
    forgets it."""
    lines = g.text("err").split("\n")
    for word, n in (("attach", 1), ("forgot", 1 if forgotten else 0)):
        got = sum(1 for l in lines if mentions(z.pid, word)(l))
        c.check(got == n, "gostray node's stderr has %d lines about pid %d (%s) saying %r, want %d"
                % (got, z.pid, z.label, word, n))


# ------------------------------------------------------------ the cases

def pick(versions):
    """(version, variant) of the zoos A (first version), B (another), C
    (the shared binary), D (started after node, another version when
    there are three), E (in a namespace)."""
    v0 = versions[0]
    v1 = versions[1] if len(versions) > 1 else versions[0]
    v2 = versions[2] if len(versions) > 2 else v0
    return {"A": (v0, "static"), "B": (v1, "static" if v1 != v0 else "static-stripped"),
            "C": (v1, "pie"), "D": (v2, "cgo" if v2 == v0 else "static"), "E": (v1, "extpie")}
