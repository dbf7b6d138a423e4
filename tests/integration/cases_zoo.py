"""The leak zoo traced: exact counts per go statement against the zoo's own
truth, creation stacks, parks, verdicts, the runtime's leak profile and
`top` in a terminal (tests/integration/run.py registers them)."""

from harness import *  # noqa: F401,F403

def check_report_common(c, report, pid, v):
    totals = report.get("totals") or {}
    c.check(report.get("pid") == pid, "report pid %r, want %d" % (report.get("pid"), pid))
    c.check(go_version_matches(report.get("go_version"), v),
            "go_version %r, want go%s" % (report.get("go_version"), v))
    c.check(totals.get("lost_events") == 0, "totals.lost_events %r, want 0" % totals.get("lost_events"))
    sites = report.get("sites")
    if not c.check(isinstance(sites, list) and sites, "no sites in the report"):
        return
    for s in sites:
        for k in ("pc", "function", "file", "line", "start_function", "created", "exited",
                  "live", "live_at_start", "wait_reasons", "oldest_age_s"):
            if not c.check(k in s, "site %s:%s has no '%s'" % (s.get("file"), s.get("line"), k)):
                return
        c.check(isinstance(s["pc"], str) and re.match(r"^0x[0-9a-f]+$", s["pc"]),
                "site pc %r is not a hex string" % s["pc"])
        c.check(s["live"] == s["live_at_start"] + s["created"] - s["exited"],
                "site %s (%s:%s): live %d != live_at_start %d + created %d - exited %d"
                % (s["function"], os.path.basename(s["file"]), s["line"], s["live"],
                   s["live_at_start"], s["created"], s["exited"]))
        check_stack_split(c, s)
    c.check(any((s["function"] or "").startswith("runtime.") for s in sites),
            "no runtime.* site listed")
    probes = report.get("probes") or {}
    for k in ("stack_walk_faults", "stack_maps_full", "stacks_unreadable", "stack_mismatches"):
        c.check(probes.get(k) == 0, "probes.%s %r, want 0" % (k, probes.get(k)))
    c.check(report.get("stack_depth") == 0 or probes.get("creation_stacks", 0) > 0,
            "no creation stack recorded")
    c.check(totals.get("live") == sum(s["live"] for s in sites),
            "totals.live %r != sum of the sites' live %d"
            % (totals.get("live"), sum(s["live"] for s in sites)))
    check_goids(c, report)


def check_goids(c, report):
    """The runtime's goid allocator (sched.goidgen, found by symbol or by
    disassembly of newproc1) read at the start and the end: the ids it
    handed out are the creations the probes counted, to its batches of 16
    per P (ids a P took and has not used yet) and to the few goroutines
    born between the attach and its first read."""
    totals = report.get("totals") or {}
    goids, created = totals.get("goids_allocated"), totals.get("created")
    if not c.check(isinstance(goids, int), "totals.goids_allocated %r: the allocator was not read"
                   % goids):
        return
    slack = 16 * (os.cpu_count() or 1) + 16 + created // 50
    c.check(abs(goids - created) <= slack,
            "the allocator handed out %d goids, the probes counted %d creations (slack %d)"
            % (goids, created, slack))


def frame_at(f):
    return (os.path.basename(f.get("file") or ""), f.get("line"))


def check_stack_split(c, s):
    """A row's creation stacks: --by site, the site's split must add up to
    it; --by stack, the row's stack must start at its go statement."""
    where = "%s (%s:%s)" % (s["function"], os.path.basename(s["file"]), s["line"])
    if "creation_stacks" in s:
        sts = s["creation_stacks"]
        for k in ("created", "exited", "live", "live_at_start"):
            c.check(sum(st[k] for st in sts) == s[k],
                    "site %s: creation stacks' %s add up to %d, the site's is %d"
                    % (where, k, sum(st[k] for st in sts), s[k]))
        frames = [st["frames"] for st in sts if st["frames"]]
        c.check(sum(1 for st in sts if not st["frames"]) <= 1,
                "site %s: more than one unknown creation stack" % where)
    elif "creation_stack" in s:
        frames = [s["creation_stack"]] if s["creation_stack"] else []
    else:
        c.check(False, "site %s has neither creation_stacks nor creation_stack" % where)
        return
    for fr in frames:
        c.check(fr and frame_at(fr[0]) == (os.path.basename(s["file"]), s["line"]),
                "site %s: a creation stack starts at %s, not at its go statement"
                % (where, frame_at(fr[0]) if fr else None))


