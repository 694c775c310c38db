"""Unit tests of lessons/lib/workshop.py and lessons/workspace against fixture trees (no root)."""
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

SRC = Path(os.environ.get("BOX_SRC") or Path(__file__).resolve().parents[2])
sys.dont_write_bytecode = True
sys.path.insert(0, str(SRC / "lessons" / "lib"))
import workshop as ws  # noqa: E402

ROOTFS_CPP = textwrap.dedent("""\
    #include "rootfs.hpp"

    #include "error.hpp"
    #include <sys/mount.h>

    namespace box {
    void mount_proc() {
        // EXERCISE 01.2: mount proc
        const char* call = "mount(\\"proc\\", \\"/proc\\")";
        check(::mount("proc", "/proc", "proc", 0, nullptr), call);
        // END EXERCISE
    }
    void pivot() {
        prepare();
        // EXERCISE 01.3: pivot
        check(pivot_root(".", "."), "pivot_root");
        // END EXERCISE
        done();
    }
    }  // namespace box
    """)

README = textwrap.dedent("""\
    # Lesson 01 — chroot

    ## Exercises

    <a id="ex-012"></a>
    ### Exercise 01.2 — /proc (medium)

    In `mount_proc()`, mount a proc filesystem
    on `/proc`.

    - Hint: `mount(2)` with source `"proc"`,
      type `"proc"`.
    - Check: the tests labelled `ex01.2`.

    <a id="ex-013"></a>
    ### Exercise 01.3 — pivot_root (harder)

    Make the rootfs the root.

    - Hint: `pivot_root(".", ".")`.
    - Check: the tests labelled `ex01.3`.

    ## Further

    Not part of 01.3.
    """)


def make_tree(root, files):
    for rel, text in files.items():
        p = Path(root) / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


class Markers(unittest.TestCase):
    def test_regions_are_found_with_their_lines(self):
        regions = ws.parse_regions("r.cpp", ROOTFS_CPP)
        self.assertEqual([r.id for r in regions], ["01.2", "01.3"])
        self.assertEqual(regions[0].title, "mount proc")
        self.assertEqual(len(regions[0].body), 2)
        self.assertEqual(regions[1].indent, "    ")

    def test_malformed_markers_are_errors_naming_the_line(self):
        cases = {
            "// EXERCISE 01.1: a\n// EXERCISE 01.2: b\n// END EXERCISE\n": "r.cpp:2: EXERCISE 01.2 starts inside EXERCISE 01.1",
            "x;\n// END EXERCISE\n": "r.cpp:2: // END EXERCISE without",
            "// EXERCISE 01.1: a\nx;\n": "r.cpp:1: EXERCISE 01.1 has no // END EXERCISE",
        }
        for text, msg in cases.items():
            with self.assertRaises(ws.WorkshopError) as cm:
                ws.parse_regions("r.cpp", text)
            self.assertEqual(cm.exception.code, 65)
            self.assertIn(msg, str(cm.exception))

    def test_stub_replaces_only_the_chosen_regions_and_adds_the_include(self):
        readmes = {"01": "lessons/01-chroot/README.md"}
        text, done = ws.stub_text("r.cpp", ROOTFS_CPP, {"01.3"}, readmes)
        self.assertEqual(done, ["01.3"])
        self.assertIn('    box::exercise_todo("01.3", "lessons/01-chroot/README.md#ex-013");', text)
        self.assertNotIn("pivot_root(", text)
        self.assertIn('check(::mount("proc"', text)  # 01.2 untouched
        self.assertIn("// EXERCISE 01.3: pivot", text)  # the markers stay for the student
        lines = text.split("\n")
        self.assertEqual(lines.index('#include "error.hpp"') + 1,
                         lines.index('#include "exercise.hpp"  // the student workspace\'s exercise stubs'))
        self.assertEqual([r.id for r in ws.parse_regions("r.cpp", text) if r.stubbed], ["01.3"])

    def test_stub_then_solution_gives_back_the_file(self):
        readmes = {"01": "lessons/01-chroot/README.md"}
        text, _ = ws.stub_text("r.cpp", ROOTFS_CPP, {"01.2", "01.3"}, readmes)
        orig = {r.id: r.body for r in ws.parse_regions("r.cpp", ROOTFS_CPP)}
        lines = text.split("\n")
        for r in sorted(ws.parse_regions("r.cpp", text), key=lambda r: -r.begin):
            lines[r.begin + 1:r.end] = orig[r.id]
        lines.remove('#include "exercise.hpp"  // the student workspace\'s exercise stubs')
        self.assertEqual("\n".join(lines), ROOTFS_CPP)

    def test_switchable_keeps_the_solution_behind_the_switch(self):
        text, _ = ws.stub_text("r.cpp", ROOTFS_CPP, {"01.2"}, {"01": "lessons/01-chroot/README.md"}, switchable=True)
        self.assertIn('    if (box::exercise_stubbed("01.2")) box::exercise_todo("01.2", '
                      '"lessons/01-chroot/README.md#ex-012");\n    const char* call', text)
        self.assertIn('check(::mount("proc"', text)

    def test_include_is_not_added_twice(self):
        lines = ['#include "exercise.hpp"', "x;"]
        self.assertEqual(ws.add_include(lines), lines)

    def test_anchor(self):
        self.assertEqual(ws.anchor_of("03.2"), "ex-032")
        self.assertEqual(ws.anchor_of("03.12"), "ex-0312")


