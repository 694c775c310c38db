#!/usr/bin/env python3
"""workshop-student: the CI proof that a student workspace fails exactly its exercises' checks.

One build serves every lesson. In a temporary directory:

1. `lessons/workspace` makes the real student workspace (every marked exercise stubbed, the
   solutions removed). Each file it changed is compiled (-fsyntax-only, with the flags CMake
   uses): the workspace builds.
2. `lessons/workspace --switchable` makes a copy that keeps every solution behind
   `if (box::exercise_stubbed("NN.K")) box::exercise_todo(...)`. It is built once: with ccache,
   with the suite build's flags and cache (CMakeLists.txt), so only the files the workspace
   changed are compiled; without, unoptimised. With BOX_EXERCISE_STUBS naming lesson L's
   exercises it behaves as lesson L's workspace, so every lesson is checked without a build of
   its own.
3. For each lesson L, the tests of stage L and those without a stage (unit tests) run with L's
   stubs on. No more: a test fails only if it is labelled with one of L's exercises, and one
   that reaches the stub of exercise E is labelled exE; none of those passes. (Stages before L
   do not link L's code (DESIGN.md); tests of later stages run on stage L's code and fail with
   its stubs in place by design, so they are not run here.)
4. For each exercise E, alone: its labelled tests run with only E's stub on. No fewer: every one
   fails, and at least one reaches E's stub (its check runs its code).

The runs of steps 3 and 4 are independent (each has its own BOX_EXERCISE_STUBS, and a test names
what it makes after its pid), so they all go into one pool, 2 per CPU at a time, the slowest
first (workshop.run_each: each test as ctest runs it, RESOURCE_LOCKs held).

Only integration tests, box-unit's tests and tests with an exercise label run: lesson
transcripts, demos, docs, bench, the VM tests and these workshop tests are not exercise checks.
Exit 0 proven, 1 a problem (each printed), 77 when every test of an exercise was skipped here.
The "solved" side (the real code passes every exercise check) is workshop-real.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.dont_write_bytecode = True
SRC = Path(os.environ.get("BOX_SRC") or Path(__file__).resolve().parents[2])
sys.path.insert(0, str(SRC / "lessons" / "lib"))
import workshop as ws  # noqa: E402

NOT_CHECKS = re.compile(r"^(teaching|demo|vm|workshop)$")
JOBS = os.cpu_count() or 2
# Test runs at a time: the containers mostly wait on the kernel, so twice the CPUs.
TEST_JOBS = int(os.environ.get("BOX_STUDENT_JOBS") or 2 * JOBS)


def sh(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        print(f"FAIL: {' '.join(map(str, cmd))} exited {r.returncode}:\n{r.stdout[-4000:]}{r.stderr[-4000:]}")
        sys.exit(1)
    return r.stdout


def is_check(t):
    """The tests that can check code: integration tests, box-unit's doctests, labelled tests."""
    labels = t["labels"]
    if any(NOT_CHECKS.match(label) for label in labels):
        return False
    return ("integration" in labels or any(re.fullmatch(r"ex\d\d\.\d+", label) for label in labels)
            or bool(t["command"]) and os.path.basename(t["command"][0]) == "box-unit")


def stage_of(labels):
    for label in labels:
        m = re.fullmatch(r"stage(\d\d)", label)
        if m:
            return m[1]
    return "00"


