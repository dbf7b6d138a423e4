#!/usr/bin/env python3
"""gostray against real Go programs nobody here wrote, attached under load.

    sudo python3 tests/integration/real_programs.py [--gostray ./gostray] [--only REGEX]

Cases (programs from tools/fetch-real-programs.sh, cached under
/var/cache/gostray/real; docs/test-programs.md says where they come from):

  prometheus/bookworm, prometheus/trixie  Debian's prometheus (Go 1.19, 1.24),
      loaded with hey while traced (> 1000 goroutines created), then at
      quiescence gostray's totals.live_user against the runtime's own
      goroutine count, read inside the capture at a moment the capture's
      per-site counts let us place exactly (see quiescent_prometheus()).
  service/NAME  services nobody here wrote, as Debian ships them (stripped):
      etcd 3.4 (bookworm, Go 1.19, a key-value store), victoria-metrics
      (trixie, Go 1.24, a TSDB), nats-server (trixie, Go 1.24, a message
      broker, also driven by NATS clients speaking its protocol) and caddy
      (sid, Go 1.26, an HTTP server whose main goroutine ends in select {}),
      each loaded with hey for 20 s while `capture` runs: no site `leak`,
      nothing lost, still serving; then per-site live counts against the
      "created by" sites of the service's own /debug/pprof/goroutine?debug=2
      taken inside a quiet capture (see quiescent_vs_dump()).
  esbuild/VERSION  `sleep 1e9 | esbuild --serve` for every esbuild built with
      Go >= 1.17 (Go 1.17 .. 1.26), loaded with hey while traced: attach,
      counts, and the target still serving after detach and exiting 0 when
      its stdin closes.  esbuild 0.11.23 (Go 1.16) must be refused with one
      line and keep running.
  info/dockerd, info/containerd  `gostray info --json`: supported, go1.19.8,
      symbols from .dynsym (dockerd is PIE).

Every report must have lost_events 0, exited_unattributed 0 and, per site,
live = live_at_start + created - exited.

Prints `PASS name` (with the numbers on indented lines above it),
`FAIL name: reason` or `SKIP name: reason` per case, then a summary; exits 0
only when at least one case ran and every case that ran passed.  A case is
skipped only when its program cannot be fetched because the registry cannot
be reached.  Needs root.  Every process a case starts is killed when the case
ends, whatever happens.  About 4 minutes on a 2-core machine with the
programs cached.
"""

import argparse
import collections
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
# The zoo runner's process and case machinery (run.py is frozen): Proc reads
# a child's output on threads and kills its whole session; Runner prints
# PASS/FAIL and kills a case's processes at its deadline.
import run as it  # noqa: E402
from run import CaseFail, log  # noqa: E402

FETCH = os.path.join(ROOT, "tools", "fetch-real-programs.sh")

# esbuild version -> the Go release it was built with (docs/test-programs.md).
ESBUILD_GO = collections.OrderedDict([
    ("0.12.29", "1.17"), ("0.14.25", "1.17"), ("0.14.47", "1.18"),
    ("0.15.18", "1.19"), ("0.16.17", "1.19"), ("0.17.19", "1.20"),
    ("0.21.5", "1.20"), ("0.23.1", "1.22"), ("0.25.12", "1.23"),
    ("0.26.0", "1.23"), ("0.27.7", "1.25"), ("0.28.2", "1.26"),
])
ESBUILD_OLD = "0.11.23"     # Go 1.16: stack ABI, must be refused

# Goroutines an HTTP request to a net/http server makes: the connection's
# background reader, started before the handler runs and gone after it.
BG_READ = "net/http.(*connReader).startBackgroundRead"
# Where net/http/pprof serves the runtime's own goroutine dump.
PPROF_DUMP = "/debug/pprof/goroutine?debug=2"


# ---------------------------------------------------------------- helpers

def free_ports(n):
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def http_get(port, path, timeout=5.0):
    """(status, body) over a new connection; (None, error text) on failure."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read().decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as e:
        return None, str(e)
    finally:
        conn.close()


class KeepAlive:
    """One HTTP/1.1 connection kept open across requests: its server-side
    goroutine is born once, when the connection is accepted."""

    def __init__(self, port, timeout=10.0):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def get(self, path):
        try:
            self.conn.request("GET", path)
            r = self.conn.getresponse()
            body = r.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as e:
            raise CaseFail("GET %s: %s" % (path, e))
        if r.status != 200:
            raise CaseFail("GET %s: HTTP %d: %s" % (path, r.status, body[:200]))
        return body

    def close(self):
        self.conn.close()


def wait_http(c, proc, port, path, timeout, what):
    end = time.monotonic() + c.left(timeout)
    while True:
        st, body = http_get(port, path, timeout=2)
        if st == 200:
            return
        if proc.p.poll() is not None:
            raise CaseFail("%s exited (status %s) before serving %s"
                           % (proc.label, proc.p.returncode, path))
        if time.monotonic() > end:
            raise CaseFail("%s: GET %s gave no 200 within %.0fs (last: %s %s)"
                           % (what, path, timeout, st, body[:200]))
        time.sleep(0.1)


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            # state after the ")" of the command name: Z is a zombie
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def site_name(s):
    return "%s:%s %s" % (s.get("file"), s.get("line"), s.get("function"))


def user_sites(report):
    return [s for s in report.get("sites", []) if not s.get("system")]


def check_report(c, report, pid, what):
    """What holds for every capture: no loss, every exit attributed, and
    each site's counts add up."""
    t = report.get("totals") or {}
    c.check(report.get("pid") == pid, "%s: report pid %r, want %d" % (what, report.get("pid"), pid))
    c.check(report.get("target_exited") is False, "%s: target_exited %r" % (what, report.get("target_exited")))
    c.check(t.get("lost_events") == 0, "%s: totals.lost_events %r, want 0" % (what, t.get("lost_events")))
    c.check(t.get("exited_unattributed") == 0,
            "%s: totals.exited_unattributed %r, want 0" % (what, t.get("exited_unattributed")))
    sites = report.get("sites") or []
    if not c.check(sites, "%s: no sites in the report" % what):
        return
    for s in sites:
        try:
            ok = s["live"] == s["live_at_start"] + s["created"] - s["exited"]
        except (KeyError, TypeError):
            c.check(False, "%s: site %s lacks a count" % (what, site_name(s)))
            continue
        c.check(ok, "%s: site %s: live %d != live_at_start %d + created %d - exited %d"
                % (what, site_name(s), s["live"], s["live_at_start"], s["created"], s["exited"]))
    for k in ("live", "created", "exited", "live_at_start"):
        c.check(t.get(k) == sum(s.get(k, 0) for s in sites),
                "%s: totals.%s %r != sum over sites %d" % (what, k, t.get(k), sum(s.get(k, 0) for s in sites)))
    c.check(t.get("live_user") == sum(s.get("live", 0) for s in user_sites(report)),
            "%s: totals.live_user %r != sum over non-system sites" % (what, t.get("live_user")))


