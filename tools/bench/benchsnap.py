# SPDX-License-Identifier: BSD-2-Clause
"""tools/bench/bench's snapshot part: what `--probes none` costs while it
reads a target of 10 000 and of 100 000 goroutines (workloads/dumptarget,
serving HTTP under hey).

Per size: gostray's CPU per snapshot, without load and under hey, each the
CPU of a capture with many snapshots minus that of one with only its
baseline, divided by the snapshots in between (so attaching and analysing
the binary are not counted); and the server's requests/s, p99 and slowest
request with a `capture --probes none --interval 1s` running beside hey
against without, repetitions interleaved."""

import tempfile

from benchextra import *  # noqa: F401,F403

SNAPSHOT_SIZES = (10000, 100000)
SNAPSHOT_PHASES = ["none", "snapshots"]
SNAPSHOT_INTERVAL_S = 1.0       # the product's default for capture and top
QUIET_INTERVAL_S = 0.25         # the no-load calibration: many snapshots


def capture_probe_free(args, pid, seconds, interval, tmp, started=None):
    """`gostray capture PID --probes none` for seconds under wait4: its CPU
    (user + system) and the snapshots its report counts (mode.snapshots,
    the baseline included).  started(): called once it has attached."""
    out_file, err_file = os.path.join(tmp, "cap.json"), os.path.join(tmp, "cap.err")
    cmd = pinned(args, "dump") + [args.gostray, "capture", str(pid), "--probes", "none",
                                  "--interval", "%gs" % interval, "-d", "%gs" % seconds,
                                  "--json"]
    with open(out_file, "w") as out, open(err_file, "w") as err:
        p = subprocess.Popen(cmd, stdout=out, stderr=err)
        if started:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and p.poll() is None:
                with open(err_file) as f:
                    if "gostray: attached" in f.read():
                        break
                time.sleep(0.02)
            started()
        _, status, ru = os.wait4(p.pid, 0)
    if os.waitstatus_to_exitcode(status):
        with open(err_file) as f:
            raise RuntimeError("gostray capture --probes none exited with %d: %s" % (
                os.waitstatus_to_exitcode(status), f.read().strip()))
    with open(out_file) as f:
        doc = json.load(f)
    return {"cpu_s": ru.ru_utime + ru.ru_stime, "snapshots": doc["mode"]["snapshots"],
            "goroutines": doc["totals"]["live"]}


def per_snapshot_ms(many, one):
    """CPU per snapshot past the baseline: the difference of two captures."""
    n = many["snapshots"] - one["snapshots"]
    return (many["cpu_s"] - one["cpu_s"]) * 1e3 / n if n > 0 else None


