#!/usr/bin/env python3
"""mdtest: run the commands a lesson or doc shows and check their output.

Every fenced block marked ```console in the given Markdown files is a transcript:

    ```console
    $ build/bin/box-chroot build/rootfs /bin/hostname    <- a command (run by bash)
    boxkit                                               <- its expected output (stdout+stderr)
    $ build/bin/box-chroot /nope /bin/true
    box-chroot: error: rootfs '/nope' does not exist: ...  <- "..." at the end: prefix match
    [66]                                                 <- expected exit status (default 0)
    ```

Matching, line by line: a line equal to the output line; a line ending in " (re)" is a
Python regular expression for the whole line; a line ending in "..." matches any line that
starts with what comes before it; a line that is only "..." matches any number of lines.
Commands run from the repository root, in one bash per file (so `cd`, variables and files
made by one block are seen by the next), as root, in a view of the repository whose build/
is $BOX_BUILD; a leading `sudo ` is dropped when already
root. Blocks marked ```sh or ```text are shown, not run: keep those for code, not commands.

Usage: mdtest.py [--list] FILE.md...   Exit 0 when every transcript matched, 1 otherwise.
"""
import fcntl
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

FENCE = re.compile(r"^```console\s*$")
RUNNING = []  # [where and the command, its output lines so far] while a command runs


def transcripts(path):
    """Yield (line number, command, expected lines, expected status) per command."""
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        if not FENCE.match(lines[i]):
            i += 1
            continue
        i += 1
        cur = None
        while i < len(lines) and not lines[i].startswith("```"):
            line = lines[i]
            if line.startswith("$ "):
                if cur:
                    yield cur
                cur = [i + 1, line[2:], [], 0]
            elif cur and cur[1].endswith("\\") and not cur[2]:
                cur[1] += "\n" + line  # continuation of a command
            elif cur and re.fullmatch(r"\[\d+\]", line):
                cur[3] = int(line[1:-1])
            elif cur:
                cur[2].append(line)
            i += 1
        if cur:
            yield cur
        i += 1


def line_matches(pattern, line):
    if pattern.endswith(" (re)"):
        return re.fullmatch(pattern[:-5], line) is not None
    if pattern.endswith("...") and pattern != "...":
        return line.startswith(pattern[:-3])
    return pattern == line


def output_matches(expected, actual):
    """Match with '...' lines as wildcards (backtracking, transcripts are short)."""
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head == "...":
        return any(output_matches(rest, actual[k:]) for k in range(len(actual) + 1))
    return bool(actual) and line_matches(head, actual[0]) and output_matches(rest, actual[1:])


def repo_view(root, build):
    """A temporary directory that looks like the repository with build/ -> BOX_BUILD, so the
    transcripts' literal `build/...` paths work against any build directory."""
    view = tempfile.mkdtemp(prefix="box-mdtest-")
    os.chmod(view, 0o755)  # rootless transcripts run as an ordinary user (setpriv) and must get in
    for name in os.listdir(root):
        if name != "build":
            os.symlink(os.path.join(root, name), os.path.join(view, name))
    os.symlink(build, os.path.join(view, "build"))
    return view


def run_file(path, root):
    failures = 0
    count = 0
    shell = subprocess.Popen(["bash", "--noprofile", "--norc"], cwd=root, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    marker = "__MDTEST_DONE__"
    for lineno, cmd, expected, status in transcripts(path):
        count += 1
        if os.geteuid() == 0 and cmd.startswith("sudo "):
            cmd = cmd[5:]
        shell.stdin.write(f"{{ {cmd}\n}} 2>&1 </dev/null; echo \"{marker} $?\"\n")
        shell.stdin.flush()
        out = []
        RUNNING[:] = [f"{path}:{lineno}: $ {cmd}", out]  # what a timeout interrupted (main())
        while True:
            line = shell.stdout.readline()
            if not line:
                print(f"{path}:{lineno}: the shell died running: {cmd}")
                return count, failures + 1
            line = line.rstrip("\n")
            if marker in line:
                before, _, rc = line.partition(marker)
                if before:
                    out.append(before)
                rc = int(rc.strip())
                break
            out.append(line)
        while expected and expected[-1] == "":
            expected.pop()
        if rc != status or not output_matches(expected, out):
            failures += 1
            print(f"{path}:{lineno}: FAIL: $ {cmd}")
            print(f"  expected status {status}, got {rc}")
            print("  expected output:\n" + "".join(f"    | {e}\n" for e in expected), end="")
            print("  actual output:\n" + "".join(f"    | {a}\n" for a in out), end="")
        else:
            print(f"{path}:{lineno}: ok: $ {cmd.splitlines()[0]}")
    shell.stdin.close()
    shell.wait()
    return count, failures


def main(argv):
    sys.stdout.reconfigure(line_buffering=True)  # a killed run still shows how far it got
    files = [a for a in argv[1:] if not a.startswith("--")]
    root = os.environ.get("BOX_SRC") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if "--list" in argv:
        for f in files:
            for lineno, cmd, _, _ in transcripts(f):
                print(f"{f}:{lineno}: $ {cmd}")
        return 0
    build = os.path.abspath(os.environ.get("BOX_BUILD") or os.path.join(root, "build"))
    # CTest ends a test that runs too long with SIGTERM: say which command hung and what it
    # printed, and unwind, so the view below is removed.
    def stopped(*_):
        if RUNNING:
            print(f"{RUNNING[0]}\n  FAIL: stopped (SIGTERM: a timeout?) while running it; its output so far:\n"
                  + "".join(f"    | {a}\n" for a in RUNNING[1]), end="")
        sys.exit(143)
    signal.signal(signal.SIGTERM, stopped)
    lock = os.environ.get("BOX_MDTEST_LOCK")
    if lock:  # a host thing only one test may use at a time (the same file as lib.sh's box_lock)
        os.makedirs("/run/lock", exist_ok=True)
        lock_file = open(f"/run/lock/box-{lock}.lock", "w")
        fcntl.flock(lock_file, fcntl.LOCK_EX)
    view = repo_view(root, build)
    total = bad = 0
    try:
        for f in files:
            c, b = run_file(os.path.abspath(f), view)
            total += c
            bad += b
    finally:
        shutil.rmtree(view)
    print(f"mdtest: {total - bad} passed, {bad} failed")
    if total == 0:
        print("mdtest: no ```console transcripts found: nothing was checked")
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
