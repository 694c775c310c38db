#!/usr/bin/env python3
"""vm-boot.py — boot a qemu VM (TCG by default) and stop it when the guest prints a marker.

    vm-boot.py --kernel K --initrd I [--machine microvm|q35] [--accel tcg|kvm] [--mem 256M]
            [--marker TEXT] [--append ARGS] [--timeout S] [--hold S] [--log FILE] [--quiet]

The guest's serial console is read line by line; when a line contains MARKER (default
"BOX-VM-READY"), the time since qemu was started is printed (`marker after 1.234 s`), and qemu
is stopped (after --hold seconds: long enough to measure the idle VM). Exit 0 when the marker
came, 1 when qemu exited or the timeout passed without it (the console's last lines are shown).

-M microvm boots the uncompressed vmlinux through its PVH entry; under TCG it needs
tsc_early_khz=<host kHz> on the command line or calibrating the TSC can hang, so vm-boot.py adds
it from /proc/cpuinfo. -M q35 boots the compressed bzImage the usual way (a PC with ACPI, PCI).
Environment: BOX_VM_PIDFILE=PATH writes qemu's pid there while it runs (for memory probes).
"""
import argparse
import os
import select
import signal
import subprocess
import sys
import time


def host_khz():
    for line in open("/proc/cpuinfo"):
        if line.startswith("cpu MHz"):
            return int(float(line.split(":")[1]) * 1000)
    return 0


def qemu_command(a):
    append = "console=ttyS0 quiet panic=-1 " + a.append
    cmd = ["qemu-system-x86_64", "-accel", a.accel, "-m", a.mem, "-smp", "1",
           "-nodefaults", "-no-user-config", "-nographic", "-no-reboot", "-serial", "stdio",
           "-kernel", a.kernel, "-initrd", a.initrd]
    if a.machine == "microvm":
        khz = host_khz()
        if a.accel == "tcg" and khz:
            append += f" tsc_early_khz={khz}"
        # the 8250 serial (ttyS0) needs the ISA serial port; no PCI, no ACPI tables needed
        cmd += ["-M", "microvm,isa-serial=on,rtc=on"]
    else:
        cmd += ["-M", a.machine]
    return cmd + ["-append", append.strip()]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    p.add_argument("--kernel", required=True)
    p.add_argument("--initrd", required=True)
    p.add_argument("--machine", default="microvm", choices=["microvm", "q35", "pc"])
    p.add_argument("--accel", default="tcg", choices=["tcg", "kvm"])
    p.add_argument("--mem", default="256M")
    p.add_argument("--marker", default="BOX-VM-READY")
    p.add_argument("--append", default="")
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("--hold", type=float, default=0)
    p.add_argument("--log")
    p.add_argument("--quiet", action="store_true")
    a = p.parse_args()
    for f in (a.kernel, a.initrd):
        if not os.path.isfile(f):
            print(f"vm-boot.py: {f} does not exist: make it with tools/vm/kernel.sh and tools/vm/initramfs.sh",
                  file=sys.stderr)
            return 66
    cmd = qemu_command(a)
    # SIGTERM/SIGINT end vm-boot.py through the finally below, which stops qemu: no orphan VM.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    start = time.monotonic()
    q = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    pidfile = os.environ.get("BOX_VM_PIDFILE")
    if pidfile:
        with open(pidfile, "w") as f:
            f.write(f"{q.pid}\n")
    log = open(a.log, "wb") if a.log else None
    lines, buf, found = [], b"", None
    try:
        while found is None and time.monotonic() - start < a.timeout:
            r, _, _ = select.select([q.stdout], [], [], 0.2)
            if not r:
                if q.poll() is not None:
                    break
                continue
            chunk = os.read(q.stdout.fileno(), 65536)
            if not chunk:
                break
            if log:
                log.write(chunk)
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                text = line.decode(errors="replace").rstrip("\r")
                lines.append(text)
                if a.marker in text:
                    found = time.monotonic() - start
                    break
        if found is not None:
            if not a.quiet:
                print(f"marker after {found:.3f} s", flush=True)
            if a.hold > 0:
                time.sleep(a.hold)
    finally:
        if q.poll() is None:
            q.send_signal(signal.SIGTERM)
            try:
                q.wait(5)
            except subprocess.TimeoutExpired:
                q.kill()
                q.wait()
        if pidfile:
            try:
                os.unlink(pidfile)
            except FileNotFoundError:
                pass
        if log:
            log.close()
    if found is None:
        why = "timed out" if q.returncode in (-signal.SIGTERM, -signal.SIGKILL) else f"qemu exited {q.returncode}"
        print(f"vm-boot.py: no '{a.marker}' from the guest ({why}); command: {' '.join(cmd)}", file=sys.stderr)
        print("\n".join("  | " + l for l in lines[-15:]), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
