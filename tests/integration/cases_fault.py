"""Bad input, faults and the end of a trace: one-line errors and exit
statuses, targets that die, exec or stop, gostray killed, two tracers, a
full ring buffer, the cut, soak, valgrind, a million goroutines
(tests/integration/run.py registers them)."""

from cases_dump import *  # noqa: F401,F403

def case_not_go(c, args):
    s = Proc(c, "sleep", ["sleep", "60"])
    for _ in range(100):        # until the fork has exec'd sleep
        try:
            if os.path.basename(os.readlink("/proc/%d/exe" % s.pid)) == "sleep":
                break
        except OSError:
            pass
        time.sleep(0.01)
    g = Proc(c, "gostray", [args.gostray, "capture", str(s.pid), "-d", "5"])
    c.show.append(("gostray", g, "err"))
    expect_one_line_error(c, g, g.wait(c.left(20)), "not a Go")
    c.check(s.p.poll() is None, "gostray hurt the process it refused")


CONTAINER_CAPS = "+bpf,+perfmon,+sys_ptrace"     # what a container is often given


def case_capabilities(c, args, bin_path):
    """Root with only the capabilities a container gets (no CAP_DAC_OVERRIDE):
    without CAP_SYS_ADMIN the uprobes cannot be created on this kernel, and
    gostray must say which capability, in one line, leaving the target
    alone; with it, a target of another user (whose /proc/PID/mem root
    cannot open without CAP_DAC_OVERRIDE) is traced and dumped."""
    if not shutil.which("setpriv"):
        raise CaseFail("no setpriv (util-linux)")
    exe = os.path.join(c.tmpdir(), "zoo-nobody")
    shutil.copyfile(bin_path, exe)
    os.chmod(exe, 0o755)
    os.chmod(c.tmpdir(), 0o755)
    z = Proc(c, "zoo", ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", exe])
    line = z.wait_line("out", lambda l: l.startswith("READY "), c.left(30), "READY line")
    pid = int(line.split()[1])
    c.check(os.stat("/proc/%d" % pid).st_uid == 65534, "the zoo does not run as nobody")
    def limited(caps):
        return ["setpriv", "--bounding-set=-all," + caps, "--inh-caps=-all", args.gostray]
    g = Proc(c, "gostray", limited(CONTAINER_CAPS) + ["capture", str(pid), "-d", "2"])
    c.show.append(("gostray", g, "err"))
    rc = g.wait(c.left(20))
    # Kernels that still let CAP_PERFMON create uprobes trace here: then
    # the capture must simply work.
    if rc != 0:
        expect_one_line_error(c, g, rc, "CAP_SYS_ADMIN")
    c.check(z.p.poll() is None, "the zoo did not survive the refused attach")
    with_admin = limited(CONTAINER_CAPS + ",+sys_admin")
    g = Proc(c, "gostray", with_admin + ["capture", str(pid), "-d", "2", "--json"])
    c.show.append(("gostray", g, "err"))
    rc = g.wait(c.left(30))
    c.check(rc == 0, "capture with BPF, PERFMON, SYS_PTRACE and SYS_ADMIN exited %s" % rc)
    if rc == 0:
        rep = json_stdout(c, g)
        c.check(rep["totals"]["live_at_start"] > 100 and rep["totals"]["lost_events"] == 0,
                "capture of another user's process: %s" % rep["totals"])
    d = Proc(c, "gostray", with_admin + ["dump", str(pid), "--json"])
    rc = d.wait(c.left(30))
    c.check(rc == 0 and json_stdout(c, d).get("goroutine_count", 0) > 100,
            "dump of another user's process with container capabilities failed (%s)" % rc)
    z.signal(signal.SIGTERM)
    c.check(z.wait(c.left(15)) == 0, "zoo did not exit 0 after SIGTERM")


def case_no_pid(c, args):
    pid = unused_pid()
    g = Proc(c, "gostray", [args.gostray, "capture", str(pid), "-d", "1", "--json"])
    c.show.append(("gostray", g, "err"))
    expect_one_line_error(c, g, g.wait(c.left(20)), str(pid))


def case_not_a_pid(c, args):
    g = Proc(c, "gostray", [args.gostray, "capture", "notapid", "-d", "1"])
    c.show.append(("gostray", g, "err"))
    rc = g.wait(c.left(20))
    c.check(rc not in (0, None), "exit status %s, want non-zero" % rc)
    c.check("notapid" in g.text("err"), "stderr does not name the bad argument")


def case_exit_statuses(c, args):
    """Every command's exit statuses (0, 1 error, 2 usage, 3 leak: the
    last one in verdicts/*), one line on stderr for every error, and under
    --json the same message as one JSON object on stdout."""
    sleeper = Proc(c, "sleep", ["sleep", "60"])
    time.sleep(0.2)
    cases = [
        # (argv, status, text stderr must hold, JSON expected on stdout)
        (["bogus"], 2, "unknown command 'bogus'", False),
        ([], 2, None, False),
        (["dump", "--park", "1"], 2, "dump does not take --park", False),
        (["info", "--group", "x"], 2, "info does not take --group", False),
        (["top", "-o", "x", "1"], 2, "top does not take --output", False),
        (["capture", "--json", "--bogus", "1"], 2, "unknown option '--bogus'", True),
        (["capture", "--json"], 2, "missing TARGET", True),
        (["capture", "1", "-d", "xyz", "--json"], 2, "invalid duration 'xyz'", True),
        (["capture", "1", "-d"], 2, "needs a value", False),
        (["dump", "notapid", "--json"], 1, "'notapid' is not a PID", True),
        (["capture", str(sleeper.pid), "-d", "1", "--json"], 1, "not a Go", True),
        (["info", "/nonexistent/binary", "--json"], 1, "/nonexistent/binary", True),
        (["capture", "1", "--probes", "some"], 2, "--probes takes 'all'", False),
        (["capture", "1", "--probes", "none", "--park", "--json"], 2,
         "--park needs the probes", True),
        (["top", "1", "--probes", "none", "--by", "stack"], 2, "--by stack needs the probes", False),
        (["capture", "1", "--interval", "2s"], 2, "--interval is the snapshot interval", False),
        (["capture", "1", "--probes", "none", "--interval", "0"], 2, "invalid --interval '0'", False),
        (["capture", str(sleeper.pid), "--probes", "none", "-d", "1", "--json"], 1, "not a Go", True),
        (["node", "--top-sites", "0"], 2, "invalid --top-sites '0'", False),
        (["node", "extra"], 2, "node takes no PID", False),
        (["node", "--probes", "none", "--park"], 2, "--park needs the probes", False),
        (["node", "--park"], 2, "--park needs the probes all the time: add --probes all", False),
        (["node", "--probes", "all", "--interval", "5s"], 2,
         "--interval is of --probes none (node's default)", False),
        (["node", "--probes", "all", "--escalate-window", "30s"], 2,
         "--escalate-window is of --probes none", False),
        (["node", "--escalate-window", "0.5"], 2, "invalid --escalate-window", False),
        (["node", "--max-escalations", "0"], 2, "invalid --max-escalations '0'", False),
        (["node", "--listen", "256.0.0.1:80", "-d", "1"], 1, "--listen 256.0.0.1:80", False),
        (["--version"], 0, None, False),
        (["capture", "--help"], 0, None, False),
    ]
    for argv, want, needle, js in cases:
        p = Proc(c, "gostray", [args.gostray] + argv)
        rc = p.wait(c.left(20), "exit")
        err = [l for l in p.text("err").split("\n") if l.strip()]
        what = "gostray %s" % " ".join(argv)
        c.check(rc == want, "%s: exit status %s, want %d" % (what, rc, want))
        if needle is not None:
            c.check(len(err) == 1 and needle in err[0],
                    "%s: stderr %r, want one line with %r" % (what, err, needle))
        if js:
            try:
                doc = json.loads(p.text("out"))
            except ValueError:
                c.check(False, "%s: stdout is not one JSON object: %r" % (what, p.text("out")[:200]))
                continue
            c.check(doc.get("exit_status") == want and needle in (doc.get("error") or "")
                    and err and err[0] == "gostray: " + doc["error"],
                    "%s: JSON %r, stderr %r" % (what, doc, err))
        elif want:
            c.check(not p.text("out").strip(), "%s: wrote to stdout: %r" % (what, p.text("out")[:200]))
    c.check(sleeper.p.poll() is None, "gostray hurt the process it refused")


def case_info_not_go(c, args):
    g = Proc(c, "gostray", [args.gostray, "info", "/bin/true"])
    c.show.append(("gostray", g, "err"))
    expect_one_line_error(c, g, g.wait(c.left(20)), "not a Go")


def case_target_killed(c, args, bin_path, extra=()):
    z, _ = start_target(c, "zoo", [bin_path], "READY ")
    g = start_gostray(c, args, z.pid, extra)
    time.sleep(1)
    z.p.kill()
    z.p.wait()
    rc = g.wait(c.left(20), "exit after the target died")
    c.check(rc == 0, "exit status %s, want 0" % rc)
    report = json_stdout(c, g)
    c.check(report.get("target_exited") is True, "report's target_exited is %r" % report.get("target_exited"))
    c.check(report.get("sites"), "the report lists no sites")
    c.check(re.search(r"target.*exited", g.text("err")), "stderr does not say the target exited")


def probe_bytes(c, args, pid, bin_path):
    """(addr, bytes in the file, bytes in the process now) of every probe
    gostray plans in a static binary (runtime address = link address)."""
    info = Proc(c, "gostray-info", [args.gostray, "info", str(pid), "--json"])
    c.check(info.wait(c.left(20)) == 0, "gostray info failed")
    probes = json.loads(info.text("out"))["probes"]
    out = []
    with open(bin_path, "rb") as f, open("/proc/%d/mem" % pid, "rb", buffering=0) as mem:
        for p in probes:
            f.seek(int(p["file_offset"], 16))
            mem.seek(int(p["addr"], 16))
            out.append((p["addr"], f.read(5), mem.read(5)))
    return out


def case_gostray_killed(c, args, bin_path):
    """gostray SIGKILLed mid-trace (every probe on, --park): the kernel
    removes the probes with gostray's file descriptors, so every probed
    instruction of the target is its original again, and the target runs
    on and exits cleanly."""
    z, _ = start_target(c, "zoo", [bin_path], "READY ")
    g = start_gostray(c, args, z.pid, ["--park"])
    time.sleep(1)   # the zoo's tickers park: the park probe has fired
    planted = probe_bytes(c, args, z.pid, bin_path)
    c.check(planted and all(now != orig for _, orig, now in planted),
            "not every probe is planted in the target while gostray runs: %s"
            % [(a, o.hex(), n.hex()) for a, o, n in planted])
    os.kill(g.pid, signal.SIGKILL)
    g.wait(c.left(10), "death by SIGKILL")
    deadline = time.monotonic() + 5
    while True:
        left = [(a, o.hex(), n.hex()) for a, o, n in probe_bytes(c, args, z.pid, bin_path)
                if o != n]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    c.check(not left, "probes left in the target 5 s after gostray was killed: %s" % left)
    c.check(z.p.poll() is None, "the target died with gostray")
    z.signal(signal.SIGUSR1)     # phase 2: creations, exits, parks, unprobed
    z.wait_line("out", lambda l: l == "PHASE2-DONE", c.left(90), "PHASE2-DONE")
    z.signal(signal.SIGTERM)
    c.check(z.wait(c.left(10)) == 0, "the target did not exit cleanly")


def case_two_tracers(c, args, v, bin_path):
    """Two gostray captures of one zoo at once (each its own BPF object and
    probes on the same instructions): both see phase 2 exactly, as one
    alone would."""
    marks = find_markers(ZOO_DIR)
    holder = {}

    def on_ready(z):
        holder["a"] = start_gostray(c, args, z.pid)
        holder["b"] = start_gostray(c, args, z.pid, ["--park"])
        time.sleep(1)

    z, pid, truth, _ = zoo_protocol(c, [bin_path], on_ready)
    reports = [stop_gostray(c, holder[k]) for k in ("a", "b")]
    z.signal(signal.SIGTERM)
    c.check(z.wait(c.left(15)) == 0, "zoo did not exit 0 after SIGTERM")
    for report, extra in zip(reports, ((), ("--park",))):
        check_report_common(c, report, pid, v)
        check_against_truth(c, report, truth, marks, ZOO_DIR)
        check_parks(c, report, truth, marks, extra)


def case_target_exec(c, args, bin_path, extra=()):
    """The target replaces its program (execve of /bin/sleep, same PID)
    mid-trace: gostray notices within a poll, stops reading that memory,
    says so, and reports the Go program's counts until then."""
    z, _ = start_target(c, "zoo", [bin_path, "-exec", "/bin/sleep 600"], "READY ")
    g = start_gostray(c, args, z.pid, extra)
    time.sleep(1)
    z.signal(signal.SIGHUP)
    rc = g.wait(c.left(20), "exit after the target's exec")
    c.check(rc == 0, "exit status %s, want 0" % rc)
    report = json_stdout(c, g)
    c.check(report.get("target_exited") is True and report.get("target_exec") is True,
            "target_exited %r, target_exec %r" % (report.get("target_exited"),
                                                 report.get("target_exec")))
    c.check(re.search(r"target PID %d replaced its program \(exec\)" % z.pid, g.text("err")),
            "stderr does not say the target replaced its program")
    marks = find_markers(ZOO_DIR)
    fname, line = marks["select-forever"]
    found = sites_at(report, fname, line)
    c.check(found and found[0]["live"] == 19,
            "select-forever: %s live at the exec, the zoo's phase 1 left 19"
            % (found[0]["live"] if found else "no site"))
    with open("/proc/%d/comm" % z.pid) as f:
        c.check(f.read().strip() == "sleep", "the target is not sleep after its exec")


def case_target_stopped(c, args, bin_path):
    """The target is SIGSTOPped mid-trace, and gostray stopped while it is:
    the detach and the final snapshot of a stopped process neither hang nor
    fail, the counts are exact, and the target, continued, runs its phase 2
    and exits 0."""
    z, _ = start_target(c, "zoo", [bin_path], "READY ")
    g = start_gostray(c, args, z.pid, ["-o", os.path.join(c.tmpdir(), "incident")])
    time.sleep(1)
    z.signal(signal.SIGSTOP)
    time.sleep(1)
    t0 = time.monotonic()
    report = stop_gostray(c, g)
    log("    fault/target-stopped: gostray done %.1f s after SIGINT, the target stopped"
        % (time.monotonic() - t0))
    c.check(report.get("target_exited") is False, "target_exited %r" % report.get("target_exited"))
    marks = find_markers(ZOO_DIR)
    fname, line = marks["select-forever"]
    found = sites_at(report, fname, line)
    c.check(found and found[0]["live"] == 19 and found[0]["verdict"] == "leak",
            "select-forever: %s" % (found[0] if found else "no site"))
    c.check(os.path.isfile(os.path.join(c.tmpdir(), "incident", "report.html")),
            "no report.html from a capture of a stopped target")
    z.signal(signal.SIGCONT)
    z.signal(signal.SIGUSR1)
    z.wait_line("out", lambda l: l == "PHASE2-DONE", c.left(90), "PHASE2-DONE")
    z.signal(signal.SIGTERM)
    c.check(z.wait(c.left(10)) == 0, "the target did not exit cleanly after SIGCONT")


STEADY_RE = re.compile(r"//\s*steady-site:([A-Za-z0-9_.-]+)\s*$")


def steady_sites():
    """{name: (file basename, line)} of the zoo's steady churn."""
    marks = {}
    path = os.path.join(ZOO_DIR, "steady_churn.go")
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            m = STEADY_RE.search(line)
            if m:
                marks[m.group(1)] = (os.path.basename(path), n)
    if "churn" not in marks:
        raise CaseFail("%s has no // steady-site:churn marker" % path)
    return marks


def check_end_check(c, report, exact):
    """The report's end check: present, the sites' diffs adding up, and
    within what changed while the end snapshot was read (0 if exact)."""
    ec = report.get("end_check")
    if not c.check(isinstance(ec, dict), "no end_check in the report: %r" % ec):
        return
    sites = [s for s in report["sites"] if isinstance(s.get("end_check"), dict)]
    c.check(len(sites) == len(report["sites"]), "%d of %d sites have an end_check"
            % (len(sites), len(report["sites"])))
    c.check(ec["diff"] == sum(s["end_check"]["diff"] for s in sites),
            "end_check.diff %r is not the sum of the sites' diffs" % ec["diff"])
    c.check(ec["snapshot_live"] == report["totals"]["live"] + ec["diff"],
            "end_check.snapshot_live %r != live %r + diff %r"
            % (ec["snapshot_live"], report["totals"]["live"], ec["diff"]))
    for s in sites:
        e = s["end_check"]
        limit = 0 if exact else e["changed_during_read"]
        c.check(abs(e["diff"]) <= limit,
                "site %s %s:%s: end snapshot %d, live %d at the cut (%d changed while it was read)"
                % (s["function"], os.path.basename(s["file"]), s["line"], e["snapshot_live"],
                   s["live"], e["changed_during_read"]))
    if exact:
        c.check(ec["abs_diff"] == 0 and ec["changed_during_read"] == 0,
                "a stopped target's end check: %s" % json.dumps(ec, sort_keys=True))


def case_cut_churn(c, args, v, bin_path):
    """The end of a trace is one instant: a site whose goroutines live
    50 ms (one every 10 ms) ends with the live count the zoo's own
    runtime/pprof dump shows at the end (+-1), not with the exits that
    kept coming while the probes were removed."""
    marks = steady_sites()
    dump = os.path.join(c.tmpdir(), "goroutines")
    truth = os.path.join(c.tmpdir(), "truth.json")
    z, _ = start_target(c, "zoo", [bin_path, "-steady-churn", "-pprof", dump, "-truth", truth],
                        "READY ")
    g = Proc(c, "gostray", [args.gostray, "capture", str(z.pid), "-d", "3", "--json"])
    c.show.append(("gostray", g, "err"))
    rc = g.wait(c.left(60), "end of a 3 s capture")
    c.check(rc == 0, "gostray exited with status %s" % rc)
    report = json_stdout(c, g)
    z.signal(signal.SIGUSR2)
    z.wait_line("out", lambda l: l == "TRUTH-WRITTEN", c.left(30), "TRUTH-WRITTEN")
    _, by_line, _ = parse_dump(dump + ".final")
    fname, line = marks["churn"]
    found = sites_at(report, fname, line)
    if not c.check(len(found) == 1, "steady churn %s:%d: %d sites" % (fname, line, len(found))):
        return
    s, in_dump = found[0], by_line.get(marks["churn"], 0)
    log("    %s: steady churn live %d at the cut, %d in the zoo's dump, end check %s, "
        "%d records after the cut" % (c.name, s["live"], in_dump,
                                       json.dumps(report.get("end_check")),
                                       (report.get("probes") or {}).get("records_after_cut", -1)))
    c.check(s["created"] > 200, "steady churn: only %d created in 3 s" % s["created"])
    c.check(abs(s["live"] - in_dump) <= 1 and in_dump >= 3,
            "steady churn: live %d at the end, the zoo's dump shows %d" % (s["live"], in_dump))
    c.check((report.get("probes") or {}).get("records_after_cut", 0) > 0,
            "no record after the cut: the probes cannot have fired while removed?")
    check_end_check(c, report, False)
    z.signal(signal.SIGTERM)
    c.check(z.wait(c.left(10)) == 0, "the zoo did not exit 0")


def case_cut_stopped(c, args, v, bin_path, extra=()):
    """A target stopped before the end: the report equals gostray's dump
    of the same stopped process site by site, and the end check is 0
    (with --probes none: the last snapshot is the end, no end check)."""
    probe_free = "--probes" in extra
    z, _ = start_target(c, "zoo", [bin_path, "-steady-churn"], "READY ")
    g = Proc(c, "gostray", [args.gostray, "capture", str(z.pid), "-d", "3", "--json"] + list(extra))
    c.show.append(("gostray", g, "err"))
    g.wait_line("err", lambda l: l.startswith("gostray: attached"), c.left(60), "attach line")
    time.sleep(1.5)
    z.signal(signal.SIGSTOP)
    rc = g.wait(c.left(60), "end of a 3 s capture")
    c.check(rc == 0, "gostray exited with status %s" % rc)
    report = json_stdout(c, g)
    d = run_dump(c, args, z.pid, "dump", ["--all"])
    z.signal(signal.SIGCONT)
    by_pc = {}
    for gr in d.get("goroutines") or []:
        key = (gr.get("created_by") or {}).get("pc", "main")
        by_pc[key] = by_pc.get(key, 0) + 1
    c.check(d.get("goroutine_count") == report["totals"]["live"],
            "dump of the stopped target: %r goroutines, the report's live %r"
            % (d.get("goroutine_count"), report["totals"]["live"]))
    for s in report["sites"]:
        want = by_pc.get(s["pc"], 0) + (by_pc.get("main", 0) if s["start_function"] == "runtime.main" else 0)
        c.check(s["live"] == want, "site %s %s:%s: live %d, the dump of the stopped target shows %d"
                % (s["function"], os.path.basename(s["file"]), s["line"], s["live"], want))
    fname, line = steady_sites()["churn"]
    found = sites_at(report, fname, line)
    c.check(found and found[0]["live"] >= 3, "steady churn: %s" % (found[0] if found else "no site"))
    if probe_free:
        c.check(report.get("end_check") is None and (report.get("mode") or {}).get("probes") == "none",
                "probe-free: end_check %r, mode %r" % (report.get("end_check"), report.get("mode")))
    else:
        check_end_check(c, report, True)
    z.signal(signal.SIGTERM)
    c.check(z.wait(c.left(10)) == 0, "the zoo did not exit 0 after SIGCONT")


def case_binary_replaced(c, args, v, bin_path, other_path):
    """The target's executable is replaced on disk while it runs (another
    program renamed over its path, as a deploy does): gostray analyses and
    probes the file the process runs (/proc/PID/exe, the old inode), not
    the one at the path now, and counts exactly."""
    marks = find_markers(ZOO_DIR)
    path = os.path.join(c.tmpdir(), "zoo-replaced")
    shutil.copy(bin_path, path)
    holder = {}

    def on_ready(z):
        fresh = os.path.join(c.tmpdir(), "fresh")
        shutil.copy(other_path, fresh)
        os.replace(fresh, path)
        holder["g"] = start_gostray(c, args, z.pid)
        time.sleep(1)

    z, pid, truth, _ = zoo_protocol(c, [path], on_ready)
    report = stop_gostray(c, holder["g"])
    z.signal(signal.SIGTERM)
    c.check(z.wait(c.left(15)) == 0, "zoo did not exit 0 after SIGTERM")
    c.check("(deleted)" in report.get("exe", ""), "report exe %r: not the deleted original"
            % report.get("exe"))
    check_report_common(c, report, pid, v)
    check_against_truth(c, report, truth, marks, ZOO_DIR)


def case_valgrind(c, args, v, bin_path):
    """One capture/detach cycle (probes, baseline, phase 2's churn, the
    end dump, the incident folder) under valgrind's memcheck: no error and
    nothing definitely or indirectly lost.  tests/valgrind.supp holds the
    two bpf() attribute checks valgrind gets wrong for libbpf."""
    out = os.path.join(c.tmpdir(), "incident")
    memcheck = ["valgrind", "--suppressions=" + os.path.join(ROOT, "tests", "valgrind.supp"),
                "--leak-check=full", "--errors-for-leak-kinds=definite,indirect",
                "--error-exitcode=99"]
    z, pid, truth, g = capture_through_phase2(
        c, bin_path, lambda pid: memcheck + [args.gostray, "capture", str(pid), "-d", "20",
                                             "-o", out, "--json"], attach_s=120)
    rc = g.wait(c.left(120), "end of the capture under valgrind")
    z.signal(signal.SIGTERM)
    c.check(z.wait(c.left(15)) == 0, "zoo did not exit 0 after SIGTERM")
    err = g.text("err")
    c.check(rc == 0, "valgrind/gostray exited with status %s (99: memcheck errors or leaks)" % rc)
    c.check(re.search(r"ERROR SUMMARY: 0 errors", err), "memcheck reported errors")
    c.check(re.search(r"in use at exit: 0 bytes in 0 blocks|definitely lost: 0 bytes", err),
            "memcheck found memory not freed at exit")
    check_report_common(c, json_stdout(c, g), pid, v)


def case_soak(c, args, v):
    """tests/fixtures/soak for --soak-seconds under `gostray capture --park`:
    hundreds of thousands of goroutines through channel chains, mutex
    contention and sleeps.  The workload's own checksum must equal the same
    computation done without goroutines and it must exit 0; gostray must
    lose nothing and count exactly: every churn, relay and sleeper
    goroutine created and gone, the leak site's goroutines alive, the
    sleepers' parks one per time.Sleep."""
    src, bin_path = build_fixture(c, v, "soak")
    marks = find_markers(src)
    z, _ = start_target(c, "soak", [bin_path, "-d", "%ds" % args.soak_seconds], "READY ")
    g = start_gostray(c, args, z.pid, ["--park"])
    z.signal(signal.SIGUSR1)
    line = z.wait_line("out", lambda l: l.startswith("{"), c.left(args.soak_seconds + 120),
                       "the soak's result line")
    res = json.loads(line)
    time.sleep(0.5)     # the last goroutines of the last round finish exiting
    report = stop_gostray(c, g)
    z.signal(signal.SIGTERM)
    c.check(z.wait(c.left(15)) == 0, "the soak workload did not exit 0")
    c.check(res["checksum"] == res["expected"], "the workload's checksum %d, computed without "
            "goroutines %d: the traced program went wrong" % (res["checksum"], res["expected"]))
    check_report_common(c, report, z.pid, v)
    want = {"soak-churn": (res["created"], 0), "soak-relay": (4 * res["created"], 0),
            "soak-sleeper": (res["created"] // 200, 0), "soak-leak": (res["leaked"], res["leaked"])}
    for name, (created, live) in want.items():
        fname, line_no = marks[name]
        found = sites_at(report, fname, line_no)
        if not c.check(len(found) == 1, "%s: %d sites in the report" % (name, len(found))):
            continue
        s = found[0]
        c.check(s["created"] == created and s["live"] == live,
                "%s: created %d live %d, the workload says %d and %d"
                % (name, s["created"], s["live"], created, live))
    fname, line_no = marks["soak-sleeper"]
    found = sites_at(report, fname, line_no)
    got = ((found[0].get("parks") or {}).get("by_reason") or {}).get("sleep") if found else None
    c.check(got == res["sleeps"], "soak-sleeper: %r sleep parks, %d sleeps made"
            % (got, res["sleeps"]))
    log("    soak/go%s: %ds, %d goroutines created, %d parks counted, gostray lost %d"
        % (v, args.soak_seconds, report["totals"]["created"], report["probes"]["park_hits"],
           report["totals"]["lost_events"]))


def case_no_shell(c, args):
    """gostray never starts a program, let alone a shell with user input in
    its command line: its binary imports none of libc's ways to (the
    linker would have to resolve one for any such call to exist)."""
    r = subprocess.run(["nm", "-D", "--undefined-only", args.gostray], capture_output=True,
                       text=True, timeout=30)
    if not c.check(r.returncode == 0, "nm -D %s failed: %s" % (args.gostray, r.stderr.strip())):
        return
    imported = {l.split()[-1].split("@")[0] for l in r.stdout.splitlines() if l.strip()}
    c.check(len(imported) > 50, "nm listed only %d imports: not the dynamic gostray?" % len(imported))
    bad = sorted(imported & {"system", "popen", "execl", "execle", "execlp", "execv", "execve",
                             "execvp", "execvpe", "fexecve", "posix_spawn", "posix_spawnp",
                             "fork", "vfork", "clone", "wordexp"})
    c.check(not bad, "gostray imports %s" % ", ".join(bad))


def case_metrics_loopback(c, args):
    """gostray node with no --listen serves its metrics on 127.0.0.1 only:
    nothing else on the network can read what the host's processes do."""
    if listening_on(9464):
        raise CaseFail("port 9464 is taken on this machine: cannot check the default")
    g = Proc(c, "gostray-node", [args.gostray, "node", "--include-exe", "^gostray-matches-nothing$"])
    c.show.append(("gostray-node", g, "err"))
    g.wait_line("err", lambda l: "serving metrics on" in l, c.left(30), "serving line")
    addrs = listening_on(9464)
    g.signal(signal.SIGTERM)
    c.check(g.wait(c.left(20)) == 0, "gostray node did not exit 0 on SIGTERM")
    c.check(addrs == ["0100007F"], "port 9464 listened on %s, want 127.0.0.1 only (0100007F)"
            % addrs)


MILLION = 1000000


def case_million(c, args, v):
    """A target with 1 000 000 goroutines (tests/fixtures/million, built
    here): attach, baseline, a short capture and the detach work, the site
    counts exactly a million, runtime.NumGoroutine() agrees, and gostray's
    memory stays in proportion (its RSS is noted)."""
    src, bin_path = build_fixture(c, v, "million")
    p = Proc(c, "million", [bin_path, "-n", str(MILLION)])
    c.show.append(("million", p, "err"))
    line = p.wait_line("out", lambda l: l.startswith("READY "), c.left(120), "READY line")
    num_goroutine = int(line.split()[2])
    t0 = time.monotonic()
    g = Proc(c, "gostray", [args.gostray, "capture", str(p.pid), "-d", "3", "--json"])
    c.show.append(("gostray", g, "err"))
    g.wait_line("err", lambda l: l.startswith("gostray: attached"), c.left(120), "attach line")
    attach_s = time.monotonic() - t0
    with open("/proc/%d/status" % g.pid) as f:
        rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
    c.check(g.wait(c.left(120), "end of the capture") == 0, "gostray capture failed")
    report = json_stdout(c, g)
    (fname, line_no), = find_markers(src).values()
    found = sites_at(report, fname, line_no)
    c.check(found and found[0]["live"] == MILLION and found[0]["live_at_start"] == MILLION,
            "the million site: %s" % ({k: found[0][k] for k in ("live", "live_at_start")}
                                      if found else "missing"))
    c.check(report["totals"]["live_user"] == num_goroutine,
            "live_user %d, runtime.NumGoroutine() said %d"
            % (report["totals"]["live_user"], num_goroutine))
    c.check(p.p.poll() is None, "the target died")
    log("    fault/million: attached in %.1f s, gostray's RSS %.0f MB after the baseline"
        % (attach_s, rss / 1024))


def case_ring_overflow(c, args, v, bin_path):
    """A 4 KiB ring buffer over the zoo's phase 2 (15 000 goroutines in
    bursts of 150): records are lost, and nothing else goes wrong - the
    loss is counted and announced, every record that arrived is counted,
    no site gets more than the truth, and hits + lost cover every creation
    and exit the zoo made at its marked sites."""
    marks = find_markers(ZOO_DIR)
    holder = {}

    def on_ready(z):
        holder["g"] = start_gostray(c, args, z.pid, ["--ring-buffer", "4k"])
        time.sleep(1)

    z, pid, truth, _ = zoo_protocol(c, [bin_path], on_ready)
    g = holder["g"]
    report = stop_gostray(c, g)
    z.signal(signal.SIGTERM)
    c.check(z.wait(c.left(15)) == 0, "zoo did not exit 0 after SIGTERM")
    t, p = report["totals"], report["probes"]
    lost = t["lost_events"]
    if not c.check(lost > 0, "no record lost with a 4 KiB ring buffer: the case shows nothing"):
        return
    c.check(re.search(r"warning: %d records lost" % lost, g.text("err")),
            "stderr does not warn about the %d lost records" % lost)
    c.check(t["created"] == p["create_hits"],
            "created %d, but %d creation records arrived" % (t["created"], p["create_hits"]))
    made = 0
    for name, st in truth["sites"].items():
        fname, line = marks[name]
        found = sites_at(report, fname, line)
        got = found[0]["created"] if found else 0
        c.check(got <= st["created_phase2"], "%s: %d created counted, the zoo made %d"
                % (name, got, st["created_phase2"]))
        made += 2 * st["created_phase2"] - (st["live"] - st["live_phase1"])
    seen = p["create_hits"] + p["exit_hits"] + lost
    c.check(seen >= made, "hits + lost = %d, fewer than the %d creations and exits the zoo "
            "made at its marked sites" % (seen, made))
    log("    fault/ring-overflow: %d records lost, %d arrived" % (lost, p["create_hits"] + p["exit_hits"]))


def case_offsets_mismatch(c, args, bin_path, v):
    """A Go 1.27 binary whose version strings say go1.23 gets the 1.23
    offsets (goid at 160, not 152): the attach-time self-check must refuse
    before any probe, and the target must not notice."""
    fake = os.path.join(c.tmpdir(), "zoo-says-go1.23")
    data = open(bin_path, "rb").read()
    c.check(data.count(b"go" + v.encode()) > 0, "no go%s string to patch" % v)
    with open(fake, "wb") as f:
        f.write(data.replace(b"go" + v.encode(), b"go1.23"))
    os.chmod(fake, 0o755)
    z, _ = start_target(c, "zoo", [fake], "READY ")
    info = Proc(c, "gostray", [args.gostray, "info", fake, "--json"])
    info.wait(c.left(20))
    c.check('"go1.23' in info.text("out"), "gostray info does not see the patched go1.23")
    g = Proc(c, "gostray", [args.gostray, "capture", str(z.pid), "-d", "2"])
    c.show.append(("gostray", g, "err"))
    expect_one_line_error(c, g, g.wait(c.left(20)), "offsets do not fit")
    c.check(z.p.poll() is None, "the target died after gostray refused it")
    z.signal(signal.SIGTERM)
    c.check(z.wait(c.left(10)) == 0, "the target did not exit cleanly after the refusal")


def case_missing(c, msg):
    raise CaseFail(msg)


# -------------------------------------------------------------------- main
