"""workshop.py: what the workshop tools share (lessons/workspace, lessons/check, the CI proof).

The exercises live in the real sources, between markers (CONTRIBUTING.md, "Exercises"):

    // EXERCISE 03.2: write the memory limit
    write_file(dir / "memory.max", std::to_string(bytes));
    // END EXERCISE

and in the lesson's README, in a section that starts with `<a id="ex-032"></a>` and holds the
task, a `- Hint:` and a `- Check:` line. A student workspace keeps both marker lines and puts
`box::exercise_todo("03.2", "lessons/03-cgroups/README.md#ex-032");` between them.
Everything here is plain text processing: no build, no root.
"""
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

BEGIN = re.compile(r"^(?P<indent>\s*)// EXERCISE (?P<id>\d\d\.\d+):\s*(?P<title>.*?)\s*$")
END = re.compile(r"^\s*// END EXERCISE\s*$")
STUB_REACHED = re.compile(r"exercise (\d\d\.\d+) is not done yet")
TODO = re.compile(r'box::exercise_todo\("(?P<id>\d\d\.\d+)"')
ANCHOR = re.compile(r'<a id="ex-(?P<num>\d+)"></a>')
SOURCE_EXT = (".cpp", ".hpp", ".cc", ".h")
SKIP_DIRS = {".git", "student"}
METADATA = ".boxkit-workspace.json"


class WorkshopError(Exception):
    """A problem with the user's input: carries the exit code (README.md: 64, 65, 66)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


@dataclass
class Region:
    """One marked region: file (relative to the tree), 0-based line numbers of the markers."""
    id: str
    title: str
    path: str
    begin: int
    end: int
    indent: str
    body: list = field(default_factory=list)

    @property
    def stubbed(self):
        return len(self.body) == 1 and TODO.search(self.body[0]) is not None


@dataclass
class Exercise:
    """An exercise as its lesson's README describes it."""
    id: str
    title: str = ""
    readme: str = ""      # relative path of the README
    task: str = ""
    hint: str = ""
    check: str = ""


def lesson_of(ex_id):
    return ex_id.split(".")[0]


def anchor_of(ex_id):
    """'03.2' -> 'ex-032' (CONTRIBUTING.md)."""
    return "ex-" + ex_id.replace(".", "")


def sort_key(ex_id):
    a, b = ex_id.split(".")
    return (int(a), int(b))


def is_build_dir(name):
    return name == "build" or name.startswith("build-")


def lesson_dirs(root):
    """{'01': 'lessons/01-chroot', ...} for every lessons/NN-*/ directory."""
    out = {}
    base = Path(root) / "lessons"
    for d in sorted(base.glob("[0-9][0-9]-*")) if base.is_dir() else []:
        if d.is_dir():
            out.setdefault(d.name[:2], f"lessons/{d.name}")
    return out


def stage_dirs(root):
    """{'01': '01-chroot', ...}: the stage source folders."""
    return {d.name[:2]: d.name for d in sorted(Path(root).glob("[0-9][0-9]-*")) if d.is_dir()}


def tree_files(root):
    """The project's files, relative: what git tracks or would track (untracked files that are
    not ignored too), else every file outside .git, build dirs and student/."""
    root = Path(root)
    if (root / ".git").exists():
        r = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "-co", "--exclude-standard"],
                           capture_output=True, text=True)
        if r.returncode == 0:
            return sorted({f for f in r.stdout.split("\0") if f and (root / f).is_file()})
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS and not is_build_dir(d)]
        for f in filenames:
            out.append(os.path.relpath(os.path.join(dirpath, f), root))
    return sorted(out)


def source_files(root):
    return [f for f in tree_files(root) if f.endswith(SOURCE_EXT)]


def parse_regions(path, text):
    """The regions of one file. Raises WorkshopError(65) on malformed markers."""
    regions, cur = [], None
    lines = text.split("\n")
    for i, line in enumerate(lines):
        m = BEGIN.match(line)
        if m:
            if cur:
                raise WorkshopError(65, f"{path}:{i + 1}: EXERCISE {m['id']} starts inside EXERCISE "
                                        f"{cur.id} (line {cur.begin + 1}): close it with // END EXERCISE first")
            cur = Region(m["id"], m["title"], path, i, -1, m["indent"])
        elif END.match(line):
            if not cur:
                raise WorkshopError(65, f"{path}:{i + 1}: // END EXERCISE without an // EXERCISE NN.K line before it")
            cur.end = i
            cur.body = lines[cur.begin + 1:i]
            regions.append(cur)
            cur = None
    if cur:
        raise WorkshopError(65, f"{path}:{cur.begin + 1}: EXERCISE {cur.id} has no // END EXERCISE line")
    return regions