def merge_stack_rows(report):
    """A --by stack report's rows summed per go statement, with the
    creation_stacks a --by site report would list."""
    out, by_pc = [], {}
    for row in report.get("sites", []):
        st = {k: row[k] for k in ("created", "exited", "live", "live_at_start")}
        st["frames"] = row.get("creation_stack")
        m = by_pc.get(row["pc"])
        if m is None:
            m = dict(row, wait_reasons=dict(row.get("wait_reasons") or {}), creation_stacks=[])
            m.pop("creation_stack", None)
            by_pc[row["pc"]] = m
            out.append(m)
        else:
            for k in ("created", "exited", "live", "live_at_start"):
                m[k] += row[k]
            for r, n in (row.get("wait_reasons") or {}).items():
                m["wait_reasons"][r] = m["wait_reasons"].get(r, 0) + n
        m["creation_stacks"].append(st)
    return dict(report, sites=out)


def check_creation_stacks(c, name, t, site, callers):
    """A go statement reached from several callers (the truth's "callers"):
    one creation stack per caller, whose frame after the go statement is
    that caller's marked line, with exactly the goroutines it created; and
    the goroutines born before attach in the unknown stack."""
    where = "%s:%d" % (site["file"], site["line"])
    sts = site["creation_stacks"]
    known = [st for st in sts if st["frames"]]
    c.check(len(known) == len(t["callers"]),
            "site %s (%s): %d creation stacks (%s), want %d, one per caller"
            % (name, where, len(known), ", ".join("%s:%s" % frame_at(st["frames"][1])
                                                   if len(st["frames"]) > 1 else "-" for st in known),
               len(t["callers"])))
    for cname, ct in sorted(t["callers"].items()):
        if not c.check(cname in callers, "truth caller %s has no // caller: marker" % cname):
            continue
        found = [st for st in known if len(st["frames"]) > 1 and frame_at(st["frames"][1]) == callers[cname]]
        if not c.check(len(found) == 1, "site %s (%s): %d creation stacks through caller %s (%s:%d), want 1"
                       % ((name, where, len(found), cname) + callers[cname])):
            continue
        st = found[0]
        want = {"created": ct["created_phase2"], "live": ct["live"] - ct["live_phase1"],
                "exited": ct["created_phase2"] - (ct["live"] - ct["live_phase1"]), "live_at_start": 0}
        bad = [k for k in want if st[k] != want[k]]
        c.check(not bad, "site %s, stack through %s (%s:%d): %s; truth: %s"
                % ((name, cname) + callers[cname] + (describe(st), describe(want))))
        c.check(frame_at(st["frames"][0]) == (os.path.basename(site["file"]), site["line"]),
                "site %s, stack through %s: first frame %s:%s, not the go statement"
                % ((name, cname) + frame_at(st["frames"][0])))
    unknown = [st for st in sts if not st["frames"]]
    born_before = sum(ct["live_phase1"] for ct in t["callers"].values())
    got = unknown[0]["live_at_start"] if unknown else 0
    c.check(got == born_before and all(st["created"] == 0 for st in unknown),
            "site %s (%s): unknown creation stack has live_at_start %d, created %d; want %d born "
            "before attach, none created" % (name, where, got, sum(st["created"] for st in unknown),
                                              born_before))


