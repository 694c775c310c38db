#!/usr/bin/env python3
"""Tests of the benchmark's pieces that do not take minutes (the test `bench-report`):

- report.py renders the canned bench/testdata/results.json into the tables and ratios it
  should (every figure below is worked out by hand from the canned file), and into two PNGs;
- the committed bench/results/bench.md is exactly what report.py makes of the committed
  results.json: the numbers the docs include were generated, not typed;
- mem.py measures a process tree;
- run.sh refuses a bad option before it creates anything.
No root needed; gnuplot is (tools/packages/extra-bench.txt).
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
CANNED = os.path.join(HERE, "testdata", "results.json")
RESULTS = os.path.join(HERE, "results")


def render(results, outdir):
    subprocess.run([sys.executable, os.path.join(HERE, "report.py"), "render", results, outdir], check=True)
    with open(os.path.join(outdir, "bench.md"), encoding="utf-8") as f:
        return f.read()


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def section(md, name):
    a = md.index(f"<!-- begin {name} -->")
    return md[a:md.index(f"<!-- end {name} -->", a)]


@unittest.skipUnless(shutil.which("gnuplot"), "needs gnuplot (apt-get install gnuplot-nox)")
class RenderCanned(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = tempfile.mkdtemp(prefix="box-bench-test-")
        cls.md = render(CANNED, cls.out)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.out)

    def test_every_section_is_there_and_stamped(self):
        for name in ("comparison", "startup", "vm", "memory", "density", "disk"):
            self.assertIn("Measured 2026-01-02 03:04 UTC on Linux 6.1.0-test, Test CPU × 2 CPUs",
                          section(self.md, name), name)

    def test_startup_medians_and_ratios(self):
        s = section(self.md, "startup")
        # box run 12 ms: 12/10 of the floor, 12/30 of crun
        self.assertIn("| stage 05 box run | 12.0 ms | 13.0 ms ± 2.0 ms | 7.5 ms | 30 | 1.20× | 0.40× |", s)
        self.assertIn("| runc run | 40.0 ms | 41.0 ms ± 4.0 ms | 20.0 ms | 30 | 4.00× | 1.33× |", s)

    def test_startup_says_what_was_not_timed_and_why_crun_is_wrapped(self):
        s = section(self.md, "startup")
        self.assertIn("stage 02 box-ns (`exit 125: box-ns: error: canned`)", s)
        self.assertIn("cgroups in hybrid mode not supported", s)
        self.assertIn("config from `box spec`", s)

    def test_target_for_box_run(self):
        # 12 ms <= 30/2 and 12 ms <= 1.5 * 10: both met
        s = section(self.md, "startup")
        self.assertIn("at most half of crun's median (met: 0.40×)", s)
        self.assertIn("within 1.5× of the floor (met: 1.20×)", s)

    @staticmethod
    def startup_of(change):
        """The startup section rendered from the canned results after change(results)."""
        with open(CANNED) as f:
            res = json.load(f)
        change(res)
        tmp = tempfile.mkdtemp(prefix="box-bench-test-")
        try:
            path = os.path.join(tmp, "results.json")
            with open(path, "w") as f:
                json.dump(res, f)
            return section(render(path, tmp), "startup")
        finally:
            shutil.rmtree(tmp)

    def test_target_not_met_is_said(self):
        def slower(res):
            next(r for r in res["startup"] if r["name"] == "stage 05 box run")["median_s"] = 0.020
        s = self.startup_of(slower)
        self.assertIn("(not met: 0.67×)", s)   # 20 > 30/2
        self.assertIn("(not met: 2.00×)", s)   # 20 > 1.5 * 10

    def test_crun_through_its_wrapper_is_compared_with_box_through_it(self):
        def wrapped(res):
            box = next(r for r in res["startup"] if r["name"] == "stage 05 box run")
            res["startup"].append(dict(box, name="box run, through crun's wrapper", median_s=0.016))
        s = self.startup_of(wrapped)
        self.assertIn("at most half of crun's median (not met: 0.53×, both through the wrapper)", s)  # 16 > 30/2
        self.assertIn("within 1.5× of the floor (met: 1.20×)", s)  # the plain row, 12 ms

    def test_vm_boots(self):
        v = section(self.md, "vm")
        self.assertIn("| qemu -M microvm | vmlinux-6.1.0-test | 4.20 s | 4.00 s, 4.40 s, 4.20 s |", v)
        self.assertIn("Accelerator: TCG: the CPU shows no vmx or svm flag", v)

    def test_memory_and_density(self):
        m = section(self.md, "memory")
        self.assertIn("| qemu -M microvm, 1024 MiB guest | 1024 MiB | 2 | 250.0 MiB | 260.0 MiB |", m)
        d = section(self.md, "density")
        self.assertIn("| started at once | 50 of 50 in 4.50 s | 1 |", d)
        self.assertIn("| memory each (Pss) | 0.5 MiB | 240.0 MiB |", d)      # 25 MiB / 50
        self.assertIn("| would fit in MemAvailable (20480.0 MiB) | 40960 | 85 |", d)  # 20 GiB / 0.5 MiB, / 240 MiB

    def test_comparison(self):
        c = section(self.md, "comparison")
        self.assertIn("| 12.0 ms | 4.20 s | 350× |", c)          # 4.2 s / 12 ms
        self.assertIn("| memory per idle instance (Pss; containers: 50 at once) | 0.5 MiB | 240.0 MiB | 480× |", c)
        self.assertIn("| 7.0 MiB | 65.0 MiB | 9× |", c)          # (63 + 2) / 7

    def test_security_counts(self):
        s = section(self.md, "security")
        self.assertIn("| all the kernel offers (the kernel headers' `unistd_64.h`) | 362 |", s)
        self.assertIn("| allowed only while the container keeps a capability | 42 |", s)
        self.assertIn("| refused (`SCMP_ACT_ERRNO`: EPERM) | 36 |", s)   # 362 - 284 - 42

    def test_syscall_counts_from_a_profile(self):
        sys.path.insert(0, HERE)
        import report
        tmp = tempfile.mkdtemp(prefix="box-bench-test-")
        try:
            with open(os.path.join(tmp, "unistd_64.h"), "w") as f:
                f.write("#define __NR_read 0\n#define __NR_write 1\n#define __NR_mount 165\n#define __NR_kexec_load 246\n")
            with open(os.path.join(tmp, "p.json"), "w") as f:
                json.dump({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
                    {"names": ["read", "write", "_llseek"], "action": "SCMP_ACT_ALLOW"},
                    {"names": ["mount", "write"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
                    {"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO"}]}, f)
            c = report.syscall_counts(os.path.join(tmp, "p.json"), os.path.join(tmp, "unistd_64.h"))
        finally:
            shutil.rmtree(tmp)
        # _llseek is not an x86_64 call; write is allowed outright, so it does not count as capability-only
        self.assertEqual((c["total"], c["allowed"], c["with_cap"]), (4, 2, 1))

    def test_plots_are_pngs(self):
        for name in ("startup.png", "memory.png"):
            self.assertEqual(png_size(os.path.join(self.out, name)), (900, 480), name)


@unittest.skipUnless(shutil.which("gnuplot"), "needs gnuplot (apt-get install gnuplot-nox)")
class CommittedResults(unittest.TestCase):
    def test_bench_md_is_generated_from_results_json(self):
        self.assertTrue(os.path.isfile(os.path.join(RESULTS, "results.json")),
                        "bench/results/results.json is missing: run bench/run.sh and commit bench/results/")
        tmp = tempfile.mkdtemp(prefix="box-bench-test-")
        try:
            md = render(os.path.join(RESULTS, "results.json"), tmp)
        finally:
            shutil.rmtree(tmp)
        with open(os.path.join(RESULTS, "bench.md"), encoding="utf-8") as f:
            self.assertEqual(f.read(), md, "bench/results/bench.md differs from what report.py makes of "
                             "results.json: regenerate it (bench/report.py render), never edit it")
        for name in ("startup.png", "memory.png"):
            self.assertIsNotNone(png_size(os.path.join(RESULTS, name)), name)


class Pieces(unittest.TestCase):
    def test_mem_counts_a_process_tree(self):
        p = subprocess.Popen(["sh", "-c", "sleep 30 & sleep 30; wait"])
        try:
            time.sleep(0.3)
            out = subprocess.run([sys.executable, os.path.join(HERE, "mem.py"), str(p.pid)],
                                 capture_output=True, text=True, check=True).stdout
        finally:
            sys.path.insert(0, HERE)
            import mem
            for pid in mem.tree([p.pid]):   # the sleeps by pid, then sh
                if pid != p.pid:
                    os.kill(pid, 9)
            p.kill()
            p.wait()
        m = json.loads(out)
        self.assertEqual(m["processes"], 3)        # sh and its two sleeps
        self.assertGreater(m["pss_bytes"], 0)
        self.assertGreaterEqual(m["rss_bytes"], m["pss_bytes"])

    def test_run_refuses_a_bad_option(self):
        r = subprocess.run(["bash", os.path.join(HERE, "run.sh"), "--fast"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 64)
        self.assertIn("unknown option '--fast'", r.stderr)
        self.assertEqual(r.stdout, "")


if __name__ == "__main__":
    unittest.main(verbosity=1)