def compile_proof(student, switch, build, files):
    """Compile each stubbed file of the real workspace with the flags CMake uses for it."""
    db = json.loads((build / "compile_commands.json").read_text())
    problems, jobs = {f: [] for f in files}, []
    for f in files:
        if not f.endswith((".cpp", ".cc")):
            # a region in a header: compile every file of the tree against the workspace's headers
            targets = [e for e in db]
        else:
            targets = [e for e in db if Path(e["file"]) == switch / f]
            if not targets:
                problems[f].append(f"{f}: not in compile_commands.json: is it built by any target?")
        jobs += [(f, e) for e in targets]

    def syntax(job):
        f, e = job
        # the sources from the workspace, generated files from the build (outside it)
        cmd = e["command"].replace(str(build), "\0").replace(str(switch), str(student)).replace("\0", str(build))
        cmd = re.sub(r"\s-o\s+\S+", " -fsyntax-only", cmd)
        return f, subprocess.run(cmd, shell=True, cwd=e["directory"], capture_output=True, text=True)

    with ThreadPoolExecutor(max_workers=JOBS) as pool:  # one compiler per CPU
        for f, r in pool.map(syntax, jobs):
            if r.returncode != 0:
                problems[f].append(f"the student workspace does not compile {f}:\n{r.stderr[-3000:]}")
    for f in files:
        print(f"ok: the workspace's {f} compiles" if not problems[f] else f"FAIL: {f} (below)")
    return [p for f in files for p in problems[f]]


def ex_labels(labels):
    return {label[2:] for label in labels if re.fullmatch(r"ex\d\d\.\d+", label)}


def lesson_tests(lesson, tests):
    """What lesson @p lesson's workspace runs: the checks of its stage and those without one."""
    return sorted(n for n, t in tests.items() if is_check(t) and stage_of(t["labels"]) in ("00", lesson))


def exercise_tests(e, tests):
    return sorted(n for n, t in tests.items() if f"ex{e}" in t["labels"] and is_check(t))


def check_lesson(lesson, ids, tests, res):
    """Lesson @p lesson's workspace (all its stubs on, results @p res): no more than its checks fail."""
    mine = set(ids)
    names = lesson_tests(lesson, tests)
    problems, skipped, failing = [], [], []
    for name in names:
        r = res.get(name)
        if r is None:
            problems.append(f"lesson {lesson}: {name} did not run")
            continue
        labels, stage, stubs = tests[name]["labels"], stage_of(tests[name]["labels"]), set(r["stubs"])
        exs = ex_labels(labels)
        unlabelled = sorted((stubs & mine) - exs) if stage in (lesson, "00") else []
        for s in unlabelled:
            problems.append(f"lesson {lesson}: {name} reaches the stub of exercise {s} but is not labelled "
                            f"ex{s}: label it (integration script: '# exercise: {s}')")
        if r["status"] == "skip":
            skipped.append(name)
        elif r["status"] == "pass" and exs & mine:
            problems.append(f"lesson {lesson}: {name} is labelled {' '.join(sorted('ex' + e for e in exs & mine))} "
                            f"but passes with the stubs in place: it cannot fail, so it checks nothing")
        elif r["status"] == "fail":
            failing.append(name)
            if not (exs & mine) and not unlabelled:
                problems.append(f"lesson {lesson}: {name} fails though it checks none of {' '.join(ids)} "
                                f"(stubs reached: {' '.join(sorted(stubs)) or 'none'}):\n{r['output'][-1500:]}")
    print(f"{'ok' if not problems else 'FAIL'}: lesson {lesson} workspace ({' '.join(ids)}): "
          f"{len(names)} tests ran, failing: {' '.join(failing) or 'none'}"
          + (f"; skipped here: {' '.join(skipped)}" if skipped else ""))
    return problems


def check_exercise(e, tests, res):
    """Only exercise @p e stubbed (results @p res): every test labelled ex@p e fails, one of them
    at its stub. Returns (problems, unproven)."""
    names = exercise_tests(e, tests)
    if not names:
        return [f"exercise {e}: no test is labelled ex{e}"], []
    problems = [f"exercise {e}: {n} is labelled ex{e} but passes with the stub in place: it cannot fail"
                for n in names if res.get(n, {}).get("status") == "pass"]
    ran = [n for n in names if res.get(n, {}).get("status") in ("pass", "fail")]
    if not ran:
        return problems, [f"exercise {e}: every test of it was skipped here ({' '.join(names)})"]
    if not any(e in res[n]["stubs"] for n in ran):
        problems.append(f"exercise {e}: none of its tests ({' '.join(names)}) reaches its stub: they do not run its code")
    print(f"{'ok' if not problems else 'FAIL'}: exercise {e} alone: {' '.join(names)} fail"
          + (" (at its stub)" if not problems else ""))
    return problems, []