def describe(m):
    return "live %d, live_at_start %d, created %d, exited %d" % (
        m["live"], m["live_at_start"], m["created"], m["exited"])


def check_site(c, name, found, t, where, exact_split=True):
    """One truth site against the report entries found for it.  Without
    exact_split (attached mid-phase), only live and the invariant are
    known exactly."""
    kind = t["kind"]
    if not found:
        if t["live"] == 0 and (t["created_phase2"] == 0 or not exact_split):
            return      # born and gone before attach: nothing to see
        c.check(False, "site %s (%s) missing from the report (truth: live %d, created in phase 2 %d)"
                % (name, where, t["live"], t["created_phase2"]))
        return
    m = merged(found)
    c.check(len(found) == 1, "site %s (%s) is %d report sites" % (name, where, len(found)))
    want = {"live": t["live"], "live_at_start": t["live_phase1"], "created": t["created_phase2"],
            "exited": t["live_phase1"] + t["created_phase2"] - t["live"]}
    keys = ("live", "live_at_start", "created", "exited") if exact_split else ("live",)
    bad = [k for k in keys if m[k] != want[k]]
    c.check(not bad, "site %s (%s): %s; truth: %s" % (name, where, describe(m), describe(want)))
    if kind == "churn" and exact_split:
        c.check(m["created"] > 1000, "churn site %s created only %d during the trace" % (name, m["created"]))
    start = ZOO_START_FUNCTIONS.get(name)
    for s in found:
        c.check(start is None or s.get("start_function") == start,
                "site %s (%s): start_function %r, want %r (the function its author wrote)"
                % (name, where, s.get("start_function"), start))
    reasons = ZOO_WAIT_REASONS.get(name)
    if reasons and t["live"] > 0:
        wr = m["wait_reasons"]
        c.check(sum(wr.values()) == t["live"] and set(wr) <= reasons,
                "site %s (%s): wait_reasons %s, want %d goroutines in %s"
                % (name, where, json.dumps(wr, sort_keys=True), t["live"], " or ".join(sorted(reasons))))


def check_against_truth(c, report, truth, marks, src_dir, exact_split=True):
    callers = find_callers(src_dir)
    if report.get("by") == "stack":
        report = merge_stack_rows(report)
    totals = report.get("totals") or {}
    c.check(totals.get("live_user") == truth["num_goroutine"],
            "totals.live_user %r, want runtime.NumGoroutine() = %d"
            % (totals.get("live_user"), truth["num_goroutine"]))
    c.check(report.get("target_exited") in (False, None), "report says the target exited")
    for name, t in sorted(truth["sites"].items()):
        if t.get("function"):
            found = sites_of_function(report, t["function"])
            where = t["function"]
        else:
            if not c.check(name in marks, "truth site %s has no // site: marker" % name):
                continue
            fname, line = marks[name]
            found = sites_at(report, fname, line)
            where = "%s:%d" % (fname, line)
            for s in found:
                c.check(s["function"].startswith("main."), "site %s (%s): function %r, want main.*"
                        % (name, where, s["function"]))
        check_site(c, name, found, t, where, exact_split)
        if t.get("callers") and exact_split and len(found) == 1:
            check_creation_stacks(c, name, t, found[0], callers)
    # Live goroutines attributed to a line of the zoo that is not a marker
    # are goroutines counted at the wrong site.
    marked = set(marks.values())
    src_files = {os.path.basename(p) for p in glob.glob(os.path.join(src_dir, "*.go"))}
    for s in report.get("sites", []):
        fname = os.path.basename(s["file"] or "")
        if (fname in src_files and s["function"].startswith("main.")
                and (fname, s["line"]) not in marked and s["live"]):
            c.check(False, "unexpected site %s %s:%d with %d live" % (s["function"], fname, s["line"], s["live"]))


# ------------------------------------------------------------------- cases

