"""Unit tests of lessons/preflight against fixture /proc, /sys, /boot and dpkg trees (no root)."""
import gzip
import importlib.machinery
import importlib.util
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SRC = Path(os.environ.get("BOX_SRC") or Path(__file__).resolve().parents[2])
sys.dont_write_bytecode = True
_loader = importlib.machinery.SourceFileLoader("preflight", str(SRC / "lessons" / "preflight"))
pf = importlib.util.module_from_spec(importlib.util.spec_from_loader("preflight", _loader))
_loader.exec_module(pf)

CONFIG_ALL = {f"CONFIG_{x}": "y" for x in (
    "NAMESPACES", "UTS_NS", "IPC_NS", "PID_NS", "NET_NS", "USER_NS", "TIME_NS", "CGROUPS", "MEMCG",
    "CGROUP_PIDS", "CGROUP_SCHED", "SECCOMP", "SECCOMP_FILTER", "SECURITY_LANDLOCK", "OVERLAY_FS", "VETH")}
CONFIG_ALL["CONFIG_LSM"] = '"landlock,lockdown,yama,integrity,apparmor,bpf"'
V2 = "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
HYBRID = ("31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n"
          "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
          "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
          "39 31 0:36 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
          "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n")
ROOT_STATUS = {"Uid": "0\t0\t0\t0", "CapEff": "000001ffffffffff", "Seccomp": "0"}
USER_STATUS = {"Uid": "1000\t1000\t1000\t1000", "CapEff": "0000000000000000", "Seccomp": "0"}


def machine(tmp, release="6.1.0-13-amd64", config=CONFIG_ALL, config_where="boot", ns=pf.NAMESPACES,
            mountinfo=V2, v2_controllers="cpuset cpu io memory hugetlb pids rdma misc", v2_subtree="",
            sysctl=None, actions="kill_process kill_thread trap errno user_notif trace log allow",
            status=ROOT_STATUS, lsm="lockdown,capability,landlock,yama,apparmor", filesystems="nodev\toverlay\n",
            packages=None, rootfs=True):
    """A fixture host under tmp/root and its build dir tmp/build: a Debian 12 laptop on cgroup v2,
    as root, with everything boxkit needs, unless told otherwise. Returns the preflight result."""
    root, build = Path(tmp) / "root", Path(tmp) / "build"

    def put(path, text, binary=False):
        p = root / path.lstrip("/")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text) if binary else p.write_text(text)

    put("/proc/sys/kernel/osrelease", release + "\n")
    if config is not None:
        text = "".join(f"{k}={v}\n" for k, v in config.items())
        if config_where == "proc":
            put("/proc/config.gz", gzip.compress(text.encode()), binary=True)
        else:
            put(f"/boot/config-{release}", text)
    for n in ns:
        put(f"/proc/self/ns/{n}", "")
    put("/proc/self/mountinfo", mountinfo)
    put("/sys/fs/cgroup/cgroup.controllers", v2_controllers + "\n")
    put("/sys/fs/cgroup/cgroup.subtree_control", v2_subtree + "\n")
    put("/sys/fs/cgroup/unified/cgroup.controllers", "\n")
    for path, value in (sysctl or {}).items():
        put(path, value + "\n")
    if actions is not None:
        put("/proc/sys/kernel/seccomp/actions_avail", actions + "\n")
    put("/proc/self/status", "".join(f"{k}:\t{v}\n" for k, v in status.items()))
    if lsm is not None:
        put("/sys/kernel/security/lsm", lsm)
    put("/proc/filesystems", filesystems)
    pkgs = pf.packages("build") + pf.packages("test") if packages is None else packages
    put("/var/lib/dpkg/status", "".join(f"Package: {p}\nStatus: install ok installed\n\n" for p in pkgs))
    if rootfs:
        for f in ("busybox", "box-probe"):
            p = build / "rootfs" / "bin" / f
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text("")
            p.chmod(0o755)
    return pf.run(pf.Host(root, build, live=False))


def check(result, key):
    return next(c for c in result["checks"] if c["key"] == key)


def ready(result):
    return [nn for nn, s in result["stages"].items() if s["ready"]]


