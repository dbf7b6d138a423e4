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
import shutil
import subprocess

from real_harness import *  # noqa: F401,F403


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