def zoo_protocol(c, argv, on_ready=None, on_phase2=None):
    """Run a zoo program through its phases; returns (zoo proc, pid, truth).
    on_ready(pid) is called after READY and must return when SIGUSR1 may
    be sent; on_phase2(pid), if given, 0.5 s after SIGUSR1, while the
    controls churn."""
    truth_path = os.path.join(c.tmpdir(), "truth.json")
    z, line = start_target(c, "zoo", argv + ["-truth", truth_path, "-scale", str(c.scale)], "READY ")
    pid = int(line.split()[1])
    if pid != z.pid:
        raise CaseFail("zoo says READY %d, its PID is %d" % (pid, z.pid))
    ctx = on_ready(z) if on_ready else None
    z.signal(signal.SIGUSR1)
    if on_phase2:
        time.sleep(0.5)
        ctx = on_phase2(z)
    z.wait_line("out", lambda l: l == "PHASE2-DONE", c.left(90), "PHASE2-DONE")
    z.signal(signal.SIGUSR2)
    z.wait_line("out", lambda l: l == "TRUTH-WRITTEN", c.left(30), "TRUTH-WRITTEN")
    truth = read_truth(c, truth_path)
    if truth["num_goroutine"] != truth.get("expected_goroutines", truth["num_goroutine"]):
        c.notes.append("zoo was not quiescent: %d goroutines, %d expected"
                       % (truth["num_goroutine"], truth["expected_goroutines"]))
    return z, pid, truth, ctx


def check_parks(c, report, truth, marks, extra):
    """The park probe's counters.  Off (the default): the report says so
    and no site has parks.  --park: the sleeper goroutines' time.Sleep
    calls, each one park with reason "sleep", counted exactly at their go
    statement.  --park-sample P: the probe was live about P % of the trace,
    and counted no more sleeps than there were."""
    probe = report.get("park_probe") or {}
    with_parks = [s for s in report["sites"] if "parks" in s]
    if "--park" not in extra and "--park-sample" not in extra:
        c.check(probe.get("mode") == "off" and not with_parks,
                "no --park: park_probe %r, %d sites with parks" % (probe, len(with_parks)))
        return
    sampled = "--park-sample" in extra
    c.check(probe.get("mode") == ("sampled" if sampled else "on"),
            "park_probe.mode %r" % probe.get("mode"))
    for name, t in truth["sites"].items():
        if not t.get("sleeps"):
            continue
        fname, line = marks[name]
        found = sites_at(report, fname, line)
        if not c.check(len(found) == 1, "%s: %d sites in the report" % (name, len(found))):
            continue
        parks = found[0].get("parks") or {}
        got = (parks.get("by_reason") or {}).get("sleep")
        if sampled:
            c.check(got is None or 0 < got <= t["sleeps"],
                    "%s: %r sleep parks counted while sampling, %d sleeps made"
                    % (name, got, t["sleeps"]))
        else:
            c.check(got == t["sleeps"], "%s: %r sleep parks counted, %d sleeps made (%s)"
                    % (name, got, t["sleeps"], parks))
    if sampled:
        pct = int(extra[list(extra).index("--park-sample") + 1])
        live, total = probe.get("live_s") or 0, report.get("duration_s") or 0
        # the share of whole 10 s windows, give or take the last one
        c.check(total and abs(live - total * pct / 100) <= 10 * pct / 100 + 0.5,
                "park probe live %.1f s of %.1f s at %d %%" % (live, total, pct))
    hits = (report.get("probes") or {}).get("park_hits", 0)
    counted = sum(s["parks"]["count"] for s in with_parks)
    c.check(counted == hits, "sites' parks add up to %d, the probe counted %d parks"
            % (counted, hits))