def find_regions(root):
    out = []
    for f in source_files(root):
        text = (Path(root) / f).read_text(encoding="utf-8", errors="replace")
        if "EXERCISE" in text:
            out.extend(parse_regions(f, text))
    return out


def readme_exercises(root):
    """{id: Exercise} from every lesson README's sections `<a id="ex-NNK"></a>`."""
    out = {}
    for nn, ldir in lesson_dirs(root).items():
        readme = Path(root) / ldir / "README.md"
        if not readme.is_file():
            continue
        lines = readme.read_text(encoding="utf-8").split("\n")
        for i, line in enumerate(lines):
            m = ANCHOR.search(line)
            if not m:
                continue
            ex_id = f"{m['num'][:2]}.{m['num'][2:]}"
            ex = Exercise(ex_id, readme=f"{ldir}/README.md")
            body = []
            for line2 in lines[i + 1:]:
                if ANCHOR.search(line2) or re.match(r"^#{1,2} ", line2):
                    break
                body.append(line2)
            _fill_section(ex, body)
            out[ex_id] = ex
    return out


def _fill_section(ex, body):
    """Title from the heading; the task is the text before "Hint:", the hint runs to "Check:",
    the check to the end. "Hint:" and "Check:" may be bullets (`- Hint:`), bold, or inline."""
    text = []
    for line in body:
        h = re.match(r"^#{3,}\s*(.*)$", line)
        if h:
            ex.title = re.sub(r"^(Exercise\s+)?\d\d\.\d+\s*([—:-]\s*)?", "", h[1]).strip()
        elif line.strip():
            text.append(line.strip())
    joined = " ".join(text)
    mark = r"(?:^|(?<=\s))(?:- )?\**{}:\**\s*"
    hint = re.search(mark.format("Hint"), joined)
    check = re.search(mark.format("Check"), joined)
    end_task = min(m.start() for m in (hint, check) if m) if (hint or check) else len(joined)
    ex.task = joined[:end_task].strip()
    if hint:
        ex.hint = joined[hint.end():check.start() if check and check.start() > hint.end() else len(joined)].strip()
        ex.hint = re.sub(r"\s*-$", "", ex.hint)
    if check:
        ex.check = joined[check.end():hint.start() if hint and hint.start() > check.end() else len(joined)].strip()


def exercise_ids(root):
    """Every exercise the tree knows: marked in code (or stubbed) or described in a README."""
    ids = {r.id for r in find_regions(root)} | set(readme_exercises(root))
    return sorted(ids, key=sort_key)


def stub_line(region, readme):
    return f'{region.indent}box::exercise_todo("{region.id}", "{readme}#{anchor_of(region.id)}");'


def add_include(lines):
    """Make sure the file includes exercise.hpp: after the last #include "..." of the file's
    leading block of includes (an #include further down may be inside a function)."""
    if any(re.match(r'^\s*#include\s+"exercise\.hpp"', line) for line in lines):
        return lines
    head = 0
    while head < len(lines) and re.match(r"^\s*($|#|//|/\*|\*)", lines[head]):
        head += 1
    quoted = [i for i, line in enumerate(lines[:head]) if re.match(r'^\s*#include\s+"', line)]
    any_inc = [i for i, line in enumerate(lines[:head]) if re.match(r"^\s*#include\b", line)]
    at = quoted[-1] + 1 if quoted else (any_inc[0] if any_inc else 0)
    return lines[:at] + ['#include "exercise.hpp"  // the student workspace\'s exercise stubs'] + lines[at:]


def switch_line(region, readme):
    return f'{region.indent}if (box::exercise_stubbed("{region.id}")) ' + stub_line(region, readme).lstrip()


def stub_text(path, text, ids, readmes, switchable=False):
    """Return (new text, [stubbed ids]) with the regions of @p ids replaced by the stub.
    @p switchable: keep the solution and put a stub in front of it that acts only when the
    exercise is named in BOX_EXERCISE_STUBS (box::exercise_stubbed; the CI proof's build)."""
    regions = [r for r in parse_regions(path, text) if r.id in ids]
    if not regions:
        return text, []
    lines = text.split("\n")
    for r in sorted(regions, key=lambda r: r.begin, reverse=True):
        readme = readmes.get(lesson_of(r.id), f"lessons/{lesson_of(r.id)}/README.md")
        if switchable:
            lines[r.begin + 1:r.begin + 1] = [switch_line(r, readme)]
        else:
            lines[r.begin + 1:r.end] = [stub_line(r, readme)]
    return "\n".join(add_include(lines)), sorted({r.id for r in regions}, key=sort_key)