def capture(c, args, pid, seconds, during=None):
    """`gostray capture PID -d SECONDS --json`; once it says it attached,
    during() runs (the load, or the ground-truth reads).  Returns the
    report and what during() returned."""
    g = it.Proc(c, "gostray", [args.gostray, "capture", str(pid), "-d", str(seconds), "--json"])
    c.show.append(("gostray", g, "err"))
    g.wait_line("err", lambda l: l.startswith("gostray: attached"), c.left(30), "attach line")
    got = during() if during else None
    if during and g.p.poll() is not None:
        raise CaseFail("the reads inside the %ss capture outlasted it (machine too busy?)" % seconds)
    rc = g.wait(c.left(seconds + 30), "end of the %ss capture" % seconds)
    if rc != 0:
        raise CaseFail("gostray capture exited with status %s" % rc)
    report = it.json_stdout(c, g)
    c.show.remove(("gostray", g, "err"))
    return report, got


def start_hey(c, hey, url, seconds, conc, extra=()):
    h = it.Proc(c, "hey", [hey, "-z", "%.1fs" % seconds, "-c", str(conc)] + list(extra) + [url])
    c.show.append(("hey", h, "out"))
    return h


def hey_result(c, h, ok="200"):
    """Number of HTTP `ok` responses hey got; CaseFail when it got errors."""
    h.wait(c.left(30), "hey's exit")
    out = h.text("out")
    m = re.search(r"\[%s\]\s+(\d+) responses" % ok, out)
    n = int(m.group(1)) if m else 0
    other = re.findall(r"\[(\d+)\]\s+(\d+) responses", out)
    errs = re.search(r"Error distribution:\n((?:\s+\[\d+\].*\n?)+)", out)
    if errs or any(code != ok for code, _ in other) or n == 0:
        raise CaseFail("the load was not served: hey: %s"
                       % " ".join((errs.group(1) if errs else out[-300:]).split())[:300])
    c.show.remove(("hey", h, "out"))
    return n


def stop_target(c, p, want_rc=0, sig=signal.SIGTERM):
    """Stop a server as its service manager would; it must exit cleanly."""
    if not c.check(p.p.poll() is None, "%s exited (status %s) before we stopped it"
                   % (p.label, p.p.returncode)):
        return
    p.signal(sig)
    rc = p.wait(c.left(20), "exit after %s" % signal.Signals(sig).name)
    c.check(rc == want_rc, "%s exited with status %s after %s (want %d)"
            % (p.label, rc, signal.Signals(sig).name, want_rc))


# --------------------------------------------------------------- prometheus

# Request sites (see quiescent_prometheus): the connection's background
# reader and client_golang's Gather workers and collector goroutines.
def prom_request_site(s):
    f = s.get("function") or ""
    return f == BG_READ or f.startswith("github.com/prometheus/client_golang/")


def start_prometheus(c, prom):
    """A prometheus with no scrape targets, ready; returns it and its port."""
    d = c.tmpdir()
    with open(os.path.join(d, "prom.yml"), "w") as f:
        f.write("global: {scrape_interval: 15s}\nscrape_configs: []\n")
    port = free_ports(1)[0]
    p = it.Proc(c, "prometheus", [prom, "--config.file=" + os.path.join(d, "prom.yml"),
                                  "--web.listen-address=127.0.0.1:%d" % port,
                                  "--storage.tsdb.path=" + os.path.join(d, "data")])
    c.show.append(("prometheus", p, "err"))
    wait_http(c, p, port, "/-/ready", 30, "prometheus")
    return p, port


def case_prometheus(c, args, prom, hey):
    p, port = start_prometheus(c, prom)

    # Under load: hey scrapes /metrics (each scrape makes a dozen goroutines).
    rep, h = capture(c, args, p.pid, 3, lambda: start_hey(
        c, hey, "http://127.0.0.1:%d/metrics" % port, 2.5, 100))
    n = hey_result(c, h)
    check_report(c, rep, p.pid, "loaded capture")
    t = rep["totals"]
    c.check(t["created"] > 1000, "loaded capture: only %d goroutines created during %d scrapes (want > 1000)"
            % (t["created"], n))
    log("    loaded: %d scrapes by hey; gostray: live_at_start %d, created %d, exited %d, live %d, "
        "lost %d, %s" % (n, t["live_at_start"], t["created"], t["exited"], t["live"],
                         t["lost_events"], rep.get("go_version")))
    if c.errors:
        return
    time.sleep(2)       # quiescence: hey's connections closed, their goroutines gone
    quiescent_prometheus(c, args, p, port)
    wait_http(c, p, port, "/-/healthy", 5, "prometheus after gostray")
    stop_target(c, p)