def snapshot_size(args, binary, n, tmp):
    srv_p, srv, startup_s = start_dump_target(args, binary, n, "snapshots")
    url = "http://%s/" % srv["addr"]
    phases = []
    try:
        one = capture_probe_free(args, srv["pid"], 0.05, 1, tmp)
        quiet = capture_probe_free(args, srv["pid"], 4, QUIET_INTERVAL_S, tmp)
        for rep in range(args.dump_reps):
            order = SNAPSHOT_PHASES[rep % 2:] + SNAPSHOT_PHASES[:rep % 2]
            for ph in order:
                say("snapshots of %d goroutines [rep %d/%d]: %s" % (
                    n, rep + 1, args.dump_reps, ph))
                res = {}
                if ph == "none":
                    res["hey"] = hey_phase(args, url, args.dump_phase)
                else:
                    def go():
                        res["hey"] = hey_phase(args, url, args.dump_phase)
                    # the capture outlives hey: hey runs inside it
                    cap = capture_probe_free(args, srv["pid"], args.dump_phase + 1.5,
                                             SNAPSHOT_INTERVAL_S, tmp, started=go)
                    res["capture"] = cap
                lat, errors, wall = res["hey"]
                rec = {"phase": ph, "rep": rep, "errors": errors, "hey_wall_s": wall,
                       "_lat": lat}
                rec.update(latency_summary(lat, args.dump_phase))
                if "capture" in res:
                    rec["capture"] = res["capture"]
                    rec["cpu_ms_per_snapshot"] = per_snapshot_ms(res["capture"], one)
                phases.append(rec)
    finally:
        stop_dump_target(srv_p)
    pooled = {}
    for ph in SNAPSHOT_PHASES:
        rs = [p for p in phases if p["phase"] == ph]
        pooled[ph] = latency_summary([x for p in rs for x in p["_lat"]],
                                     args.dump_phase * len(rs))
        pooled[ph]["errors"] = sum(p["errors"] for p in rs)
        pooled[ph]["per_s_reps"] = [p["per_s"] for p in rs]
        pooled[ph]["max_ms_reps"] = [p["max_ms"] for p in rs]
    for p in phases:
        del p["_lat"]
    loaded = [p["cpu_ms_per_snapshot"] for p in phases if p.get("cpu_ms_per_snapshot")]
    base = pooled["none"]
    return {
        "goroutines": srv["goroutines"], "parked": srv["parked"], "startup_s": startup_s,
        "baseline_capture": one, "quiet_capture": quiet,
        "cpu_ms_per_snapshot_quiet": per_snapshot_ms(quiet, one),
        "cpu_ms_per_snapshot_loaded": med(loaded) if loaded else None,
        "server": pooled,
        "ratios": {k: pooled["snapshots"][k] / base[k] if base[k] and pooled["snapshots"][k]
                   else None for k in ("per_s", "p50_ms", "p99_ms", "max_ms")},
        "phases": phases,
    }


def run_snapshot_bench(args, binary):
    tmp = tempfile.mkdtemp(prefix="gostray-bench-snap.")
    t0 = time.monotonic()
    try:
        sizes = [snapshot_size(args, binary, n, tmp) for n in SNAPSHOT_SIZES]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"meta": {"reps": args.dump_reps, "phase_s": args.dump_phase,
                     "interval_s": SNAPSHOT_INTERVAL_S, "quiet_interval_s": QUIET_INTERVAL_S,
                     "hey_concurrency": HEY_CONCURRENCY, "gomaxprocs": args.gomaxprocs,
                     "pinned": args.dump_pin, "wall_s": time.monotonic() - t0},
            "sizes": sizes}


def print_snapshot_text(meta, d):
    m = d["meta"]
    print("--probes none against %s (%s, GOMAXPROCS=%d) serving HTTP under hey -c %d%s: "
          "%d repetitions of 2 phases x %gs, interleaved; a snapshot every %gs under load, "
          "every %gs without (this part %.0f s)" % (
              DUMP_WORKLOAD, meta["go_version"], m["gomaxprocs"], m["hey_concurrency"],
              " (server and hey on CPU 0, gostray on CPU 1)" if m.get("pinned") else "",
              m["reps"], m["phase_s"], m["interval_s"], m["quiet_interval_s"], m["wall_s"]))
    print("  %-11s %12s %12s %11s %11s %11s %11s %10s" % (
        "goroutines", "CPU/snapshot", "under load", "requests/s", "p99 ms", "max ms",
        "max ms", "req/s"))
    print("  %-11s %12s %12s %11s %11s %11s %11s %10s" % (
        "", "no load", "", "untraced", "untraced", "untraced", "snapshots", "ratio"))
    for z in d["sizes"]:
        s = z["server"]
        print("  %-11d %12s %12s %11.0f %11.2f %11.1f %11.1f %10s" % (
            z["goroutines"], fmt(z["cpu_ms_per_snapshot_quiet"], 1, " ms"),
            fmt(z["cpu_ms_per_snapshot_loaded"], 1, " ms"), s["none"]["per_s"],
            s["none"]["p99_ms"], s["none"]["max_ms"], s["snapshots"]["max_ms"],
            fmt(z["ratios"]["per_s"], 2, "x")))
        print("  %-11s p99 with snapshots %.2f ms; requests/s per repetition: %s" % (
            "", s["snapshots"]["p99_ms"], "; ".join(
                "%s %s" % (ph, " ".join("%.0f" % v for v in s[ph]["per_s_reps"]))
                for ph in SNAPSHOT_PHASES)))
