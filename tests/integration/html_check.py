#!/usr/bin/env python3
"""report.html in a real browser: Debian's chromium, headless.

    python3 tests/integration/html_check.py incident/report.html \
        --leak http_leak.go:33 --ok pool_fixed.go:31 [--screenshot docs/report.png]

check_report_html(html_path, leak_sites, ok_sites, screenshot_path=None)
returns a list of failure strings (empty: passed); sites are
(file_basename, line) pairs.  Chromium runs twice on the file:

  --dump-dom     the DOM after the page's scripts ran: <html
                 data-rendered="ok"> (set by the page's last script; a
                 script error makes it "errors" and fills data-errors), each
                 leak site in a table row whose verdict and badge are leak,
                 each ok site's rows ok, and the chart drawn
  --screenshot   1280x1600, read with PIL: the page is not blank, the
                 leak red (#c62828, cards and badges) covers enough pixels
                 when there are leak sites, and inside the chart's box
                 (data-chart-rect, measured by the page) the lines' own
                 colors (the polylines' stroke attributes) are drawn

The page's Content-Security-Policy lets nothing load from elsewhere;
chromium gets a throw-away profile and, as root, --no-sandbox.  One run
takes 1-3 s.
"""

import argparse
import html.parser
import os
import shutil
import subprocess
import sys
import tempfile

WINDOW = (1280, 1600)
LEAK_RED = (0xc6, 0x28, 0x28)	# src/output/htmlreport.c: --leak
COLOR_TOLERANCE = 12		# per channel: antialiasing and color management
MIN_LEAK_RED = 2000		# pixels: the leak card alone is ~25000
MIN_LINE_PIXELS = 300		# one charted line across the chart is ~2500
TIMEOUT = 60


def _import_pil():
    """PIL from python3-pil, also when python3 is not Debian's own (a
    pyenv or venv interpreter of the same version sees dist-packages)."""
    try:
        from PIL import Image
        return Image
    except ImportError:
        pass
    deb = "/usr/lib/python3/dist-packages"
    if os.path.isdir(deb) and deb not in sys.path:
        sys.path.append(deb)
        try:
            from PIL import Image
            return Image
        except ImportError:
            pass
    return None


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _run_chromium(chromium, url, extra, profile):
    argv = [chromium, "--headless=new", "--disable-gpu", "--no-first-run",
            "--no-default-browser-check", "--disable-extensions", "--hide-scrollbars",
            "--force-device-scale-factor=1", "--user-data-dir=" + profile,
            # Without these a tall screenshot sometimes misses tiles that
            # were not painted yet (seen: a background-colored block).
            "--run-all-compositor-stages-before-draw", "--virtual-time-budget=3000",
            "--window-size=%d,%d" % WINDOW] + extra
    if os.geteuid() == 0:
        argv.insert(1, "--no-sandbox")	# chromium refuses to run as root otherwise
    argv.append(url)
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=TIMEOUT, check=False)


