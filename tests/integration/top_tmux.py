#!/usr/bin/env python3
"""`gostray top PID` driven like a person would, in an 80x24 tmux pane.

    sudo python3 tests/integration/top_tmux.py --gostray ./gostray PID FILE.go:LINE \
        [--no-verdict] [--timeout 30] [--show]

drive_top() starts `gostray top PID` in a detached tmux session of 80x24
(a private server, -L), and checks, reading the pane with capture-pane:

  1. the table shows, and its first row is the site FILE.go:LINE (basename)
     with verdict leak (require_verdict=False: any verdict);
  2. Enter opens that site's details: its go statement, its creation
     stacks and at least one blocked stack (paging down to find it);
  3. Escape comes back to the table, q quits: gostray exits 0, prints its
     final text report, and the terminal is given back (no alternate
     screen, cursor shown, keypad mode off).

It returns the failures (empty: pass); the screens it read are put in the
dict passed as screens ("table", "details", "after").  As a command it
prints PASS or FAIL lines and exits 0 only on a pass; --show prints the
screens too.  Needs root (gostray attaches) and tmux.
"""

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

COLS, ROWS = 80, 24
EXIT_MARK = "GOSTRAY-EXIT="


class Tmux:
    """One private tmux server with one session, killed by close()."""

    def __init__(self):
        self.socket = "gostray-top-%d" % os.getpid()
        self.session = "top"

    def run(self, *args, check=True):
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True,
                              text=True, check=check, timeout=10)

    def start(self, command):
        # The shell stays after gostray so the pane keeps its last screen
        # and the exit status can be read from it.
        shell = "%s; echo %s$?; sleep 600" % (command, EXIT_MARK)
        self.run("-f", "/dev/null", "new-session", "-d", "-s", self.session,
                 "-x", str(COLS), "-y", str(ROWS), shell)

    def screen(self):
        return self.run("capture-pane", "-p", "-t", self.session).stdout

    def scrollback(self):
        """The screen and the lines scrolled off it (a report longer
        than the pane)."""
        return self.run("capture-pane", "-p", "-S", "-", "-t", self.session).stdout

    def keys(self, *keys):
        self.run("send-keys", "-t", self.session, *keys)

    def pane(self, fmt):
        return self.run("display-message", "-p", "-t", self.session, fmt).stdout.strip()

    def close(self):
        # tmux leaves a private server's socket file behind: remove it too.
        path = self.run("display-message", "-p", "#{socket_path}", check=False).stdout.strip()
        self.run("kill-server", check=False)
        if path.startswith("/") and os.path.basename(path) == self.socket:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass


def wait_for(tmux, pred, timeout):
    """The first screen pred accepts, else None; the last screen read."""
    end = time.monotonic() + timeout
    screen = ""
    while True:
        screen = tmux.screen()
        if pred(screen):
            return screen, screen
        if time.monotonic() >= end:
            return None, screen
        time.sleep(0.2)


def table_rows(screen):
    """The rows under the column heading, as lists of words."""
    lines = screen.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("VERDICT ") and "LIVE" in line:
            rows = []
            for row in lines[i + 1:]:
                words = row.split()
                if not words or words[0] not in ("leak", "suspect", "ok", "?"):
                    break
                rows.append(words)
            return rows
    return []


def first_row_is(screen, site, require_verdict):
    rows = table_rows(screen)
    return bool(rows) and site in rows[0] and (not require_verdict or rows[0][0] == "leak")


