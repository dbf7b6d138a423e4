"""`gostray dump` against the runtime's own goroutine dump, pprof profiles,
the demo service and `gostray info` (tests/integration/run.py registers
them)."""

from cases_zoo import *  # noqa: F401,F403

def parse_dump(path):
    """pprof debug=2 dump -> (goroutine count, {(file basename, line): n},
    {creator function: n})."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    count = 0
    by_line, by_func = {}, {}
    for block in text.split("\n\n"):
        lines = block.strip("\n").split("\n")
        if not lines or not lines[0].startswith("goroutine "):
            continue
        count += 1
        for i, l in enumerate(lines):
            if l.startswith("created by ") and i + 1 < len(lines):
                func = l[len("created by "):].split(" in goroutine ")[0].strip()
                m = re.match(r"^\s*(.*):(\d+)(\s|$)", lines[i + 1])
                if m:
                    key = (os.path.basename(m.group(1)), int(m.group(2)))
                    by_line[key] = by_line.get(key, 0) + 1
                    func = re.sub(r"\[.*\]$", "", func)
                    by_func[func] = by_func.get(func, 0) + 1
    return count, by_line, by_func


def case_selfcheck(c, args, bin_path, src_dir):
    """The zoo against its own pprof dumps, no gostray."""
    marks = find_markers(src_dir)
    dump = os.path.join(c.tmpdir(), "goroutines")
    z, pid, truth, _ = zoo_protocol(c, [bin_path, "-pprof", dump])
    z.signal(signal.SIGTERM)
    rc = z.wait(c.left(15))
    c.check(rc == 0, "exit status %s after SIGTERM" % rc)
    c.check(not z.text("err"), "zoo wrote to stderr")
    c.check(truth["num_goroutine"] == truth.get("expected_goroutines", truth["num_goroutine"]),
            "not quiescent: NumGoroutine %d, expected %s" % (truth["num_goroutine"], truth.get("expected_goroutines")))
    tsites = truth["sites"]
    for name in sorted(marks):
        c.check(name in tsites, "marker site:%s (%s:%d) is not in the truth" % ((name,) + marks[name]))
    leak_fields = {}
    for field in ("live", "live_phase1", "created_phase2"):
        vals = [t[field] for t in tsites.values() if t["kind"] == "leak" and t[field]]
        c.check(len(vals) == len(set(vals)), "leak sites share %s counts: %s" % (field, sorted(vals)))
        leak_fields[field] = vals
    for when, fname, key in (("phase 1", dump + ".phase1", "live_phase1"), ("final", dump + ".final", "live")):
        count, by_line, by_func = parse_dump(fname)
        if when == "final":
            c.check(count == truth["num_goroutine"], "final dump has %d goroutines, NumGoroutine %d"
                    % (count, truth["num_goroutine"]))
        for name, t in sorted(tsites.items()):
            if t.get("function"):
                got, where = by_func.get(t["function"], 0), t["function"]
            elif name in marks:
                got, where = by_line.get(marks[name], 0), "%s:%d" % marks[name]
            else:
                c.check(False, "truth site %s has no marker" % name)
                continue
            c.check(got == t[key], "%s: site %s (%s): %d live in the dump, truth %d"
                    % (when, name, where, got, t[key]))
        src_files = {os.path.basename(p) for p in glob.glob(os.path.join(src_dir, "*.go"))}
        marked = set(marks.values())
        for (fname_, line), n in sorted(by_line.items()):
            if fname_ in src_files and (fname_, line) not in marked:
                c.check(False, "%s: %d goroutines created at unmarked %s:%d" % (when, n, fname_, line))
    if c.errors:
        c.notes.append("truth: " + json.dumps(truth, sort_keys=True))


def parse_go_stacks(path):
    """The runtime's debug=2 dump -> {goid: {header, frames, created_by, parent}}:
    frames and created_by as (function, file, line); arguments dropped."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    out = {}
    for block in text.split("\n\n"):
        lines = block.strip("\n").split("\n")
        m = re.match(r"^goroutine (\d+) (?:gp=\S+ m=\S+(?: mp=\S+)? )?\[([^\]]*)\]:$", lines[0]) if lines else None
        if not m:
            continue
        g = {"header": re.sub(r", \d+ minutes$", "", m.group(2)), "frames": [],
             "created_by": None, "parent": None}
        i = 1
        while i + 1 < len(lines):
            head, pos = lines[i], lines[i + 1].strip()
            i += 2
            fm = re.match(r"^(.*):(\d+)(?: \+0x[0-9a-f]+)?$", pos)
            if not fm:
                i -= 1
                continue
            where = (fm.group(1), int(fm.group(2)))
            if head.startswith("created by "):
                rest = head[len("created by "):]
                func, _, parent = rest.partition(" in goroutine ")
                g["created_by"] = (func.strip(),) + where
                g["parent"] = int(parent) if parent else None
            else:
                fm2 = re.match(r"^(.*)\([^()]*\)$", head)
                func = fm2.group(1) if fm2 else head
                g["frames"].append((func,) + where)
        out[int(m.group(1))] = g
    return out