class Readme(unittest.TestCase):
    def test_sections_give_title_task_hint_check(self):
        with tempfile.TemporaryDirectory() as root:
            make_tree(root, {"lessons/01-chroot/README.md": README})
            ex = ws.readme_exercises(root)
            self.assertEqual(sorted(ex), ["01.2", "01.3"])
            self.assertEqual(ex["01.2"].title, "/proc (medium)")
            self.assertEqual(ex["01.2"].task, "In `mount_proc()`, mount a proc filesystem on `/proc`.")
            self.assertEqual(ex["01.2"].hint, '`mount(2)` with source `"proc"`, type `"proc"`.')
            self.assertEqual(ex["01.3"].check, "the tests labelled `ex01.3`.")
            self.assertNotIn("Not part", ex["01.3"].task)  # a level-2 heading ends the section
            self.assertEqual(ex["01.2"].readme, "lessons/01-chroot/README.md")


    def test_inline_hint_and_check_and_a_short_heading(self):
        with tempfile.TemporaryDirectory() as root:
            make_tree(root, {"lessons/05-full-runtime/README.md":
                             '<a id="ex-051"></a>\n### 05.1 The exec fifo\n\nOpen the fifo\nand write.\n\n'
                             "Hint: `open(2)` blocks. Check: `ctest -L ex05.1`.\n"})
            ex = ws.readme_exercises(root)["05.1"]
            self.assertEqual((ex.title, ex.task, ex.hint, ex.check),
                             ("The exec fifo", "Open the fifo and write.", "`open(2)` blocks.", "`ctest -L ex05.1`."))


class Lint(unittest.TestCase):
    def tree(self, root, cpp=ROOTFS_CPP, readme=README):
        make_tree(root, {"01-chroot/rootfs.cpp": cpp, "lessons/01-chroot/README.md": readme})

    def test_a_complete_tree_is_clean(self):
        with tempfile.TemporaryDirectory() as root:
            self.tree(root)
            self.assertEqual(ws.lint(root, {"01.2": ["a"], "01.3": ["b"]}), [])

    def test_each_gap_is_named(self):
        with tempfile.TemporaryDirectory() as root:
            cpp = ROOTFS_CPP + "void f() {\n    // EXERCISE 01.4: f\n    if (x) {\n    // END EXERCISE\n}\n"
            readme = README.replace("- Hint: `pivot_root", "- Clue: `pivot_root") + \
                '\n<a id="ex-015"></a>\n### Exercise 01.5 — five\n\nDo.\n\n- Hint: h\n- Check: c\n'
            self.tree(root, cpp, readme)
            problems = "\n".join(ws.lint(root, {"01.2": ["a"]}))
            self.assertIn("EXERCISE 01.4: its braces or parentheses do not balance", problems)
            self.assertIn("exercise 01.4 is marked in the code but lessons/01-chroot/README.md has no", problems)
            self.assertIn("exercise 01.5 has no // EXERCISE 01.5 region", problems)
            self.assertIn("exercise 01.3 has no '- Hint:' line", problems)
            self.assertIn("exercise 01.3: no test is labelled ex01.3", problems)

    def test_a_marker_for_a_lesson_that_does_not_exist(self):
        with tempfile.TemporaryDirectory() as root:
            self.tree(root, ROOTFS_CPP.replace("01.3", "07.1"))
            self.assertIn("EXERCISE 07.1: there is no lessons/07-*/", "\n".join(ws.lint(root)))


