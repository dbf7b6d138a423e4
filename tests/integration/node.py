#!/usr/bin/env python3
"""Integration test of `gostray node` (issue 6): every Go process of the
host, its creation sites as Prometheus metrics, checked against the leak
zoo's own truth.

    python3 tests/integration/node.py --gostray ./gostray --go-bins build/go \
        --versions "1.19 1.27"
    python3 tests/integration/node.py --selftest ...   # the harness alone

tests/integration/run.py calls run_node_cases(runner, args, versions) with
its Runner and arguments (args.gostray, args.go_bins, args.keep); each case
prints `PASS name` or `FAIL name: reason` like run.py's own.

Every zoo runs from a private copy of its binary named gsX<token>-...
(a copy is a file of its own, hence a binary of its own for the uprobes),
and each gostray node is started with --include-exe gsX<token>: the other
Go processes of the host (other tests run zoos too) are then not watched,
so that gostray_attached_processes and gostray_attached_binaries can be
asserted exactly.

Cases:
  node/scenario   4 zoos started before node (two Go versions, two
                  processes of one binary), plus one excluded by
                  --exclude-exe and one outside --include-exe; node; then
                  one more zoo and one in its own mount + PID namespace
                  (unshare, a container stand-in; its series carry the
                  host pid).  Phase 2 (more leaks, churn) runs while node
                  watches (--park).  Every marked site's live, created,
                  exited and (the sleepers) parks against the zoo's
                  truth, the user goroutines against
                  runtime.NumGoroutine(), gostray_process_goroutines, the
                  attached counts; two zoos killed (one of the shared
                  binary): their series go within a few scan intervals,
                  and the binary's other process is still counted exactly
                  through a phase 2 run after the kill.
  node/top-sites  --top-sites 5: at most 5 sites of their own, the rest in
                  one `other` series whose live is exactly the remainder.
  node/churn      100 short-lived zoo processes of 4 binaries (8 at a
                  time), each attached and forgotten: gostray's fds back
                  to their count before (+-2), RSS growth bounded.
  node/exec       a shell that execs the zoo: traced once it is Go, exact.
  node/budget     --park --max-cpu 0.1 under heavy churn: the park probes go, the
                  metrics say so, the counts stay exact.
  node/probe-free, node/escalation, node/escalation-limit, node/escalation-cpu
                  node's default without probes: exact live series, no
                  probe hit; escalation of a loaded service alone, for a
                  window, exact counters that never go back; at most
                  --max-escalations at once, the others in turn; a window
                  ended by the CPU cap.
  node/promtool   `promtool check metrics` on the expositions scraped by
                  the cases above (SKIP line, no failure, when promtool is
                  absent and tools/install-deps.sh does not provide it).

Every check fails unless its success was seen; every process started here
is killed at the end of its case (run.py's Case/Proc), also on failure.
"""


import argparse
import concurrent.futures
import http.server
import json
import secrets
import subprocess
import threading

from node_harness import *  # noqa: F401,F403


