# SPDX-License-Identifier: BSD-2-Clause
"""tools/bench/bench's pieces part: where the time of each of gostray's BPF
programs goes (issue 17).

Per program, one run of its workload under `gostray capture` (spawn with
the default options: creation and exit; pingpong with --park: the park
program), with three things side by side for the same probe hits:

  - the program's run time per hit (kernel.bpf_stats_enabled) over the
    first PIECES_SECONDS;
  - an empty BPF program on the same instruction (benchprobe's `empty`),
    whose run time is what timing a program costs (the stats' own floor);
  - `perf record -a -g` over the next PIECES_SECONDS (not before: perf's
    interrupts land inside the programs and count in their run time): each sample whose call chain passes
    through the program is charged to the function it called (a helper:
    reading target memory, reserving in the ring buffer, the clock, a map
    lookup) or to the program's own instructions.

A piece's cost is its share of the program's samples times the program's
run time less the floor.  perf's sampling is statistical: the sample count
behind each share is printed with it."""

from benchsnap import *  # noqa: F401,F403

PIECES_SECONDS = 3.0
PIECES_FREQ_HZ = 10000
# What a program calls, by kernel function name (the JIT calls helpers and
# map operations directly), grouped into the pieces the README names.
PIECE_OF = [
    ("read", ("bpf_probe_read_user", "copy_from_user_nofault")),
    ("ringbuf", ("__bpf_ringbuf_reserve", "bpf_ringbuf_reserve", "bpf_ringbuf_submit",
                 "bpf_ringbuf_query", "bpf_ringbuf_output", "bpf_ringbuf_discard")),
    ("clock", ("bpf_ktime_get_ns", "ktime_get_mono_fast_ns")),
    ("map", ("__htab", "htab_", "lookup_nulls_elem_raw", "percpu_", "array_map",
             "bpf_map_", "pcpu_")),
    ("filter", ("bpf_get_current_pid_tgid",)),
    ("random", ("bpf_get_prandom_u32", "bpf_user_rnd_u32")),
]
PIECE_WORKLOADS = ["spawn", "pingpong"]
PIECES = [p for p, _ in PIECE_OF] + ["own code", "other"]
# (workload, gostray capture options, programs, instruction of the floor)
PIECE_RUNS = [
    ("spawn", [], ("on_create_runqput", "on_exit_gdestroy", "on_exit_goexit0"), "exit"),
    ("pingpong", ["--park"], ("on_park",), "park"),
]


def piece_of(fn):
    for piece, prefixes in PIECE_OF:
        if fn.startswith(prefixes):
            return piece
    return "other"


def charge_samples(script, programs):
    """perf script output (ip and sym per frame, leaf first, samples
    separated by blank lines) -> {program: {piece: samples}}."""
    out = {p: dict.fromkeys(PIECES, 0) for p in programs}
    for sample in script.split("\n\n"):
        frames = [l.split(None, 1)[1] if len(l.split(None, 1)) > 1 else "?"
                  for l in sample.strip().splitlines() if l.strip()]
        for i, fn in enumerate(frames):
            prog = next((p for p in programs
                         if fn.startswith("bpf_prog_") and fn.endswith("_" + p)), None)
            if prog:
                out[prog]["own code" if i == 0 else piece_of(frames[i - 1])] += 1
                break
    return out