class _Dom(html.parser.HTMLParser):
    """What the checks need from the dumped DOM: <html>'s data
    attributes, the site rows (verdict, file, line, badge, text) and the
    chart's polylines."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = {}
        self.rows = []
        self.polylines = []
        self._row = None
        self._badge = False
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.root = a
        elif tag == "tr" and "data-verdict" in a:
            self._row = {"verdict": a.get("data-verdict"), "file": a.get("data-file"),
                         "line": a.get("data-line"), "badge": "", "text": ""}
            self.rows.append(self._row)
        elif tag == "polyline":
            self.polylines.append(a)
        elif tag == "span" and self._row is not None and \
                "badge" in (a.get("class") or "").split():
            self._badge = True

    def handle_endtag(self, tag):
        if tag == "tr":
            self._row = None
        elif tag == "span":
            self._badge = False

    def handle_data(self, data):
        if self._row is None:
            return
        self._row["text"] += data
        if self._badge:
            self._row["badge"] += data.strip()


def _rows_at(dom, fname, line):
    return [r for r in dom.rows if r["file"] == fname and r["line"] == str(line)]


def _check_dom(dom, leak_sites, ok_sites):
    fails = []
    rendered = dom.root.get("data-rendered")
    if rendered != "ok":
        fails.append("the page did not finish rendering: data-rendered=%r" % rendered)
    if dom.root.get("data-errors"):
        fails.append("script errors: %s" % dom.root["data-errors"])
    if not dom.rows and (leak_sites or ok_sites):
        fails.append("no site rows in the rendered page")
    for fname, line in leak_sites:
        rows = _rows_at(dom, fname, line)
        where = "%s:%s" % (fname, line)
        if not rows:
            fails.append("leak site %s: no row in the table" % where)
        elif not any(r["verdict"] == "leak" and r["badge"].lower() == "leak" and
                     where in r["text"] for r in rows):
            fails.append("leak site %s: row shows %s" % (
                where, ", ".join("%s (badge %r)" % (r["verdict"], r["badge"]) for r in rows)))
    for fname, line in ok_sites:
        rows = _rows_at(dom, fname, line)
        where = "%s:%s" % (fname, line)
        if not rows:
            fails.append("ok site %s: no row in the table" % where)
        for r in rows:
            if r["verdict"] != "ok" or r["badge"].lower() != "ok" or where not in r["text"]:
                fails.append("ok site %s: row shows %s (badge %r)" % (
                    where, r["verdict"], r["badge"]))
    if leak_sites and not dom.polylines:
        fails.append("the chart has no line although there are leak sites")
    return fails


def _hex_rgb(s):
    s = (s or "").lstrip("#")
    if len(s) != 6:
        return None
    try:
        return tuple(int(s[i:i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return None


def _near(px, rgb):
    return all(abs(px[i] - rgb[i]) <= COLOR_TOLERANCE for i in range(3))


def _count(pixels, rgbs):
    """Pixels near each color, in one pass."""
    counts = [0] * len(rgbs)
    for px, n in pixels:
        for i, rgb in enumerate(rgbs):
            if _near(px, rgb):
                counts[i] += n
                break
    return counts


def _check_screenshot(Image, png, dom, want_leak):
    fails = []
    try:
        img = Image.open(png).convert("RGB")
    except OSError as e:
        return ["screenshot %s: %s" % (png, e)]
    if img.size != WINDOW:
        fails.append("screenshot is %dx%d, want %dx%d" % (img.size + WINDOW))
    # (count, color) over the whole image: a few thousand entries.
    colors = img.getcolors(maxcolors=img.size[0] * img.size[1])
    pixels = [(c, n) for n, c in colors]
    total = img.size[0] * img.size[1]
    top = max(n for n, _ in colors)
    if len(colors) < 50 or top > 0.97 * total:
        fails.append("screenshot looks blank: %d colors, the commonest covers %.0f%%"
                     % (len(colors), 100.0 * top / total))
    red = _count(pixels, [LEAK_RED])[0]
    if want_leak and red < MIN_LEAK_RED:
        fails.append("leak red #%02x%02x%02x covers %d pixels, want at least %d"
                     % (LEAK_RED + (red, MIN_LEAK_RED)))

    rect = dom.root.get("data-chart-rect")
    strokes = []
    for p in dom.polylines:
        rgb = _hex_rgb(p.get("stroke"))
        if rgb and rgb not in strokes:
            strokes.append(rgb)
    if not strokes:
        return fails
    try:
        x, y, w, h = (int(v) for v in rect.split(","))
    except (AttributeError, ValueError):
        fails.append("the page did not report where its chart is (data-chart-rect=%r)" % rect)
        return fails
    if w < 200 or h < 100 or x < 0 or y < 0 or x + w > img.size[0] or y + h > img.size[1]:
        fails.append("chart box %s is not within the %dx%d screenshot" % (rect, *img.size))
        return fails
    chart = img.crop((x, y, x + w, y + h))
    ccolors = chart.getcolors(maxcolors=w * h)
    counts = _count([(c, n) for n, c in ccolors], strokes)
    drawn = [n for n in counts if n >= MIN_LINE_PIXELS]
    if not drawn:
        fails.append("no chart line visible in the chart box %s: line colors %s cover %s pixels"
                     % (rect, ["#%02x%02x%02x" % c for c in strokes], counts))
    return fails


def check_report_html(html_path, leak_sites, ok_sites, screenshot_path=None):
    """Failures (strings) of report.html in headless chromium; [] when it
    passed.  leak_sites, ok_sites: (file_basename, line) pairs."""
    if not os.path.isfile(html_path):
        return ["%s: no such file" % html_path]
    chromium = find_chromium()
    if not chromium:
        return ["chromium is not installed (tools/install-deps.sh installs it)"]
    Image = _import_pil()
    if Image is None:
        return ["python3-pil is not installed (tools/install-deps.sh installs it)"]
    url = "file://" + os.path.abspath(html_path)
    profile = tempfile.mkdtemp(prefix="gostray-chromium.")
    shotdir = None
    try:
        try:
            p = _run_chromium(chromium, url, ["--dump-dom"], profile)
        except subprocess.TimeoutExpired:
            return ["chromium --dump-dom did not finish in %d s" % TIMEOUT]
        if p.returncode != 0 or not p.stdout.strip():
            return ["chromium --dump-dom failed (status %d): %s"
                    % (p.returncode, p.stderr.decode(errors="replace")[-800:])]
        dom = _Dom()
        dom.feed(p.stdout.decode("utf-8", errors="replace"))
        dom.close()
        fails = _check_dom(dom, leak_sites, ok_sites)

        if screenshot_path is None:
            shotdir = tempfile.mkdtemp(prefix="gostray-shot.")
            screenshot_path = os.path.join(shotdir, "report.png")
        screenshot_path = os.path.abspath(screenshot_path)
        if os.path.exists(screenshot_path):
            os.unlink(screenshot_path)	# a stale one must not pass for a new one
        try:
            p = _run_chromium(chromium, url, ["--screenshot=" + screenshot_path], profile)
        except subprocess.TimeoutExpired:
            return fails + ["chromium --screenshot did not finish in %d s" % TIMEOUT]
        if p.returncode != 0 or not os.path.isfile(screenshot_path):
            return fails + ["chromium --screenshot failed (status %d): %s"
                            % (p.returncode, p.stderr.decode(errors="replace")[-800:])]
        fails += _check_screenshot(Image, screenshot_path, dom, bool(leak_sites))
        return fails
    finally:
        shutil.rmtree(profile, ignore_errors=True)
        if shotdir:
            shutil.rmtree(shotdir, ignore_errors=True)


def _site(arg):
    fname, sep, line = arg.rpartition(":")
    if not sep or not fname or not line.isdigit():
        raise argparse.ArgumentTypeError("want FILE:LINE (file base name), got %r" % arg)
    return (fname, int(line))


def main():
    ap = argparse.ArgumentParser(description="Check a gostray report.html in headless "
                                 "chromium (DOM and screenshot).")
    ap.add_argument("html", help="report.html to check")
    ap.add_argument("--leak", type=_site, action="append", default=[], metavar="FILE:LINE",
                    help="a site whose row must say leak (repeatable)")
    ap.add_argument("--ok", type=_site, action="append", default=[], metavar="FILE:LINE",
                    help="a site whose rows must say ok (repeatable)")
    ap.add_argument("--screenshot", metavar="OUT",
                    help="keep the %dx%d screenshot there (e.g. docs/report.png)" % WINDOW)
    args = ap.parse_args()
    fails = check_report_html(args.html, args.leak, args.ok, args.screenshot)
    for f in fails:
        print("FAIL %s: %s" % (args.html, f))
    if not fails:
        print("PASS %s: rendered without errors, %d leak and %d ok sites as expected, "
              "screenshot checked%s" % (args.html, len(args.leak), len(args.ok),
                                        " (kept in %s)" % args.screenshot
                                        if args.screenshot else ""))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