def case_prometheus_bursts(c, args, prom, hey):
    """Bursty load on a real server (hey runs of 2 s, 100 connections, with
    pauses) during a 15 s capture: healthy churn, so no site may be a
    `leak` (`suspect` is allowed: idle connections look like it)."""
    p, port = start_prometheus(c, prom)

    def bursts():
        served = 0
        for _ in range(3):
            served += hey_result(c, start_hey(c, hey, "http://127.0.0.1:%d/metrics" % port,
                                              2, 100))
            time.sleep(2)
        return served

    rep, n = capture(c, args, p.pid, 15, bursts)
    check_report(c, rep, p.pid, "bursty capture")
    leaks = [s for s in rep["sites"] if s.get("verdict") == "leak"]
    for s in leaks:
        c.check(False, "site %s is `leak` under bursty load: %s" % (site_name(s), s.get("reason")))
    c.check(all(s.get("verdict") in ("leak", "suspect", "ok") for s in rep["sites"]),
            "a site without a verdict")
    c.check(rep["totals"]["created"] > 1000, "only %d goroutines created by %d scrapes"
            % (rep["totals"]["created"], n))
    log("    %d scrapes in 3 bursts; verdicts %s; suspects: %s" % (
        n, rep.get("verdicts"), "; ".join("%s: %s" % (site_name(s), s.get("reason"))
                                          for s in rep["sites"] if s.get("verdict") == "suspect")
        or "none"))
    stop_target(c, p)


def quiescent_prometheus(c, args, p, port):
    """gostray's totals.live_user against runtime.NumGoroutine() at one
    moment.

    Reading /metrics after the capture would not do: the scrape makes its
    own goroutines (the connection's, its background reader, Gather's
    workers, one per wrapped collector), a varying number of which are
    alive when the Go collector calls runtime.NumGoroutine(), so
    go_goroutines is always a few above the quiescent count.  Instead the
    reads happen inside the capture, on an HTTP connection opened before
    gostray attached (so its serving goroutine is in both views), where the
    capture's own per-site counts tell how the count moved after the read:

    1. GET /api/v1/status/runtimeinfo: its goroutineCount is
       runtime.NumGoroutine() (the function behind go_goroutines), taken on
       the connection's goroutine while exactly one goroutine of the request
       lives: the background reader B1 (net/http starts it before the
       handler and it exits after).  At that moment T1 every goroutine the
       requests of this window make was born after T1 except B1, and every
       one dies after T1, so
           live_user(end) = count(T1) + created_after_T1 - exited_after_T1
       gives  count(T1) = live_user + req_exited - req_created + 1  exactly,
       provided nothing else in prometheus created or ended a goroutine in
       the window (checked from the per-site counts; else the window is
       retried, and after 3 tries each such event widens the check by 1).
    2. GET /metrics: go_goroutines itself.  Alive at its moment T2: B2 and
       the worker running the Go collector at least, at most every
       goroutine of the scrape, so it must lie in
       [live_user + 2, live_user + req_exited] when all have exited.
    """
    for attempt in range(1, 4):
        conn = KeepAlive(port)
        conn.get("/-/healthy")

        def reads():
            time.sleep(0.3)
            info = json.loads(conn.get("/api/v1/status/runtimeinfo"))
            time.sleep(0.3)
            m = re.search(r"^go_goroutines (\S+)$", conn.get("/metrics"), re.M)
            if not m:
                raise CaseFail("no go_goroutines in /metrics")
            return int(info["data"]["goroutineCount"]), int(float(m.group(1)))
        try:
            rep, (g1, g2) = capture(c, args, p.pid, 2, reads)
        finally:
            conn.close()
        check_report(c, rep, p.pid, "quiescent capture")
        if c.errors:
            return
        users = user_sites(rep)
        req = [s for s in users if prom_request_site(s)]
        oth = [s for s in users if not prom_request_site(s) and (s["created"] or s["exited"])]
        rc, rx = sum(s["created"] for s in req), sum(s["exited"] for s in req)
        oc, ox = sum(s["created"] for s in oth), sum(s["exited"] for s in oth)
        lu = rep["totals"]["live_user"]
        clean = oc == 0 and ox == 0 and rc == rx
        if clean or attempt == 3:
            break
        log("    quiescent window %d not clean (other sites: %s): again"
            % (attempt, "; ".join("%s +%d -%d" % (site_name(s), s["created"], s["exited"]) for s in oth)))
        time.sleep(1)

    want1 = lu + rx - rc + 1
    lo1, hi1 = want1 - oc, want1 + ox
    how = "exactly" if lo1 == hi1 else "within [%d, %d] (other churn +%d -%d)" % (lo1, hi1, oc, ox)
    c.check(lo1 <= g1 <= hi1,
            "runtime.NumGoroutine() (runtimeinfo goroutineCount) %d at the read, but gostray's "
            "live_user %d with request goroutines +%d -%d says %s"
            % (g1, lu, rc, rx, "%d" % want1 if lo1 == hi1 else how))
    lo2, hi2 = lu + 2 - (rc - rx) - oc, lu + rx + ox
    c.check(lo2 <= g2 <= hi2, "go_goroutines %d at the scrape, outside [%d, %d] from gostray's "
            "live_user %d and the scrape's goroutines +%d -%d" % (g2, lo2, hi2, lu, rc, rx))
    log("    quiescent: gostray live_user %d (live %d, +%d -%d in the window, %d of them the "
        "requests'); runtime.NumGoroutine() at the read %d, gostray's count for that moment %s %s; "
        "go_goroutines %d, gostray's bounds [%d, %d]"
        % (lu, rep["totals"]["live"], rep["totals"]["created"], rep["totals"]["exited"], rc,
           g1, "%d" % want1 if lo1 == hi1 else "[%d, %d]" % (lo1, hi1),
           "(match)" if lo1 <= g1 <= hi1 else "(MISMATCH)", g2, lo2, hi2))