def compare_dumps(c, when, go, ours):
    """gostray dump --json against the runtime's own dump of the same moment.
    The goroutine that wrote the runtime's dump was running then and is
    blocked elsewhere now: it is left out."""
    writers = {goid for goid, g in go.items() if g["header"] == "running"}
    mine = {g["goid"]: g for g in ours["goroutines"]}
    want, got = set(go) - writers, set(mine) - writers
    c.check(want == got, "%s: goroutines differ: only in the runtime's dump %s, only in gostray's %s"
            % (when, sorted(want - got)[:10], sorted(got - want)[:10]))
    bad = 0
    for goid in sorted(want & got):
        g, m = go[goid], mine[goid]
        header = m["wait_reason"] or m["status"]
        frames = [(f["function"], f["file"], f["line"]) for f in m["stack"]]
        cb = m["created_by"]
        created = (cb["function"], cb["file"], cb["line"]) if cb else None
        problems = []
        # The zoo's retry loops wake from time.Sleep every 50 ms: between
        # the two dumps such a goroutine may have become runnable or run.
        woke = header != g["header"] and {header, g["header"]} <= {"sleep", "runnable", "running"}
        if header != g["header"] and not woke:
            problems.append("state %r, runtime says %r" % (header, g["header"]))
        if woke and (not frames or not g["frames"]):
            frames = g["frames"]    # one side was running: no stack to compare
        if created != g["created_by"]:
            problems.append("created by %s, runtime says %s" % (created, g["created_by"]))
        if g["parent"] is not None and m["parent_goid"] != g["parent"]:
            problems.append("parent %s, runtime says %s" % (m["parent_goid"], g["parent"]))
        if frames[:1] != g["frames"][:1]:
            problems.append("leaf frame %s, runtime says %s" % (frames[:1], g["frames"][:1]))
        elif frames != g["frames"]:
            problems.append("stack %s, runtime says %s" % (frames, g["frames"]))
        if problems:
            bad += 1
            if bad <= 5:
                c.check(False, "%s: goroutine %d: %s" % (when, goid, "; ".join(problems)))
    if bad > 5:
        c.check(False, "%s: %d goroutines differ in all" % (when, bad))
    c.check(len(want & got) >= 50, "%s: only %d goroutines compared" % (when, len(want & got)))


def pprof_traces(c, go, *argv):
    """`go tool pprof -traces` -> {created_by label's (file basename, line): count}."""
    r = subprocess.run([go, "tool", "pprof", "-traces"] + list(argv), capture_output=True,
                       text=True, timeout=c.left(60))
    if not c.check(r.returncode == 0, "go tool pprof -traces %s failed: %s"
                   % (" ".join(argv), r.stderr.strip()[-300:])):
        return {}
    out = {}
    for block in r.stdout.split("-----------+")[1:]:
        m = re.search(r"created_by:\s+\S+ (\S+):(\d+)\n", block)
        n = re.search(r"^\s+(-?\d+)\s+\S", block, re.M)
        if m and n:
            key = (os.path.basename(m.group(1)), int(m.group(2)))
            out[key] = out.get(key, 0) + int(n.group(1))
    c.check(out, "go tool pprof -traces %s: no sample with a created_by label" % " ".join(argv))
    return out


def check_profile_counts(c, when, counts, truth, marks, want):
    """Every leak site of the zoo: the profile's goroutines created at its
    marker line, against the truth (want(site) -> expected count)."""
    for name, t in sorted(truth["sites"].items()):
        if t["kind"] != "leak" or name not in marks:
            continue
        got = counts.get(marks[name], 0)
        c.check(got == want(t), "%s: site %s (%s:%d): %d goroutines in the profile, truth %d"
                % ((when, name) + marks[name] + (got, want(t))))


