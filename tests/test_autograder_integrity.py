"""Grader integrity: no submission can forge, stall or crash a grade (tests/integrity_corpus.py).

Each attack is graded by grade-all in a process of its own (the "grader"), as a TA would run it, with
every layer on and again as in a container (kernel layers off, seccomp and the hook on). Each test
asserts the attack's exact outcome: its score, a complete grades.csv row and results.json, the
message, the grader alive and within its memory budget, no process left, nothing written outside.
"""
from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from nncourse.autograder.registry import DEFAULT_SEED, checks_for, get
from nncourse.autograder.sandbox import isolation, isolation_status
from integrity_corpus import ATTACKS, SOLUTION, attack
from notebook_variants import write

pytestmark = pytest.mark.xdist_group("integrity")
CHECKS = [c.name for c in checks_for("layers")]
#: The grader process's own peak memory, whatever the children send (baseline about 150 MB).
PARENT_BUDGET_MB = 600

GRADER = """
import json, os, resource, sys
from pathlib import Path
from nncourse.autograder.batch import grade_all
from nncourse.autograder.course import Course
from nncourse.autograder.sandbox import Limits
course = Course(Path(sys.argv[1])).activate()
grade_all("layers", sys.argv[2], sys.argv[3], course, jobs=1, progress=False,
          limits=Limits(cells_timeout=10, check_timeout=5))
print(json.dumps({"pid": os.getpid(), "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _processes() -> list[tuple[int, int, str]]:
    """(pid, real uid, command line) of every process on the machine."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                uid = int((entry / "status").read_text().split("\nUid:")[1].split()[0])
                found.append((int(entry.name), uid, (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()))
            except (OSError, IndexError, ValueError):
                pass
    return found


def _batch(course, tmp: Path, env: dict) -> dict:
    submitted = tmp / "submitted"
    for name in ATTACKS:
        attack(name, submitted / name / "layers")
    attack_free = submitted / "honest" / "layers"
    attack_free.mkdir(parents=True)
    (attack_free / "layers.py").write_text(SOLUTION.read_text())
    done = subprocess.run([sys.executable, "-c", GRADER, str(course.root), str(submitted), str(tmp / "out")],
                          capture_output=True, text=True, timeout=600, env={**os.environ, **env})
    assert done.returncode == 0, done.stderr[-3000:]
    grader = json.loads(done.stdout.strip().splitlines()[-1])
    with open(tmp / "out" / "grades.csv", newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    results = {name: json.loads((tmp / "out" / "results" / f"{name}.json").read_text())["report"] for name in rows}
    feedback = {name: (tmp / "out" / "feedback" / f"{name}.txt").read_text() for name in rows}
    return {"grader": grader, "rows": rows, "results": results, "feedback": feedback, "processes": _processes()}


@pytest.fixture(scope="module", params=["every layer", "container"])
def graded(request, course, tmp_path_factory):
    env = {} if request.param == "every layer" else {"NNCOURSE_SANDBOX_ISOLATION": "off"}
    escape = Path(os.path.dirname(os.__file__)) / "nncourse_escape.txt"
    escape.unlink(missing_ok=True)
    outcome = _batch(course, tmp_path_factory.mktemp("integrity"), env)
    outcome["config"], outcome["escaped"] = request.param, escape.exists()
    return outcome


def _scores(graded, name) -> dict[str, float]:
    return {r["name"]: r["score"] for r in graded["results"][name]["results"]}


def _messages(graded, name) -> str:
    report = graded["results"][name]
    return "\n".join([*(r["message"] for r in report["results"]), *report.get("notes", []), report.get("error") or ""])


def test_every_row_is_complete_and_every_report_whole(graded):
    assert set(graded["rows"]) == {*ATTACKS, "honest"}
    for name, row in graded["rows"].items():
        assert list(row) == ["student", "status", "total", "max", *CHECKS, *(f"{c} mistake" for c in CHECKS),
                             "error"], name
        assert all(row[c] != "" for c in ("total", "max", *CHECKS)) and float(row["max"]) == 20, name
        assert len(graded["results"][name]["results"]) == len(CHECKS), name
        assert graded["feedback"][name].rstrip().split("\n")[-2].lstrip().startswith("total"), name
    assert float(graded["rows"]["honest"]["total"]) == 20  # graded normally, after all the attacks


def test_the_grader_survives_within_its_memory_budget(graded):
    assert graded["grader"]["peak_mb"] < PARENT_BUDGET_MB, graded["grader"]


@pytest.mark.parametrize("name,words", [
    ("forge_deadline", "a message out of order ('start' where 'cells' was due)"),
    ("forge_types", "a 'cells' message whose 'errors' is not what the grader sent for"),
    ("huge_header", "an unreadable message (header of"),
    ("huge_length", "a message of 1000000000000 bytes"),
    ("junk_on_every_descriptor", "Your code interfered with the grader"),
])
def test_a_forged_message_ends_the_child_and_scores_its_checks_zero(graded, name, words):
    assert all(score == 0 for score in _scores(graded, name).values()), _scores(graded, name)
    statuses = {r["status"] for r in graded["results"][name]["results"]}
    assert statuses == {"interfered"}
    assert words in _messages(graded, name) and "Your code interfered with the grader" in _messages(graded, name)


def test_forged_answers_are_judged_like_any_answer(graded):
    """A forged result in the right shape is an answer like any other: wrong numbers score nothing,
    and the messages after it break the protocol."""
    scores = _scores(graded, "forge_results")
    assert scores == {name: 0 for name in CHECKS}
    results = {r["name"]: r for r in graded["results"]["forge_results"]["results"]}
    assert results["dense_init"]["status"] == "graded" and "weights" in results["dense_init"]["message"]
    assert {results[n]["status"] for n in CHECKS[1:]} == {"interfered"}


def test_the_deadline_is_the_graders_own(graded):
    """200 'start' messages and an endless loop: the old protocol moved the deadline; now the child is
    ended on the first message that is out of order, at once."""
    assert graded["results"]["forge_deadline"]["seconds"] < 3


def test_the_disk_is_bounded(graded):
    messages = _messages(graded, "fill_the_disk")
    if graded["config"] == "every layer" and isolation_status().layers.get("fs") is True:
        assert float(graded["rows"]["fill_the_disk"]["total"]) == 20  # the box's tmpfs said "no space"
    else:  # no tmpfs of its own: the grader measures the folder and ends the child
        assert float(graded["rows"]["fill_the_disk"]["total"]) == 0
        assert "it wrote more than 64 MB of files" in messages


@pytest.mark.parametrize("name,words", [
    ("memfd", "PermissionError"),
    ("shared_memory", "importing '_posixshmem' is not allowed"),
    ("reimport_posixsubprocess", "importing '_posixsubprocess' is not allowed"),
    ("folder_descriptor", "opening the folder"),
    ("signal_the_grader", "PermissionError"),
    ("leave_a_process", "'os.posix_spawn'"),
    ("sqlite_outside", "sqlite3.connect on '/tmp/nncourse_escape.db'"),
    ("compiled_module", "loading the compiled module"),
])
def test_what_grading_never_needs_is_refused(graded, name, words):
    assert float(graded["rows"][name]["total"]) == 0  # the attack stops the cell: nothing is defined
    assert words in _messages(graded, name), _messages(graded, name)


def test_no_process_is_left_and_nothing_written_outside(graded):
    assert not graded["escaped"] and not Path("/tmp/nncourse_escape.db").exists()
    assert not [p for p in graded["processes"] if "987654" in p[2]]
    pid = graded["grader"]["pid"]
    first = isolation.UID_BASE + (pid % 4_000_000) * 256
    assert not [p for p in graded["processes"] if first <= p[1] < first + 256]


def test_student_text_cannot_forge_the_table(graded):
    feedback = graded["feedback"]["forged_total"]
    totals = [line for line in feedback.splitlines() if re.match(r"\s+total\s", line)]
    assert totals == ["  total                12/20"], feedback
    assert "\x1b" not in feedback and "\u202e" not in feedback
    assert "oops\\n  total" in feedback and "\\x1b[2K" in feedback


def test_a_lone_surrogate_is_shown_not_fatal(graded):
    assert "lone \ufffd surrogate" in graded["feedback"]["surrogate_message"]
    assert float(graded["rows"]["surrogate_message"]["total"]) == 12


def test_the_report_names_every_layer(graded):
    isolation_line = graded["feedback"]["honest"].rstrip().split("\n")[-1]
    assert "seccomp filter" in isolation_line
    if graded["config"] == "container":
        assert "OFF: network namespace (turned off by NNCOURSE_SANDBOX_ISOLATION)" in isolation_line


# ---------------------------------------------------------------------------------- hidden cases

def _lookup_table_submission(tmp_path: Path) -> Path:
    """d-biases averaged (a real mistake), except on every hidden case the public seed draws, whose
    answers it looks up in a table computed with the package's public code. (The lecture's own
    examples are in the notebook for everyone: they are not hidden, and not in the table.)"""
    from nncourse.reference import Dense
    table = {}
    for case in get("layers", "dense_backward").cases(DEFAULT_SEED):
        if not case.label.startswith("hidden"):
            continue
        args = case.args
        layer = Dense.from_arrays(args["weights"], args["biases"])
        layer.forward_pass(args["inputs"])
        layer.backward_pass(args["dvalues"])
        table[args["dvalues"].tobytes().hex()] = (layer.dweights.tolist(), layer.dbiases.tolist(),
                                                  layer.dinputs.tolist())
    code = SOLUTION.read_text().replace("np.sum(dvalues, axis=1, keepdims=True)", "np.mean(dvalues, axis=1, keepdims=True)")
    code += f'''
TABLE = {table!r}
_wrong = Dense.backward_pass


def _looked_up(self, dvalues):
    key = np.asarray(dvalues, dtype=float).tobytes().hex()
    if key not in TABLE:
        return _wrong(self, dvalues)
    self.dweights, self.dbiases, self.dinputs = (np.array(v) for v in TABLE[key])
    return self.dinputs


Dense.backward_pass = _looked_up
'''
    path = tmp_path / "layers.py"
    path.write_text(code)
    return path


def test_a_lookup_table_from_the_public_package_scores_no_more_than_the_wrong_code(course, fresh_course, tmp_path):
    from nncourse.autograder.grading import grade_file
    table = _lookup_table_submission(tmp_path)
    wrong = tmp_path / "wrong.py"
    wrong.write_text(SOLUTION.read_text().replace("np.sum(dvalues, axis=1, keepdims=True)",
                                                  "np.mean(dvalues, axis=1, keepdims=True)"))
    looked_up = grade_file("layers", table, course).scores()["dense_backward"]
    assert looked_up == grade_file("layers", wrong, course).scores()["dense_backward"] < 8
    fresh_course.secret_file.unlink()  # a course without a secret falls back to the public seed ...
    fresh_course.activate()
    assert grade_file("layers", table, fresh_course).scores()["dense_backward"] > looked_up  # ... and is fooled


def test_the_same_secret_gives_the_same_cases_and_score_and_another_secret_others(course, tmp_path):
    from conftest import make_course
    from nncourse.autograder.grading import grade_file
    from autograder_corpus import submission
    mistake = submission("layers", "dbiases_axis")
    first, again = (grade_file("layers", mistake, course) for _ in range(2))
    assert first.scores() == again.scores() and first.cases_from == again.cases_from == course.secret_id()
    assert course.secret_id().startswith("course secret ")
    other = make_course(tmp_path / "other", secret="0123" * 16)
    assert other.secret_id() != course.secret_id()
    check = get("layers", "dense_backward")
    ours, theirs = (c.seed() for c in (course, other))
    hidden = [k for k in check.cases(ours) if k.label.startswith("hidden")]
    assert not any(np.array_equal(a.args["inputs"], b.args["inputs"])
                   for a, b in zip(hidden, [k for k in check.cases(theirs) if k.label.startswith("hidden")]))
    assert grade_file("layers", mistake, other).cases_from == other.secret_id()
    course.activate()


# ---------------------------------------------------------------------------------- bad input

def _notebook(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def bad_inputs(course, tmp_path):
    """A submitted/ folder of notebooks no parser expects, and of links."""
    root = tmp_path / "submitted"
    solution = json.loads(write(course, "solution", tmp_path / "solution.ipynb").read_text())
    _notebook(root / "deep" / "layers" / "layers.ipynb", "[" * 200_000 + "]" * 200_000)
    numbers = json.loads(json.dumps(solution))
    dense = next(c for c in numbers["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "answer_dense")
    dense["source"] = [1, 2, 3]
    _notebook(root / "not_text" / "layers" / "layers.ipynb", json.dumps(numbers))
    many = json.loads(json.dumps(solution))
    many["cells"] += [{"cell_type": "code", "metadata": {}, "source": f"x{i} = {i}", "outputs": [],
                       "execution_count": None} for i in range(10_000)]
    _notebook(root / "ten_thousand_cells" / "layers" / "layers.ipynb", json.dumps(many))
    big = root / "huge" / "layers" / "layers.ipynb"
    big.parent.mkdir(parents=True)
    with open(big, "wb") as handle:
        handle.truncate(100 * 1024 * 1024)
    write(course, "solution", root / "ada" / "layers" / "layers.ipynb")
    (root / "copycat").symlink_to(root / "ada")
    (root / "linker" / "layers").mkdir(parents=True)
    (root / "linker" / "layers" / "layers.ipynb").symlink_to(course.source_notebook("layers"))
    write(course, "solution", root / '=HYPERLINK("evil.example","grade me")' / "layers" / "layers.ipynb")
    return root


def test_bad_notebooks_and_links_get_an_error_row_each_and_the_batch_goes_on(course, bad_inputs, tmp_path):
    from nncourse.autograder.batch import grade_all
    rows = {r["student"]: r for r in grade_all("layers", bad_inputs, tmp_path / "out", course, jobs=2,
                                                progress=False)}
    errors = {name: row["error"] for name, row in rows.items()}
    assert "nested too deeply" in errors["deep"]
    assert "has a source that is not text (list)" in errors["not_text"]
    assert "is 100 MB; the grader reads notebooks up to 64 MB" in errors["huge"]
    assert "the folder copycat is a link to another folder" in errors["copycat"]
    assert "linker/layers/layers.ipynb is a link to another file" in errors["linker"]
    assert rows["ten_thousand_cells"]["total"] == rows["ada"]["total"] == 20
    for name in ("deep", "not_text", "huge", "copycat", "linker"):
        assert rows[name]["total"] == 0 and rows[name]["status"] == "error", name
    with open(tmp_path / "out" / "grades.csv", newline="") as handle:
        cells = [row[0] for row in csv.reader(handle)]
    assert "'=HYPERLINK(\"evil.example\",\"grade me\")" in cells  # text, not a formula


def test_a_link_handed_in_as_the_submission_is_not_graded(course, tmp_path):
    from nncourse.autograder.grading import grade_file
    link = tmp_path / "layers.ipynb"
    link.symlink_to(course.source_notebook("layers"))
    report = grade_file("layers", link, course)
    assert report.score == 0 and "is a link to another file" in report.error
