"""Open the built documentation site in headless Chromium and check what a reader would see.

    python scripts/check_site.py [SITE_DIR]        # default: site/ (after `mkdocs build`)
    python scripts/check_site.py --self-test       # prove the checks catch a broken page

The site is served by ``python -m http.server`` bound to 127.0.0.1 on a free port, for at most
``--lifetime`` seconds (a timer ends it even if this script hangs); every Chromium call has its
own timeout.  For each page below Chromium takes a screenshot and dumps the DOM after the page's
scripts ran, with its console routed to stderr.  A page passes when

* the screenshot is a PNG of the window size, not blank (many distinct colours, pixel spread);
* the DOM holds the page's markers (its title, key text, its figures as ``<img>``) and loads no
  script, style, font or image from the internet (the site works offline);
* the browser's console printed nothing (a JavaScript error, a failed resource load);
* the server answered every request of the page with 200 (no 404 for a figure, script or style),
  and the page's figures were among them (the home page's phase diagram).

No DevTools protocol is used: console messages come from ``--enable-logging=stderr`` and requests
from the server's own log.  ``--self-test`` serves a page with a thrown error, a missing image and
no content and checks that each check fails on it, so a change in Chromium's log format cannot
make the check pass silently.  Exit code 0 when every page passes, 1 otherwise, 77 when Chromium
is not installed.
"""
from __future__ import annotations

import argparse
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from PIL import Image, ImageStat

WINDOW = (1280, 1600)
#: page -> strings its DOM must contain (the API page of a name that will stay public)
PAGES = {
    "": ["<title>", "fastq", "fastq phase --out fastq-out", "pip install", 'src="gallery/fig02.png"',
         "API reference", "Tutorials"],
    "reference/api/solve_rs/": ['id="fastq.solve_rs"', "fastq.solve_rs", "Parameters", "Returns", "quantizer",
                                "RSResult"],
    "tutorials/first_phase_diagram/": ["Your first phase diagram", "RS fraction of the grid",
                                       'src="data:image/png;base64'],
}
#: page -> files the browser must have fetched (with status 200) while rendering it
FETCHED = {"": ["/gallery/fig02.png"], "reference/api/solve_rs/": [], "tutorials/first_phase_diagram/": []}
_CONSOLE = re.compile(r"CONSOLE|Uncaught|Failed to load resource", re.I)
_EXTERNAL = re.compile(r"<(?:script|link|img|iframe)\b[^>]*?\b(?:src|href)=\"(https?://(?!127\.0\.0\.1)[^\"]+)\"")
_REQUEST = re.compile(r'"GET (\S+) HTTP/[\d.]+" (\d{3})')


def chromium() -> str | None:
    """Path of the Chromium binary, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``python -m http.server`` on 127.0.0.1 for ``root``, killed after ``lifetime`` seconds at most."""

    def __init__(self, root: Path, lifetime: float):
        self.port = _free_port()
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(self.port), "--bind", "127.0.0.1", "--directory", str(root)],
            stdout=subprocess.DEVNULL, stderr=self.log)
        self.timer = threading.Timer(lifetime, self.proc.kill)
        self.timer.daemon = True
        self.timer.start()
        self.url = f"http://127.0.0.1:{self.port}/"
        for _ in range(100):  # up to 10 s for the server to answer
            try:
                urllib.request.urlopen(self.url, timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            self.stop()
            raise RuntimeError("the local web server did not start")
        self.mark = self._size()

    def _size(self) -> int:
        self.log.flush()
        self.log.seek(0, 2)
        return self.log.tell()

    def requests_since_mark(self) -> list[tuple[str, int]]:
        """``[(path, status)]`` the server logged since the last call."""
        time.sleep(0.2)
        self.log.seek(self.mark)
        text = self.log.read().decode(errors="replace")
        self.mark = self._size()
        return [(m.group(1), int(m.group(2))) for m in _REQUEST.finditer(text)]

    def stop(self) -> None:
        """End the server (and its timer)."""
        self.timer.cancel()
        self.proc.kill()
        self.proc.wait(timeout=10)
        self.log.close()


def _browser(binary: str, url: str, profile: Path, *extra: str, timeout: float = 90) -> subprocess.CompletedProcess:
    cmd = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--hide-scrollbars", f"--user-data-dir={profile}", f"--window-size={WINDOW[0]},{WINDOW[1]}",
           "--virtual-time-budget=5000", "--enable-logging=stderr", "--v=0",
           # nothing leaves this machine: every host name but the local server's fails to resolve
           "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", *extra, url]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def _console_lines(stderr: str) -> list[str]:
    return [line.strip() for line in stderr.splitlines() if _CONSOLE.search(line)]


def check_screenshot(path: Path) -> list[str]:
    """Problems with a screenshot: missing, wrong size, or (nearly) blank."""
    if not path.exists() or path.stat().st_size < 1000:
        return [f"no screenshot ({path.name})"]
    im = Image.open(path).convert("RGB")
    problems = []
    if im.size != WINDOW:
        problems.append(f"screenshot is {im.size[0]}x{im.size[1]}, expected {WINDOW[0]}x{WINDOW[1]}")
    colours = len(im.getcolors(maxcolors=1 << 20) or [])
    spread = max(ImageStat.Stat(im.convert("L")).stddev)
    if colours < 64 or spread < 10:
        problems.append(f"screenshot looks blank ({colours} colours, grey-level spread {spread:.1f})")
    return problems