class Preflight(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def test_a_debian12_laptop_on_v2_as_root_is_ready_for_every_stage(self):
        r = machine(self.tmp.name)
        self.assertEqual({c["status"] for c in r["checks"]}, {"ok"}, r["checks"])
        self.assertEqual(r["cgroup_layout"], "v2")
        self.assertIn("box-cgroup uses the v2 driver", check(r, "cgroups")["summary"])
        self.assertEqual(ready(r), ["01", "02", "03", "04", "05"])

    def test_this_ci_machine_hybrid_uses_v1_and_is_ready(self):
        r = machine(self.tmp.name, release="6.18.44", config_where="proc", mountinfo=HYBRID, lsm=None)
        self.assertEqual(r["cgroup_layout"], "hybrid")
        self.assertIn("hybrid layout, box-cgroup uses the v1 driver", check(r, "cgroups")["summary"])
        self.assertIn("cgroup2 at /sys/fs/cgroup/unified has no controllers", check(r, "cgroups")["summary"])
        # no securityfs: Landlock is read from /proc/config.gz (built in, in CONFIG_LSM)
        self.assertEqual(check(r, "landlock")["status"], "ok")
        self.assertEqual(ready(r), ["01", "02", "03", "04", "05"])

    def test_ubuntu_laptop_without_root_and_apparmor_restricting_userns(self):
        r = machine(self.tmp.name, status=USER_STATUS,
                    sysctl={"/proc/sys/kernel/apparmor_restrict_unprivileged_userns": "1"})
        u = check(r, "userns")
        self.assertEqual(u["status"], "fail")
        self.assertIn("kernel.apparmor_restrict_unprivileged_userns = 1", u["summary"])
        self.assertTrue(u["fix"].startswith("sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0"))
        self.assertEqual(check(r, "privileges")["status"], "fail")
        self.assertIn("sudo", check(r, "privileges")["fix"])
        self.assertEqual(ready(r), [])

    def test_without_root_stage02_runs_rootless_when_userns_is_allowed(self):
        r = machine(self.tmp.name, status=USER_STATUS)
        self.assertEqual(ready(r), ["02"])
        self.assertIn("privileges", r["stages"]["01"]["problems"][0])

    def test_debian10_with_userns_clone_off_needs_the_sysctl_only_without_root(self):
        r = machine(self.tmp.name, release="4.19.0-25-amd64",
                    sysctl={"/proc/sys/kernel/unprivileged_userns_clone": "0"}, ns=pf.NAMESPACES[:-1])
        self.assertEqual(check(r, "kernel")["status"], "warn")
        self.assertIn("older than 5.14", check(r, "kernel")["summary"])
        self.assertEqual(check(r, "namespaces")["status"], "warn")  # no time namespace: not fatal
        self.assertIn("CONFIG_TIME_NS=y", check(r, "namespaces")["fix"])
        self.assertIn("sudo sysctl -w kernel.unprivileged_userns_clone=1", check(r, "userns")["fix"])
        self.assertEqual(ready(r), ["01", "02", "03", "04", "05"])  # as root, unprivileged userns is not needed

    def test_max_user_namespaces_zero(self):
        r = machine(self.tmp.name, sysctl={"/proc/sys/user/max_user_namespaces": "0"})
        self.assertIn("user.max_user_namespaces=15000", check(r, "userns")["fix"])

    def test_v2_without_the_memory_controller_blocks_stage03_only(self):
        r = machine(self.tmp.name, v2_controllers="cpu io pids")
        c = check(r, "cgroups")
        self.assertEqual(c["status"], "fail")
        self.assertIn("missing controllers: memory", c["summary"])
        self.assertIn("cgroup.subtree_control", c["fix"])
        self.assertEqual(ready(r), ["01", "02"])

    def test_v1_without_memory_like_a_raspberry_pi(self):
        r = machine(self.tmp.name, mountinfo=HYBRID.replace("rw,memory", "rw,blkio"))
        self.assertIn("missing controllers: memory", check(r, "cgroups")["summary"])
        self.assertIn("cgroup_enable=memory", check(r, "cgroups")["fix"])

    def test_v2_shows_what_is_delegated(self):
        r = machine(self.tmp.name, v2_subtree="cpu memory pids")
        self.assertIn("delegated to child groups: cpu memory pids", check(r, "cgroups")["summary"])

    def test_no_cgroups_mounted(self):
        r = machine(self.tmp.name, mountinfo="22 1 0:21 / /proc rw - proc proc rw\n")
        self.assertEqual(check(r, "cgroups")["fix"], "sudo mount -t cgroup2 none /sys/fs/cgroup")

    def test_no_seccomp_filters_blocks_stage04_and_05(self):
        r = machine(self.tmp.name, actions=None, config={**CONFIG_ALL, "CONFIG_SECCOMP_FILTER": "n"})
        self.assertEqual(check(r, "seccomp")["status"], "fail")
        self.assertIn("CONFIG_SECCOMP_FILTER", check(r, "seccomp")["fix"])
        self.assertIn("CONFIG_SECCOMP_FILTER", check(r, "config")["summary"])
        self.assertEqual(ready(r), ["01", "02", "03"])

    def test_a_shell_already_under_seccomp_is_warned(self):
        r = machine(self.tmp.name, status={**ROOT_STATUS, "Seccomp": "2"})
        self.assertEqual(check(r, "seccomp")["status"], "warn")
        self.assertIn("inside a container?", check(r, "seccomp")["summary"])

    def test_landlock_built_but_not_enabled_is_a_warning_with_the_boot_fix(self):
        r = machine(self.tmp.name, lsm="lockdown,capability,yama,apparmor")
        c = check(r, "landlock")
        self.assertEqual(c["status"], "warn")
        self.assertIn("lsm=landlock", c["fix"])
        self.assertEqual(r["stages"]["04"], {**r["stages"]["04"], "ready": True, "note": "without Landlock"})

    def test_landlock_not_built(self):
        cfg = {**CONFIG_ALL, "CONFIG_SECURITY_LANDLOCK": "n"}
        r = machine(self.tmp.name, lsm=None, config=cfg)
        self.assertIn("CONFIG_SECURITY_LANDLOCK=y", check(r, "landlock")["fix"])

    def test_no_config_and_no_securityfs(self):
        r = machine(self.tmp.name, config=None, lsm=None)
        self.assertEqual(check(r, "config")["status"], "info")
        self.assertIn("mount -t securityfs", check(r, "landlock")["fix"])
        self.assertEqual(ready(r), ["01", "02", "03", "04", "05"])

    def test_overlay_as_a_module_or_missing(self):
        tmp = Path(self.tmp.name)
        mod = tmp / "root/lib/modules/6.1.0-13-amd64/kernel/fs/overlayfs/overlay.ko.xz"
        mod.parent.mkdir(parents=True)
        mod.write_text("")
        self.assertEqual(check(machine(tmp, filesystems="nodev\tproc\n"), "overlayfs")["status"], "ok")
        mod.unlink()
        self.assertEqual(check(machine(tmp, filesystems="nodev\tproc\n"), "overlayfs")["status"], "warn")

    def test_missing_packages_name_the_apt_command(self):
        keep = [p for p in pf.packages("build") + pf.packages("test") if p not in ("libseccomp-dev", "jq")]
        r = machine(self.tmp.name, packages=keep)
        c = check(r, "packages")
        self.assertEqual(c["summary"], "the build needs: libseccomp-dev")
        self.assertEqual(c["fix"], "sudo apt-get install -y libseccomp-dev jq  (or: sudo ./boxkit build)")
        self.assertEqual(ready(r), [])

    def test_no_rootfs(self):
        r = machine(self.tmp.name, rootfs=False)
        self.assertIn("./boxkit build", check(r, "rootfs")["fix"])
        self.assertEqual(ready(r), [])

    def test_root_without_cap_sys_admin(self):
        r = machine(self.tmp.name, status={**ROOT_STATUS, "CapEff": "00000000a80425fb"})
        self.assertIn("without CAP_SYS_ADMIN", check(r, "privileges")["summary"])


class CommandLine(unittest.TestCase):
    def run_pf(self, *args):
        return subprocess.run([sys.executable, str(SRC / "lessons/preflight"), *args], capture_output=True, text=True)

    def test_exit_status_and_output_on_a_fixture(self):
        with tempfile.TemporaryDirectory() as tmp:
            machine(tmp)
            r = self.run_pf("--root", f"{tmp}/root", "--build", f"{tmp}/build")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("  03 cgroups       ready", r.stdout)
            machine(tmp, v2_controllers="cpu pids")
            r = self.run_pf("--root", f"{tmp}/root", "--build", f"{tmp}/build")
            self.assertEqual(r.returncode, 1)
            self.assertIn("  03 cgroups       NOT ready: cgroups", r.stdout)
            self.assertIn("fix: free the controllers", r.stdout)

    def test_bad_root(self):
        r = self.run_pf("--root", "/nonexistent")
        self.assertEqual(r.returncode, 64)
        self.assertEqual(r.stderr, "preflight: error: --root '/nonexistent' has no proc/: name / or a fixture tree\n")


if __name__ == "__main__":
    unittest.main()
