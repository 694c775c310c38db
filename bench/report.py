#!/usr/bin/env python3
"""report.py — turn the benchmark's raw output into results.json, then into tables and plots.

    report.py collect RAWDIR OUT.json [--quick 0|1] [--tool NAME=VERSION]... [--profile SECCOMP.json]
                      [--unistd unistd_64.h]
    report.py render RESULTS.json OUTDIR

`collect` (run by bench/run.sh) reads RAWDIR: startup.json (hyperfine's --export-json),
skipped.txt, vm-boot.jsonl, memory.jsonl, density.json, disk.jsonl, crun-note.txt,
spec-from.txt; it adds a stamp (UTC date, kernel, CPU, memory, tool versions).

`render` writes OUTDIR/bench.md (markdown tables, each section between `<!-- begin NAME -->`
and `<!-- end NAME -->` so the docs can include one section) and OUTDIR/startup.png and
OUTDIR/memory.png (gnuplot), every one stamped with the date, kernel and CPU. Every number the
docs show comes from here: nothing is typed by hand.
"""
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

FLOOR = "unshare+chroot (floor)"


# ---------------------------------------------------------------- collect
def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def read_text(path):
    if not os.path.exists(path):
        return ""
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


def read_jsonl(path):
    return [json.loads(l) for l in read_text(path).split("\n") if l.strip()]


def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def mem_total():
    for line in open("/proc/meminfo"):
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    return 0


def syscall_counts(profile, unistd):
    """How much of the kernel's system-call interface a container keeps under boxkit's default
    seccomp profile: the architecture's calls (from the kernel headers' unistd_64.h), those the
    profile allows outright (some only with harmless arguments), and those it allows only when
    the container keeps a capability. None when either file is missing."""
    if not (os.path.isfile(profile) and os.path.isfile(unistd)):
        return None
    arch = set(re.findall(r"#define __NR_(\w+)", read_text(unistd)))
    prof = load_json(profile)
    allowed, with_cap = set(), set()
    for rule in prof.get("syscalls", []):
        if rule.get("action") == "SCMP_ACT_ALLOW":
            (with_cap if rule.get("includes", {}).get("caps") else allowed).update(rule.get("names", []))
    return {"total": len(arch), "allowed": len(allowed & arch), "with_cap": len((with_cap - allowed) & arch),
            "default_action": prof.get("defaultAction", "?"), "profile": os.path.basename(profile)}


def collect(raw, out, quick, tools, profile="", unistd=""):
    hf = load_json(os.path.join(raw, "startup.json"))
    startup = []
    for r in hf["results"]:
        startup.append({
            "name": r["command"] if "name" not in r else r["name"],
            "median_s": r["median"], "mean_s": r["mean"], "stddev_s": r.get("stddev") or 0.0,
            "min_s": r["min"], "max_s": r["max"], "runs": len(r.get("times", [])),
            "cpu_s": (r.get("user") or 0.0) + (r.get("system") or 0.0),
        })
    boots = {}
    for b in read_jsonl(os.path.join(raw, "vm-boot.jsonl")):
        boots.setdefault(b["machine"], {"machine": b["machine"], "kernel": b["kernel"], "runs": []})
        boots[b["machine"]]["runs"].append(b["seconds"])
    for b in boots.values():
        b["median_s"] = statistics.median(b["runs"])
    density = {}
    if os.path.exists(os.path.join(raw, "density.json")):
        density = load_json(os.path.join(raw, "density.json"))
    result = {
        "stamp": {
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "kernel": platform.release(),
            "cpu": cpu_model(),
            "cpus": os.cpu_count(),
            "mem_total_bytes": mem_total(),
            "quick": bool(int(quick)),
            "loadavg": read_text(os.path.join(raw, "loadavg.txt")).split(" ")[0],
            "tools": dict(t.split("=", 1) for t in tools),
        },
        "startup": startup,
        "skipped": read_jsonl(os.path.join(raw, "skipped.txt")),
        "crun_note": read_text(os.path.join(raw, "crun-note.txt")),
        "accel": read_text(os.path.join(raw, "accel.txt")),
        "spec_from": read_text(os.path.join(raw, "spec-from.txt")) or "runc",
        "vm_boot": list(boots.values()),
        "memory": read_jsonl(os.path.join(raw, "memory.jsonl")),
        "density": density,
        "disk": read_jsonl(os.path.join(raw, "disk.jsonl")),
        "syscalls": syscall_counts(profile, unistd),
    }
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    os.replace(tmp, out)


# ---------------------------------------------------------------- render
def ms(seconds):
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def sec(seconds):
    return f"{seconds:.2f} s"