def main():
    sys.stdout.reconfigure(line_buffering=True)
    # a CTest timeout or ^C: still remove the temporary tree (the finally below)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    tmp = Path(tempfile.mkdtemp(prefix="box-workshop-"))
    tmp.chmod(0o755)  # some tests run the programs as nobody: they must reach the build
    try:
        student, switch, build = tmp / "student", tmp / "switch", tmp / "switch" / "build"
        sh([sys.executable, SRC / "lessons" / "workspace", "--no-git", student])
        sh([sys.executable, SRC / "lessons" / "workspace", "--no-git", "--switchable", switch])
        meta = json.loads((student / ws.METADATA).read_text())
        ids = meta["exercises"]
        print(f"ok: workspaces made: {len(ids)} exercises: {' '.join(ids)}")
        # With ccache (CMakeLists.txt), built like the suite's own build and from its cache: only
        # the files the workspace changed are compiled. Without, unoptimised: faster to build.
        real = Path(os.environ.get("BOX_BUILD", SRC / "build"))
        cache = shutil.which("ccache") and (real / "ccache").is_dir()
        config = ["-DCMAKE_BUILD_TYPE=RelWithDebInfo", f"-DBOX_CCACHE_DIR={real / 'ccache'}"] if cache else ["-DCMAKE_BUILD_TYPE=None"]
        started = time.monotonic()
        sh(["cmake", "-S", switch, "-B", build, *config, "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON"])
        problems = compile_proof(student, switch, build, sorted(meta["files"]))
        targets = ws.buildable(build, ["rootfs", "box-unit", *ws.stage_targets(switch, "99")])
        sh(["cmake", "--build", build, "-j", str(JOBS), "--target", *targets])
        # box-rtools (05-runtime-tools) is Go, the same in both trees: the suite's Go cache serves it
        os.environ["BOX_GOCACHE"] = str(real / "go-cache")
        print(f"ok: the switchable workspace is built ({'from the suite build' + chr(39) + 's ccache' if cache else 'no ccache'}): "
              f"{time.monotonic() - started:.0f} s")
        tests = ws.ctest_tests(build)
        lessons = {lesson: [i for i in ids if ws.lesson_of(i) == lesson] for lesson in sorted({ws.lesson_of(i) for i in ids})}
        # Every run of steps 3 and 4 at once, JOBS at a time, the slowest first (a test is named
        # after its pid: two runs of one test do not collide; a RESOURCE_LOCK is honoured).
        runs = [(("lesson", lesson), n, {"BOX_EXERCISE_STUBS": " ".join(lesson_ids)})
                for lesson, lesson_ids in lessons.items() for n in lesson_tests(lesson, tests)]
        runs += [(("exercise", e), n, {"BOX_EXERCISE_STUBS": e}) for e in ids for n in exercise_tests(e, tests)]
        started = time.monotonic()
        res = ws.run_each(tests, runs, TEST_JOBS, cost=ws.ctest_costs(os.environ.get("BOX_BUILD", build)))
        print(f"ok: {len(runs)} test runs in {time.monotonic() - started:.0f} s ({TEST_JOBS} at a time)")
        unproven = []
        for lesson, lesson_ids in lessons.items():
            problems += check_lesson(lesson, lesson_ids, tests, res.get(("lesson", lesson), {}))
        for e in ids:
            p, u = check_exercise(e, tests, res.get(("exercise", e), {}))
            problems += p
            unproven += u
        for p in problems:
            print(f"FAIL: {p}")
        if problems:
            print(f"workshop-student: {len(problems)} problem(s)")
            return 1
        if unproven:
            print("SKIP: the proof is incomplete on this machine: " + "; ".join(unproven))
            return 77
        print("workshop-student: every lesson's workspace fails exactly its exercises' checks")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