# --------------------------------------------------------------------- etcd

CREATED_RE = re.compile(r"^created by (\S+?)(?: in goroutine \d+)?\n\t(\S+):(\d+)", re.M)


def parse_dump(text):
    """{(file, line) or "main": [goroutine header, ...], ...} and the
    creating function per site, from a debug=2 goroutine dump."""
    sites = collections.defaultdict(list)
    funcs = {}
    for block in text.strip().split("\n\n"):
        if not block.startswith("goroutine "):
            continue
        head = block.split("\n", 1)[0]
        m = CREATED_RE.search(block)
        if not m:
            sites["main"].append(block)     # goroutine 1: runtime.main
            continue
        key = (m.group(2), int(m.group(3)))
        sites[key].append(block)
        funcs[key] = m.group(1)
    return sites, funcs


def same_file(a, b):
    return a == b or a.endswith("/" + b) or b.endswith("/" + a)


def quiescent_vs_dump(c, args, p, port, warm_path, dump_path=PPROF_DUMP):
    """Per-site live counts against the service's own goroutine dump
    (etcd's words below; the same holds for any net/http server: the
    connection is warmed with warm_path before gostray attaches).

    The dump (/debug/pprof/goroutine?debug=2) is taken inside the capture,
    on an HTTP connection opened before gostray attached.  Goroutines it
    lists that gostray will not: the request's own.  The goroutine serving
    the request (the one running runtime.Stack, printed first) is that
    connection's conn.serve goroutine, born before attach, so it is in both
    views and is compared like any other.  The connection's background
    reader B (net/http starts it for the request before the handler and it
    exits after) is alive in the dump but born and gone inside the window,
    so it is excluded from the dump: the one goroutine created by
    net/http.(*connReader).startBackgroundRead.  (Fetching the dump after the
    capture over a new connection would add cmux's matcher and a new
    conn.serve goroutine to the dump as well.)

    Each gostray site's live count at the end is then the dump's count at
    the read plus the site's creations after it minus its exits after it;
    the window is clean when the only creation and exit is B's, and then
    every site must match exactly.  After 3 unclean windows a site's
    creations and exits in the window widen its check.  The main goroutine
    (no "created by" in the dump) is gostray's site whose start function
    is runtime.main.  Sites gostray marks system must not be in the dump:
    tracebacks hide the runtime's own goroutines as NumGoroutine does.
    """
    for attempt in range(1, 4):
        conn = KeepAlive(port)
        conn.get(warm_path)

        def read_dump():
            time.sleep(0.5)
            return conn.get(dump_path)
        try:
            rep, dump = capture(c, args, p.pid, 2, read_dump)
        finally:
            conn.close()
        check_report(c, rep, p.pid, "quiescent capture")
        if c.errors:
            return
        moved = [s for s in user_sites(rep) if s["created"] or s["exited"]]
        clean = (len(moved) == 1 and moved[0]["function"] == BG_READ
                 and moved[0]["created"] == 1 and moved[0]["exited"] == 1)
        if clean or attempt == 3:
            break
        log("    quiescent window %d not clean (%s): again"
            % (attempt, "; ".join("%s +%d -%d" % (site_name(s), s["created"], s["exited"]) for s in moved)))
        time.sleep(1)

    dsites, dfuncs = parse_dump(dump)
    total_dump = sum(len(v) for v in dsites.values())
    # B by its creator, not by its stack: just created, it may not have
    # reached backgroundRead's park yet (runnable, or running).
    readers = [k for k, v in dsites.items() if k != "main" and dfuncs.get(k) == BG_READ
               for b in v]
    c.check(len(readers) == 1, "%d goroutines created by startBackgroundRead in the dump, want 1 (the request's)"
            % len(readers))
    if readers:
        dsites[readers[0]].pop()
        if not dsites[readers[0]]:
            del dsites[readers[0]]

    # gostray's sites onto the dump's keys.
    gs = {}
    unmatched_dump = set(dsites)
    bad = []
    for s in rep["sites"]:
        if s.get("start_function") == "runtime.main":
            key = "main"
        else:
            key = next((k for k in dsites if k != "main" and k[1] == s["line"]
                        and same_file(k[0], s["file"])), None)
        if s.get("system"):
            if key is not None and key in dsites:
                bad.append("site %s: gostray marks it system, but the dump lists %d goroutine(s) there"
                           % (site_name(s), len(dsites[key])))
                unmatched_dump.discard(key)
            continue
        if key is None:
            key = (s["file"], s["line"])
        gs.setdefault(key, []).append(s)
        unmatched_dump.discard(key)
        if key in dfuncs and dfuncs[key] != s["function"]:
            bad.append("site %s:%d: gostray's function %s, the dump's \"created by\" %s"
                       % (s["file"], s["line"], s["function"], dfuncs[key]))
    matched = 0
    for key in sorted(set(gs) | set(dsites), key=str):
        want = len(dsites.get(key, []))
        ss = gs.get(key, [])
        live = sum(s["live"] for s in ss)
        created = sum(s["created"] for s in ss)
        exited = sum(s["exited"] for s in ss)
        name = "main goroutine" if key == "main" else "%s:%d" % key
        if len(ss) > 1:
            bad.append("%s: %d gostray sites (%s)" % (name, len(ss), ", ".join(s["pc"] for s in ss)))
        # dump(T) = live(end) - created_after_T + exited_after_T
        if want == live if clean or created + exited == 0 else live - created <= want <= live + exited:
            if want:
                matched += 1
            continue
        if not ss:
            bad.append("%s (%s): %d goroutine(s) in the dump (e.g. %s), none in gostray's report"
                       % (name, dfuncs.get(key, "?"), want,
                          dsites[key][0].split("\n", 1)[0]))
        else:
            bad.append("%s (%s): gostray live %d (live_at_start %d, +%d -%d), dump %d"
                       % (name, ss[0]["function"], live, ss[0]["live_at_start"], created, exited, want))
    for b in bad:
        c.check(False, b)
    log("    quiescent: dump %d goroutines (%d without the request's reader) at %d sites; gostray "
        "live_user %d at %d user sites, %s; %d sites match%s"
        % (total_dump, sum(len(v) for v in dsites.values()), len(dsites), rep["totals"]["live_user"],
           len([s for s in user_sites(rep) if s["live"]]),
           "window clean (only the reader +1 -1)" if clean else "window NOT clean",
           matched, "" if not bad else ", %d mismatches" % len(bad)))
    return {"dump": total_dump, "sites": len(dsites), "matched": matched, "clean": clean,
            "mismatches": len(bad)}