def check_page(binary: str, server: Server, page: str, markers: list[str], out: Path) -> list[str]:
    """Screenshot, DOM, console and requests of one page; returns the problems found."""
    url = server.url + page
    shot = out / (page.strip("/").replace("/", "_") or "home")
    shot = shot.with_suffix(".png")
    problems = []
    server.requests_since_mark()
    with tempfile.TemporaryDirectory(prefix="fastq-chromium-") as profile:  # a fresh profile: no cache
        s = _browser(binary, url, Path(profile), f"--screenshot={shot}")
    problems += check_screenshot(shot)
    problems += [f"console: {c}" for c in _console_lines(s.stderr)]
    requests = server.requests_since_mark()
    with tempfile.TemporaryDirectory(prefix="fastq-chromium-") as profile:
        d = _browser(binary, url, Path(profile), "--dump-dom")
    dom = d.stdout
    problems += [f"console: {c}" for c in _console_lines(d.stderr)]
    requests += server.requests_since_mark()
    problems += [f"HTTP {code} for {path}" for path, code in requests if code != 200 and code != 304]
    if not any(path.rstrip("/") == ("/" + page).rstrip("/") for path, _ in requests):
        problems.append("the server saw no request for the page")
    ok = {path for path, code in requests if code == 200}
    problems += [f"the browser did not fetch {f}" for f in FETCHED.get(page, []) if f not in ok]
    problems += [f"DOM lacks {m!r}" for m in markers if m not in dom]
    problems += [f"the page loads {u} from the internet" for u in _EXTERNAL.findall(dom)]
    imgs = re.findall(r"<img\s[^>]*src=\"", dom)
    print(f"{url}: screenshot {shot.stat().st_size // 1024 if shot.exists() else 0} KB, DOM {len(dom) // 1024} KB, "
          f"{len(imgs)} images, {len(requests)} requests, {len(problems)} problems", file=sys.stderr)
    return problems


def run(site: Path, pages: dict, lifetime: float, out: Path) -> dict[str, list[str]]:
    """Check ``pages`` of the site at ``site``; returns ``{page: problems}``."""
    binary = chromium()
    server = Server(site, lifetime)
    try:
        return {p: check_page(binary, server, p, m, out) for p, m in pages.items()}
    finally:
        server.stop()


BROKEN_PAGE = """<!doctype html><html><head><title>broken</title>
<link rel="stylesheet" href="https://fonts.example.org/font.css"></head><body>
<img src="missing.png"><script>throw new Error("fastq-self-test-error");</script></body></html>"""


def self_test(lifetime: float, out: Path) -> bool:
    """The checks must fail on a blank page with a thrown error and a missing image."""
    with tempfile.TemporaryDirectory(prefix="fastq-site-selftest-") as tmp:
        (Path(tmp) / "index.html").write_text(BROKEN_PAGE)
        problems = run(Path(tmp), {"": ["text that is not there"]}, lifetime, out)[""]
    wanted = {"console error": any("fastq-self-test-error" in p for p in problems),
              "missing image": any("HTTP 404 for /missing.png" in p for p in problems),
              "blank screenshot": any("blank" in p for p in problems),
              "missing DOM text": any("DOM lacks" in p for p in problems),
              "resource from the internet": any("from the internet" in p for p in problems)}
    for what, caught in wanted.items():
        print(f"self-test: {what}: {'caught' if caught else 'NOT CAUGHT'}", file=sys.stderr)
    return all(wanted.values())


def main(argv=None) -> int:
    """Command line of this script."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("site", nargs="?", default="site", help="the built site (default: site)")
    ap.add_argument("--self-test", action="store_true", help="check that a broken page is caught, then exit")
    ap.add_argument("--lifetime", type=float, default=240.0, help="the web server's longest life, s (default 240)")
    ap.add_argument("--shots", default=None, help="folder for the screenshots (default: a temporary folder)")
    args = ap.parse_args(argv)
    if chromium() is None:
        print("check_site: no chromium binary found; browser check not run", file=sys.stderr)
        return 77
    out = Path(args.shots or tempfile.mkdtemp(prefix="fastq-shots-"))
    out.mkdir(parents=True, exist_ok=True)
    if args.self_test:
        return 0 if self_test(args.lifetime, out) else 1
    site = Path(args.site)
    if not (site / "index.html").exists():
        print(f"check_site: {site}/index.html not found (run `mkdocs build` first)", file=sys.stderr)
        return 1
    results = run(site, PAGES, args.lifetime, out)
    bad = {p: probs for p, probs in results.items() if probs}
    for page, probs in bad.items():
        for p in probs:
            print(f"check_site: /{page}: {p}", file=sys.stderr)
    print(f"check_site: {len(results) - len(bad)}/{len(results)} pages pass; screenshots in {out}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