def drive_top(gostray, pid, first_site, timeout=30.0, require_verdict=True, screens=None,
              extra=()):
    """Drive `gostray top pid [extra...]`; returns a list of failures
    (empty: pass)."""
    failures = []
    screens = {} if screens is None else screens
    if not shutil.which("tmux"):
        return ["tmux is not installed (tools/install-deps.sh installs it)"]
    site_re = re.compile(r"^([^:]+):(\d+)$")
    if not site_re.match(first_site):
        return ["first_site %r is not FILE.go:LINE" % first_site]

    tmux = Tmux()
    try:
        tmux.start("%s top %d %s" % (shlex.quote(gostray), pid,
                                     " ".join(shlex.quote(a) for a in extra)))

        # 1. The table, with the leaking site first.
        screen, last = wait_for(tmux, lambda s: first_row_is(s, first_site, require_verdict),
                                timeout)
        screens["table"] = last
        if screen is None:
            rows = table_rows(last)
            first = " ".join(rows[0]) if rows else "no table"
            return failures + ["first row is not %s%s after %.0fs: %s" % (
                "leak " if require_verdict else "", first_site, timeout, first)]
        if any(len(line) > COLS for line in screen.splitlines()):
            failures.append("a line is wider than %d columns" % COLS)
        if not re.search(r"^live \d+ .* lost \d+", screen, re.M):
            failures.append("no totals line (live ..., lost ...) in the header")
        if "q quit" not in screen.splitlines()[-1]:
            failures.append("no key help on the last line")

        # 2. The details of the first row: the selection stays on the site
        # it was on when rows move, so go to the first row (g) first.
        tmux.keys("g", "Enter")
        screen, last = wait_for(tmux, lambda s: "CREATION STACK" in s and
                                "reading every goroutine" not in s, 15)
        if screen is None:
            screens["details"] = last
            return failures + ["Enter did not open the details: no CREATION STACKS"]
        pages = [screen]
        # The blocked stacks may be below the fold: page down to them.
        blocked = re.compile(r"^BLOCKED STACKS.*\n(.*\n)*?\s+\d+ x \S", re.M)
        for _ in range(10):
            if blocked.search("\n".join(pages)):
                break
            tmux.keys("NPage")
            time.sleep(0.3)
            page = tmux.screen()
            if page == pages[-1]:
                break
            pages.append(page)
        details = "\n".join(pages)
        screens["details"] = details
        if not re.search(r"go statement %s " % re.escape(first_site), details):
            failures.append("details do not name the go statement %s" % first_site)
        if "--probes" in extra and "none" in extra:
            if "not recorded without probes (--probes none)" not in details:
                failures.append("details do not say that no creation stack is recorded "
                                "without probes")
        elif not re.search(r"^\s+\d+ live, \d+ created, \d+ exited", details, re.M):
            failures.append("details show no creation stack line")
        if not blocked.search(details):
            failures.append("details show no blocked stack group (N x state)")

        # 3. Back, then quit: exit 0, the report, the terminal as it was.
        tmux.keys("Escape")
        screen, last = wait_for(tmux, lambda s: bool(table_rows(s)), 5)
        if screen is None:
            failures.append("Escape did not go back to the table")
        tmux.keys("q")
        screen, last = wait_for(tmux, lambda s: EXIT_MARK in s, 15)
        screens["after"] = last
        if screen is None:
            return failures + ["gostray did not exit on q"]
        status = re.search(EXIT_MARK + r"(\d+)", screen).group(1)
        if status != "0":
            failures.append("gostray exited %s on q" % status)
        report = tmux.scrollback()
        screens["after"] = report
        if not re.search(r"^VERDICT +LIVE +CREATED", report, re.M):
            failures.append("no final text report after the view")
        state = tmux.pane("#{alternate_on} #{cursor_flag} #{keypad_flag}")
        if state != "0 1 0":
            failures.append("terminal not restored: alternate screen, cursor, keypad = %s"
                            " (want 0 1 0)" % state)
    except subprocess.SubprocessError as e:
        failures.append("tmux: %s" % e)
    finally:
        tmux.close()
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gostray", default="./gostray")
    ap.add_argument("--timeout", type=float, default=30.0,
                    help="seconds for the table to show the site first")
    ap.add_argument("--no-verdict", action="store_true",
                    help="do not require the first row's verdict to be leak")
    ap.add_argument("--show", action="store_true", help="print the screens read")
    ap.add_argument("pid", type=int)
    ap.add_argument("site", help="the expected first row's FILE.go:LINE (basename)")
    a = ap.parse_args()

    screens = {}
    failures = drive_top(os.path.abspath(a.gostray), a.pid, a.site, a.timeout,
                         not a.no_verdict, screens)
    if a.show or failures:
        for name, screen in screens.items():
            print("---- %s ----\n%s" % (name, screen.rstrip("\n")))
    for f in failures:
        print("FAIL top in tmux: %s" % f)
    if not failures:
        print("PASS top in tmux: %s first, details, quit" % a.site)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
