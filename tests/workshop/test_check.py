"""Unit tests of lessons/check's verdicts and report (no build, no root): results as CTest gives them."""
import contextlib
import importlib.machinery
import importlib.util
import io
import os
import sys
import unittest
from pathlib import Path

SRC = Path(os.environ.get("BOX_SRC") or Path(__file__).resolve().parents[2])
sys.dont_write_bytecode = True
_loader = importlib.machinery.SourceFileLoader("check", str(SRC / "lessons" / "check"))
check = importlib.util.module_from_spec(importlib.util.spec_from_loader("check", _loader))
_loader.exec_module(check)
ws = check.ws


def result(status, output="", stubs=()):
    return {"status": status, "output": output, "stubs": list(stubs)}


RESULTS = {
    "01-escape": result("fail", f"ok: a\nFAIL: --chroot: the probe runs inside: expected '0', got '125'\n"
                                f"stub reached: exercise 01.1 is not done yet\nFAIL: {check.ROOT}/build/x: b\n", ["01.1"]),
    "01-chroot": result("fail", "FAIL: the probe runs inside\nstub reached: exercise 01.3 is not done yet\n", ["01.3"]),
    "01-bad-input": result("pass"),
    "03-memory": result("skip", "SKIP: needs the memory controller\n"),
    "03-unit": result("pass"),
}
LABELS = {"01.1": ["01-escape"], "01.2": ["01-chroot"], "01.3": ["01-chroot"], "01.4": ["01-bad-input"],
          "03.1": ["03-memory"], "03.2": ["03-memory", "03-unit"], "03.3": []}
IDS = ["01.1", "01.2", "01.3", "01.4", "03.1", "03.2", "03.3"]


class Verdicts(unittest.TestCase):
    def test_each_case(self):
        v = check.verdicts(IDS, LABELS, RESULTS)
        self.assertEqual({i: v[i]["verdict"] for i in IDS},
                         {"01.1": "not yet", "01.2": "not yet", "01.3": "not yet", "01.4": "done",
                          "03.1": "skipped", "03.2": "done", "03.3": "no tests"})
        self.assertEqual(v["01.2"]["stubs"], ["01.3"])

    def test_failure_in_the_tests_words(self):
        lines = check.explain_failure(["01-escape"], RESULTS)
        self.assertEqual(lines, ["(01-escape) --chroot: the probe runs inside: expected '0', got '125'",
                                 "(01-escape) build/x: b"])


class Report(unittest.TestCase):
    def report(self):
        readmes = {"01.1": ws.Exercise("01.1", "chroot (easy)", "lessons/01-chroot/README.md", "Change the root.",
                                       "two calls.", "the tests")}
        v = check.verdicts(IDS, LABELS, RESULTS)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            check.report(IDS, v, RESULTS, readmes)
        return out.getvalue().splitlines()

    def test_one_line_per_exercise_then_the_first_not_done(self):
        out = self.report()
        self.assertEqual(out[0], "  01.1   not yet   chroot (easy)")
        self.assertEqual(out[1], "  01.2   not yet                  (its tests stop at exercise 01.3 first)")
        self.assertEqual(out[3], "  01.4   done")
        self.assertEqual(out[4], "  03.1   skipped                  SKIP: needs the memory controller")
        self.assertEqual(out[6], "  03.3   no tests                 no test is labelled ex03.3: tell the instructor")
        rest = out[7:]
        self.assertEqual(rest[:4], ["", "Next: exercise 01.1 — chroot (easy)  (lessons/01-chroot/README.md#ex-011)",
                                    "  Task: Change the root.", "  Hint: two calls."])
        self.assertIn("    (01-escape) --chroot: the probe runs inside: expected '0', got '125'", rest)
        self.assertEqual(rest[-1], "    (the code still reaches the stub: exercise 01.1 is not done yet)")


if __name__ == "__main__":
    unittest.main()
