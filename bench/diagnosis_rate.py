"""How well the checks name mistakes: every labelled wrong submission of the test corpus, graded.

    python bench/diagnosis_rate.py

For each assignment it prints how many mutants lose points on the check that should catch them, and
how many get a diagnosis that names the mistake (a tag outside feedback.GENERIC) and the expected one.
The goal: every mutant loses points; at least 90 % are named.
"""
from __future__ import annotations

import sys
import tempfile
from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))

from autograder_corpus import WRONG, submission  # noqa: E402
from conftest import make_course  # noqa: E402

from nncourse.autograder.feedback import GENERIC  # noqa: E402
from nncourse.autograder.grading import grade_file  # noqa: E402


def main() -> int:
    course = make_course(Path(tempfile.mkdtemp(prefix="nncourse-diagnosis-")) / "course")
    counts = defaultdict(lambda: [0, 0, 0, 0])  # mutants, lost points, named, as labelled
    misses = []
    for assignment, stem, check, tag in WRONG:
        result = {r.name: r for r in grade_file(assignment, submission(assignment, stem), course).results}[check]
        row = counts[assignment]
        row[0] += 1
        row[1] += result.score < result.max_score
        row[2] += result.diagnosis not in GENERIC
        row[3] += result.diagnosis == tag
        if result.score >= result.max_score or result.diagnosis != tag:
            misses.append(f"  {assignment}/{stem}: {result.score:g}/{result.max_score:g}, {result.diagnosis!r} "
                          f"(labelled {tag!r})")
    print(f"{'assignment':<14}{'mutants':>8}{'lose points':>13}{'named':>8}{'as labelled':>13}")
    total = [0, 0, 0, 0]
    for assignment, row in counts.items():
        print(f"{assignment:<14}{row[0]:>8}{row[1]:>13}{row[2]:>8}{row[3]:>13}")
        total = [a + b for a, b in zip(total, row)]
    print(f"{'all':<14}{total[0]:>8}{total[1]:>13}{total[2]:>8}{total[3]:>13}")
    print(f"\n{total[1] / total[0]:.0%} lose points on their check; {total[2] / total[0]:.0%} get a named diagnosis.")
    if misses:
        print("Not as labelled:", *misses, sep="\n")
    return 0 if total[1] == total[0] and total[2] >= 0.9 * total[0] else 1


if __name__ == "__main__":
    sys.exit(main())