def case_zoo(c, args, v, bin_path, src_dir, extra=(), during=False):
    """extra: gostray options (--park, --by stack: the report's rows are
    then per creation stack, summed per go statement before they are
    checked, and each caller's stack checked).  during: attach 0.5 s into phase
    2, while the controls churn, so the baseline read races with creations
    and exits: the split between live_at_start and created is then unknown,
    but live must still be exact (nothing counted twice, nothing missed)."""
    marks = find_markers(src_dir)
    holder = {}

    def attach(z):
        holder["g"] = start_gostray(c, args, z.pid, extra)

    def on_ready(z):
        attach(z)
        time.sleep(1)   # let gostray run a while before phase 2

    z, pid, truth, _ = zoo_protocol(c, [bin_path], None if during else on_ready,
                                    attach if during else None)
    report = stop_gostray(c, holder["g"])
    z.signal(signal.SIGTERM)
    rc = z.wait(c.left(15))
    c.check(rc == 0, "zoo exited with status %s after SIGTERM" % rc)
    check_report_common(c, report, pid, v)
    check_against_truth(c, report, truth, marks, src_dir, exact_split=not during)
    check_parks(c, report, truth, marks, extra)
    if c.errors:
        c.notes.append("truth: " + json.dumps(truth, sort_keys=True))


VERDICT_SECONDS = 15


def check_verdicts(c, report, truth, marks, probe_free=False):
    """Every zoo leak site `leak`, every healthy control `ok`, no other site
    (the runtime's, net/http's) `leak`; each verdict with its reason.
    probe_free: a healthy site whose goroutines all came and went between
    two snapshots was never seen, and is not in the report."""
    leak_at = set()
    for name, t in truth["sites"].items():
        fname, line = marks[name]
        found = sites_at(report, fname, line)
        if probe_free and not found and t["kind"] != "leak":
            continue
        if not c.check(len(found) == 1, "%s (%s:%d): %d sites in the report, want 1"
                       % (name, fname, line, len(found))):
            continue
        s = found[0]
        want = "leak" if t["kind"] == "leak" else "ok"
        c.check(s.get("verdict") == want and s.get("reason"),
                "%s (%s:%d, %s): verdict %r (%s), want %s"
                % (name, fname, line, t["kind"], s.get("verdict"), s.get("reason"), want))
        if want == "leak":
            leak_at.add((fname, line))
    for s in report["sites"]:
        key = (os.path.basename(s.get("file") or ""), s.get("line"))
        if s.get("verdict") == "leak" and key not in leak_at:
            c.check(False, "%s (%s:%s%s) is `leak`: %s" % (s.get("function"), key[0], key[1],
                    ", a runtime site" if s.get("system") else "", s.get("reason")))
        if s.get("system"):
            c.check(s.get("verdict") == "ok", "runtime site %s is %r, want ok"
                    % (s.get("function"), s.get("verdict")))
        series = s.get("series") or {}
        n = len(series.get("t_s") or [])
        c.check(n >= VERDICT_SECONDS and all(len(series.get(k) or []) == n
                                            for k in ("live", "created", "exited")),
                "site %s: series of %d points (want >= %d, all the same length)"
                % (s.get("function"), n, VERDICT_SECONDS))
        if n:
            c.check(series["live"][-1] == s["live"] and series["created"][-1] == s["created"],
                    "site %s: the series ends at live %s created %s, the counts say %s %s"
                    % (s.get("function"), series["live"][-1], series["created"][-1],
                       s["live"], s["created"]))
    counts = report.get("verdicts") or {}
    c.check(counts.get("leak") == len(leak_at),
            "verdicts.leak %r, want %d" % (counts.get("leak"), len(leak_at)))
    return leak_at


def capture_through_phase2(c, bin_path, argv_of, attach_s=60):
    """The zoo through its phases with a capture that ends by itself,
    started at READY (argv_of(pid) is its command line) and attached a
    second before phase 2; returns (zoo, pid, truth, the capture)."""
    holder = {}

    def on_ready(z):
        g = Proc(c, "gostray", argv_of(z.pid))
        c.show.append(("gostray", g, "err"))
        g.wait_line("err", lambda l: l.startswith("gostray: attached"), c.left(attach_s),
                    "attach line")
        holder["g"] = g
        time.sleep(1)

    z, pid, truth, _ = zoo_protocol(c, [bin_path], on_ready)
    return z, pid, truth, holder["g"]