def mib(n):
    return f"{n / 1048576:.1f} MiB"


def ratio(a, b):
    return f"{a / b:.2f}×" if b else "n/a"


def stamp_line(st):
    q = " (quick run: fewer repetitions)" if st.get("quick") else ""
    load = f", load average {st['loadavg']} at the start" if st.get("loadavg") else ""
    return (f"Measured {st['date']} on Linux {st['kernel']}, {st['cpu']} × {st['cpus']} CPUs, "
            f"{st['mem_total_bytes'] / 2**30:.1f} GiB{load}{q}.")


def find(rows, name):
    return next((r for r in rows if r["name"] == name), None)


def best_container(res):
    """The most complete boxkit launcher measured: box run, else the highest stage program."""
    rows = [r for r in res["startup"] if r["name"].startswith("stage ")]
    return max(rows, key=lambda r: r["name"]) if rows else None


def section(name, lines):
    return [f"<!-- begin {name} -->", *lines, f"<!-- end {name} -->", ""]


def render_startup(res):
    rows = res["startup"]
    floor, crun = find(rows, FLOOR), find(rows, "crun run")
    out = [stamp_line(res["stamp"]), "",
           "| container start-up, `/bin/true` | median | mean ± σ | CPU (user + sys) | runs | vs floor | vs crun |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        cpu = ms(r["cpu_s"]) if "cpu_s" in r else "n/a"
        out.append(f"| {r['name']} | {ms(r['median_s'])} | {ms(r['mean_s'])} ± {ms(r['stddev_s'])} | {cpu} | "
                   f"{r['runs']} | {ratio(r['median_s'], floor['median_s']) if floor else 'n/a'} | "
                   f"{ratio(r['median_s'], crun['median_s']) if crun else 'n/a'} |")
    out.append("")
    out.append("- CPU: the mean user + system time of the command and the processes it waited for "
               "(hyperfine); on a busy machine it varies less than the wall-clock time. Kernel work "
               "done later in kernel threads (tearing a network namespace down) is in neither.")
    out.append(f"- All rows come from one hyperfine run (`-N`, 3 warm-ups). The OCI runtimes run the same "
               f"bundle (config from `{res['spec_from']} spec`, args `/bin/true`).")
    if res.get("crun_note"):
        out.append(f"- crun refuses this hybrid cgroup host as shipped (`{res['crun_note']}`), so it runs in a "
                   "private mount namespace where `/sys/fs/cgroup/unified` is unmounted (a scratch tmpfs in its "
                   "place, for the pid file crun still writes there), entered with "
                   "`nsenter`; the `nsenter alone` row is that wrapper's own cost, and `box run, through crun's "
                   "wrapper` is `box run` measured the same way, for the crun half of the target.")
    for s in res.get("skipped", []):
        out.append(f"- Not timed: {s['name']} (`{s['why']}`).")
    box = find(rows, "stage 05 box run")
    if box and floor and crun:
        # crun through its wrapper is compared with box through the same wrapper, when measured
        like = find(rows, "box run, through crun's wrapper") if res.get("crun_note") else None
        vs_crun, how = (like, ", both through the wrapper") if like else (box, "")
        ok1, ok2 = vs_crun["median_s"] <= crun["median_s"] / 2, box["median_s"] <= floor["median_s"] * 1.5
        out.append(f"- Target for `box run`: at most half of crun's median ({'met' if ok1 else 'not met'}: "
                   f"{ratio(vs_crun['median_s'], crun['median_s'])}{how}) and within 1.5× of the floor "
                   f"({'met' if ok2 else 'not met'}: {ratio(box['median_s'], floor['median_s'])}).")
    else:
        out.append("- Target for `box run` (at most half of crun's median, within 1.5× of the floor): "
                   "not measured in this run (stage 05's `box` was not built).")
    return section("startup", out)


def render_vm(res):
    out = [stamp_line(res["stamp"]), "",
           "| VM boot to the marker from /init (qemu TCG, 1 vCPU) | kernel | median | runs |",
           "|---|---|---:|---:|"]
    for b in res["vm_boot"]:
        out.append(f"| qemu -M {b['machine']} | {b['kernel']} | {sec(b['median_s'])} | "
                   f"{', '.join(sec(t) for t in b['runs'])} |")
    if res.get("accel"):
        out += ["", f"Accelerator: {res['accel']}."]
    return section("vm", out)


def render_memory(res):
    out = [stamp_line(res["stamp"]), "",
           "| one idle instance | guest RAM | processes | Pss | Rss |", "|---|---:|---:|---:|---:|"]
    for m in res["memory"]:
        guest = f"{m['guest_mib']} MiB" if "guest_mib" in m else "(the host's)"
        out.append(f"| {m['name']} | {guest} | {m['processes']} | {mib(m['pss_bytes'])} | {mib(m['rss_bytes'])} |")
    out += ["", "Pss: the process tree's private pages plus its share of pages it shares with others, "
            "from `/proc/PID/smaps_rollup` (bench/mem.py). Kernel memory (namespaces, page tables, "
            "cgroups) is not included; a VM's guest memory counts only once the guest has touched it."]
    return section("memory", out)


def density_numbers(res):
    d = res.get("density") or {}
    vm = next((m for m in res["memory"] if m["name"] == "qemu -M microvm"), None)
    if not d or not d.get("running") or not vm:
        return None
    each = d["pss_bytes"] / d["running"]
    return {"each": each, "vm": vm["pss_bytes"], "avail": d["mem_available_bytes"],
            "fit_c": int(d["mem_available_bytes"] // each), "fit_vm": int(d["mem_available_bytes"] // vm["pss_bytes"])}


def render_density(res):
    d, n = res.get("density") or {}, density_numbers(res)
    out = [stamp_line(res["stamp"]), ""]
    if not n:
        return section("density", out + ["Density was not measured in this run."])
    out += ["| density | containers (" + d["program"] + ") | VMs (qemu -M microvm) |", "|---|---:|---:|",
            f"| started at once | {d['running']} of {d['started']} in {sec(d['seconds_to_start'])} | 1 |",
            f"| memory each (Pss) | {mib(n['each'])} | {mib(n['vm'])} |",
            f"| would fit in MemAvailable ({mib(n['avail'])}) | {n['fit_c']} | {n['fit_vm']} |",
            "", "The last row divides the memory available when measured by the cost of one; CPU, "
            "pids and file descriptors would run out in other ways first."]
    return section("density", out)


def render_disk(res):
    out = [stamp_line(res["stamp"]), "", "| on disk | size |", "|---|---:|"]
    for x in res["disk"]:
        out.append(f"| {x['name']} | {mib(x['bytes'])} |")
    return section("disk", out)


def render_security(res):
    sc = res.get("syscalls")
    out = [stamp_line(res["stamp"]), ""]
    if not sc:
        return section("security", out + ["The system-call counts were not measured in this run."])
    refused = sc["total"] - sc["allowed"] - sc["with_cap"]
    out += ["| system calls a container can make (x86_64) | count |", "|---|---:|",
            f"| all the kernel offers (the kernel headers' `unistd_64.h`) | {sc['total']} |",
            f"| allowed by boxkit's default seccomp profile (`{sc['profile']}`) | {sc['allowed']} |",
            f"| allowed only while the container keeps a capability | {sc['with_cap']} |",
            f"| refused (`{sc['default_action']}`: EPERM) | {refused} |",
            "", "A few allowed calls are allowed only with certain arguments (`clone` without "
            "namespace flags, `personality` with harmless values). A VM's guest reaches its host "
            "through VM exits, hypercalls and a handful of virtual devices instead."]
    return section("security", out)


def render_comparison(res):
    """The VM-vs-container summary the closing chapter shows beside its claims."""
    c, vm = best_container(res), next((b for b in res["vm_boot"] if b["machine"] == "microvm"), None)
    q35 = next((b for b in res["vm_boot"] if b["machine"] == "q35"), None)
    disk = {x["name"].split(" (")[0]: x["bytes"] for x in res["disk"]}
    out = [stamp_line(res["stamp"]), "", "| measured here | container (boxkit) | VM (qemu TCG) | VM ÷ container |",
           "|---|---:|---:|---:|"]
    if c and vm:
        out.append(f"| start-up (`{c['name']}` running /bin/true; VM: -M microvm to /init's marker) | "
                   f"{ms(c['median_s'])} | {sec(vm['median_s'])} | {vm['median_s'] / c['median_s']:.0f}× |")
    if c and q35:
        out.append(f"| start-up, VM as a PC (-M q35, compressed kernel) | {ms(c['median_s'])} | "
                   f"{sec(q35['median_s'])} | {q35['median_s'] / c['median_s']:.0f}× |")
    n = density_numbers(res)
    if n:
        out.append(f"| memory per idle instance (Pss; containers: {res['density']['running']} at once) | {mib(n['each'])} | {mib(n['vm'])} | {n['vm'] / n['each']:.0f}× |")
        out.append(f"| instances that fit in {mib(n['avail'])} | {n['fit_c']} | {n['fit_vm']} | |")
    rootfs = disk.get("container rootfs")
    kern = disk.get("VM kernel, uncompressed")
    initrd = disk.get("VM initramfs")
    if rootfs and kern and initrd:
        out.append(f"| on disk (rootfs; VM: vmlinux + initramfs) | {mib(rootfs)} | {mib(kern + initrd)} | "
                   f"{(kern + initrd) / rootfs:.0f}× |")
    return section("comparison", out)


GNUPLOT_BARS = """
set terminal pngcairo size 900,{height} font "sans,10"
set output "{out}"
set title "{title}\\n{stamp}" noenhanced
set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.7
set yrange [{ymin}:{ymax}]
set xtics rotate by -30 left noenhanced
set ylabel "{ylabel}"
{logscale}
set grid ytics
unset key
plot "{data}" using 2:xtic(1) lc rgb "#4a7ab8", "" using 0:2:3 with labels offset 0,0.8 font "sans,9"
"""


def gnuplot_bars(path, rows, title, ylabel, stamp, log=False):
    """rows: [(label, value, value as text)] -> a bar chart PNG at path, values over the bars."""
    gp = shutil.which("gnuplot")
    if not gp:
        raise SystemExit("report.py: needs gnuplot for the plots: apt-get install gnuplot-nox")
    with tempfile.TemporaryDirectory(prefix="box-report-") as tmp:
        data = os.path.join(tmp, "data.txt")
        with open(data, "w") as f:
            for label, value, text in rows:
                f.write(f"\"{label}\" {value} \"{text}\"\n")
        script = GNUPLOT_BARS.format(out=path, title=title, stamp=stamp, ylabel=ylabel, data=data,
                                     height=480, logscale="set logscale y" if log else "",
                                     ymin=min(v for _, v, _ in rows) / 2 if log else 0,
                                     ymax=max(v for _, v, _ in rows) * (4 if log else 1.15))
        subprocess.run([gp], input=script, text=True, check=True)


def render(results, outdir):
    res = load_json(results)
    os.makedirs(outdir, exist_ok=True)
    md = ["# boxkit benchmark results", "",
          "Generated by `bench/run.sh` (bench/report.py) from `results.json`; do not edit by hand.", ""]
    for title, fn in [("VM against container", render_comparison), ("Container start-up", render_startup),
                      ("VM boot", render_vm), ("Memory", render_memory), ("Density", render_density),
                      ("Disk", render_disk), ("Security", render_security)]:
        md.append(f"## {title}")
        md.append("")
        md += fn(res)
    md += ["![Start-up](startup.png)", "", "![Memory](memory.png)", ""]
    st = res["stamp"]
    stamp = f"{st['date']}, Linux {st['kernel']}, {st['cpu']} x {st['cpus']}"
    bars = [(r["name"], r["median_s"] * 1000, ms(r["median_s"])) for r in res["startup"]]
    bars += [(f"VM qemu -M {b['machine']} (TCG)", b["median_s"] * 1000, sec(b["median_s"])) for b in res["vm_boot"]]
    gnuplot_bars(os.path.join(outdir, "startup.png"), bars, "Start-up: median time to run /bin/true "
                 "(VM: to a marker from /init)", "milliseconds (log scale)", stamp, log=True)
    gnuplot_bars(os.path.join(outdir, "memory.png"), [(m["name"], m["pss_bytes"] / 1048576, mib(m["pss_bytes"])) for m in res["memory"]],
                 "Memory per idle instance (Pss of the process tree)", "MiB", stamp)
    tmp = os.path.join(outdir, "bench.md.tmp")
    with open(tmp, "w") as f:
        f.write("\n".join(md))
    os.replace(tmp, os.path.join(outdir, "bench.md"))


def main(argv):
    if len(argv) >= 4 and argv[1] == "collect":
        quick, tools, rest, files = "0", [], argv[4:], {"--profile": "", "--unistd": ""}
        while rest:
            if rest[0] == "--quick":
                quick, rest = rest[1], rest[2:]
            elif rest[0] in files:
                files[rest[0]], rest = rest[1], rest[2:]
            elif rest[0] == "--tool":
                tools.append(rest[1])
                rest = rest[2:]
            else:
                print(f"report.py: unknown argument '{rest[0]}'", file=sys.stderr)
                return 64
        collect(argv[2], argv[3], quick, tools, files["--profile"], files["--unistd"])
        return 0
    if len(argv) == 4 and argv[1] == "render":
        render(argv[2], argv[3])
        return 0
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))
