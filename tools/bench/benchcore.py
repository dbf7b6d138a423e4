# SPDX-License-Identifier: BSD-2-Clause
"""tools/bench/bench's lifecycle benchmark: the workloads built and run
under every configuration (untraced, gostray, naive, floor...), repetitions
interleaved, their medians and BPF program times, and the text table."""

import json
import math
import os
import queue
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
WORKLOADS = ["spawn", "pingpong", "pool", "http"]
CONFIGS = ["untraced", "gostray", "no-park", "probe-free", "naive", "floor"]
# The floor taken apart, on the goroutine workload only: an empty probe on
# gostray's creation CALL alone, and on the 5-byte NOP the compiler put just
# before that CALL (when it did), which Linux 6.18+ turns into a call to a
# trampoline instead of a trap.
# And gostray without its creation stack walk.
EXTRA_CONFIGS = {"spawn": ["floor-create", "floor-nop5", "no-stacks"],
                 "pingpong": ["park-sample"]}
PARK_SAMPLE_PCT = 10
PARK_SAMPLE_WINDOW_S = 10.0	# gostray's TRACER_PARK_WINDOW_NS
CLK_TCK = os.sysconf("SC_CLK_TCK")
BPF_STATS = "/proc/sys/kernel/bpf_stats_enabled"
HEY_CONCURRENCY = 16
HTTP_WARMUP_S = 0.3
DUMP_WORKLOAD = "dumptarget"
DUMP_PHASES = ["none", "json", "group"]
GNU_TIME = "/usr/bin/time"
# A dump's goroutine count against the server's runtime.NumGoroutine():
# with no load, the one request that asks (and its connection's goroutine);
# under hey, each connection has a goroutine or two that come and go.
DUMP_SLACK_QUIET = 4
DUMP_SLACK_LOADED = 2 * HEY_CONCURRENCY + 8


def die(msg):
    print("bench: " + msg, file=sys.stderr)
    sys.exit(1)