def lint(root, labels=None):
    """Problems with the exercises of a tree, one string each (empty: all good).
    @p labels: {exercise id: [test names]} from CTest, or None to skip the test check."""
    problems = []
    try:
        regions = find_regions(root)
    except WorkshopError as e:
        return [str(e)]
    readmes = readme_exercises(root)
    lessons = lesson_dirs(root)
    for r in regions:
        nn = lesson_of(r.id)
        if nn not in lessons:
            problems.append(f"{r.path}:{r.begin + 1}: EXERCISE {r.id}: there is no lessons/{nn}-*/ for it")
        if not r.body or all(not line.strip() for line in r.body):
            problems.append(f"{r.path}:{r.begin + 1}: EXERCISE {r.id} is empty: mark the solution's lines")
        if not r.title:
            problems.append(f"{r.path}:{r.begin + 1}: EXERCISE {r.id} has no title after the colon")
        body = "\n".join(r.body)
        code = re.sub(r'"(\\.|[^"\\])*"|\'(\\.|[^\'\\])*\'|//[^\n]*', "", body)
        if code.count("{") != code.count("}") or code.count("(") != code.count(")"):
            problems.append(f"{r.path}:{r.begin + 1}: EXERCISE {r.id}: its braces or parentheses do not "
                            f"balance: a region must be whole statements, or the stub will not compile")
    marked = {r.id for r in regions}
    for ex_id in sorted(marked - set(readmes), key=sort_key):
        where = lessons.get(lesson_of(ex_id), f"lessons/{lesson_of(ex_id)}-*")
        problems.append(f"exercise {ex_id} is marked in the code but {where}/README.md has no "
                        f'<a id="{anchor_of(ex_id)}"></a> section for it')
    for ex_id, ex in sorted(readmes.items(), key=lambda kv: sort_key(kv[0])):
        if ex_id not in marked:
            problems.append(f"{ex.readme}: exercise {ex_id} has no // EXERCISE {ex_id} region in the code")
        if not ex.hint:
            problems.append(f"{ex.readme}: exercise {ex_id} has no '- Hint:' line")
        if not ex.check:
            problems.append(f"{ex.readme}: exercise {ex_id} has no '- Check:' line")
        if labels is not None and not labels.get(ex_id):
            problems.append(f"exercise {ex_id}: no test is labelled ex{ex_id} (set_tests_properties LABELS, "
                            f"or '# exercise: {ex_id}' in an integration script)")
    return problems


# --- the build and CTest side (lessons/check, tests/workshop/student.py) ---

def stage_targets(root, upto):
    """Executables defined in NN-*/CMakeLists.txt for every stage NN <= upto."""
    out = []
    for nn, d in stage_dirs(root).items():
        cm = Path(root) / d / "CMakeLists.txt"
        if nn <= upto and cm.is_file():
            out += re.findall(r"^\s*add_executable\(\s*([\w.+-]+)", cm.read_text(), re.M)
    return out


def buildable(bdir, targets):
    """The @p targets this configured build dir has (a stage may define some only sometimes)."""
    known = subprocess.run(["cmake", "--build", str(bdir), "--target", "help"], capture_output=True, text=True).stdout
    return [t for t in targets if re.search(rf"(^|\s|\.\.\. ){re.escape(t)}(\s|$)", known, re.M)]


def ctest_tests(build):
    """{name: {"labels": [...], "command": [...], "number": N}} from `ctest --show-only=json-v1`."""
    r = subprocess.run(["ctest", "--test-dir", str(build), "--show-only=json-v1"], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"check: error: ctest cannot list the tests in {build}: {r.stderr.strip()}")
    out = {}
    for i, t in enumerate(json.loads(r.stdout)["tests"], 1):
        props = {p["name"]: p["value"] for p in t.get("properties", [])}
        out[t["name"]] = {"labels": props.get("LABELS", []), "command": t.get("command", []), "number": i,
                          "props": props}
    return out


def exercise_labels(tests):
    """{exercise id: [test names]} from the exN.K labels."""
    out = {}
    for name, t in tests.items():
        for label in t["labels"]:
            m = re.fullmatch(r"ex(\d\d\.\d+)", label)
            if m:
                out.setdefault(m[1], []).append(name)
    return out


def unit_tests_labelled(root):
    """Does any unit test carry an exercise label (a doctest case named "... [exNN.K]",
    tests/CMakeLists.txt)? Then lessons/check builds box-unit too."""
    return any(re.search(r"\bex\d\d\.\d+\b", p.read_text(errors="replace"))
               for p in (Path(root) / "tests" / "unit").glob("*.cpp"))