# ----------------------------------------------------- services, 20 s of load

def deb_name(exe):
    """The .deb a cached Debian program came from (fetch-real-programs)."""
    d = exe
    while d != "/" and not os.path.isfile(os.path.join(d, ".deb-name")):
        d = os.path.dirname(d)
    try:
        with open(os.path.join(d, ".deb-name")) as f:
            return f.read().strip()
    except OSError:
        return os.path.basename(exe)


def nats_clients(port, seconds, publishers=8):
    """NATS's own protocol, no client library: one subscriber on a wildcard
    and `publishers` connections publishing as fast as they can for
    `seconds`; each connection is a read and a write goroutine in the
    server.  Returns (messages published, messages received)."""
    def connect(name):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.recv(4096)                                    # INFO {...}
        s.sendall(b'CONNECT {"verbose":false,"pedantic":false,"name":"%s"}\r\nPING\r\n'
                  % name.encode())
        buf = b""
        while b"PONG" not in buf:
            chunk = s.recv(4096)
            if not chunk:
                raise CaseFail("nats: %s: the server closed the connection" % name)
            buf += chunk
        return s
    sub = connect("gostray-sub")
    sub.sendall(b"SUB load.> 1\r\nPING\r\n")
    got = {"n": 0}
    stop = time.monotonic() + seconds

    def drain():
        sub.settimeout(0.5)
        while time.monotonic() < stop + 2:
            try:
                data = sub.recv(1 << 16)
            except socket.timeout:
                continue
            except OSError:
                return
            if not data:
                return
            got["n"] += data.count(b"MSG ")
            if b"PING" in data:
                sub.sendall(b"PONG\r\n")
    import threading
    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    sent = [0] * publishers

    def publish(i):
        s = connect("gostray-pub-%d" % i)
        batch = b"".join(b"PUB load.%d 5\r\nhello\r\n" % i for _ in range(100))
        try:
            while time.monotonic() < stop:
                s.sendall(batch)
                sent[i] += 100
                time.sleep(0.005)
            s.sendall(b"PING\r\n")
            s.recv(4096)
        finally:
            s.close()
    pubs = [threading.Thread(target=publish, args=(i,), daemon=True) for i in range(publishers)]
    for t in pubs:
        t.start()
    for t in pubs:
        t.join(seconds + 15)
    reader.join(5)
    sub.close()
    return sum(sent), got["n"]