def case_verdicts(c, args, v, bin_path, html=False):
    """`capture -d 15s -o DIR --fail-on-leak` over the zoo's phase 2: the
    verdicts, the exit status, the folder's three files and, with html,
    report.html rendered by headless Chromium."""
    marks = find_markers(ZOO_DIR)
    out = os.path.join(c.tmpdir(), "incident")
    z, pid, truth, g = capture_through_phase2(
        c, bin_path, lambda pid: [args.gostray, "capture", str(pid), "-d", str(VERDICT_SECONDS),
                                  "-o", out, "--fail-on-leak", "--json"])
    rc = g.wait(c.left(VERDICT_SECONDS + 60), "end of the capture")
    c.check(rc == 3, "gostray capture --fail-on-leak exited with status %s, want 3" % rc)
    report = json_stdout(c, g)
    z.signal(signal.SIGTERM)
    c.check(z.wait(c.left(15)) == 0, "zoo did not exit 0 after SIGTERM")
    check_report_common(c, report, pid, v)
    for name in ("report.json", "report.html", "goroutines.pb.gz"):
        path = os.path.join(out, name)
        if c.check(os.path.isfile(path), "%s was not written" % path):
            mode = os.stat(path).st_mode & 0o777
            c.check(mode == 0o644, "%s has mode %o, want 644" % (path, mode))
    try:
        with open(os.path.join(out, "report.json")) as f:
            saved = json.load(f)
    except (OSError, ValueError) as e:
        raise CaseFail("report.json: %s" % e)
    # One document: what --json printed is what the folder keeps.
    differing = sorted(k for k in set(saved) | set(report) if saved.get(k) != report.get(k))
    c.check(not differing, "report.json differs from the document printed on stdout in %s"
            % differing)
    blocked = saved.get("blocked_stacks") or []
    c.check(blocked and all(b.get("count") and b.get("frames") for b in blocked),
            "report.json has no blocked_stacks (or one without count/frames)")
    t = report.get("totals") or {}
    c.check(report.get("goroutines_at_end") == t.get("live") and
            report.get("goroutines_at_start") == t.get("live_at_start"),
            "goroutines_at_start/end %r/%r, the totals say %r/%r"
            % (report.get("goroutines_at_start"), report.get("goroutines_at_end"),
               t.get("live_at_start"), t.get("live")))
    leak_at = check_verdicts(c, report, truth, marks)
    if html and not c.errors:
        import html_check
        ok_at = [(os.path.basename(s["file"]), s["line"]) for s in report["sites"]
                 if s.get("verdict") == "ok" and not s.get("system") and s["live"]]
        shot = os.path.join(c.tmpdir(), "report.png")
        for msg in html_check.check_report_html(os.path.join(out, "report.html"),
                                                sorted(leak_at), ok_at, shot):
            c.check(False, "report.html: " + msg)
    if c.errors:
        c.notes.append("truth: " + json.dumps(truth, sort_keys=True))