def run_tests(bdir, label_regex, exclude_regex, jobs, env=None, numbers=None):
    """{name: {"status": pass|fail|skip, "output": str, "stubs": [ids]}} for one ctest run:
    the tests whose labels match @p label_regex and not @p exclude_regex. "stubs" are the
    exercises whose stub the test reached ("exercise NN.K is not done yet" in its output)."""
    with tempfile.TemporaryDirectory(prefix="box-check-") as tmp:
        junit = Path(tmp) / "junit.xml"
        cmd = ["ctest", "--test-dir", str(bdir), "-j", str(jobs), "--timeout", "300", "--output-junit", str(junit)]
        if label_regex:
            cmd += ["-L", label_regex]
        if exclude_regex:
            cmd += ["-LE", exclude_regex]
        if numbers:  # the tests with these numbers (ctest_tests()), whatever their names hold
            cmd += ["-I", "0,0,0," + ",".join(map(str, sorted(numbers)))]
        subprocess.run(cmd, capture_output=True, text=True, env=env)
        if not junit.exists():
            return {}
        out = {}
        for case in ET.parse(junit).getroot().iter("testcase"):
            text = "".join((e.text or "") for e in case.iter() if e.tag in ("system-out", "failure", "skipped"))
            status = case.get("status", "")
            if status == "run" and case.find("failure") is None:
                st = "pass"
            elif status in ("notrun", "disabled") or case.find("skipped") is not None:
                st = "skip"
            else:
                st = "fail"
            out[case.get("name")] = {"status": st, "output": text,
                                     "stubs": sorted(set(STUB_REACHED.findall(text)), key=sort_key)}
        return out


# Test properties run_each() knows how to honour; a test with any other property that can change
# its verdict or its company is refused rather than judged differently from ctest.
RUN_EACH_PROPS = {"LABELS", "WORKING_DIRECTORY", "ENVIRONMENT", "SKIP_RETURN_CODE", "TIMEOUT", "RESOURCE_LOCK",
                  "DEPENDS", "COST"}


def run_one(test, env, timeout=300):
    """Run one test of ctest_tests() as ctest would (its command, WORKING_DIRECTORY, ENVIRONMENT,
    TIMEOUT, SKIP_RETURN_CODE), with @p env under it: {"status", "output", "stubs"}."""
    props = test["props"]
    env = dict(env)
    for kv in props.get("ENVIRONMENT", []):
        k, _, v = kv.partition("=")
        env[k] = v
    timeout = props.get("TIMEOUT") or timeout
    p = subprocess.Popen(test["command"], cwd=props.get("WORKING_DIRECTORY"), env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=timeout)
        text, rc = out.decode(errors="replace"), p.returncode
    except subprocess.TimeoutExpired:
        for sig in (signal.SIGTERM, signal.SIGKILL):  # as ctest does: the test, then what it left
            try:
                os.killpg(p.pid, sig)
            except ProcessLookupError:
                pass
            try:
                out, _ = p.communicate(timeout=10)
                break
            except subprocess.TimeoutExpired:
                out = b""
        text, rc = out.decode(errors="replace") + f"\n*** timeout after {timeout} s\n", None
    if rc == 0:
        st = "pass"
    elif rc is not None and "SKIP_RETURN_CODE" in props and rc == props["SKIP_RETURN_CODE"]:
        st = "skip"
    else:
        st = "fail"
    return {"status": st, "output": text, "stubs": sorted(set(STUB_REACHED.findall(text)), key=sort_key)}


def run_each(tests, runs, jobs, env=None, cost=None):
    """Run many (key, test name, extra environment) at once, @p jobs at a time, longest first
    (@p cost: {name: seconds}), each test as ctest would run it (run_one) and each test's
    RESOURCE_LOCKs held while it runs. Returns {key: {name: result}}. Unlike one ctest run per
    key, a slow test of one key never holds up the tests of the next."""
    cost = cost or {}
    for _, name, _ in runs:
        odd = set(tests[name]["props"]) - RUN_EACH_PROPS
        if odd:
            raise SystemExit(f"run_each: {name} has test properties {sorted(odd)} that it cannot honour")
    locks = {}
    for _, name, _ in runs:
        for r in tests[name]["props"].get("RESOURCE_LOCK", []):
            locks.setdefault(r, threading.Lock())
    base = dict(os.environ if env is None else env)

    def one(run):
        key, name, extra = run
        held = [locks[r] for r in sorted(tests[name]["props"].get("RESOURCE_LOCK", []))]
        for lk in held:
            lk.acquire()
        try:
            return key, name, run_one(tests[name], {**base, **extra})
        finally:
            for lk in reversed(held):
                lk.release()

    order = sorted(runs, key=lambda r: -cost.get(r[1], 0.0))
    out = {}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for key, name, res in pool.map(one, order):
            out.setdefault(key, {})[name] = res
    return out


def ctest_costs(build):
    """{test name: average seconds} from a build's CTest cost data ({} when it has none)."""
    out = {}
    path = Path(build) / "Testing" / "Temporary" / "CTestCostData.txt"
    try:
        for line in path.read_text().splitlines():
            parts = line.rsplit(" ", 2)
            if len(parts) == 3:
                try:
                    out[parts[0]] = float(parts[2])
                except ValueError:
                    pass
    except OSError:
        pass
    return out
