#!/usr/bin/env python3
"""workshop-lint: every exercise is whole. Each // EXERCISE NN.K region is well formed, has a
lesson, a README section `<a id="ex-NNK"></a>` with a task, a `- Hint:` and a `- Check:`, and at
least one test labelled exNN.K in this build (BOX_BUILD); each README exercise has its region.
Exit 0 clean, 1 with one line per problem."""
import os
import sys
from pathlib import Path

sys.dont_write_bytecode = True
SRC = Path(os.environ.get("BOX_SRC") or Path(__file__).resolve().parents[2])
sys.path.insert(0, str(SRC / "lessons" / "lib"))
import workshop as ws  # noqa: E402

build = os.environ.get("BOX_BUILD") or str(SRC / "build")
labels = ws.exercise_labels(ws.ctest_tests(build))
problems = ws.lint(SRC, labels)
for p in problems:
    print(f"FAIL: {p}")
ids = ws.exercise_ids(SRC)
print(f"workshop-lint: {len(ids)} exercise(s) ({' '.join(ids)}), {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
