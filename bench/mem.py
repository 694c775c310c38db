#!/usr/bin/env python3
"""mem.py PID... — the memory a group of processes costs the host, as JSON on stdout.

For each PID, it and all its descendants are counted once. Pss (proportional set size, from
/proc/PID/smaps_rollup) shares each shared page among the processes that map it, so the sum
is what these processes add together; Rss counts shared pages (busybox, libc) in full each time.
Kernel objects (namespaces, page tables, the guest's memory a VM has not touched) are not in it.
"""
import json
import os
import sys


def children_map():
    kids = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = open(f"/proc/{name}/stat").read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(name))
    return kids


def tree(roots):
    kids, seen, todo = children_map(), set(), list(roots)
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        todo.extend(kids.get(p, []))
    return sorted(seen)


def rollup(pid):
    out = {}
    try:
        for line in open(f"/proc/{pid}/smaps_rollup"):
            parts = line.split()
            if len(parts) >= 3 and parts[0] in ("Rss:", "Pss:"):
                out[parts[0][:-1].lower()] = int(parts[1]) * 1024
    except OSError:
        pass
    return out


def measure(roots):
    pids = tree(roots)
    total = {"pss": 0, "rss": 0}
    for p in pids:
        r = rollup(p)
        for k in total:
            total[k] += r.get(k, 0)
    return {"processes": len(pids), "pss_bytes": total["pss"], "rss_bytes": total["rss"]}


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print("usage: mem.py PID...", file=sys.stderr)
        sys.exit(64)
    print(json.dumps(measure([int(a) for a in sys.argv[1:]])))
