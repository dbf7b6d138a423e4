"""The machinery of the real-program cases (tests/integration/real_programs.py):
HTTP clients and load, services started and stopped, reports and dumps
compared."""

import collections
import http.client
import json
import os
import re
import signal
import socket
import sys
import time


sys.dont_write_bytecode = True


HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)


# The zoo runner's process and case machinery (harness.py, through run.py): Proc reads
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