def pieces_once(args, workload, opts, programs, floor_kind, binary, helper, info):
    env = dict(os.environ, GOMAXPROCS=str(args.gomaxprocs))
    duration = 2 * PIECES_SECONDS + 1.0
    floor_at = next(p for p in info["probes"] if p["kind"] == floor_kind)["file_offset"]
    procs = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            wl = subprocess.Popen([binary, "-d", "%gs" % duration], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, env=env, text=True)
            procs.append(wl)
            out = Lines(wl.stdout)
            if not out.next(10):
                raise RuntimeError("%s workload did not start" % workload)
            err_file = os.path.join(tmp, "gostray.err")
            with open(err_file, "w") as err:
                gs = subprocess.Popen([args.gostray, "capture", str(wl.pid), "--json"] + opts,
                                      stdout=subprocess.DEVNULL, stderr=err)
            procs.append(gs)
            floor = subprocess.Popen([helper, "--pid", str(wl.pid), "--binary", binary,
                                      "empty@" + floor_at], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
            procs.append(floor)
            ferr = Lines(floor.stderr)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                with open(err_file) as f:
                    if "gostray: attached" in f.read():
                        break
                if gs.poll() is not None:
                    with open(err_file) as f:
                        raise RuntimeError("gostray did not attach: " + f.read().strip())
                time.sleep(0.02)
            line = ferr.next(20)
            if not line or "attached" not in line:
                raise RuntimeError("benchprobe did not attach: %s" % "".join(ferr.seen))
            data = os.path.join(tmp, "perf.data")
            os.kill(wl.pid, signal.SIGUSR1)
            # run times first, without perf: its interrupts land inside the
            # programs and would count in their run time
            time.sleep(PIECES_SECONDS)
            ns = handler_ns(gs.pid)
            floor_ns = handler_ns(floor.pid).get("empty")
            run(["perf", "record", "-q", "-a", "-g", "-F", str(PIECES_FREQ_HZ), "-o", data,
                 "--", "sleep", "%g" % PIECES_SECONDS])
            if not out.next(duration + 60):
                raise RuntimeError("%s workload gave no result" % workload)
            script = run(["perf", "script", "-i", data, "-F", "ip,sym"])
        finally:
            for p in reversed(procs):
                if p.poll() is None:
                    p.send_signal(signal.SIGINT)
                    try:
                        p.wait(10)
                    except subprocess.TimeoutExpired:
                        p.kill()
    present = [p for p in programs if p in ns]
    if not present or floor_ns is None:
        raise RuntimeError("no BPF run times for %s (kernel.bpf_stats_enabled?)" % workload)
    samples = charge_samples(script, present)
    res = []
    for prog in present:
        n = sum(samples[prog].values())
        net = max(ns[prog] - floor_ns, 0.0)
        res.append({"workload": workload, "options": opts, "program": prog,
                    "run_ns": ns[prog], "floor_ns": floor_ns, "samples": n,
                    "pieces_ns": {k: (v / n * net if n else None)
                                  for k, v in samples[prog].items()},
                    "pieces_samples": samples[prog]})
    return res


def run_pieces_bench(args, bins, helper, infos):
    if not shutil.which("perf"):
        say("installing Debian's linux-perf (perf record, for the pieces part)")
        run(["apt-get", "install", "-y", "-qq", "linux-perf"],
            env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    with open(BPF_STATS) as f:
        was = f.read().strip()
    with open(BPF_STATS, "w") as f:
        f.write("1")
    res = []
    try:
        for workload, opts, programs, floor_kind in PIECE_RUNS:
            say("pieces: %s %s" % (workload, " ".join(opts) or "(default options)"))
            res += pieces_once(args, workload, opts, programs, floor_kind, bins[workload],
                               helper, infos[workload])
    finally:
        with open(BPF_STATS, "w") as f:
            f.write(was)
    return res


def print_pieces_text(res):
    print("BPF programs taken apart (ns per hit; a piece = its share of perf's samples "
          "in the program x (run time - floor))")
    print("  %-18s %6s %6s %7s" % ("program", "run", "floor", "samples") +
          "".join("%9s" % p for p in PIECES))
    for r in res:
        print("  %-18s %6.0f %6.0f %7d" % (r["program"], r["run_ns"], r["floor_ns"],
                                           r["samples"]) +
              "".join("%9s" % ("-" if r["pieces_ns"][p] is None else "%.0f" % r["pieces_ns"][p])
                      for p in PIECES))
