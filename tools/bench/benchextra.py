# SPDX-License-Identifier: BSD-2-Clause
"""tools/bench/bench's other benchmarks: gostray's memory per site, `gostray
dump` under load, and the attach time."""

import re
import tempfile
import urllib.request

from benchcore import *  # noqa: F401,F403


def memory_once(args, binary, nsites, per):
    """gostray's RssAnon (kB) once attached to the sites workload and its
    collector has run a second."""
    p = subprocess.Popen([binary, "-sites", str(nsites), "-per", str(per)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    g = None
    try:
        line = Lines(p.stdout).next(120)
        if not line:
            raise RuntimeError("sites workload did not start")
        goroutines = json.loads(line)["goroutines"]
        g = subprocess.Popen([args.gostray, "capture", str(p.pid), "--json"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        err = Lines(g.stderr)
        while True:
            line = err.next(60)
            if line is None:
                raise RuntimeError("gostray did not attach: %s" % "".join(err.seen).strip())
            if ": attached" in line:
                break
        time.sleep(1.5)
        _, anon = proc_mem_kb(g.pid)
        g.send_signal(signal.SIGINT)
        doc = json.loads(g.stdout.read())
        if g.wait() != 0:
            raise RuntimeError("gostray capture exited with %d" % g.returncode)
        if doc["totals"]["live"] < goroutines:
            raise RuntimeError("gostray counted %d live, the workload has %d"
                               % (doc["totals"]["live"], goroutines))
        return {"anon_kb": anon, "goroutines": goroutines, "sites": len(doc["sites"])}
    finally:
        for q in (g, p):
            if q and q.poll() is None:
                q.kill()
                q.wait()


def run_memory_bench(args, binary):
    shapes = [("base", 1, 1), ("goroutines", 1, args.memory_goroutines),
              ("sites", args.memory_sites, 1)]
    recs = {k: [] for k, _, _ in shapes}
    for i in range(args.memory_reps):
        for k, nsites, per in shapes:
            say("memory [%d/%d] %d sites x %d goroutines" % (i + 1, args.memory_reps, nsites, per))
            recs[k].append(memory_once(args, binary, nsites, per))
    anon = {k: med([r["anon_kb"] for r in rs]) * 1024 for k, rs in recs.items()}
    extra_g = recs["goroutines"][0]["goroutines"] - recs["base"][0]["goroutines"]
    per_g = (anon["goroutines"] - anon["base"]) / extra_g
    extra_s = args.memory_sites - 1
    # the sites shape also has memory_sites - 1 more goroutines
    per_s = (anon["sites"] - anon["base"] - (args.memory_sites - 1) * per_g) / extra_s
    return {"anon_bytes": anon, "runs": recs, "goroutines": args.memory_goroutines,
            "sites": args.memory_sites, "bytes_per_goroutine": per_g, "bytes_per_site": per_s}


def print_memory_text(m):
    print("collector memory: gostray's RssAnon 1.5 s after attaching (medians)")
    print("  1 site, 1 goroutine: %.1f MB; 1 site, %d goroutines: %.1f MB; %d sites, 1 goroutine "
          "each: %.1f MB" % (m["anon_bytes"]["base"] / 2**20, m["goroutines"],
                              m["anon_bytes"]["goroutines"] / 2**20, m["sites"],
                              m["anon_bytes"]["sites"] / 2**20))
    print("  per live goroutine: %.0f bytes; per site: %.0f bytes"
          % (m["bytes_per_goroutine"], m["bytes_per_site"]))


# ---------------------------------------------------------------- gostray dump

def pinned(args, who):
    """With --dump-pin: the server and hey on CPU 0, gostray on CPU 1, so
    that what the dumps cost the server is not CPU time taken from it."""
    if not args.dump_pin:
        return []
    return ["taskset", "-c", "0" if who == "server" else "1"]


def latency_summary(lat, seconds):
    lat = sorted(lat)
    return {"requests": len(lat), "per_s": len(lat) / seconds if seconds else None,
            "p50_ms": pct(lat, 50) * 1e3 if lat else None,
            "p90_ms": pct(lat, 90) * 1e3 if lat else None,
            "p99_ms": pct(lat, 99) * 1e3 if lat else None,
            "p999_ms": pct(lat, 99.9) * 1e3 if lat else None,
            "max_ms": lat[-1] * 1e3 if lat else None}


def server_goroutines(addr):
    with urllib.request.urlopen("http://%s/goroutines" % addr, timeout=30) as r:
        return int(r.read().decode().strip())


HEADER_RE = re.compile(r"^# gostray dump of PID \d+ .*?: (\d+) goroutines.*read in ([\d.]+) ms")


def one_dump(args, pid, mode, tmp):
    """One `gostray dump` under GNU time; wall, CPU (wait4: time's rusage
    includes the child it reaped), peak RSS (time's %M), and for --group
    the count and read time of its header line."""
    rss_file = os.path.join(tmp, "rss")
    out_file = os.path.join(tmp, "out") if mode == "group" else os.devnull
    err_file = os.path.join(tmp, "err")
    cmd = pinned(args, "dump") + [GNU_TIME, "-f", "%M", "-o", rss_file, args.gostray,
                                  "dump", str(pid), "--json" if mode == "json" else "--group"]
    with open(out_file, "w") as out, open(err_file, "w") as err:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode:
        with open(err_file) as f:
            raise RuntimeError("gostray dump %s exited with %d: %s" % (
                mode, p.returncode, f.read().strip()))
    with open(rss_file) as f:
        rss_kb = int(f.read().split()[-1])
    rec = {"mode": mode, "wall_s": wall, "user_s": ru.ru_utime, "sys_s": ru.ru_stime,
           "cpu_s": ru.ru_utime + ru.ru_stime, "max_rss_kb": rss_kb}
    if mode == "group":
        with open(out_file) as f:
            m = HEADER_RE.match(f.readline())
        if not m:
            raise RuntimeError("gostray dump --group: no header line")
        rec["goroutines"] = int(m.group(1))
        rec["read_ms"] = float(m.group(2))
    return rec


class DumpLoop(threading.Thread):
    """`gostray dump` back to back until stopped; the dump running when
    stop() is called is waited for and counted."""

    def __init__(self, args, pid, mode, tmp):
        super().__init__(daemon=True)
        self.a = (args, pid, mode, tmp)
        self.halt = threading.Event()
        self.recs = []
        self.error = None

    def run(self):
        try:
            while not self.halt.is_set():
                self.recs.append(one_dump(*self.a))
        except Exception as e:	# reported by the main thread
            self.error = e

    def stop(self):
        self.halt.set()
        self.join()
        if self.error:
            raise RuntimeError(str(self.error))
        return self.recs


def count_check(args, srv, tmp, recs, checks, when):
    """One --json and one --group dump without load (their cost alone),
    and the server's NumGoroutine() before and after the --group one: the
    dump must see them all (but transient request goroutines)."""
    rec = one_dump(args, srv["pid"], "json", tmp)
    rec.update(phase="quiet", rep=None)
    recs.append(rec)
    before = server_goroutines(srv["addr"])
    rec = one_dump(args, srv["pid"], "group", tmp)
    after = server_goroutines(srv["addr"])
    rec.update(phase="quiet", rep=None)
    recs.append(rec)
    ok = (min(before, after) - DUMP_SLACK_QUIET <= rec["goroutines"]
          <= max(before, after) + DUMP_SLACK_QUIET)
    checks.append({"when": when, "dump": rec["goroutines"], "server_before": before,
                   "server_after": after, "ok": ok})
    if not ok:
        say("FAIL " + "!" * 60)
        say("FAIL: gostray dump reported %d goroutines, the server's "
            "runtime.NumGoroutine() said %d before and %d after" % (
                rec["goroutines"], before, after))
        say("FAIL " + "!" * 60)
    return rec["goroutines"]


def start_dump_target(args, binary, goroutines, what):
    """workloads/dumptarget parking `goroutines`, ready: (process, its
    ready line {pid, addr, parked, goroutines}, seconds to ready)."""
    env = dict(os.environ, GOMAXPROCS=str(args.gomaxprocs))
    t0 = time.monotonic()
    srv_p = subprocess.Popen(pinned(args, "server") + [binary, "-n", str(goroutines)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
                             text=True)
    line = Lines(srv_p.stdout).next(300)
    if not line:
        stop_dump_target(srv_p)
        raise RuntimeError("%s did not start" % DUMP_WORKLOAD)
    srv = json.loads(line)
    startup_s = time.monotonic() - t0
    say("%s: %s parked %d goroutines in %.1f s (NumGoroutine %d)" % (
        what, DUMP_WORKLOAD, srv["parked"], startup_s, srv["goroutines"]))
    return srv_p, srv, startup_s


def stop_dump_target(srv_p):
    close_stdin_and_wait(srv_p, 30)


def hey_phase(args, url, seconds):
    """hey -z seconds against url: (latencies of the 200s in s, errors,
    hey's wall time)."""
    t0 = time.monotonic()
    hey = subprocess.run(pinned(args, "server") +
                         ["hey", "-z", "%gs" % seconds, "-c", str(HEY_CONCURRENCY),
                          "-o", "csv", url],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - t0
    if hey.returncode:
        raise RuntimeError("hey failed: " + hey.stderr.strip())
    lat, errors = [], 0
    for row in hey.stdout.splitlines()[1:]:
        f = row.split(",")
        if len(f) < 7:
            continue
        if f[6] == "200":
            lat.append(float(f[0]))
        else:
            errors += 1
    return lat, errors, wall


def run_dump_bench(args, binary):
    tmp = tempfile.mkdtemp(prefix="gostray-bench-dump.")
    t_start = time.monotonic()
    srv_p, srv, startup_s = start_dump_target(args, binary, args.dump_goroutines, "dump")
    phases, dumps, checks = [], [], []
    try:
        base = count_check(args, srv, tmp, dumps, checks, "start")
        url = "http://%s/" % srv["addr"]
        total = args.dump_reps * len(DUMP_PHASES)
        for rep in range(args.dump_reps):
            order = DUMP_PHASES[rep % 3:] + DUMP_PHASES[:rep % 3]
            for ph in order:
                say("[%d/%d] dump phase: %s" % (len(phases) + 1, total, ph))
                loop = DumpLoop(args, srv["pid"], ph, tmp) if ph != "none" else None
                if loop:
                    loop.start()
                t0 = time.monotonic()
                try:
                    lat, errors, hey_s = hey_phase(args, url, args.dump_phase)
                finally:
                    recs = loop.stop() if loop else []
                for r in recs:
                    r.update(phase=ph, rep=rep)
                    if "goroutines" in r:
                        ok = abs(r["goroutines"] - base) <= DUMP_SLACK_LOADED
                        r["count_ok"] = ok
                        if not ok:
                            checks.append({"when": "under load, rep %d" % rep,
                                           "dump": r["goroutines"], "server_before": base,
                                           "server_after": None, "ok": False})
                            say("FAIL: under load a dump reported %d goroutines, "
                                "%d without load" % (r["goroutines"], base))
                dumps.extend(recs)
                phase = {"phase": ph, "rep": rep, "seconds": args.dump_phase,
                         "hey_wall_s": hey_s, "dumps": len(recs), "errors": errors,
                         "tail_s": time.monotonic() - t0 - hey_s}
                phase.update(latency_summary(lat, args.dump_phase))
                phase["_lat"] = lat
                phases.append(phase)
        count_check(args, srv, tmp, dumps, checks, "end")
    finally:
        stop_dump_target(srv_p)
        shutil.rmtree(tmp, ignore_errors=True)

    # Pooled over the repetitions of each phase, and per repetition.
    pooled = {}
    for ph in DUMP_PHASES:
        rs = [p for p in phases if p["phase"] == ph]
        lat = [x for p in rs for x in p["_lat"]]
        pooled[ph] = latency_summary(lat, sum(p["seconds"] for p in rs))
        pooled[ph]["errors"] = sum(p["errors"] for p in rs)
        pooled[ph]["per_s_reps"] = [p["per_s"] for p in rs]
        pooled[ph]["p99_ms_reps"] = [p["p99_ms"] for p in rs]
    for p in phases:
        del p["_lat"]
    ratios = {}
    for ph in DUMP_PHASES[1:]:
        ratios[ph] = {k: pooled[ph][k] / pooled["none"][k]
                      if pooled[ph][k] and pooled["none"][k] else None
                      for k in ("per_s", "p50_ms", "p99_ms", "max_ms")}
    per_dump = {}
    for key in ("json", "group", "quiet_json", "quiet_group"):
        mode = key.replace("quiet_", "")
        rs = [d for d in dumps if d["mode"] == mode and
              (d["phase"] == "quiet") == key.startswith("quiet_")]
        if not rs:
            continue
        per_dump[key] = {
            "dumps": len(rs),
            "wall_s_median": med([d["wall_s"] for d in rs]),
            "wall_s_max": max(d["wall_s"] for d in rs),
            "wall_s_min": min(d["wall_s"] for d in rs),
            "cpu_s_median": med([d["cpu_s"] for d in rs]),
            "user_s_median": med([d["user_s"] for d in rs]),
            "sys_s_median": med([d["sys_s"] for d in rs]),
            "max_rss_kb_median": med([d["max_rss_kb"] for d in rs]),
            "max_rss_kb_max": max(d["max_rss_kb"] for d in rs),
        }
        if mode == "group":
            per_dump[key]["read_ms_median"] = med([d["read_ms"] for d in rs])
            per_dump[key]["goroutines_min"] = min(d["goroutines"] for d in rs)
            per_dump[key]["goroutines_max"] = max(d["goroutines"] for d in rs)
    return {
        "meta": {"goroutines_parked": srv["parked"], "server_goroutines_at_ready": srv["goroutines"],
                 "startup_s": startup_s, "reps": args.dump_reps, "phase_s": args.dump_phase,
                 "hey_concurrency": HEY_CONCURRENCY, "gomaxprocs": args.gomaxprocs,
                 "pinned": args.dump_pin,
                 "wall_s": time.monotonic() - t_start},
        "summary": {"dump": per_dump, "server": pooled, "ratios": ratios,
                    "count_checks": checks, "count_ok": all(c["ok"] for c in checks)},
        "phases": phases,
        "dumps": dumps,
    }


ATTACHED_RE = re.compile(r"^gostray: attached to PID \d+ .*: (\d+) probes in ([\d.]+) ms, "
                         r"(\d+) goroutines alive at attach, baseline read in ([\d.]+) ms")


def attach_once(args, pid):
    """Wall ms from exec to gostray's "attached" line, and its own figures."""
    t0 = time.monotonic()
    p = subprocess.Popen([args.gostray, "capture", str(pid), "-d", "0.2", "--json"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    rec = None
    for line in p.stderr:
        m = ATTACHED_RE.match(line)
        if m:
            rec = {"wall_ms": (time.monotonic() - t0) * 1000, "probes_ms": float(m.group(2)),
                   "goroutines": int(m.group(3)), "baseline_ms": float(m.group(4))}
            break
    p.stderr.read()
    if p.wait() != 0 or rec is None:
        raise RuntimeError("gostray capture %d: no attached line (status %s)" % (pid, p.returncode))
    return rec


def analysis_ms(args, binary):
    t0 = time.monotonic()
    run([args.gostray, "info", binary, "--json"])
    return (time.monotonic() - t0) * 1000


def padded_copy(binary, out, mb):
    """binary with mb MB of data appended as a non-loaded section: a stripped
    binary of over 100 MB whose Go part is the original's."""
    dst = os.path.join(out, os.path.basename(binary) + "-padded")
    pad = os.path.join(out, "pad.bin")
    with open(pad, "wb") as f:
        f.write(os.urandom(1 << 20) * mb)
    run(["objcopy", "--add-section", ".gostray_pad=" + pad, "--set-section-flags",
         ".gostray_pad=noload,readonly", binary, dst])
    os.unlink(pad)
    return dst


def attach_targets(args, bins):
    """(label, argv, ready check) of every process the attach bench uses."""
    targets = []
    try:
        out = run([os.path.join(REPO, "tools", "fetch-real-programs.sh"), "prometheus-trixie"])
        prom = out.split()[1]
    except (RuntimeError, IndexError) as e:
        say("attach: no prometheus-trixie (%s): only the 100k-goroutine target" % e)
        prom = None
    if prom:
        padded = padded_copy(prom, args.output, 32)
        for b in (prom, padded):
            targets.append(("%s (%.0f MB, stripped)" % (os.path.basename(b), os.path.getsize(b) / 1e6),
                            b, [b, "--config.file=" + os.path.join(args.output, "prom.yml"),
                                "--web.listen-address=127.0.0.1:0",
                                "--storage.tsdb.path=" + tempfile.mkdtemp(prefix="gostray-bench-prom.")]))
        with open(os.path.join(args.output, "prom.yml"), "w") as f:
            f.write("global: {scrape_interval: 15s}\nscrape_configs: []\n")
    targets.append(("dumptarget, %d goroutines" % args.dump_goroutines, bins[DUMP_WORKLOAD],
                    [bins[DUMP_WORKLOAD], "-n", str(args.dump_goroutines)]))
    return targets


def run_attach_bench(args, bins):
    results = []
    for label, binary, argv in attach_targets(args, bins):
        p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
        try:
            if "dumptarget" in label:
                if not Lines(p.stdout).next(300):
                    raise RuntimeError("dumptarget did not start")
            else:
                time.sleep(3)   # prometheus up and idle
            if p.poll() is not None:
                raise RuntimeError("%s exited before the attach bench" % label)
            recs = []
            for i in range(args.attach_reps):
                say("attach [%d/%d] %s" % (i + 1, args.attach_reps, label))
                recs.append(attach_once(args, p.pid))
            ana = [analysis_ms(args, binary) for _ in range(args.attach_reps)]
        finally:
            p.kill()
            p.wait()
        results.append({
            "target": label, "size_mb": os.path.getsize(binary) / 1e6,
            "goroutines": recs[0]["goroutines"],
            "wall_ms": med([r["wall_ms"] for r in recs]),
            "wall_ms_max": max(r["wall_ms"] for r in recs),
            "analysis_ms": med(ana),
            "probes_ms": med([r["probes_ms"] for r in recs]),
            "baseline_ms": med([r["baseline_ms"] for r in recs]),
            "baseline_ms_max": max(r["baseline_ms"] for r in recs),
            "runs": recs,
        })
    return results


def print_attach_text(res):
    print("attach: from starting gostray capture to probes live and baseline read "
          "(medians; max in brackets)")
    print("%-38s %10s %14s %10s %9s %16s" % ("target", "goroutines", "wall to attached",
                                             "analysis", "probes", "baseline read"))
    for r in res:
        print("%-38s %10d %8.0f ms (%3.0f) %7.0f ms %6.1f ms %8.1f ms (%4.0f)" % (
            r["target"][:38], r["goroutines"], r["wall_ms"], r["wall_ms_max"], r["analysis_ms"],
            r["probes_ms"], r["baseline_ms"], r["baseline_ms_max"]))


def print_dump_text(meta, d):
    m, s = d["meta"], d["summary"]
    print("gostray dump of a target with %d parked goroutines (%s, %s, GOMAXPROCS=%d) "
          "serving HTTP under hey -c %d%s;\n%d repetitions of 3 phases x %gs, interleaved "
          "(this part %.0f s, target ready in %.1f s); 1-min load average %.2f before "
          "the whole run, %.2f after" % (
              m["goroutines_parked"], DUMP_WORKLOAD, meta["go_version"], m["gomaxprocs"],
              m["hey_concurrency"],
              " (server and hey on CPU 0, gostray on CPU 1)" if m.get("pinned") else "",
              m["reps"], m["phase_s"], m["wall_s"], m["startup_s"],
              meta.get("loadavg_start", [0])[0], meta.get("loadavg_end", [0])[0]))
    for c in s["count_checks"]:
        print("  goroutine count %-18s dump %d, server's NumGoroutine() %s%s: %s" % (
            "(" + c["when"] + ")", c["dump"], c["server_before"],
            "" if c["server_after"] is None else " before, %d after" % c["server_after"],
            "ok" if c["ok"] else "MISMATCH"))
    if not s["count_ok"]:
        print("  !!! FAIL: a dump's goroutine count does not match the server's !!!")
    print("\n  one dump (medians; wall and RSS also max; CPU from wait4, peak RSS from GNU time)")
    print("  %-18s %5s %12s %9s %17s %9s %11s" % (
        "", "dumps", "wall median", "wall max", "CPU s (usr+sys)", "peak RSS",
        "read (own)"))
    for mode, label in (("quiet_json", "--json, no load"), ("quiet_group", "--group, no load"),
                        ("json", "--json, under hey"), ("group", "--group, under hey")):
        p = s["dump"].get(mode)
        if not p:
            continue
        print("  %-18s %5d %10.2f s %7.2f s %6.2f (%.2f+%.2f) %6.0f MB %11s" % (
            label, p["dumps"], p["wall_s_median"], p["wall_s_max"], p["cpu_s_median"],
            p["user_s_median"], p["sys_s_median"], p["max_rss_kb_max"] / 1024,
            fmt(p.get("read_ms_median"), 0, " ms")))
    print("\n  the server under hey, pooled over the repetitions (hey times to 0.1 ms)")
    print("  %-18s %11s %9s %9s %9s %7s" % ("", "requests/s", "p50 ms", "p99 ms",
                                            "max ms", "errors"))
    labels = {"none": "no dump", "json": "dump --json loop", "group": "dump --group loop"}
    for ph in DUMP_PHASES:
        p = s["server"][ph]
        print("  %-18s %11.0f %9.2f %9.2f %9.1f %7d" % (
            labels[ph], p["per_s"], p["p50_ms"], p["p99_ms"], p["max_ms"], p["errors"]))
    print("  with / without dumps")
    for ph in DUMP_PHASES[1:]:
        r = s["ratios"][ph]
        print("  %-18s %11s %9s %9s %9s" % (
            labels[ph], fmt(r["per_s"], 2, "x"), fmt(r["p50_ms"], 2, "x"),
            fmt(r["p99_ms"], 2, "x"), fmt(r["max_ms"], 2, "x")))
    print("  requests/s per repetition: " + "; ".join(
        "%s %s" % (ph, " ".join("%.0f" % v for v in s["server"][ph]["per_s_reps"]))
        for ph in DUMP_PHASES))