def start_service(c, name, exe):
    """Start one service on loopback ports; returns a dict: proc, load
    (the hey URL and its options), warm (a path on the dump's port),
    dump_port, health (port, path), stop_rc."""
    d = c.tmpdir()
    if name == "etcd":
        cport, pport = free_ports(2)
        curl, purl = "http://127.0.0.1:%d" % cport, "http://127.0.0.1:%d" % pport
        argv = [exe, "--name", "t", "--data-dir", os.path.join(d, "data"),
                "--listen-client-urls", curl, "--advertise-client-urls", curl,
                "--listen-peer-urls", purl, "--initial-advertise-peer-urls", purl,
                "--initial-cluster", "t=" + purl, "--enable-pprof"]
        svc = {"load": (curl + "/v3/kv/put", ["-m", "POST", "-T", "application/json",
                                              "-d", '{"key": "Zm9v", "value": "YmFy"}']),
               "dump_port": cport, "warm": "/health", "health": (cport, "/health"),
               # osutil.HandleInterrupts re-raises the signal once shut down
               "stop_rc": -signal.SIGTERM}
    elif name == "victoria-metrics":
        port, = free_ports(1)
        argv = [exe, "-httpListenAddr=127.0.0.1:%d" % port,
                "-storageDataPath=" + os.path.join(d, "vm"), "-loggerLevel=ERROR"]
        svc = {"load": ("http://127.0.0.1:%d/api/v1/import/prometheus" % port,
                        ["-m", "POST", "-d", 'gostray_load{job="hey",n="1"} 42']),
               "ok": "204", "dump_port": port, "warm": "/health", "health": (port, "/health"),
               "stop_rc": 0}
    elif name == "nats-server":
        port, mport, pport = free_ports(3)
        argv = [exe, "-a", "127.0.0.1", "-p", str(port), "-m", str(mport),
                "--profile", str(pport)]
        svc = {"load": ("http://127.0.0.1:%d/connz" % mport, []), "nats_port": port,
               "dump_port": pport, "warm": "/debug/pprof/", "health": (mport, "/healthz"),
               # "Server Exiting..": its exit status after SIGTERM is 1
               "stop_rc": 1}
    elif name == "caddy":
        port, admin = free_ports(2)
        cfg = os.path.join(d, "Caddyfile")
        with open(cfg, "w") as f:
            f.write("{\n\tadmin 127.0.0.1:%d\n\tauto_https off\n\tpersist_config off\n}\n"
                    "http://127.0.0.1:%d {\n\trespond \"hello from caddy\"\n}\n" % (admin, port))
        for sub in ("cfg", "data"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        argv = ["env", "HOME=" + d, "XDG_CONFIG_HOME=" + os.path.join(d, "cfg"),
                "XDG_DATA_HOME=" + os.path.join(d, "data"), exe, "run", "--config", cfg,
                "--adapter", "caddyfile"]
        svc = {"load": ("http://127.0.0.1:%d/" % port, []), "dump_port": admin,
               "warm": "/config/", "health": (port, "/"), "stop_rc": 0}
    else:
        raise CaseFail("unknown service %s" % name)
    p = it.Proc(c, name, argv)
    c.show.append((name, p, "err"))
    svc["proc"] = p
    wait_http(c, p, svc["health"][0], svc["health"][1], 30, name)
    wait_http(c, p, svc["dump_port"], PPROF_DUMP, 10, name + "'s goroutine dump")
    return svc


LOAD_SECONDS = 20


def case_service(c, args, name, exe, hey):
    """A service nobody here wrote, as Debian ships it (stripped, cgo or
    not), loaded for 20 s while `capture` runs: no site `leak` (its
    daemons' select {}, pools and idle connections are not leaks), no
    record lost, still serving after; then, quiet, every creation site's
    live count against the service's own /debug/pprof/goroutine?debug=2
    (quiescent_vs_dump)."""
    svc = start_service(c, name, exe)
    p = svc["proc"]
    if c.errors:
        return
    url, extra = svc["load"]
    state = {}

    def load():
        h = start_hey(c, hey, url, LOAD_SECONDS, 20, extra)
        if "nats_port" in svc:
            state["nats"] = nats_clients(svc["nats_port"], LOAD_SECONDS)
        return h
    rep, h = capture(c, args, p.pid, LOAD_SECONDS + 3, load)
    n = hey_result(c, h, svc.get("ok", "200"))
    check_report(c, rep, p.pid, "loaded capture")
    t = rep["totals"]
    leaks = [s for s in rep["sites"] if s.get("verdict") == "leak"]
    for s in leaks:
        c.check(False, "loaded capture: %s is `leak`: %s" % (site_name(s), s.get("reason")))
    c.check(t["created"] > 100, "loaded capture: only %d goroutines created under load" % t["created"])
    ec = rep.get("end_check") or {}
    log("    %s (%s, %s, stripped): %d requests by hey%s; gostray: live_at_start %d, created %d, "
        "exited %d, live %d, lost %d; verdicts %s; end check diff %s (%s changed while read)"
        % (name, deb_name(exe), rep.get("go_version"), n,
           ", %d NATS messages published, %d delivered" % state["nats"] if "nats" in state else "",
           t["live_at_start"], t["created"], t["exited"], t["live"], t["lost_events"],
           json.dumps(rep.get("verdicts"), sort_keys=True), ec.get("diff"),
           ec.get("changed_during_read")))
    for s in rep["sites"]:
        if s.get("verdict") == "suspect":
            log("      suspect %s: %s" % (site_name(s), s.get("reason")))
    wait_http(c, p, svc["health"][0], svc["health"][1], 5, name + " after the loaded capture")
    if c.errors:
        return
    time.sleep(2)
    q = quiescent_vs_dump(c, args, p, svc["dump_port"], svc["warm"])
    if q:
        log("    %s: %d of %d dump sites equal gostray's live counts (%d goroutines in the dump)"
            % (name, q["matched"], q["sites"], q["dump"]))
    wait_http(c, p, svc["health"][0], svc["health"][1], 5, name + " after gostray")
    stop_target(c, p, want_rc=svc["stop_rc"])


# ------------------------------------------------------------------ esbuild

def start_esbuild(c, esbuild):
    """`sleep 1e9 | esbuild app.js --bundle --outdir=out --serve=... --servedir=.`
    in a fresh folder; returns (shell Proc, esbuild pid, sleep pid, port)."""
    d = c.tmpdir()
    with open(os.path.join(d, "app.js"), "w") as f:
        f.write("export function hello(name) { return 'hello ' + name }\n"
                "document.body.textContent = hello('gostray')\n")
    with open(os.path.join(d, "index.html"), "w") as f:
        f.write("<!doctype html><script src=\"out/app.js\"></script>\n")
    port = free_ports(1)[0]
    sh = it.Proc(c, "esbuild", ["sh", "-c", 'cd "$0" || exit 97; sleep 1e9 | exec "$@"', d, esbuild,
                                "app.js", "--bundle", "--outdir=out",
                                "--serve=127.0.0.1:%d" % port, "--servedir=."])
    c.show.append(("esbuild", sh, "err"))
    # The pipeline's two processes are the shell's children.
    end = time.monotonic() + c.left(10)
    pid = spid = None
    while pid is None or spid is None:
        try:
            with open("/proc/%d/task/%d/children" % (sh.pid, sh.pid)) as f:
                kids = [int(x) for x in f.read().split()]
        except OSError:
            kids = []
        for k in kids:
            try:
                exe = os.readlink("/proc/%d/exe" % k)
            except OSError:
                continue
            if exe == os.path.realpath(esbuild):
                pid = k
            elif os.path.basename(exe) == "sleep":
                spid = k
        if time.monotonic() > end:
            raise CaseFail("esbuild did not start (shell children %s)" % kids)
        if pid is None or spid is None:
            time.sleep(0.05)
    wait_http(c, sh, port, "/", 10, "esbuild")
    return sh, pid, spid, port


def stop_esbuild(c, sh, spid, pid, old=False):
    """Close esbuild's stdin (end the sleep feeding it): it must exit 0.
    esbuild before 0.12 does not watch its stdin: SIGTERM, whose default
    action ends it, then the sleep (the shell then reports 128 + 15)."""
    if not c.check(sh.p.poll() is None, "esbuild exited (status %s) before we stopped it"
                   % sh.p.returncode):
        return
    if old:
        os.kill(pid, signal.SIGTERM)
        end = time.monotonic() + c.left(10)
        while alive(pid) and time.monotonic() < end:
            time.sleep(0.05)
    os.kill(spid, signal.SIGTERM)
    want = 128 + signal.SIGTERM if old else 0
    how = "SIGTERM" if old else "its stdin closed"
    rc = sh.wait(c.left(10), "esbuild's exit after %s" % how)
    c.check(rc == want, "esbuild: exit status %s after %s (want %d)" % (rc, how, want))


def case_esbuild(c, args, version, esbuild, hey):
    sh, pid, spid, port = start_esbuild(c, esbuild)
    rep, h = capture(c, args, pid, 2, lambda: start_hey(
        c, hey, "http://127.0.0.1:%d/out/app.js" % port, 1.5, 10))
    n = hey_result(c, h)
    check_report(c, rep, pid, "capture")
    t = rep["totals"]
    go = ESBUILD_GO[version]
    c.check(re.match(r"^go%s(\D|$)" % re.escape(go), rep.get("go_version") or ""),
            "go_version %r, want go%s" % (rep.get("go_version"), go))
    c.check(t["created"] > 0, "no goroutine created during %d requests" % n)
    c.check(alive(pid), "esbuild (PID %d) is gone after gostray detached" % pid)
    st, body = http_get(port, "/out/app.js")
    c.check(st == 200 and "hello" in body, "after gostray detached: GET /out/app.js gave %s %s"
            % (st, body[:200]))
    log("    %s, %d requests by hey; gostray: live_at_start %d, created %d, exited %d, live %d, lost %d; "
        "after detach: alive, HTTP %s" % (rep.get("go_version"), n, t["live_at_start"], t["created"],
                                          t["exited"], t["live"], t["lost_events"], st))
    stop_esbuild(c, sh, spid, pid)


def case_esbuild_old(c, args, esbuild):
    """Go 1.16 (stack ABI): refused with one line, the target untouched."""
    sh, pid, spid, port = start_esbuild(c, esbuild)
    for extra in ([], ["--json"]):
        g = it.Proc(c, "gostray", [args.gostray, "capture", str(pid), "-d", "2"] + extra)
        rc = g.wait(c.left(20), "refusal")
        out, err = g.text("out"), g.text("err")
        lines = [l for l in err.split("\n") if l.strip()]
        what = "capture %s" % " ".join(["-d 2"] + extra)
        c.check(rc not in (0, None), "%s: exit status %s, want non-zero" % (what, rc))
        c.check(len(lines) == 1 and "not supported" in lines[0],
                "%s: stderr %r, want one line saying 'not supported'" % (what, err))
        if extra:
            try:
                doc = json.loads(out)
            except ValueError:
                doc = None
            c.check(isinstance(doc, dict) and "not supported" in str(doc.get("error")),
                    "%s: stdout %r, want a JSON error saying 'not supported'" % (what, out))
        else:
            c.check(out == "", "%s: stdout %r, want nothing" % (what, out))
    c.check(alive(pid), "esbuild (PID %d) is gone after the refusal" % pid)
    st, _ = http_get(port, "/out/app.js")
    c.check(st == 200, "after the refusal: GET /out/app.js gave %s" % st)
    log("    refused: %s; target alive, HTTP %s" % (lines[0] if lines else "(nothing)", st))
    stop_esbuild(c, sh, spid, pid, old=True)


# --------------------------------------------------------------------- info

def case_info(c, args, name, path, pie):
    r = subprocess.run([args.gostray, "info", path, "--json"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=c.left(30))
    c.check(r.returncode == 0, "gostray info exited with status %d: %s"
            % (r.returncode, r.stderr.decode(errors="replace").strip()))
    try:
        doc = json.loads(r.stdout)
    except ValueError as e:
        raise CaseFail("gostray info --json: not JSON (%s): %r" % (e, r.stdout[:300]))
    for k, want in (("supported", True), ("go_version", "go1.19.8"), ("symbols", "dynsym"), ("pie", pie)):
        c.check(doc.get(k) == want, "%s: %r, want %r" % (k, doc.get(k), want))
    c.check(len(doc.get("probes") or []) >= 3, "only %d probes placed" % len(doc.get("probes") or []))
    log("    supported %s, %s (%s), symbols %s, pie %s, offsets from %s, %d probes"
        % (doc.get("supported"), doc.get("go_version"), doc.get("version_source"), doc.get("symbols"),
           doc.get("pie"), (doc.get("offsets") or {}).get("source"), len(doc.get("probes") or [])))


# --------------------------------------------------------------------- main

def fetch(names, timeout):
    """{name: path} for what tools/fetch-real-programs.sh could give, and
    {name: (skip?, reason)} for what it could not."""
    paths, missing = {}, {}

    def one(batch):
        try:
            r = subprocess.run([FETCH] + batch, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            return 1, "", "fetch timed out after %ds" % timeout
        return r.returncode, r.stdout.decode(), r.stderr.decode(errors="replace")
    def why(rc, err):
        reason = err.strip().split("\n")[-1] or "exit status %d" % rc
        # The fetcher says "cannot reach ..." only when the registry is
        # unreachable: the one reason to skip.
        return "cannot reach" in reason, reason

    # All at once (one lock, one apt update); the fetcher stops at the first
    # failure: that one is missing, the rest are fetched one by one.
    rc, out, err = one(names)
    for line in out.split("\n"):
        f = line.split(" ", 1)
        if len(f) == 2 and f[0] in names:
            paths[f[0]] = f[1]
    if rc != 0:
        m = re.findall(r"^fetch-real-programs: fetching (\S+) ", err, re.M)
        if m and m[-1] in names and m[-1] not in paths:
            missing[m[-1]] = why(rc, err)
        for n in names:
            if n in paths or n in missing:
                continue
            rc, out, err = one([n])
            f = out.strip().split(" ", 1)
            if rc == 0 and len(f) == 2:
                paths[n] = f[1]
            else:
                missing[n] = why(rc, err)
    return paths, missing


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gostray", default=os.path.join(ROOT, "gostray"))
    ap.add_argument("--only", help="run only the cases whose name matches this regex")
    ap.add_argument("--keep", action="store_true", help="keep the cases' temporary folders")
    ap.add_argument("--fetch-timeout", type=int, default=900,
                    help="seconds the fetcher may take (downloads) [%(default)s]")
    args = ap.parse_args()
    args.scale = 1
    if os.geteuid() != 0:
        sys.stderr.write("real_programs.py: needs root (gostray attaches uprobes)\n")
        return 2
    if not os.access(args.gostray, os.X_OK):
        sys.stderr.write("real_programs.py: no gostray at %s (run make)\n" % args.gostray)
        return 2
    args.gostray = os.path.abspath(args.gostray)
    # SIGTERM ends the run like Ctrl-C: the current case's processes are
    # killed on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    t0 = time.monotonic()
    runner = it.Runner(args)
    skipped = []

    def skip(name, why):
        if runner.only and not runner.only.search(name):
            return
        log("SKIP %s: %s" % (name, why))
        skipped.append(name)

    def fail(name, why):
        if runner.only and not runner.only.search(name):
            return
        log("FAIL %s: %s" % (name, why))
        runner.failed.append(name)

    cases = []      # (case name, [program names], fn, timeout, fn args after the paths)
    for flavor, prog in (("bookworm", "prometheus"), ("trixie", "prometheus-trixie")):
        cases.append(("prometheus/" + flavor, [prog, "hey"], case_prometheus, 75, ()))
    cases.append(("verdicts/prometheus-bursts", ["prometheus", "hey"], case_prometheus_bursts, 90, ()))
    for svc in ("etcd", "victoria-metrics", "nats-server", "caddy"):
        cases.append(("service/" + svc, [svc, "hey"],
                      lambda c, a, path, hey, svc=svc: case_service(c, a, svc, path, hey), 120, ()))
    for v in ESBUILD_GO:
        cases.append(("esbuild/%s-go%s" % (v, ESBUILD_GO[v]), ["esbuild-" + v, "hey"],
                      lambda c, a, path, hey, v=v: case_esbuild(c, a, v, path, hey), 30, ()))
    cases.append(("esbuild/%s-go1.16-refused" % ESBUILD_OLD, ["esbuild-" + ESBUILD_OLD],
                  case_esbuild_old, 30, ()))
    cases.append(("info/dockerd", ["dockerd"], case_info, 30, ("dockerd", True)))
    cases.append(("info/containerd", ["containerd"], case_info, 30, ("containerd", False)))
    if runner.only:
        cases = [x for x in cases if runner.only.search(x[0])]

    wanted = sorted({p for x in cases for p in x[1]})
    paths, missing = fetch(wanted, args.fetch_timeout)
    if "hey" in missing and shutil.which("hey"):
        paths["hey"] = shutil.which("hey")      # Debian's hey installed on the machine
        del missing["hey"]

    for name, progs, fn, timeout, extra in cases:
        gone = [(p, missing[p]) for p in progs if p in missing]
        if gone:
            if all(sk for _, (sk, _) in gone):
                skip(name, "; ".join("%s: %s" % (p, why) for p, (_, why) in gone))
            else:
                fail(name, "cannot fetch %s" % "; ".join("%s: %s" % (p, why) for p, (_, why) in gone))
            continue
        if fn is case_info:
            runner.case(name, lambda c, a, path, extra=extra: case_info(c, a, extra[0], path, extra[1]),
                        timeout, args, paths[progs[0]])
        else:
            runner.case(name, fn, timeout, args, *[paths[p] for p in progs])

    total = len(runner.passed) + len(runner.failed)
    log("")
    if runner.failed:
        log("FAILED cases: " + ", ".join(runner.failed))
    log("%d cases ran: %d passed, %d failed; %d skipped; %.0f s"
        % (total, len(runner.passed), len(runner.failed), len(skipped), time.monotonic() - t0))
    if total == 0:
        log("FAIL: no test case ran")
        return 1
    return 0 if not runner.failed else 1


if __name__ == "__main__":
    sys.exit(main())