def case_verdicts_probe_free(c, args, v, bin_path):
    """`capture --probes none` over the zoo's phase 2: no probe attached,
    every leak site `leak` and no healthy one from snapshots alone, the
    report saying what the mode cannot know."""
    marks = find_markers(ZOO_DIR)
    z, pid, truth, g = capture_through_phase2(
        c, bin_path, lambda pid: [args.gostray, "capture", str(pid), "-d", str(VERDICT_SECONDS),
                                  "--json", "--probes", "none", "--interval", "1s"])
    rc = g.wait(c.left(VERDICT_SECONDS + 60), "end of the capture")
    c.check(rc == 0, "gostray capture --probes none exited with status %s" % rc)
    report = json_stdout(c, g)
    z.signal(signal.SIGTERM)
    c.check(z.wait(c.left(15)) == 0, "zoo did not exit 0 after SIGTERM")
    mode = report.get("mode") or {}
    c.check(mode.get("probes") == "none" and mode.get("snapshot_interval_s") == 1.0 and
            mode.get("snapshots", 0) >= VERDICT_SECONDS and "created" in (mode.get("lower_bounds") or []),
            "mode %r" % mode)
    probes = report.get("probes") or {}
    c.check(not any(probes.get(k) for k in ("create_hits", "exit_hits", "park_hits")),
            "probe hits without probes: %r" % probes)
    c.check(report.get("end_check") is None, "end_check %r without an end snapshot of its own"
            % report.get("end_check"))
    # Every creation during phase 2, those no snapshot saw included, went
    # through the allocator.
    goids = (report.get("totals") or {}).get("goids_allocated")
    born = sum(t.get("created_phase2", 0) for t in truth["sites"].values())
    c.check(isinstance(goids, int) and goids >= born >= 15000 and
            goids >= (report.get("totals") or {}).get("created", 0),
            "goids_allocated %r: phase 2 created %d goroutines, the snapshots saw %r"
            % (goids, born, (report.get("totals") or {}).get("created")))
    check_verdicts(c, report, truth, marks, probe_free=True)
    if c.errors:
        c.notes.append("truth: " + json.dumps(truth, sort_keys=True))


LEAKED_HEAD_RE = re.compile(r"^goroutine \d+ \[.*\(leaked\)\]:")


def leaked_by_site(text):
    """{(file basename, line): n} of the goroutines a debug=2 dump marks
    "(leaked)" (the runtime's goroutineleak profile)."""
    out = {}
    for block in text.split("\n\n"):
        lines = block.strip("\n").split("\n")
        if not lines or not LEAKED_HEAD_RE.match(lines[0]):
            continue
        key = ("?", 0)
        for i, l in enumerate(lines):
            if l.startswith("created by ") and i + 1 < len(lines):
                m = re.match(r"^\s*(.*):(\d+)(\s|$)", lines[i + 1])
                if m:
                    key = (os.path.basename(m.group(1)), int(m.group(2)))
        out[key] = out.get(key, 0) + 1
    return out


def zoo_with_leak_profile(c, v, bin_path):
    """Go 1.27 has the goroutineleak profile on by default, 1.26 only
    with GOEXPERIMENT=goroutineleakprofile: the zoo built so, here."""
    if version_tuple(v) >= (1, 27):
        return bin_path
    out = os.path.join(c.tmpdir(), "zoo-leakprofile")
    r = subprocess.run([go_tool(v), "build", "-o", out, "."], cwd=ZOO_DIR, capture_output=True,
                       text=True, timeout=c.left(180),
                       env=dict(os.environ, CGO_ENABLED="0", GOTOOLCHAIN="local", GOFLAGS="-mod=mod",
                                GOWORK="off", GOEXPERIMENT="goroutineleakprofile"))
    if r.returncode:
        raise CaseFail("go build the zoo with GOEXPERIMENT=goroutineleakprofile: %s"
                       % r.stderr.strip()[-300:])
    return out