def case_scenario(c, args, versions, shared):
    tok = secrets.token_hex(3)
    marks = it.find_markers(it.ZOO_DIR)
    picks = pick(versions)
    bins = {k: copy_binary(c, args, v, x, "gsn%s-%s-%s-%s" % (tok, k, v, x)) for k, (v, x) in picks.items()}
    xcl = copy_binary(c, args, versions[-1], "static", "gsn%s-xcl-%s" % (tok, versions[-1]))
    foreign = copy_binary(c, args, versions[-1], "static", "gsf%s-%s" % (tok, versions[-1]))

    # Before node: A, B, C twice (one binary, two processes), the excluded
    # one and the foreign one.
    z = {"A": Zoo(c, "zooA", bins["A"], picks["A"][0]), "B": Zoo(c, "zooB", bins["B"], picks["B"][0]),
         "C1": Zoo(c, "zooC1", bins["C"], picks["C"][0]), "C2": Zoo(c, "zooC2", bins["C"], picks["C"][0])}
    zx, zf = Zoo(c, "zoo-excluded", xcl, versions[-1]), Zoo(c, "zoo-foreign", foreign, versions[-1])
    for q in list(z.values()) + [zx, zf]:
        q.ready()
    absent = [(zx.pid, "excluded by --exclude-exe"), (zf.pid, "outside --include-exe")]
    pre = list(z.values())
    g, url = start_node(c, args, "gsn" + tok, ["--probes", "all", "--exclude-exe", "xcl", "--top-sites", "100", "--park"],
                        shared)
    t_node = t0 = time.monotonic()
    last = {}
    poll(c, url, lambda s: missing_from(s, pre), 30, "the 4 zoos started before node in the metrics", last)
    if c.errors:
        raise CaseFail(c.errors[0])
    c.notes.append("the 4 zoos appeared %.1fs after node served" % (time.monotonic() - t0))

    # After node: D, and E in its own mount + PID namespace.  Phase 2 of
    # A, B, C1 meanwhile (C2 stays in phase 1 until C1 is gone).
    z["D"] = Zoo(c, "zooD", bins["D"], picks["D"][0])
    z["E"] = Zoo(c, "zooE-ns", bins["E"], picks["E"][0], ns=True)
    for k in ("A", "B", "C1"):
        z[k].phase2()
    z["D"].ready()
    z["E"].ready()
    for k in ("A", "B", "C1"):
        z[k].phase2_done()
    poll(c, url, lambda s: missing_from(s, [z["D"], z["E"]]), 30 + 3 * SCAN_INTERVAL,
         "the 2 zoos started after node in the metrics", last)
    if c.errors:
        raise CaseFail(c.errors[0])
    for k in ("D", "E"):
        z[k].phase2()
    for k in ("D", "E"):
        z[k].phase2_done()
    truths = {k: q.truth() for k, q in z.items()}
    modes = {"A": "exact", "B": "exact", "C1": "exact", "C2": "exact", "D": "after", "E": "after"}
    zoos = list(z.values())

    def all_errors(s):
        errs = global_errors(s, zoos, absent)
        for k, q in z.items():
            errs += zoo_errors(s, q, truths[k], marks, modes[k])
        return errs
    poll(c, url, all_errors, 20, "metrics of the 6 zoos against their truth", last)
    shared["expositions"].append(("scenario", last["last"].text if last.get("last") else None))
    for q in zoos:
        check_node_lines(c, g, q, False)
    if c.errors:
        return

    # Kill C1 (its binary keeps C2) and A (its binary goes).
    for k in ("C1", "A"):
        z[k].kill()
    gone = [(z["C1"].pid, "killed zooC1"), (z["A"].pid, "killed zooA")]
    t0 = time.monotonic()
    poll(c, url, lambda s: global_errors(s, zoos, absent + gone), 5 * SCAN_INTERVAL + 5,
         "the killed zoos' series gone", last)
    c.notes.append("killed zoos forgotten in %.1fs" % (time.monotonic() - t0))
    for k in ("C1", "A"):
        check_node_lines(c, g, z[k], True)
    if c.errors:
        return
    # C2, the other process of C1's binary: still watched, exactly.
    z["C2"].phase2()
    z["C2"].phase2_done()
    truths["C2"] = z["C2"].truth()

    def after_kill(s):
        errs = global_errors(s, zoos, absent + gone)
        for k, q in z.items():
            if not q.dead:
                errs += zoo_errors(s, q, truths[k], marks, modes[k])
        return errs
    poll(c, url, after_kill, 20, "metrics after the kills (zooC2's phase 2 after zooC1's death)", last)
    c.check(g.p.poll() is None, "gostray node exited (status %s)" % g.p.returncode)
    if last.get("last"):
        s = last["last"]
        it.log("    node/scenario: gostray node used %.2f s of CPU over %.0f s, RSS %.1f MiB, "
               "park probes dropped by the CPU cap: %s"
               % (s.one("gostray_cpu_seconds_total") or -1, time.monotonic() - t_node,
                  (s.one("gostray_resident_memory_bytes") or 0) / 2**20,
                  s.one("gostray_budget_drops_total", what="park_probes")))
    # The watched zoos did not notice: they still exit cleanly.
    for k, q in z.items():
        if not q.dead:
            q.signal(signal.SIGTERM)
            rc = q.p.wait(c.left(10), "exit after SIGTERM")
            q.dead = True
            c.check(rc == 0, "%s exited with status %s after SIGTERM, want 0" % (q.label, rc))
    if c.errors:
        c.notes.append("truths: " + json.dumps(truths, sort_keys=True))


def case_top_sites(c, args, versions, shared):
    """--top-sites 5: at most 5 sites of each process get series of their
    own; the rest is one `other` series (site_file "", site_line "0")
    whose live is exactly the process's total minus the promoted sites'."""
    tok = secrets.token_hex(3)
    marks = it.find_markers(it.ZOO_DIR)
    v = versions[-1]
    q = Zoo(c, "zoo", copy_binary(c, args, v, "static", "gst%s-%s" % (tok, v)), v).ready()
    truth = q.truth()
    g, url = start_node(c, args, "gst" + tok, ["--probes", "all", "--top-sites", "5"], shared)
    by_line = {m: name for name, m in marks.items()}

    def errors_of(s):
        errs = check_format(s)
        live = s.get("gostray_goroutines_live", pid=q.pid)
        own = [(l, v) for l, v in live if l["site_function"] != "other"]
        other = [(l, v) for l, v in live if l["site_function"] == "other"]
        if not 4 <= len(own) <= 5:
            errs.append("%d sites with series of their own, want 4 or 5 (--top-sites 5: 4 by "
                        "rank, 1 kept for leak/suspect)" % len(own))
        if len(other) != 1:
            return errs + ["%d `other` series, want 1" % len(other)]
        ol, ov = other[0]
        if ol.get("site_file") != "" or ol.get("site_line") != "0":
            errs.append("`other` has site_file=%r site_line=%r, want \"\" and \"0\""
                        % (ol.get("site_file"), ol.get("site_line")))
        for name in ("gostray_goroutines_created_total", "gostray_goroutines_exited_total"):
            if not s.get(name, pid=q.pid, site_function="other"):
                errs.append("`other` has no %s" % name)
        promoted_user = 0
        for l, v in own:
            key = (os.path.basename(l["site_file"]), int(l["site_line"] or 0))
            if is_user_site(l["site_function"]):
                promoted_user += v
            if key in by_line and v != truth["sites"][by_line[key]]["live"]:
                errs.append("site %s (%s:%d): live %g, truth %d" % ((by_line[key],) + key + (
                    v, truth["sites"][by_line[key]]["live"])))
        pg = s.one("gostray_process_goroutines", pid=q.pid)
        if pg is None or pg != ov + sum(v for _, v in own):
            errs.append("gostray_process_goroutines %r != `other` %g + the promoted sites' %g"
                        % (pg, ov, sum(v for _, v in own)))
        # The user goroutines not promoted are in `other`, with the
        # runtime's own (not known exactly: hence >=).
        if ov < truth["num_goroutine"] - promoted_user:
            errs.append("`other` live %g < the %d user goroutines of unpromoted sites"
                        % (ov, truth["num_goroutine"] - promoted_user))
        # The largest leak (mutex-wait, 29 of the zoo's 185) outranks
        # every other site whatever their verdicts.
        big = max(truth["sites"], key=lambda n: truth["sites"][n]["live"])
        if not any((os.path.basename(l["site_file"]), int(l["site_line"] or 0)) == marks[big] for l, _ in own):
            errs.append("the largest site %s (%s:%d, %d live) has no series of its own"
                        % ((big,) + marks[big] + (truth["sites"][big]["live"],)))
        return errs
    last = {}
    poll(c, url, errors_of, 20, "--top-sites 5", last)
    shared["expositions"].append(("top-sites", last["last"].text if last.get("last") else None))