def say(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def run(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, **kw)
    if r.returncode:
        die("%s failed:\n%s%s" % (" ".join(cmd), r.stdout, r.stderr))
    return r.stdout


class Lines:
    """Lines of a pipe, read by a thread so that waits can time out."""

    def __init__(self, pipe):
        self.q = queue.Queue()
        self.seen = []
        threading.Thread(target=self._pump, args=(pipe,), daemon=True).start()

    def _pump(self, pipe):
        for line in pipe:
            self.q.put(line)
        self.q.put(None)

    def next(self, timeout):
        try:
            line = self.q.get(timeout=timeout)
        except queue.Empty:
            return None
        if line is not None:
            self.seen.append(line)
        return line

    def rest(self):
        out = []
        while True:
            line = self.next(30)
            if line is None:
                return "".join(out)
            out.append(line)


# ---------------------------------------------------------------- building

def build(args, out):
    if os.geteuid() != 0:
        die("needs root (BPF programs and uprobes): sudo tools/bench/bench")
    if not os.access(args.gostray, os.X_OK):
        say("building gostray")
        run(["make", "-C", REPO, "gostray"])
    if ("http" in args.workloads or args.dump or args.snapshots) and not shutil.which("hey"):
        say("installing Debian's hey (HTTP load generator)")
        run(["apt-get", "install", "-y", "-qq", "hey"],
            env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    if args.dump and not os.access(GNU_TIME, os.X_OK):
        say("installing Debian's time (GNU time: a child's own peak RSS)")
        run(["apt-get", "install", "-y", "-qq", "time"],
            env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))

    go = run([os.path.join(REPO, "tools/go-toolchain.sh"), args.go]).strip()
    env = dict(os.environ, GOTOOLCHAIN="local", GOWORK="off", GOFLAGS="-mod=mod",
               CGO_ENABLED="0")
    bins = {}
    pieces = [w for w in ("spawn", "pingpong") if args.pieces and w not in args.workloads]
    for w in args.workloads + pieces + ([DUMP_WORKLOAD] if args.dump or args.attach or args.snapshots else []):
        bins[w] = os.path.join(out, "go" + args.go, w)
        run([go, "build", "-o", bins[w], "."], env=env,
            cwd=os.path.join(HERE, "workloads", w))

    if args.memory:
        src = os.path.join(out, "sites-src")
        write_sites_workload(src, MEMORY_MAX_SITES)
        bins[SITES_WORKLOAD] = os.path.join(out, "go" + args.go, SITES_WORKLOAD)
        run([go, "build", "-o", bins[SITES_WORKLOAD], "."], env=env, cwd=src)

    if not args.workloads and not args.pieces:
        return bins, None
    bpf_obj = os.path.join(out, "benchprobe.bpf.o")
    skel = os.path.join(out, "benchprobe.skel.h")
    helper = os.path.join(out, "benchprobe")
    run(["clang", "-g", "-O2", "-target", "bpf", "-D__TARGET_ARCH_x86",
         "-I" + os.path.join(REPO, "vmlinux/x86"), "-I" + os.path.join(REPO, "include"),
         "-Wall", "-c", os.path.join(HERE, "benchprobe.bpf.c"), "-o", bpf_obj])
    with open(skel, "w") as f:
        f.write(run(["bpftool", "gen", "skeleton", bpf_obj, "name", "benchprobe_bpf"]))
    pkg = run(["pkg-config", "--cflags", "--libs", "libbpf"]).split()
    run([os.environ.get("CC", "gcc"), "-O2", "-g", "-Wall", "-Wextra",
         "-Wno-unused-parameter", "-I" + os.path.join(REPO, "include"), "-I" + out,
         os.path.join(HERE, "benchprobe.c"), "-o", helper] + pkg)
    return bins, helper


def nop5_before(binary, probe):
    """File offset of a 5-byte NOP ending exactly at the probe's CALL, or None."""
    addr = int(probe["addr"], 16)
    dis = run(["objdump", "-d", "--disassemble=" + probe["function"], binary])
    for line in dis.splitlines():
        parts = line.split("\t")
        if len(parts) < 3 or not parts[0].strip().endswith(":"):
            continue
        at, nbytes = int(parts[0].strip()[:-1], 16), len(parts[1].split())
        if at + nbytes == addr and nbytes == 5 and parts[2].startswith("nop"):
            return "0x%x" % (int(probe["file_offset"], 16) - 5)
    return None


def probe_info(gostray, binary):
    info = json.loads(run([gostray, "info", binary, "--json"]))
    if not info.get("supported"):
        die("gostray does not support %s: %s" % (binary, info))
    info["create"] = next(p for p in info["probes"] if p["kind"] == "create")
    info["nop5_offset"] = nop5_before(binary, info["create"])
    return info


def configs_for(workload, info):
    extra = EXTRA_CONFIGS.get(workload, [])
    return CONFIGS + [c for c in extra if c != "floor-nop5" or info["nop5_offset"]]


def tracer_cmd(config, args, helper, binary, info, pid):
    if config == "gostray":
        return [args.gostray, "capture", str(pid), "--json", "--park"]
    if config == "no-park":
        return [args.gostray, "capture", str(pid), "--json", "--no-park"]
    if config == "probe-free":
        return [args.gostray, "capture", str(pid), "--json", "--probes", "none"]
    if config == "park-sample":
        return [args.gostray, "capture", str(pid), "--json", "--park-sample", str(PARK_SAMPLE_PCT)]
    if config == "no-stacks":
        return [args.gostray, "capture", str(pid), "--json", "--park", "--stack-depth", "0"]
    base = [helper, "--pid", str(pid), "--binary", binary,
            "--goid-offset", str(info["offsets"]["g.goid"])]
    if config == "naive":
        return base + ["naive_create@runtime.newproc1", "naive_exit@runtime.goexit1",
                       "naive_park@runtime.gopark"]
    if config == "floor":
        return base + ["empty@" + p["file_offset"] for p in info["probes"]]
    if config == "floor-create":
        return base + ["empty@" + info["create"]["file_offset"]]
    if config == "floor-nop5":
        return base + ["empty@" + info["nop5_offset"]]
    return None


# ---------------------------------------------------------------- one run

def proc_cpu_s(pid):
    """CPU time of a process in seconds: utime + stime from /proc/PID/stat
    (clock ticks), and the sum of its threads' run time from schedstat (ns),
    which resolves the small amounts one short run takes."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ns = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                ns += int(f.read().split()[0])
        except OSError:
            pass
    return (int(fields[11]) + int(fields[12])) / CLK_TCK, ns / 1e9


def tracer_prog_ids(pid):
    """Ids of the BPF programs a process holds open (its fdinfo)."""
    ids = set()
    fdinfo = "/proc/%d/fdinfo" % pid
    for fd in os.listdir(fdinfo):
        try:
            with open(os.path.join(fdinfo, fd)) as f:
                ids.update(int(l.split()[1]) for l in f if l.startswith("prog_id:"))
        except OSError:
            pass
    return ids


def handler_ns(pid):
    """Mean run time per hit of each BPF program of process pid, by
    program name (kernel.bpf_stats_enabled must be on)."""
    ids = tracer_prog_ids(pid)
    sums = {}
    for p in json.loads(run(["bpftool", "prog", "show", "--json"])):
        if p["id"] in ids and p.get("run_cnt"):
            t, n = sums.get(p["name"], (0, 0))
            sums[p["name"]] = (t + p["run_time_ns"], n + p["run_cnt"])
    return {name: t / n for name, (t, n) in sums.items()}


def proc_mem_kb(pid):
    """VmHWM and RssAnon of a process, in kB.  A BPF ring buffer's data
    pages are mapped twice into its reader and count in RSS (VmHWM) without
    being the reader's memory; RssAnon is the reader's own heap."""
    mem = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmHWM", "RssAnon"):
                mem[k] = int(v.split()[0])
    return mem.get("VmHWM", 0), mem.get("RssAnon", 0)


def run_one(args, workload, config, binary, helper, info):
    env = dict(os.environ, GOMAXPROCS=str(args.gomaxprocs))
    depth = ["-depth", str(args.spawn_depth)] if workload == "spawn" and args.spawn_depth else []
    duration = max(args.duration, PARK_SAMPLE_WINDOW_S) if config == "park-sample" else args.duration
    wl = subprocess.Popen([binary, "-d", "%gs" % duration] + depth, stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, env=env, text=True)
    out = Lines(wl.stdout)
    tracer = hey = None
    rec = {"workload": workload, "config": config}
    try:
        line = out.next(10)
        if not line:
            raise RuntimeError("%s workload did not start" % workload)
        ready = json.loads(line)

        cmd = tracer_cmd(config, args, helper, binary, info, wl.pid)
        if cmd:
            t0 = time.monotonic()
            tracer = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True)
            terr = Lines(tracer.stderr)
            while True:
                line = terr.next(20)
                if line is None:
                    raise RuntimeError("%s did not attach: %s" %
                                       (config, "".join(terr.seen).strip()))
                if ": attached" in line:
                    break
            t_attach = time.monotonic()
            rec["attach_ms"] = (t_attach - t0) * 1e3
            cpu0 = proc_cpu_s(tracer.pid)

        if workload == "http":
            hey = subprocess.Popen(["hey", "-z", "%gs" % (args.duration + 5),
                                    "-c", str(HEY_CONCURRENCY),
                                    "http://%s/" % ready["addr"]],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(HTTP_WARMUP_S)
        os.kill(wl.pid, signal.SIGUSR1)
        line = out.next(duration + 60)
        if not line:
            raise RuntimeError("%s workload gave no result" % workload)
        rec.update(json.loads(line))
        if hey:
            hey.kill()
            hey.wait()
            hey = None

        if tracer:
            t_stop = time.monotonic()
            cpu1 = proc_cpu_s(tracer.pid)
            rec["tracer_cpu_s"] = cpu1[0] - cpu0[0]
            rec["tracer_cpu_sched_s"] = cpu1[1] - cpu0[1]
            rec["tracer_hwm_kb"], rec["tracer_anon_kb"] = proc_mem_kb(tracer.pid)
            if args.bpf_stats:
                rec["handler_ns"] = handler_ns(tracer.pid)
            rec["traced_s"] = t_stop - t_attach
            tracer.send_signal(signal.SIGINT)
            report = tracer.stdout.read()
            _, status, ru = os.wait4(tracer.pid, 0)
            tracer.returncode = os.waitstatus_to_exitcode(status)
            if tracer.returncode:
                raise RuntimeError("%s exited with %d: %s" % (
                    config, tracer.returncode, terr.rest().strip()))
            # ru_maxrss is useless here: exec keeps the forking Python's
            # high-water mark.  VmHWM (read above) is the tracer's own.
            rec["tracer_total_cpu_s"] = ru.ru_utime + ru.ru_stime
            doc = json.loads(report)
            if config in ("gostray", "no-park", "probe-free", "no-stacks", "park-sample"):
                rec["lost"] = doc["totals"]["lost_events"]
                hits = doc["probes"]
            else:
                rec["lost"] = doc["lost"]
                hits = doc
            for k in ("create_hits", "park_hits", "exit_hits"):
                rec[k] = hits[k]
    finally:
        for p in (hey, tracer):
            if p and p.poll() is None:
                p.kill()
                p.wait()
        close_stdin_and_wait(wl, 10)
    return rec


def close_stdin_and_wait(p, timeout):
    """The workloads exit when their stdin closes; killed past timeout."""
    try:
        p.stdin.close()
    except BrokenPipeError:
        pass
    try:
        p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


# ---------------------------------------------------------------- figures

def med(xs):
    return statistics.median(xs) if xs else None


def summarize(args, runs):
    by = {}
    for r in runs:
        by.setdefault((r["workload"], r["config"]), []).append(r)

    def metric(w, r):
        return r["per_s"] if w == "http" else r["ns_per_op"]

    s = {"per_op": {}, "best": {}, "spread_pct": {}, "events_per_op": {}, "slowdown": {},
         "added_ns": {}, "ratios": {}, "tracers": {}}
    for (w, c), rs in by.items():
        vals = [metric(w, r) for r in rs]
        m = med(vals)
        s["per_op"].setdefault(w, {})[c] = m
        s["best"].setdefault(w, {})[c] = max(vals) if w == "http" else min(vals)
        s["spread_pct"].setdefault(w, {})[c] = (max(vals) - min(vals)) / m * 100 if m else 0
    for w in args.workloads:
        base = s["per_op"][w].get("untraced")
        for c in CONFIGS[1:]:
            v = s["per_op"][w].get(c)
            if base and v:
                s["slowdown"].setdefault(w, {})[c] = base / v if w == "http" else v / base
        g = by.get((w, "gostray"))
        if g and w != "http":	# hey runs outside the window: no per-op count
            s["events_per_op"][w] = {k: med([r[k] / r["ops"] for r in g])
                                     for k in ("create_hits", "park_hits", "exit_hits")}

    def added(w, c, per):
        po = s["per_op"].get(w, {})
        if c not in po or "untraced" not in po or not per:
            return None
        return (po[c] - po["untraced"]) / per

    parks = s["events_per_op"].get("pingpong", {}).get("park_hits")
    for c in CONFIGS[1:]:
        s["added_ns"][c] = {
            "lifecycle": added("spawn", c, 1.0),
            "park": None if c in ("no-park", "probe-free") else added("pingpong", c, parks),
        }

    # Sampling does not make a park cheaper: it makes fewer parks pay.
    # What it saves shows as the workload's slowdown over whole windows.
    po = s["per_op"].get("pingpong", {})
    if po.get("park-sample") and po.get("untraced"):
        s["park_sample"] = {"pct": PARK_SAMPLE_PCT, "window_s": PARK_SAMPLE_WINDOW_S,
                            "slowdown": po["park-sample"] / po["untraced"],
                            "slowdown_park_on": s["slowdown"].get("pingpong", {}).get("gostray")}

    def ratio(a, b, kind):
        x, y = s["added_ns"][a][kind], s["added_ns"][b][kind]
        return x / y if x and y else None

    for kind in ("lifecycle", "park"):
        s["ratios"][kind] = {
            "gostray_over_floor": ratio("gostray", "floor", kind),
            "no_park_over_floor": ratio("no-park", "floor", kind) if kind == "lifecycle" else None,
            "naive_over_gostray": ratio("naive", "gostray", kind),
        }

    for (w, c), rs in by.items():
        if c == "untraced":
            continue
        cpu = sum(r["tracer_cpu_sched_s"] for r in rs)
        secs = sum(r["traced_s"] for r in rs)
        ev = sum(r["create_hits"] + r["park_hits"] + r["exit_hits"] for r in rs)
        rate = ev / secs if secs else 0
        pct = cpu / secs * 100 if secs else 0
        s["tracers"].setdefault(w, {})[c] = {
            "events_per_s": rate,
            "traced_s": secs,
            "cpu_stat_s": sum(r["tracer_cpu_s"] for r in rs),
            "cpu_s": cpu,
            "cpu_pct": pct,
            "cpu_pct_per_100k_events_s": pct * 1e5 / rate if rate else None,
            "lost": sum(r["lost"] for r in rs),
            "max_rss_kb": max(r["tracer_hwm_kb"] for r in rs),
            "max_anon_kb": max(r["tracer_anon_kb"] for r in rs),
            "attach_ms": med([r["attach_ms"] for r in rs]),
            "whole_process_cpu_s": med([r["tracer_total_cpu_s"] for r in rs]),
        }
    po = s["per_op"].get("spawn", {})
    if "floor-create" in po and "untraced" in po:
        s["floor_breakdown"] = {
            "create_call": po["floor-create"] - po["untraced"],
            "exit_and_park": po["floor"] - po["floor-create"] if "floor" in po else None,
            "nop5_before_call": po["floor-nop5"] - po["untraced"]
            if "floor-nop5" in po else None,
        }
    g, ns = by.get(("spawn", "gostray"), []), by.get(("spawn", "no-stacks"), [])
    if g and ns:
        # Paired by repetition (run next to each other): a machine busy
        # for a while slows both alike.
        pairs = [(a["ns_per_op"], b["ns_per_op"]) for a in g for b in ns
                 if a["rep"] == b["rep"]]
        s["stack_walk"] = {
            "spawn_depth": args.spawn_depth,
            "median_diff_ns": po["gostray"] - po["no-stacks"],
            "paired_diff_ns": med([a - b for a, b in pairs]),
            "paired_ratio": med([a / b for a, b in pairs]),
        }
    for (w, c), rs in by.items():
        names = {n for r in rs for n in r.get("handler_ns", {})}
        for n in names:
            s.setdefault("handler_ns", {}).setdefault(w, {}).setdefault(c, {})[n] = med(
                [r["handler_ns"][n] for r in rs if n in r.get("handler_ns", {})])
    return s


UNITS = {"spawn": "ns/goroutine", "pingpong": "ns/round trip", "pool": "ns/job",
         "http": "requests/s"}


def fmt(v, digits=0, suffix=""):
    if v is None:
        return "-"
    return ("%." + str(digits) + "f%s") % (v, suffix)


def print_text(meta, s):
    print("gostray bench: %s workloads, GOMAXPROCS=%d, %d repetitions x %gs, "
          "interleaved; medians, ± half the range" % (
              meta["go_version"], meta["gomaxprocs"], meta["reps"], meta["duration_s"]))
    load = ""
    if "loadavg_start" in meta:	# not in runs older than the field
        load = "; 1-min load average %.2f before, %.2f after" % (
            meta["loadavg_start"][0], meta["loadavg_end"][0])
    print("machine: kernel %s, %d CPUs (%s)%s\n" % (meta["kernel"], meta["cpus"],
                                                   meta["cpu_model"], load))
    hdr = "%-9s %-14s" + " %16s" * len(CONFIGS)
    print(hdr % (("workload", "unit") + tuple(CONFIGS)))
    for w in meta["workloads"]:
        cells = []
        for c in CONFIGS:
            v = s["per_op"].get(w, {}).get(c)
            sp = s["spread_pct"].get(w, {}).get(c)
            cells.append("-" if v is None else "%.0f ±%.0f%%" % (v, sp / 2))
        print(hdr % ((w, UNITS[w]) + tuple(cells)))

    print("\nevents per operation (gostray's probe hits / ops):")
    for w, e in s["events_per_op"].items():
        print("  %-9s create %.3f  park %.3f  exit %.3f" % (
            w, e["create_hits"], e["park_hits"], e["exit_hits"]))

    print("\nadded cost, ns per event (traced - untraced)")
    print("  %-34s" % "" + "".join("%11s" % c for c in CONFIGS[1:]))
    for kind, label in (("lifecycle", "goroutine lifecycle (spawn)"),
                        ("park", "park (pingpong)")):
        print("  %-34s" % label + "".join(
            "%11s" % fmt(s["added_ns"][c][kind]) for c in CONFIGS[1:]))
    ps = s.get("park_sample")
    if ps:
        print("  --park-sample %d (pingpong, runs of %.0f s): the workload %s slower than "
              "untraced (with --park: %s)" % (ps["pct"], ps["window_s"], fmt(ps["slowdown"], 2, "x"),
                                             fmt(ps["slowdown_park_on"], 1, "x")))
    for w, by_config in sorted(s.get("handler_ns", {}).items()):
        print("  BPF program run time per hit (%s, kernel.bpf_stats_enabled): %s" % (w, "; ".join(
            "%s %s" % (c, ", ".join("%s %.0f ns" % (n, v) for n, v in sorted(hs.items())))
            for c, hs in sorted(by_config.items()))))
    sw = s.get("stack_walk")
    if sw:
        print("  creation stack walk (spawn, go statement %d calls deeper): gostray - "
              "no-stacks %s ns per goroutine (medians), %s ns paired by repetition "
              "(gostray / no-stacks %s)" % (
                  sw["spawn_depth"], fmt(sw["median_diff_ns"]), fmt(sw["paired_diff_ns"]),
                  fmt(sw["paired_ratio"], 3, "x")))
    fb = s.get("floor_breakdown")
    if fb:
        print("  floor taken apart (spawn): empty probe on the creation CALL alone %s ns, "
              "exit+park probes %s ns; on the 5-byte NOP before that CALL %s ns" % (
                  fmt(fb["create_call"]), fmt(fb["exit_and_park"]),
                  fmt(fb["nop5_before_call"])))

    r = s["ratios"]
    print("\nratios                           lifecycle       park   issue-7 target")
    print("  gostray / floor                 %9s  %9s   <= 1.3x" % (
        fmt(r["lifecycle"]["gostray_over_floor"], 2, "x"),
        fmt(r["park"]["gostray_over_floor"], 2, "x")))
    print("  gostray --no-park / floor       %9s  %9s" % (
        fmt(r["lifecycle"]["no_park_over_floor"], 2, "x"), "-"))
    print("  naive / gostray                 %9s  %9s   >= 5x" % (
        fmt(r["lifecycle"]["naive_over_gostray"], 2, "x"),
        fmt(r["park"]["naive_over_gostray"], 2, "x")))
    print("\ntraced / untraced (slowdown of the workload; http: requests/s ratio)")
    print("  %-9s" % "" + "".join("%11s" % c for c in CONFIGS[1:]))
    for w in meta["workloads"]:
        print("  %-9s" % w + "".join("%11s" % fmt(s["slowdown"].get(w, {}).get(c), 1, "x")
                                     for c in CONFIGS[1:]))

    print("\ntracer process from attach to stop, all repetitions summed: CPU from "
          "/proc/PID/stat (10 ms ticks)\nand task schedstat (ns); max RSS = VmHWM (includes the 16 MB ring buffer, mapped "
          "twice),\nanon = RssAnon at the end (the process's own heap)")
    print("  %-9s %-8s %9s %8s %8s %9s %6s %9s %9s %8s" % (
        "workload", "tracer", "events/s", "CPU s", "CPU %", "%@100k/s", "lost",
        "max RSS", "anon", "attach"))
    for w in meta["workloads"]:
        for c in CONFIGS[1:]:
            t = s["tracers"].get(w, {}).get(c)
            if not t:
                continue
            print("  %-9s %-8s %9.0f %8.2f %8.2f %9s %6d %6.1f MB %6.1f MB %5.0f ms" % (
                w, c, t["events_per_s"], t["cpu_stat_s"], t["cpu_pct"],
                fmt(t["cpu_pct_per_100k_events_s"], 2), t["lost"],
                t["max_rss_kb"] / 1024, t["max_anon_kb"] / 1024, t["attach_ms"]))


# ---------------------------------------------------------------- collector memory


SITES_WORKLOAD = "sites"
MEMORY_MAX_SITES = 2000

def write_sites_workload(src, nsites):
    """A Go program with nsites distinct go statements (one function each):
    -sites S -per P starts P goroutines at each of the first S, all blocked
    for good, prints a JSON line, and runs until stdin closes."""
    os.makedirs(src, exist_ok=True)
    with open(os.path.join(src, "go.mod"), "w") as f:
        f.write("module gostraybench/sites\n\ngo 1.19\n")
    lines = ["// Generated by tools/bench/bench (collector memory): do not edit.",
             "package main", "", 'import (\n\t"encoding/json"\n\t"flag"\n\t"os"\n\t"runtime"\n)',
             "", "var block = make(chan struct{})", ""]
    for i in range(nsites):
        lines.append("func site%d() { go func() { <-block }() }" % i)
    lines += ["", "var sites = []func(){"] + ["\tsite%d," % i for i in range(nsites)] + ["}", ""]
    lines += ["func main() {",
              '\tn := flag.Int("sites", 1, "go statements used")',
              '\tper := flag.Int("per", 1, "goroutines per go statement")',
              "\tflag.Parse()",
              "\tfor i := 0; i < *n && i < len(sites); i++ {",
              "\t\tfor j := 0; j < *per; j++ {",
              "\t\t\tsites[i]()",
              "\t\t}",
              "\t}",
              '\tjson.NewEncoder(os.Stdout).Encode(map[string]int{"goroutines": runtime.NumGoroutine()})',
              "\tos.Stdin.Read(make([]byte, 1))",
              "}", ""]
    with open(os.path.join(src, "main.go"), "w") as f:
        f.write("\n".join(lines))


def pct(xs, q):
    """q-th percentile of sorted xs (nearest rank)."""
    if not xs:
        return None
    return xs[max(1, math.ceil(q / 100.0 * len(xs))) - 1]