class Workspace(unittest.TestCase):
    """lessons/workspace, run on a fixture project (the script copied in, as in a real tree)."""

    def project(self, root):
        make_tree(root, {"01-chroot/rootfs.cpp": ROOTFS_CPP, "lessons/01-chroot/README.md": README,
                         "02-namespaces/ns.cpp": "void f() {\n    // EXERCISE 02.1: uts\n    g();\n    // END EXERCISE\n}\n",
                         "02-namespaces/main.cpp": "int main() {}\n", "build/junk.o": "x",
                         "lessons/workspace": (SRC / "lessons/workspace").read_text(),
                         "lessons/lib/workshop.py": (SRC / "lessons/lib/workshop.py").read_text()})

    def run_ws(self, root, *args):
        return subprocess.run([sys.executable, str(Path(root) / "lessons/workspace"), *args],
                              capture_output=True, text=True)

    def test_one_lesson(self):
        with tempfile.TemporaryDirectory() as root, tempfile.TemporaryDirectory() as out:
            self.project(root)
            dest = Path(out) / "ws"
            r = self.run_ws(root, "--lesson", "01", "--no-git", str(dest))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("workspace: 01-chroot/rootfs.cpp: stubbed 01.2 01.3", r.stdout)
            meta = json.loads((dest / ws.METADATA).read_text())
            self.assertEqual(meta["exercises"], ["01.2", "01.3"])
            self.assertIn("exercise_todo", (dest / "01-chroot/rootfs.cpp").read_text())
            self.assertIn("    g();", (dest / "02-namespaces/ns.cpp").read_text())  # lesson 02 untouched
            self.assertFalse((dest / "build").exists())  # no build dirs copied

    def test_all_lessons_by_default_and_a_git_commit(self):
        with tempfile.TemporaryDirectory() as root, tempfile.TemporaryDirectory() as out:
            self.project(root)
            dest = Path(out) / "ws"
            r = self.run_ws(root, str(dest))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("3 exercise(s) to do: 01.2 01.3 02.1", r.stdout)
            # no lessons/02-*/ yet: the stub points where the lesson will be (the stage's name)
            self.assertIn('"lessons/02-namespaces/README.md#ex-021"', (dest / "02-namespaces/ns.cpp").read_text())
            log = subprocess.run(["git", "-C", str(dest), "log", "--oneline"], capture_output=True, text=True)
            self.assertIn("student workspace: exercises 01.2 01.3 02.1", log.stdout)

    def test_bad_input_is_one_line_a_code_and_nothing_made(self):
        with tempfile.TemporaryDirectory() as root, tempfile.TemporaryDirectory() as out:
            self.project(root)
            full = Path(out) / "full"
            full.mkdir()
            (full / "x").write_text("mine")
            cases = [
                (["--lesson", "07", str(Path(out) / "a")], 64, "workspace: error: no lesson '07': the lessons are 01 02;"),
                (["--lesson", "03", str(Path(out) / "a")], 64, "no lesson '03'"),
                ([str(full)], 64, f"workspace: error: DEST '{full}' exists and is not empty"),
                (["--force", str(full)], 64, "is not an earlier workspace"),
                ([str(Path(root) / "01-chroot")], 64, "is inside the project"),
                (["--bogus"], 64, ""),
            ]
            for args, code, msg in cases:
                r = self.run_ws(root, *args)
                self.assertEqual(r.returncode, code, args)
                self.assertIn(msg, r.stderr, args)
                self.assertFalse((Path(out) / "a").exists(), args)
            self.assertEqual((full / "x").read_text(), "mine")
            make_tree(root, {"03-cgroups/cg.cpp": "int x;\n"})
            r = self.run_ws(root, "--lesson", "03", str(Path(out) / "a"))
            self.assertEqual((r.returncode, r.stderr.strip()), (66, "workspace: error: lesson 03 has no exercises "
                             "yet: no '// EXERCISE 03.K' region in the sources; choose another lesson"))

    def test_force_replaces_an_earlier_workspace(self):
        with tempfile.TemporaryDirectory() as root, tempfile.TemporaryDirectory() as out:
            self.project(root)
            dest = Path(out) / "ws"
            self.assertEqual(self.run_ws(root, "--no-git", "--lesson", "02", str(dest)).returncode, 0)
            r = self.run_ws(root, "--no-git", "--force", "--lesson", "01", str(dest))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(json.loads((dest / ws.METADATA).read_text())["exercises"], ["01.2", "01.3"])


if __name__ == "__main__":
    unittest.main()