def proc_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def proc_rss(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise CaseFail("no VmRSS for pid %d" % pid)


def case_churn(c, args, versions, shared):
    """100 zoos of 4 binaries started and killed, 8 at a time; each one
    waited for until node's stderr names it (attached) and again after the
    kill (forgotten).  One steady zoo keeps a binary attached throughout."""
    tok = secrets.token_hex(3)
    vs = [versions[0], versions[-1]]
    bins = [copy_binary(c, args, vs[i % 2], x, "gsc%s-%d" % (tok, i))
            for i, x in enumerate(("static", "static", "pie", "pie"))]
    steady = Zoo(c, "zoo-steady", copy_binary(c, args, vs[-1], "static", "gsc%s-steady" % tok), vs[-1]).ready()
    # --max-cpu 0: 8 zoos starting at once cost node more than its default
    # 20% of a core now and then, and the cap then detaches every park
    # probe for good; fds and RSS are compared with the same probes
    # attached before and after.  (The scenario keeps the default cap.)
    g, url = start_node(c, args, "gsc" + tok, ["--probes", "all", "--top-sites", "100", "--max-cpu", "0"], shared)

    def only_steady(s):
        errs = global_errors(s, [steady], [])
        if not s.get("gostray_process_goroutines", pid=steady.pid):
            errs.append("zoo-steady not in the metrics")
        return errs
    def settled(what):
        """gostray's fds and RSS once it watches the steady zoo alone."""
        poll(c, url, only_steady, 5 * SCAN_INTERVAL + 10, what)
        if c.errors:
            raise CaseFail(c.errors[0])
        time.sleep(1)
        return proc_fds(g.pid), proc_rss(g.pid)

    fd0, rss0 = settled("the steady zoo alone in the metrics")
    failures, lock = [], threading.Lock()

    def one(i):
        try:
            start = len(g.lines["err"])
            q = Zoo(c, "churn%d" % i, bins[i % len(bins)], vs[i % 2], show=False).ready(20)
            wait_count(c, g, "err", mentions(q.pid, "attach"), 1, 10 + 3 * SCAN_INTERVAL,
                       "line saying churn zoo %d is attached" % q.pid, start)
            q.kill()
            wait_count(c, g, "err", mentions(q.pid, "forgot"), 1, 10 + 3 * SCAN_INTERVAL,
                       "line saying churn zoo %d is forgotten" % q.pid, start)
        except Exception as e:  # noqa: BLE001
            with lock:
                failures.append("churn%d: %s" % (i, e))

    t0 = time.monotonic()
    mid = None
    with concurrent.futures.ThreadPoolExecutor(CHURN_PARALLEL) as ex:
        for half in (range(0, CHURN_PROCS // 2), range(CHURN_PROCS // 2, CHURN_PROCS)):
            list(ex.map(one, half))
            if failures:
                raise CaseFail("%d churn zoos not attached and forgotten: %s"
                               % (len(failures), "; ".join(failures[:3])))
            if mid is None:
                mid = settled("after 50 churn zoos, the steady zoo alone in the metrics")
    took = time.monotonic() - t0
    fd1, rss1 = settled("after 100 churn zoos, the steady zoo alone in the metrics")
    summary = ("%d processes in %.0fs: fds %d -> %d (after 50: %d), RSS %.1f -> %.1f MiB (after 50: %.1f)"
               % (CHURN_PROCS, took, fd0, fd1, mid[0], rss0 / 2**20, rss1 / 2**20, mid[1] / 2**20))
    it.log("    node/churn: " + summary)
    c.notes.append(summary)
    c.check(abs(fd1 - fd0) <= FD_SLACK, "gostray node's fds: %d before, %d after (want +-%d)"
            % (fd0, fd1, FD_SLACK))
    # Under ASan freed memory stays in its quarantine and RSS says nothing
    # of leaks: LeakSanitizer checks those when node exits below.
    if not getattr(args, "sanitized", False):
        c.check(rss1 - rss0 < RSS_GROWTH_MAX, "gostray node's RSS grew by %.1f MiB (want < %.0f)"
                % ((rss1 - rss0) / 2**20, RSS_GROWTH_MAX / 2**20))
        c.check(rss1 - mid[1] < RSS_GROWTH_SECOND_HALF_MAX,
                "gostray node's RSS grew by %.1f MiB over the second 50 (want < %.0f)"
                % ((rss1 - mid[1]) / 2**20, RSS_GROWTH_SECOND_HALF_MAX / 2**20))
    # A DaemonSet's pod is stopped with SIGTERM: node exits 0.
    c.check(g.p.poll() is None, "gostray node exited (status %s)" % g.p.returncode)
    g.signal(signal.SIGTERM)
    rc = g.wait(c.left(15), "exit after SIGTERM")
    c.check(rc == 0, "gostray node exited with status %s after SIGTERM, want 0" % rc)
    c.check(steady.p.p.poll() is None, "the steady zoo died")


def promtool_provided():
    """Whether tools/install-deps.sh installs Debian's prometheus (promtool)."""
    try:
        with open(os.path.join(it.ROOT, "tools", "install-deps.sh")) as f:
            return re.search(r"(^|\s)prometheus(\s|$)", f.read(), re.M) is not None
    except OSError:
        return False


def promtool_errors(text):
    p = subprocess.run(["promtool", "check", "metrics"], input=text.encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=30)
    out = p.stdout.decode("utf-8", "replace").strip()
    return [] if p.returncode == 0 else ["promtool check metrics: status %d: %s" % (p.returncode, out[-2000:])]


def case_promtool(c, shared):
    exps = shared["expositions"]
    c.check(exps, "no exposition scraped by the cases before")
    for name, text in exps:
        if not c.check(text, "%s: no exposition scraped" % name):
            continue
        for e in promtool_errors(text):
            c.check(False, "%s: %s" % (name, e))


def site_live_errors(marks, truth, name, pid, when):
    """errors_of for poll(): the live series of zoo site name (marker) in
    process pid must equal the zoo's truth."""
    def errors_of(s):
        got = s.one("gostray_goroutines_live", pid=pid, site_file=os.path.join(
            it.ZOO_DIR, marks[name][0]), site_line=marks[name][1])
        want = truth["sites"][name]["live"]
        return [] if got == want else ["%s (pid %d) %s: live %r, want %d"
                                       % (name, pid, when, got, want)]
    return errors_of


def case_exec(c, args, versions, shared):
    """A shell that execs a Go service (what many containers' entrypoints
    do): the process is first a shell (not Go, skipped), then, same PID
    and start time, the zoo: node must notice the exec and trace it, with
    the zoo's exact counts."""
    tok = secrets.token_hex(3)
    marks = it.find_markers(it.ZOO_DIR)
    v = versions[-1]
    path = copy_binary(c, args, v, "static", "gse%s-%s" % (tok, v))
    g, url = start_node(c, args, "^(gse%s-.*|bash)$" % tok, ["--probes", "all"])
    truth_path = os.path.join(c.tmpdir(), "exec.truth.json")
    sh = it.Proc(c, "bash-exec", ["bash", "-c", "sleep %d; exec %s -truth %s" % (
        2 * SCAN_INTERVAL + 1, path, truth_path)])
    c.show.append(("bash-exec", sh, "err"))
    line = sh.wait_line("out", lambda l: l.startswith("READY "), c.left(40), "READY line")
    c.check(int(line.split()[1]) == sh.pid, "the zoo's pid %s is not the shell's %d (no exec?)"
            % (line.split()[1], sh.pid))
    sh.signal(signal.SIGUSR2)
    sh.wait_line("out", lambda l: l == "TRUTH-WRITTEN", c.left(20), "TRUTH-WRITTEN")
    truth = it.read_truth(c, truth_path)
    poll(c, url, site_live_errors(marks, truth, "select-forever", sh.pid, "of the exec'd zoo"),
         6 * SCAN_INTERVAL + 10, "the exec'd zoo in the metrics")
    g.wait_line("err", mentions(sh.pid, "attached"), c.left(5), "'attached' line for the exec'd zoo")
    sh.signal(signal.SIGTERM)
    sh.wait(c.left(10), "exit after SIGTERM")
    g.signal(signal.SIGINT)
    c.check(g.wait(c.left(20), "exit after SIGINT") == 0, "gostray node did not exit 0 on SIGINT")


def case_budget(c, args, versions, shared):
    """--max-cpu 0.1: a zoo churning hundreds of thousands of goroutines
    pushes node's steady cost over the cap, so the park probes go, which the
    metrics say; the process stays traced, its counts exact."""
    tok = secrets.token_hex(3)
    marks = it.find_markers(it.ZOO_DIR)
    v = versions[-1]
    path = copy_binary(c, args, v, "static", "gsb%s-%s" % (tok, v))
    truth_path = os.path.join(c.tmpdir(), "budget.truth.json")
    z = it.Proc(c, "zoo-churn", [path, "-truth", truth_path, "-churn", "400000"])
    c.show.append(("zoo-churn", z, "err"))
    z.wait_line("out", lambda l: l.startswith("READY "), c.left(30), "READY line")
    g, url = start_node(c, args, "^gsb" + tok, ["--probes", "all", "--park", "--max-cpu", "0.1"])
    g.wait_line("err", mentions(z.pid, "attached"), c.left(15), "'attached' line")
    z.signal(signal.SIGUSR1)

    def errors_of(s):
        got = s.one("gostray_budget_drops_total", what="park_probes")
        return [] if got and got >= 1 else ["gostray_budget_drops_total{what=park_probes} %r, "
                                            "want >= 1" % got]
    poll(c, url, errors_of, 40, "the CPU cap in the metrics")
    g.wait_line("err", lambda l: "park probes off" in l, c.left(5), "'park probes off' line")
    z.wait_line("out", lambda l: l == "PHASE2-DONE", c.left(90), "PHASE2-DONE")
    z.signal(signal.SIGUSR2)
    z.wait_line("out", lambda l: l == "TRUTH-WRITTEN", c.left(20), "TRUTH-WRITTEN")
    truth = it.read_truth(c, truth_path)
    poll(c, url, site_live_errors(marks, truth, "mutex-wait", z.pid, "after the cap"), 10,
         "exact counts with the park probes off")
    z.signal(signal.SIGTERM)
    z.wait(c.left(10), "exit after SIGTERM")
    g.signal(signal.SIGINT)
    c.check(g.wait(c.left(20), "exit after SIGINT") == 0, "gostray node did not exit 0 on SIGINT")


def case_probe_free(c, args, versions, shared):
    """`gostray node --probes none`: a zoo of every Go version read every
    second without a single probe: every site's live
    series equals the zoo's truth, its mode is `snapshots`, no counter of
    it is exported (they would be lower bounds) and no probe was hit."""
    tok = secrets.token_hex(3)
    marks = it.find_markers(it.ZOO_DIR)
    vs = sorted(set(versions), key=it.version_tuple)
    g, url = start_node(c, args, "^gsf%s-" % tok, ["--probes", "none", "--interval", "1s", "--escalate-window", "0"])
    zoos = []
    for v in vs:
        path = copy_binary(c, args, v, "static", "gsf%s-%s" % (tok, v))
        truth_path = os.path.join(c.tmpdir(), "pf-%s.truth.json" % v)
        z = it.Proc(c, "zoo-%s" % v, [path, "-truth", truth_path])
        c.show.append(("zoo-%s" % v, z, "err"))
        z.wait_line("out", lambda l: l.startswith("READY "), c.left(40), "READY line")
        z.signal(signal.SIGUSR2)
        z.wait_line("out", lambda l: l == "TRUTH-WRITTEN", c.left(20), "TRUTH-WRITTEN")
        zoos.append((v, z, it.read_truth(c, truth_path)))

    def errors_of(sc):
        errs = []
        for v, z, truth in zoos:
            for name, t in truth["sites"].items():
                if t["kind"] != "leak":
                    continue
                got = sc.one("gostray_goroutines_live", pid=z.pid, site_file=os.path.join(
                    it.ZOO_DIR, marks[name][0]), site_line=marks[name][1])
                if got != t["live"]:
                    errs.append("go%s %s: live %r, want %d" % (v, name, got, t["live"]))
            if sc.get("gostray_process_mode", pid=z.pid, mode="snapshots") == []:
                errs.append("go%s: no gostray_process_mode{mode=\"snapshots\"}" % v)
            for fam in ("gostray_goroutines_created_total", "gostray_goroutines_exited_total"):
                if sc.get(fam, pid=z.pid):
                    errs.append("go%s: %s exported without probes" % (v, fam))
        return errs

    sc = poll(c, url, errors_of, 6 * SCAN_INTERVAL + 15, "both zoos read without probes")
    if sc is not None:
        hits = sum(v for _, v in sc.get("gostray_probe_hits_total"))
        c.check(hits == 0, "%d probe hits without probes" % hits)
        c.check(sc.one("gostray_attached_binaries") == 0, "binaries with probes: %r"
                % sc.one("gostray_attached_binaries"))
    for v, z, _ in zoos:
        g.wait_line("err", mentions(z.pid, "attached without probes"), c.left(5),
                    "'attached without probes' line for go%s" % v)
        z.signal(signal.SIGTERM)
        z.wait(c.left(10), "exit after SIGTERM")
    g.signal(signal.SIGINT)
    c.check(g.wait(c.left(20), "exit after SIGINT") == 0, "gostray node did not exit 0 on SIGINT")


def case_escalation(c, args, versions, shared):
    """Node's default, --probes none, escalating: the demo service under its
    own load (3 leaking handlers) and an idle copy of it (another binary),
    read every second.  The loaded one turns leak and gets probes for a 6 s
    window: its binary alone probed (gostray_attached_binaries 1, probe
    hits), mode `escalated`, exact created/exited counters exported for it
    alone and never going back; the window's log names a leak site
    (file:line) with its creations and creation path; then the probes go
    (binaries 0, mode `snapshots`, counters gone).  The idle one is never
    escalated."""
    tok = secrets.token_hex(3)
    v = versions[-1]
    marks = it.find_markers(it.DEMO_DIR)
    paths = {k: copy_demo(c, args, v, "gsq%s-%s" % (tok, k)) for k in ("leaky", "calm")}
    leaky, _ = it.start_target(c, "leaky", [paths["leaky"], "-addr", "127.0.0.1:0", "-load",
                                            "-rate", "100"], "leakyservice: listening")
    calm, _ = it.start_target(c, "calm", [paths["calm"], "-addr", "127.0.0.1:0"],
                              "leakyservice: listening")
    g, url = start_node(c, args, "^gsq%s-" % tok, ["--interval", "1s", "--escalate-window", "6s"])
    g.wait_line("err", mentions(leaky.pid, "probes attached for 6 s"), c.left(40),
                "'probes attached' line for the loaded service")
    leak_files = {marks[n] for n in it.DEMO_LEAK_SITES}
    seen = {}       # (site_file, site_line) -> last created_total shown

    def in_window(sc):
        errs = []
        if sc.one("gostray_process_mode", pid=leaky.pid, mode="escalated") != 1:
            errs.append("loaded service not in mode escalated")
        if sc.one("gostray_process_mode", pid=calm.pid, mode="snapshots") != 1:
            errs.append("idle service not in mode snapshots")
        if sc.one("gostray_attached_binaries") != 1:
            errs.append("binaries with probes %r, want 1" % sc.one("gostray_attached_binaries"))
        if sc.get("gostray_goroutines_created_total", pid=calm.pid):
            errs.append("counters exported for the idle service")
        created = [(l, val) for l, val in sc.get("gostray_goroutines_created_total", pid=leaky.pid)
                   if (os.path.basename(l["site_file"]), int(l["site_line"])) in leak_files]
        if not any(val > 0 for _, val in created):
            errs.append("no created_total > 0 at a leak site of the loaded service")
        for l, val in created:
            key = (l["site_file"], l["site_line"])
            if val < seen.get(key, 0):
                errs.append("created_total of %s:%s went back: %d -> %d" % (key + (seen[key], val)))
            seen[key] = max(seen.get(key, 0), val)
        return errs
    sc = poll(c, url, in_window, 6, "the window in the metrics")
    if sc is not None:
        c.check((sc.one("gostray_escalations_active") or 0) >= 1, "gostray_escalations_active %r"
                % sc.one("gostray_escalations_active"))
        hits = sc.one("gostray_probe_hits_total", probe="create") or 0
        c.check(hits > 0, "no creation probe hit during the window")
    if c.errors:
        raise CaseFail(c.errors[0])
    g.wait_line("err", mentions(leaky.pid, "escalation over (window over)"), c.left(15),
                "'escalation over' line")
    lines = g.lines["err"]
    head = [i for i, l in enumerate(lines) if mentions(leaky.pid, "escalation window of")(l)]
    window = []
    if c.check(head, "no 'escalation window of' line for the loaded service"):
        for l in lines[head[0] + 1:]:
            if not l.startswith("gostray: node:   "):
                break
            window.append(l)
    named = [l for l in window for f, n in leak_files if "%s:%d)" % (f, n) in l
             and re.search(r"created [1-9]", l) and "created from" in l]
    c.check(named, "the window's log names no leak site with creations and a creation path: %r"
            % window)

    def after(sc):
        errs = unescalated_errors(sc, leaky.pid)
        if sc.get("gostray_goroutines_created_total", pid=leaky.pid) and \
                sc.one("gostray_escalations_active") == 0:
            errs.append("counters exported after the window")
        return errs
    poll(c, url, after, 10, "the metrics after the window")
    c.check(not any(mentions(calm.pid, "probes attached")(l) for l in g.lines["err"]),
            "the idle service was escalated")
    for p in (leaky, calm):
        p.signal(signal.SIGTERM)
        p.wait(c.left(10), "exit after SIGTERM")
    g.signal(signal.SIGINT)
    c.check(g.wait(c.left(20), "exit after SIGINT") == 0, "gostray node did not exit 0 on SIGINT")


def case_escalation_limit(c, args, versions, shared):
    """--max-escalations 1 with two loaded demo services (two binaries):
    never both escalated in a scrape, the second one's wait counted in
    gostray_budget_drops_total{what="escalations_over_max"}, and it is
    escalated once the first one's 4 s window is over."""
    tok = secrets.token_hex(3)
    svcs = []
    for k in ("one", "two"):
        path = copy_demo(c, args, versions[-1], "gsl%s-%s" % (tok, k))
        svc, _ = it.start_target(c, k, [path, "-addr", "127.0.0.1:0", "-load", "-rate", "100"],
                                 "leakyservice: listening")
        svcs.append(svc)
    g, url = start_node(c, args, "^gsl%s-" % tok, ["--interval", "1s", "--escalate-window", "4s",
                                                  "--max-escalations", "1"])
    t0 = time.monotonic()
    both_seen, waited = False, 0
    while time.monotonic() - t0 < 30:
        try:
            sc = scrape(url)
        except OSError:
            time.sleep(0.3)
            continue
        esc = [p.pid for p in svcs if sc.one("gostray_process_mode", pid=p.pid, mode="escalated")]
        c.check(len(esc) <= 1, "both services escalated at once (--max-escalations 1)")
        waited = max(waited, sc.one("gostray_budget_drops_total", what="escalations_over_max") or 0)
        if all(any(mentions(p.pid, "probes attached")(l) for l in g.lines["err"]) for p in svcs):
            both_seen = True
            break
        time.sleep(0.3)
    c.check(both_seen, "not both services escalated in turn within 30 s")
    c.check(waited >= 1, "escalations_over_max %r, want >= 1" % waited)
    for p in svcs:
        p.signal(signal.SIGTERM)
        p.wait(c.left(10), "exit after SIGTERM")
    g.signal(signal.SIGINT)
    c.check(g.wait(c.left(20), "exit after SIGINT") == 0, "gostray node did not exit 0 on SIGINT")


def case_escalation_cpu(c, args, versions, shared):
    """--max-cpu 0.01 (a hundredth of a percent of a core: anything over
    it): a 60 s window of the loaded demo service ends at the first budget
    check, by the CPU cap, and the process is back in mode snapshots with
    no binary probed."""
    tok = secrets.token_hex(3)
    path = copy_demo(c, args, versions[-1], "gsu%s-svc" % tok)
    svc, _ = it.start_target(c, "svc", [path, "-addr", "127.0.0.1:0", "-load", "-rate", "100"],
                             "leakyservice: listening")
    g, url = start_node(c, args, "^gsu%s-" % tok, ["--interval", "1s", "--max-cpu", "0.01"])
    g.wait_line("err", mentions(svc.pid, "probes attached for 60 s"), c.left(20),
                "'probes attached' line")
    g.wait_line("err", mentions(svc.pid, "escalation over (over the CPU cap)"), c.left(30),
                "'escalation over (over the CPU cap)' line")

    poll(c, url, lambda sc: unescalated_errors(sc, svc.pid), 5, "the metrics after the CPU cap")
    svc.signal(signal.SIGTERM)
    svc.wait(c.left(10), "exit after SIGTERM")
    g.signal(signal.SIGINT)
    c.check(g.wait(c.left(20), "exit after SIGINT") == 0, "gostray node did not exit 0 on SIGINT")


def run_node_cases(runner, args, versions):
    """Registers the node cases with run.py's Runner.  args: gostray,
    go_bins (absolute), keep, only (run.py's arguments)."""
    shared = {"expositions": []}
    have = [v for v in versions if os.path.exists(it.binary(args, v, "zoo", "static"))]
    if not have:
        runner.case("node/zoo", it.case_missing, 10, "no zoo binaries in %s for %s" % (args.go_bins, versions))
        return
    runner.case("node/scenario", case_scenario, 150, args, have, shared)
    runner.case("node/top-sites", case_top_sites, 45, args, have, shared)
    runner.case("node/churn", case_churn, 120, args, have, shared)
    runner.case("node/exec", case_exec, 60, args, have, shared)
    runner.case("node/budget", case_budget, 150, args, have, shared)
    runner.case("node/probe-free", case_probe_free, 90, args, have, shared)
    runner.case("node/escalation", case_escalation, 90, args, have, shared)
    runner.case("node/escalation-limit", case_escalation_limit, 60, args, have, shared)
    runner.case("node/escalation-cpu", case_escalation_cpu, 60, args, have, shared)
    if shutil.which("promtool"):
        runner.case("node/promtool", case_promtool, 60, shared)
    elif promtool_provided():
        runner.case("node/promtool", it.case_missing, 10,
                    "no promtool, though tools/install-deps.sh installs prometheus")
    else:
        it.log("SKIP node/promtool: no promtool here and tools/install-deps.sh does not install "
               "Debian's prometheus package")


# ------------------------------------------------------------ self-test

class FakeNode:
    """An HTTP endpoint serving a given exposition (the harness's self-test:
    what a correct `gostray node` would serve)."""

    def __init__(self):
        self.text = ""
        owner = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = owner.text.encode()
                self.send_response(200 if self.path == "/metrics" else 404)
                self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass
        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d/metrics" % self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


def esc(v):
    return str(v).replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")


def fake_exposition(zoos, marks, bump=None):
    """What node should serve for these (zoo, truth) pairs: marked sites
    from the truth, main's and os/signal's goroutine (the zoo's two
    base goroutines) and one runtime goroutine per process."""
    rows = {n: [] for n in SITE_METRICS}
    procs = []
    for z, t in zoos:
        base = {"pid": z.pid, "exe": z.exe, "container_id": "", "pod": ""}
        sites = []
        for name, st in sorted(t["sites"].items()):
            if st["live"] or st["created_phase2"]:
                f, line = marks[name]
                sites.append(("main.x_" + name.replace("-", "_"), os.path.join(it.ZOO_DIR, f), line,
                              st["live"], st["created_phase2"],
                              st["live_phase1"] + st["created_phase2"] - st["live"]))
        user = sum(x[3] for x in sites)
        sites.append(("runtime.newproc", "<autogenerated>", 1, 1, 0, 0))
        sites.append(("os/signal.Notify", "/usr/lib/go/src/os/signal/signal.go", 151,
                      t["num_goroutine"] - user - 1, 0, 0))
        sites.append(("runtime.init.6", "/usr/lib/go/src/runtime/proc.go", 293, 1, 0, 0))
        if bump == z.label:
            sites[0] = sites[0][:3] + (sites[0][3] + 1,) + sites[0][4:]
        for fn, f, line, lv, cr, ex in sites:
            labels = dict(base, site_function=fn, site_file=f, site_line=line)
            lab = ",".join('%s="%s"' % (k, esc(v)) for k, v in labels.items())
            for n, val in zip(SITE_METRICS, (lv, cr, ex)):
                rows[n].append("%s{%s} %d" % (n, lab, val))
        procs.append('gostray_process_goroutines{%s} %d'
                     % (",".join('%s="%s"' % (k, esc(v)) for k, v in base.items()), sum(x[3] for x in sites)))
    out = []
    for n, typ in zip(SITE_METRICS, ("gauge", "counter", "counter")):
        out += ["# HELP %s Goroutines of one creation site." % n, "# TYPE %s %s" % (n, typ)] + rows[n]
    out += ["# HELP gostray_process_goroutines Live goroutines of one process.",
            "# TYPE gostray_process_goroutines gauge"] + procs
    out += ["# HELP gostray_attached_processes Processes attached.", "# TYPE gostray_attached_processes gauge",
            "gostray_attached_processes %d" % len(zoos),
            "# HELP gostray_attached_binaries Binaries probed.", "# TYPE gostray_attached_binaries gauge",
            "gostray_attached_binaries %d" % len({z.exe for z, _ in zoos}),
            "# HELP gostray_lost_events_total Events lost.", "# TYPE gostray_lost_events_total counter",
            "gostray_lost_events_total 0"]
    return "\n".join(out) + "\n"


def case_selftest(c, args, versions):
    """The harness without gostray: zoos (one in a namespace, host pid
    found), their truths, a fake endpoint serving what node should, the
    checks pass on it and fail on a wrong count, an unknown pid, an
    excluded pid; promtool accepts the fake exposition."""
    tok = secrets.token_hex(3)
    marks = it.find_markers(it.ZOO_DIR)
    v = versions[-1]
    a = Zoo(c, "zooA", copy_binary(c, args, v, "static", "gsn%s-a" % tok), v)
    b = Zoo(c, "zooB-ns", copy_binary(c, args, v, "static", "gsn%s-b" % tok), v, ns=True)
    a.ready()
    b.ready()
    c.check(b.pid != b.p.pid and ns_pids(b.pid)[-1] == 1, "ns zoo's host pid not found")
    for q in (a, b):
        q.phase2()
    for q in (a, b):
        q.phase2_done()
    ta, tb = a.truth(), b.truth()
    c.check(ta["num_goroutine"] == ta["expected_goroutines"], "zoo A not quiescent")
    fake = FakeNode()
    try:
        fake.text = fake_exposition([(a, ta), (b, tb)], marks)
        s = scrape(fake.url)
        errs = global_errors(s, [a, b], []) + zoo_errors(s, a, ta, marks, "exact") + \
            zoo_errors(s, b, tb, marks, "exact")
        c.check(not errs, "the checks fail on a correct exposition: %s" % errs)
        fake.text = fake_exposition([(a, ta), (b, tb)], marks, bump="zooB-ns")
        s = scrape(fake.url)
        errs = zoo_errors(s, b, tb, marks, "exact")
        c.check(any("truth" in e for e in errs) and any("NumGoroutine" in e for e in errs),
                "a site's live off by one goes unnoticed: %s" % errs)
        errs = global_errors(s, [a], [(b.pid, "excluded")])
        c.check(any("attached_processes" in e for e in errs) and any("excluded" in e for e in errs),
                "an extra process goes unnoticed: %s" % errs)
        b.kill()
        errs = global_errors(s, [a, b], [])
        c.check(any("none of them ours" in e for e in errs), "a dead zoo's series go unnoticed: %s" % errs)
        if shutil.which("promtool"):
            fake.text = fake_exposition([(a, ta)], marks)
            c.check(not promtool_errors(fake.text), "promtool: %s" % promtool_errors(fake.text))
            c.check(promtool_errors("gostray_x{a=\"1\" 2\n"), "promtool accepts a broken exposition")
        else:
            it.log("SKIP selftest promtool: no promtool")
        # poll() with nothing listening fails the case with a clear reason.
        probe = it.Case("probe", 5)
        poll(probe, "http://127.0.0.1:%d/metrics" % free_port(), lambda s: [], 1, "dead endpoint")
        c.check(probe.errors and "GET" in probe.errors[0], "polling a dead endpoint: %s" % probe.errors)
    finally:
        fake.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gostray", default="./gostray")
    ap.add_argument("--go-bins", default="build/go")
    ap.add_argument("--versions", default="1.19 1.27")
    ap.add_argument("--only", default="", help="only cases whose name matches this regex")
    ap.add_argument("--keep", action="store_true", help="keep each case's temporary files")
    ap.add_argument("--selftest", action="store_true", help="test the harness alone (no gostray node)")
    args = ap.parse_args()
    args.gostray = os.path.abspath(args.gostray)
    args.go_bins = os.path.abspath(args.go_bins)
    args.scale = 1
    args.variants = ""
    versions = args.versions.split()
    runner = it.Runner(args)
    if os.geteuid() != 0:
        it.log("FAIL node: must run as root (BPF, ptrace, unshare)")
        return 1
    if text_string_to_metric_families is None:
        it.log("FAIL node: no prometheus_client parser (Debian: python3-prometheus-client)")
        return 1
    if args.selftest:
        runner.case("node/selftest", case_selftest, 90, args, versions)
    else:
        if not os.access(args.gostray, os.X_OK):
            it.log("FAIL node: no gostray binary at %s (run make first)" % args.gostray)
            return 1
        run_node_cases(runner, args, versions)
    return runner.summary()


if __name__ == "__main__":
    sys.exit(main())
