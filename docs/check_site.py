#!/usr/bin/env python3
"""check_site.py HTMLDIR — open the built docs site in headless Chromium and check every page.

Starting at HTMLDIR/index.html, it follows every link that stays inside the site and, for each
page, checks what a reader would meet:

- the page renders: it has a title and visible text, and no script on it throws;
- every resource it loads (style sheets, scripts, images, diagrams) is found;
- every image has loaded, and every SVG it shows (Graphviz's diagrams, in frames) is a drawing;
- every internal link names a file that exists, and a `#fragment` names an element on that page.

The pages that must exist are checked too: the front page, the virtualization and comparison
chapters, the module list and one group page per module. Chromium runs headless with a fresh
profile and talks to this script over --remote-debugging-pipe (the DevTools protocol on file
descriptors 3 and 4: no network port). Exit 0 when all is well, 1 with one line per problem,
77 (skipped) when Chromium is not installed.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import xml.etree.ElementTree as ET

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--remote-debugging-pipe"]
MODULES = ["core", "rootfs", "ns", "cgroup", "security", "runtime", "probe"]
REQUIRED = ["index.html", "docs_00_virtualization.html", "docs_99_comparison.html", "modules.html"] + \
    [f"group__{m}.html" for m in MODULES]
COLLECT = """
new Promise(done => setTimeout(() => Promise.all([...document.images].map(i => i.complete ? 0 :
  new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); setTimeout(r, 3000); })))
  .then(() => done({
  title: document.title,
  text: document.body ? document.body.innerText.trim().length : 0,
  links: [...document.querySelectorAll('a[href]')].map(a => a.href),
  ids: [...document.querySelectorAll('[id]')].map(e => e.id)
        .concat([...document.querySelectorAll('a[name]')].map(a => a.name)),
  images: [...document.querySelectorAll('img')].map(i => ({src: i.currentSrc || i.src,
        ok: i.complete && i.naturalWidth > 0})),
  objects: [...document.querySelectorAll('object[data]')].map(o => o.data)
        .concat([...document.querySelectorAll('iframe[src]')].map(f => f.src)),
})), 0))
"""


class Browser:
    """Chromium over the DevTools pipe: one page, driven by commands, events read in between."""

    def __init__(self, exe):
        self.profile = tempfile.mkdtemp(prefix="box-chromium-")
        cmd_r, self.cmd_w = os.pipe()
        self.res_r, res_w = os.pipe()
        # Chromium reads commands on fd 3 and answers on fd 4: a shell puts the pipes there.
        argv = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "about:blank"]
        moves = f"3<&{cmd_r} 4>&{res_w}" + "".join(f" {fd}>&-" for fd in (cmd_r, res_w) if fd not in (3, 4))
        self.proc = subprocess.Popen(["sh", "-c", f'exec "$@" {moves}', "sh", *argv],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, pass_fds=(cmd_r, res_w))
        os.close(cmd_r)
        os.close(res_w)
        self.buf, self.next_id, self.events, self.session = b"", 0, [], None
        try:
            target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Log"):
                self.call(f"{domain}.enable")
        except Exception:
            self.close()  # no browser or profile left behind when it fails to start
            raise

    def read(self, timeout):
        end = time.monotonic() + timeout
        while b"\0" not in self.buf:
            if time.monotonic() > end:
                raise TimeoutError("Chromium did not answer")
            chunk = os.read(self.res_r, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium exited")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, timeout=30):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if self.session:
            msg["sessionId"] = self.session
        os.write(self.cmd_w, json.dumps(msg).encode() + b"\0")
        while True:
            m = self.read(timeout)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error'].get('message')}")
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method, timeout=30):
        while True:
            for i, e in enumerate(self.events):
                if e.get("method") == method:
                    return self.events.pop(i)
            self.events.append(self.read(timeout))

    def visit(self, url):
        """Load url; return what COLLECT found, and the errors the page logged or threw."""
        self.events.clear()
        nav = self.call("Page.navigate", {"url": url})
        if nav.get("errorText"):
            return None, [nav["errorText"]]
        self.wait_event("Page.loadEventFired")
        r = self.call("Runtime.evaluate", {"expression": COLLECT, "awaitPromise": True, "returnByValue": True})
        errors = []
        for e in self.events:
            if e.get("method") == "Runtime.exceptionThrown":
                d = e["params"]["exceptionDetails"]
                errors.append("script error: " + d.get("exception", {}).get("description", d.get("text", "?")).split("\n")[0])
            elif e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error":
                entry = e["params"]["entry"]
                errors.append(f"{entry.get('text', '?')} {entry.get('url', '')}".strip())
        return r["result"].get("value"), errors

    def close(self):
        try:
            self.session = None
            self.call("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def is_svg(path):
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        return False
    return root.tag.endswith("svg") and len(root) > 0


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def check(root, browser):
    problems, pages, fragments, svgs = [], {}, [], set()
    root = os.path.realpath(root)
    base = "file://" + root + "/"
    for rel in REQUIRED:
        if not os.path.isfile(os.path.join(root, rel)):
            problems.append(f"{rel}: missing: the site must have it")
    queue, seen = ["index.html"], {"index.html"}
    while queue:
        rel = queue.pop(0)
        info, errors = browser.visit(base + rel)
        problems += [f"{rel}: {e}" for e in errors]
        if info is None:
            continue
        pages[rel] = set(info["ids"])
        if not info["title"] or info["text"] == 0:
            problems.append(f"{rel}: does not render (title '{info['title']}', {info['text']} characters of text)")
        for img in info["images"]:
            if not img["ok"]:
                problems.append(f"{rel}: image did not load: {img['src']}")
        for link in info["links"] + info["objects"]:
            u = urllib.parse.urlsplit(link)
            if u.scheme in ("http", "https", "mailto", "javascript"):
                continue
            if u.scheme != "file":
                problems.append(f"{rel}: link with an unexpected scheme: {link}")
                continue
            path = os.path.realpath(urllib.parse.unquote(u.path))
            if not path.startswith(root + "/"):
                problems.append(f"{rel}: link leaves the site: {link}")
                continue
            target = os.path.relpath(path, root)
            if not os.path.exists(path):
                problems.append(f"{rel}: broken link to {target}")
                continue
            if target.endswith(".svg") and target not in svgs:
                svgs.add(target)
                if not is_svg(path):
                    problems.append(f"{rel}: {target} is not a drawing (Graphviz output that is not SVG)")
            if u.fragment and target.endswith(".html"):
                fragments.append((rel, target, urllib.parse.unquote(u.fragment)))
            if target.endswith(".html") and target not in seen:
                seen.add(target)
                queue.append(target)
    if not any(t.startswith("dot_") for t in svgs):
        problems.append("no diagram (dot_*.svg) is shown on any page: the .dot sources were not drawn")
    for rel, target, frag in fragments:
        if target in pages and frag not in pages[target]:
            problems.append(f"{rel}: link to {target}#{frag}: no element with that id")
    return problems, len(pages)


def main(argv):
    if len(argv) != 2:
        print("usage: check_site.py HTMLDIR", file=sys.stderr)
        return 64
    exe = find_chromium()
    if not exe:
        print("SKIP: needs Chromium: apt-get install chromium (tools/packages/extra-docs.txt)")
        return 77
    if not os.path.isfile(os.path.join(argv[1], "index.html")):
        print(f"FAIL: no site at {argv[1]}: build it first (cmake --build BUILD --target docs)")
        return 1
    browser = Browser(exe)
    try:
        problems, count = check(argv[1], browser)
    finally:
        browser.close()
    for p in problems:
        print(f"FAIL: {p}")
    print(f"check_site: {count} pages opened in {os.path.basename(exe)}, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