def case_dump(c, args, v, bin_path, full):
    """gostray dump against the zoo's own runtime/pprof dump (debug=2)
    written at READY (and, when full, after phase 2's churn, with the
    truth): the same goroutines, states, creators and stacks.  When full,
    also its pprof profiles: `go tool pprof` reads them, the leak sites
    have their exact counts, and -base shows phase 2's growth."""
    dump = os.path.join(c.tmpdir(), "goroutines")
    prof = [os.path.join(c.tmpdir(), "phase1.pb.gz"), os.path.join(c.tmpdir(), "final.pb.gz")]
    z, line = start_target(c, "zoo", [bin_path, "-pprof", dump, "-truth",
                                      os.path.join(c.tmpdir(), "truth.json")], "READY ")
    ours = run_dump(c, args, z.pid, "gostray-dump", ["--pprof", prof[0]] if full else [])
    compare_dumps(c, "at READY", parse_go_stacks(dump + ".phase1"), ours)
    if full:
        # capture --pprof-by creation: the live goroutines by creation stack
        cap = os.path.join(c.tmpdir(), "capture.pb.gz")
        g = Proc(c, "gostray-capture", [args.gostray, "capture", str(z.pid), "-d", "1", "--json",
                                        "--pprof-by", "creation", "--pprof", cap])
        c.show.append(("gostray-capture", g, "err"))
        rc = g.wait(c.left(60), "capture")
        c.check(rc == 0, "capture --pprof exited with status %s" % rc)
        z.signal(signal.SIGUSR1)
        z.wait_line("out", lambda l: l == "PHASE2-DONE", c.left(90), "PHASE2-DONE")
        z.signal(signal.SIGUSR2)
        z.wait_line("out", lambda l: l == "TRUTH-WRITTEN", c.left(30), "TRUTH-WRITTEN")
        ours = run_dump(c, args, z.pid, "gostray-dump-final", ["--pprof", prof[1]])
        compare_dumps(c, "after phase 2", parse_go_stacks(dump + ".final"), ours)
        truth = read_truth(c, os.path.join(c.tmpdir(), "truth.json"))
        marks = find_markers(ZOO_DIR)
        go = go_tool(v)
        check_profile_counts(c, "profile at READY", pprof_traces(c, go, prof[0]), truth, marks,
                             lambda t: t["live_phase1"])
        check_profile_counts(c, "capture profile by creation at READY", pprof_traces(c, go, cap),
                             truth, marks, lambda t: t["live_phase1"])
        check_profile_counts(c, "final profile", pprof_traces(c, go, prof[1]), truth, marks,
                             lambda t: t["live"])
        check_profile_counts(c, "final -base READY", pprof_traces(c, go, "-base", prof[0], prof[1]),
                             truth, marks, lambda t: t["live"] - t["live_phase1"])
    z.signal(signal.SIGTERM)
    rc = z.wait(c.left(15))
    c.check(rc == 0, "zoo exited with status %s after two dumps (want 0)" % rc)


def case_demo(c, args, v, bin_path):
    marks = find_markers(DEMO_DIR)
    svc, _ = start_target(c, "leakyservice", [bin_path, "-addr", "127.0.0.1:0", "-load", "-rate", "100"],
                          "leakyservice: listening")
    time.sleep(1)
    g = start_gostray(c, args, svc.pid)
    time.sleep(7)   # survivors older than the 5 s verdict threshold
    report = stop_gostray(c, g)
    check_report_common(c, report, svc.pid, v)
    leak_at = set()
    for name in DEMO_LEAK_SITES:
        if not c.check(name in marks, "demo has no marker site:%s" % name):
            continue
        found = sites_at(report, *marks[name])
        if c.check(found, "demo leak site %s (%s:%d) not in the report" % ((name,) + marks[name])):
            m = merged(found)
            c.check(m["live"] > 0 and m["created"] > 0 and m["live_at_start"] > 0,
                    "demo leak site %s: %s; want all > 0" % (name, describe(m)))
            c.check(all(s.get("verdict") == "leak" for s in found),
                    "demo leak site %s: verdict %s, want leak"
                    % (name, [(s.get("verdict"), s.get("reason")) for s in found]))
            leak_at.add(marks[name])
    for s in report["sites"]:
        if (os.path.basename(s["file"]), s["line"]) not in leak_at:
            c.check(s.get("verdict") != "leak", "demo site %s (%s:%s) is `leak`: %s"
                    % (s["function"], os.path.basename(s["file"]), s["line"], s.get("reason")))


def case_info(c, args, v, bin_path):
    p = Proc(c, "gostray info", [args.gostray, "info", bin_path, "--json"])
    c.show.append(("gostray info", p, "err"))
    rc = p.wait(c.left(30))
    c.check(rc == 0, "exit status %s" % rc)
    doc = json_stdout(c, p)
    c.check(doc.get("supported") is True, "supported: %r (%s)" % (doc.get("supported"), doc.get("reason")))
    c.check(go_version_matches(doc.get("go_version"), v), "go_version %r, want go%s" % (doc.get("go_version"), v))
    c.check(isinstance(doc.get("probes"), list) and doc.get("probes"), "no probes listed")
    stripped = bin_path.endswith("-stripped")
    if "symbols" in doc and stripped:
        c.check(doc["symbols"] != "symtab", "a stripped binary's symbols from %r" % doc["symbols"])
