#!/usr/bin/env python3
"""suite-leaks: what a whole test run left on the host, by name (CONTRIBUTING.md: everything
boxkit makes is named box...): cgroups under box*/ in every hierarchy (empty box/ parents too),
box* links and network namespaces, mounts with a box* path component, state under /run/box
(but box's filter cache, /run/box/.seccomp-cache: kept by design for the users of
--root /run/box; the run removes the cache, and /run/box, when it made them).

    leaks.py --before FILE   (test suite-leaks-before, which every test waits for) records what
                             exists when the run starts: that is not this run's doing
    leaks.py --after FILE    (test suite-leaks, which waits for every test) fails naming each
                             thing that is new since, is not in use and is still there 2 s later

In use (not a leak yet): a cgroup with a process in its subtree; a name that carries the pid of
a live process (tests name what they make after themselves: NAME-PID). Exit 0 nothing left,
1 something left (each named), 77 not root.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

BOXNAME = re.compile(r"^box([-_.].*)?$|^box\w*$")
PID_IN_NAME = re.compile(r"-(\d+)(?:[-.]|$)")
STATE = Path("/run/box")
CACHE = STATE / ".seccomp-cache"


def mountinfo():
    out = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        out.append((left.split()[4].replace("\\040", " "), right.split()[0]))
    return out


def procs(group):
    pids = set()
    for dirpath, _, files in os.walk(group):
        if "cgroup.procs" in files:
            try:
                pids |= {int(p) for p in Path(dirpath, "cgroup.procs").read_text().split()}
            except OSError:
                pass
    return pids


def alive(name):
    """Does @p name carry the pid of a running process (a test's TEST_NAME is NAME-PID)?"""
    return any(Path(f"/proc/{pid}").exists() for pid in PID_IN_NAME.findall(name))


def snapshot():
    """{kind: {what: identity}} of every box thing on the host, and the set of those in use."""
    things, busy = {}, set()

    def add(kind, what, ident=""):
        things.setdefault(kind, {})[what] = ident
        return f"{kind} {what}"

    for point, fstype in mountinfo():
        if fstype not in ("cgroup", "cgroup2"):
            continue
        try:
            tops = [Path(point) / d for d in os.listdir(point) if BOXNAME.match(d) and (Path(point) / d).is_dir()]
        except OSError:
            continue
        for top in tops:
            for dirpath, _, _ in os.walk(top):
                try:
                    ino = os.stat(dirpath).st_ino
                except OSError:
                    continue
                key = add("cgroup", dirpath, str(ino))
                if procs(dirpath) or alive(dirpath):
                    busy.add(key)
    for point, fstype in mountinfo():
        if fstype in ("cgroup", "cgroup2") or point.startswith("/run/netns/"):
            continue
        if any(BOXNAME.match(c) for c in point.split("/")):
            key = add("mount", point)
            if alive(point):
                busy.add(key)
    ip = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout if shutil.which("ip") else ""
    for line in ip.splitlines():
        if ": " in line:
            name = line.split(": ")[1].split("@")[0]
            if BOXNAME.match(name):
                add("link", name)
    netns = Path("/run/netns")
    for n in sorted(os.listdir(netns)) if netns.is_dir() else []:
        if BOXNAME.match(n):
            key = add("netns", n)
            if alive(n):
                busy.add(key)
    for p in sorted(STATE.iterdir()) if STATE.is_dir() else []:
        if p == CACHE:  # box's compiled filters for --root /run/box: kept by design
            continue
        key = add("state", str(p), str(p.lstat().st_ino))
        if alive(p.name):
            busy.add(key)
    return things, busy


def new_since(before, now, busy):
    return {f"{kind} {what}": ident for kind, items in now.items() for what, ident in items.items()
            if before.get(kind, {}).get(what) != ident and f"{kind} {what}" not in busy}


def remove_made(made):
    """The filter cache (and /run/box) the run's containers made with --root /run/box: box keeps
    it for the next container; the suite leaves the host as it found it."""
    if str(CACHE) in made and CACHE.is_dir():
        shutil.rmtree(CACHE, ignore_errors=True)
    if str(STATE) in made:
        try:
            STATE.rmdir()  # only if empty: anything else in it is reported below
        except OSError:
            pass


def main(argv):
    if len(argv) != 3 or argv[1] not in ("--before", "--after"):
        print("usage: leaks.py --before FILE | --after FILE", file=sys.stderr)
        return 64
    if os.geteuid() != 0:
        print("SKIP: needs root (the suite's containers run as root; there is nothing of theirs to look for)")
        return 77
    path = Path(argv[2])
    if argv[1] == "--before":
        things, _ = snapshot()
        things["made"] = {str(p): "" for p in (STATE, CACHE) if not p.exists()}  # the run's, if made
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(things))
        print(f"suite-leaks-before: {sum(len(v) for v in things.values())} box thing(s) on the host before the run")
        return 0
    try:
        before = json.loads(path.read_text())
    except (OSError, ValueError):
        before = {}
        print(f"suite-leaks: no snapshot from suite-leaks-before ({path}): everything counts")
    remove_made(before.get("made", {}))
    first = new_since(before, *snapshot())
    if first:
        time.sleep(2)  # a concurrent container's group is empty for a moment; a leak stays
    again = new_since(before, *snapshot())
    left = sorted(k for k in first if again.get(k) == first[k])
    for k in left:
        print(f"FAIL: left behind by the run: {k}")
    if left:
        print(f"suite-leaks: {len(left)} thing(s) left on the host: find the path that makes them and "
              "remove them there (lessons/reset removes them by hand)")
        return 1
    print("suite-leaks: nothing left on the host")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