def case_leakprofile(c, args, v, bin_path):
    """gostray's verdicts side by side with the runtime's own goroutineleak
    profile of the same process (Go 1.26+): a 15 s capture over phase 2,
    then the profile.  Every site the runtime proves leaked must be `leak`
    in gostray's report, and once the runtime marked them, gostray's dump
    must show exactly those goroutines as leaked."""
    marks = find_markers(ZOO_DIR)
    prof = os.path.join(c.tmpdir(), "goroutineleak.txt")
    holder = {}

    def on_ready(z):
        g = Proc(c, "gostray", [args.gostray, "capture", str(z.pid), "-d", str(VERDICT_SECONDS),
                                "--json"])
        c.show.append(("gostray", g, "err"))
        g.wait_line("err", lambda l: l.startswith("gostray: attached"), c.left(60), "attach line")
        holder["g"] = g
        time.sleep(1)
    z, pid, truth, _ = zoo_protocol(c, [zoo_with_leak_profile(c, v, bin_path), "-leakprofile", prof],
                                    on_ready)
    g = holder["g"]
    rc = g.wait(c.left(VERDICT_SECONDS + 60), "end of the capture")
    c.check(rc == 0, "gostray capture exited with status %s" % rc)
    report = json_stdout(c, g)
    line = z.wait_line("out", lambda l: l.startswith("LEAKPROFILE-"), c.left(60), "LEAKPROFILE line")
    if not c.check(line == "LEAKPROFILE-WRITTEN", "the zoo says %s: no goroutineleak profile" % line):
        return
    with open(prof, encoding="utf-8", errors="replace") as f:
        runtime_leaked = leaked_by_site(f.read())
    d = run_dump(c, args, pid, "dump")
    ours = {}
    for gr in d.get("goroutines") or []:
        if gr.get("status") == "leaked" and gr.get("created_by"):
            key = (os.path.basename(gr["created_by"].get("file") or ""), gr["created_by"].get("line"))
            ours[key] = ours.get(key, 0) + 1
    c.check(ours == runtime_leaked, "gostray's dump shows leaked goroutines %s, the runtime's "
            "profile %s" % (sorted(ours.items()), sorted(runtime_leaked.items())))
    rows = []
    for name, t in sorted(truth["sites"].items()):
        if t["kind"] != "leak":
            continue
        key = marks[name]
        found = sites_at(report, *key)
        verdict = found[0].get("verdict") if found else None
        n = runtime_leaked.get(key, 0)
        rows.append("%s %d live: gostray %s, goroutineleak %d" % (name, t["live"], verdict, n))
        c.check(verdict == "leak", "%s: gostray says %r (%s)" % (
            name, verdict, found[0].get("reason") if found else "no site"))
        c.check(n <= t["live"], "%s: the runtime marks %d leaked, %d are alive" % (name, n, t["live"]))
    leak_keys = {marks[n] for n, t in truth["sites"].items() if t["kind"] == "leak"}
    for key, n in sorted(runtime_leaked.items()):
        if key not in leak_keys:
            c.check(False, "the runtime marks %d goroutines of %s:%d leaked, no zoo leak site" % ((n,) + key))
    found_rt = sum(1 for r in rows if not r.endswith("goroutineleak 0"))
    log("    %s: gostray leak at %d of %d leak sites, the runtime's goroutineleak profile at %d:"
        % (c.name, sum(1 for r in rows if " gostray leak," in r), len(rows), found_rt))
    for r in rows:
        log("      " + r)
    z.signal(signal.SIGTERM)
    c.check(z.wait(c.left(15)) == 0, "zoo did not exit 0 after SIGTERM")


def case_top(c, args, v, bin_path, extra=()):
    """`gostray top` on the zoo at READY, in an 80x24 tmux pane: the
    leaking site with the most goroutines is the first row (select {}:
    leak from the first snapshot), Enter shows its creation and blocked
    stacks, q gives the terminal back with the final report.  extra:
    ("--probes", "none") for top without probes (no creation stacks, said
    so)."""
    import top_tmux
    marks = find_markers(ZOO_DIR)
    z, _ = start_target(c, "zoo", [bin_path], "READY ")
    fname, line = marks["select-forever"]
    screens = {}
    for msg in top_tmux.drive_top(os.path.abspath(args.gostray), z.pid, "%s:%d" % (fname, line),
                                  c.left(60), True, screens, extra):
        c.check(False, "top: " + msg)
    if c.errors:
        for k, text in screens.items():
            c.notes.append("%s screen:\n%s" % (k, text))
    z.signal(signal.SIGTERM)
    c.check(z.wait(c.left(15)) == 0, "zoo did not exit 0 after SIGTERM")
