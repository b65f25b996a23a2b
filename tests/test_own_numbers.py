"""Each student's own numbers for the by-hand examples of ``gradients`` (issue: backprop by hand).

The numbers: 200 ids give 200 different sets, each hand-computable under the exam's rules, picked in
the released notebook by checking.numbers_index. The marks: a student's right answers get full marks
only with their own id; another student's numbers, the lecture's or a wrongly typed id's lose the
by-hand points with a message that says so; an early mistake carries forward exactly as in the exam
grader. The sandboxed route takes the id from nbgrader's folder; both routes agree in
test_both_routes.py.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from nncourse.assignments import checking
from nncourse.autograder.authoring import as_submitted
from nncourse.autograder.checks.gradients import BY_HAND
from nncourse.autograder.exam.grading import _grade_problem
from nncourse.autograder.exam.kinds import kind
from nncourse.autograder.grading import grade_file
from nncourse.autograder.own_numbers import FORMS, SHIPPED, Student, draw, lecture_params
from nncourse.autograder.registry import assignment_of, get, judge

POOL = json.loads((SHIPPED / "gradients.json").read_text(encoding="utf-8"))
OWN = assignment_of("gradients").own_numbers
IDS = [f"s{k:07d}" for k in range(1, 201)]


def student(sid: str, typed: str = "") -> Student:
    return Student(sid, typed, POOL, "folder" if sid else "")


def params_of(example: str, sid: str) -> dict:
    return student(sid).params(example) if sid else lecture_params(example, OWN[example])


def answers(example: str, sid: str, given: dict | None = None) -> dict:
    """The by-hand dict a student writes for ``sid``'s numbers (``given``: their own slips, by item)."""
    values = kind(OWN[example]).carried(params_of(example, sid), dict(given or {}))
    values.update(given or {})
    return {key: [values[n] for n in names] if len(names) > 1 else values[names[0]]
            for key, names in BY_HAND[example].items()}


def marked(example: str, who: Student, answer) -> tuple[float, str, str]:
    """(points, message, diagnosis) of the by-hand check on ``answer``, judged as the grader does."""
    check = get("gradients", example)
    cases = check.cases(student=who)
    result = judge(check, cases, {"cases": [{"value": answer}]})
    return result.score, result.message, result.diagnosis


# ---------------------------------------------------------------------------------- the numbers

def test_200_ids_get_200_different_sets_of_numbers_each_hand_computable_under_the_exams_rules():
    sets = set()
    for sid in IDS:
        numbers = checking.numbers_for(POOL, sid)
        sets.add(json.dumps(numbers, sort_keys=True))
        for example, kind_name in OWN.items():
            k, params = kind(kind_name), FORMS[kind_name].to_params(numbers[example])
            values = k.solve(params)
            k.check_bound(params, values)   # every key value a short decimal (or thirds) within the bound
            k.check(params, values)         # the kind's redraw rules: no zero gradient, distinct inputs, ...
            k.tolerances(params, values)    # no typical wrong answer within rounding of the key
            assert numbers[example] != checking.numbers_for(POOL, "")[example], (sid, example)
    assert len(sets) == 200


def test_the_id_is_read_as_a_student_types_it_and_a_neighbours_numbers_differ():
    assert checking.numbers_for(POOL, " S0000001 ") == checking.numbers_for(POOL, "s0000001")
    first, second = checking.numbers_for(POOL, IDS[0]), checking.numbers_for(POOL, IDS[1])
    assert all(first[e] != second[e] for e in OWN)
    # the lecture's Example 1 for students without an id, as the slides have it
    assert checking.numbers_for(POOL, "")["example1"] == {"x": [1.0, -1.0, 2.0], "y": 1.5, "w": [0.1, -0.2, 0.4],
                                                          "b": 0.5, "learning_rate": 0.01}


def test_the_shipped_versions_are_the_ones_the_exam_kinds_draw():
    """assignments/numbers/gradients.json is derived: drawing again gives the same file (else run
    `python -m nncourse.autograder.own_numbers`)."""
    fresh = draw("gradients", OWN)
    assert fresh["examples"] == POOL["examples"]
    assert all(len(spec["versions"]) == len({tuple(v) for v in spec["versions"]}) == 4096
               for spec in POOL["examples"].values())


def test_whose_numbers_the_notebook_shows(tmp_path, monkeypatch):
    for name in ("NNCOURSE_STUDENT", "NBGRADER_EXECUTION", "JUPYTERHUB_USER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(checking, "EXCHANGE", str(tmp_path / "no-exchange"))
    assert checking.whose_numbers("") == ("", "none")
    assert checking.whose_numbers(" s1 ") == ("s1", "typed")
    monkeypatch.setattr(checking, "_user_name", lambda: "jovyan")
    monkeypatch.setenv("JUPYTERHUB_USER", "alice")
    assert checking.whose_numbers("bob") == ("alice", "hub")  # nbgrader hands it in as alice
    monkeypatch.setattr(checking, "_user_name", lambda: "jupyter-alice")
    assert checking.whose_numbers("") == ("jupyter-alice", "hub")  # as nbgrader's get_username()
    folder = tmp_path / "autograded" / "carol" / "gradients"
    folder.mkdir(parents=True)
    monkeypatch.chdir(folder)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert checking.whose_numbers("bob") == ("carol", "grading")  # the instructor's hub name never counts
    monkeypatch.setenv("NNCOURSE_STUDENT", "dave")
    assert checking.whose_numbers("bob") == ("dave", "grading")


def test_the_notebook_without_an_id_shows_the_lectures_numbers_and_says_why(tmp_path, monkeypatch, capsys):
    for name in ("NNCOURSE_STUDENT", "NBGRADER_EXECUTION", "JUPYTERHUB_USER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(checking, "EXCHANGE", str(tmp_path / "no-exchange"))
    shutil.copyfile(SHIPPED / "gradients.json", tmp_path / checking.NUMBERS_FILE)
    monkeypatch.chdir(tmp_path)
    numbers = checking.your_numbers("")
    assert numbers.id == "" and numbers["example2"]["w"] == [2.0, -3.0, 1.0]
    assert "lecture's own numbers" in capsys.readouterr().out
    numbers = checking.your_numbers("s0000007")
    assert numbers.id == "s0000007" and numbers == checking.numbers_for(POOL, "s0000007")
    assert "for the id 's0000007' (the id you typed)" in capsys.readouterr().out


def test_the_visible_test_checks_the_form_and_refuses_the_lectures_answers():
    numbers = checking.YourNumbers(checking.numbers_for(POOL, IDS[0]))
    numbers.id = IDS[0]
    lecture = answers("example1", "")
    checking.by_hand("example1", answers("example1", IDS[0]), numbers, lecture)
    with pytest.raises(AssertionError, match="holds the lecture's answers"):
        checking.by_hand("example1", lecture, numbers, lecture)
    with pytest.raises(AssertionError, match=r"example1\['dweights'\] should hold 3 number"):
        checking.by_hand("example1", {**answers("example1", IDS[0]), "dweights": [1, 2]}, numbers, lecture)


# ---------------------------------------------------------------------------------- the marks

@pytest.mark.parametrize("example", list(OWN))
def test_right_answers_get_full_marks_only_with_the_students_own_id(example):
    points = get("gradients", example).points
    mine = answers(example, IDS[0])
    assert marked(example, student(IDS[0]), mine)[0] == points
    score, message, diagnosis = marked(example, student(IDS[1]), mine)
    assert score == 0 and diagnosis == "not_your_numbers"
    assert "right for another student's numbers, not for yours" in message
    assert f"your own numbers (id {IDS[1]!r}" in message


@pytest.mark.parametrize("example", list(OWN))
def test_the_lectures_answers_lose_the_points_of_a_student_with_an_id(example):
    lecture = answers(example, "")
    assert marked(example, student(""), lecture)[0] == get("gradients", example).points  # no id: the lecture's
    score, message, diagnosis = marked(example, student(IDS[2]), lecture)
    assert score == 0 and diagnosis == "not_your_numbers"
    assert "answers for the lecture's numbers, not for yours" in message


def test_a_wrongly_typed_id_is_caught_and_named():
    """The numbers of the id typed in the notebook, in the work of another student's folder."""
    score, message, _ = marked("example2", student(IDS[3], typed=IDS[4]), answers("example2", IDS[4]))
    assert score == 0
    assert f"right for the numbers of {IDS[4]!r}, the id typed in your notebook, but this is the work of " \
           f"{IDS[3]!r}" in message


def test_copied_numbers_are_recognised_among_all_the_drawn_versions():
    """No class list is needed (Gradescope has none): every drawn version's answers are compared."""
    score, message, diagnosis = marked("example3", student(IDS[5]), answers("example3", IDS[6]))
    assert score == 0 and diagnosis == "not_your_numbers"
    assert "right for another student's numbers" in message
    # a wrong answer of the student's own stays an ordinary mistake, with the exam's name for it
    score, message, diagnosis = marked("example1", student(IDS[5]), answers("example1", IDS[5], {"yhat": 0.0}))
    assert 0 < score < 3 and diagnosis != "not_your_numbers"


def _exam_credit(example: str, sid: str, given: dict) -> tuple[int, int]:
    """(items credited, items) when the exam grader marks the same answers, error carried forward."""
    k, params = kind(OWN[example]), params_of(example, sid)
    problem = k.build(1, params).to_json()
    values = k.carried(params, given)
    values.update(given)
    row = {item["name"]: repr(values[item["name"][3:]]) for item in problem["items"]}
    score, _ = _grade_problem(problem, row, carry_forward=True)
    return round(score / problem["points"] * len(problem["items"])), len(problem["items"])


@pytest.mark.parametrize("example, slip", [
    ("example1", {"yhat": "+0.5"}),                # ŷ off: the loss, the gradients and the step follow from it
    ("example1", {"dyhat": "/2"}),                  # the factor 2 left out of ∂L/∂ŷ
    ("example2", {"yhat2": "+1"}),
    ("example3", {"yhat": "+3", "du2": "*2"}),      # two slips: each carried on
    ("example3", {"dw4": "*-1"}),                   # a single wrong number, nothing after it
])
def test_an_early_mistake_carries_forward_as_in_the_exam_grader(example, slip):
    sid = IDS[7]
    keys = kind(OWN[example]).carried(params_of(example, sid), {})
    given = {item: eval(f"{keys[item]}{change}") for item, change in slip.items()}  # noqa: S307 - the test's own
    exam_credited, exam_items = _exam_credit(example, sid, given)
    asked = sum(len(names) for names in BY_HAND[example].values())
    unasked = exam_items - asked  # exam items the notebook does not ask for (ŷ', u1..u3): right in the row
    points = get("gradients", example).points
    score, message, _ = marked(example, student(sid), answers(example, sid, given))
    assert score == pytest.approx(round(points * (exam_credited - unasked) / asked, 2))
    assert exam_credited - unasked == asked - len(slip)  # only the slipped numbers themselves lose credit
    assert "error carried forward" in message or len(slip) == exam_items - exam_credited


def test_an_answer_in_the_wrong_form_is_named():
    who = student(IDS[8])
    good = answers("example1", IDS[8])
    assert "`example1` has no key 'loss'" in marked("example1", who, {k: v for k, v in good.items() if k != "loss"})[1]
    assert "`example1['dweights']` should hold 3 numbers; it holds 2" in marked(
        "example1", who, {**good, "dweights": [1.0, 2.0]})[1]
    assert "`example1['dbias']` is still empty" in marked("example1", who, {**good, "dbias": None})[1]
    assert "should be a dict" in marked("example1", who, [1, 2, 3])[1]


def test_the_code_checks_run_on_the_students_own_example_too():
    cases = get("gradients", "neuron_gradient").cases(student=student(IDS[9]))
    own = [c for c in cases if IDS[9] in c.label]
    assert len(own) == 1 and own[0].args["args"][0].tolist() == checking.numbers_for(POOL, IDS[9])["example1"]["x"]
    for name in ("batch_gradient", "two_layer_gradients", "gradient_descent_step"):
        labels = [c.label for c in get("gradients", name).cases(student=student(IDS[9]))]
        assert sum(IDS[9] in label for label in labels) == 1 and "the lecture's" in labels[0], labels
        assert len(get("gradients", name).cases(student=student(""))) == len(labels) - 1


# ---------------------------------------------------------------------------------- the sandboxed route

def _literal(course, folder: Path, cells: dict[str, str], typed: str = "") -> Path:
    source = nbformat.read(str(course.source_notebook("gradients")), 4)
    nb = as_submitted(source, cells)
    for cell in nb.cells:
        if typed and cell.source.startswith("MY_ID"):
            cell.source = f"MY_ID = {typed!r}"
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(folder / "gradients.ipynb"))
    return folder / "gradients.ipynb"


def test_the_sandboxed_grader_takes_the_id_from_nbgraders_folder(course, tmp_path):
    """The numbers are typed in (not computed from `numbers`): right for alice, in alice's folder,
    in bob's folder, and with no folder at all (the typed id is then used, and said so)."""
    literal = {f"answer_{e}": f"{e} = {json.dumps(answers(e, 'alice'))}" for e in OWN}
    alice = _literal(course, tmp_path / "submitted" / "alice" / "gradients", literal, typed="alice")
    report = grade_file("gradients", alice, course)
    assert report.numbers_for == "alice" and report.score == report.max_score, report.results
    bob = _literal(course, tmp_path / "submitted" / "bob" / "gradients", literal, typed="alice")
    report = grade_file("gradients", bob, course)
    scores = report.scores()
    assert [scores[e] for e in OWN] == [0, 0, 0] and scores["neuron_gradient"] == 2
    assert any("id typed in your notebook" in r.message for r in report.results)
    assert any("typed in, but this is the work of 'bob'" in n for n in report.notes)
    loose = _literal(course, tmp_path / "loose", literal, typed="alice")
    report = grade_file("gradients", loose, course)
    assert report.numbers_for == "alice" and report.score == report.max_score
    assert any("numbers of the id typed in the notebook" in n for n in report.notes)
    # the solution computes from `numbers`, which the grader sets to the folder's student
    solution = _literal(course, tmp_path / "submitted" / "carol" / "gradients", {})
    assert grade_file("gradients", solution, course).score == 20


def test_gradescope_grades_with_the_rosters_student_id(course, tmp_path):
    """run_autograder passes Gradescope's submission_metadata.json: its sid (else e-mail) is the student."""
    from nncourse.autograder.cli import main
    literal = {f"answer_{e}": f"{e} = {json.dumps(answers(e, 's7654321'))}" for e in OWN}
    path = _literal(course, tmp_path / "submission", literal)  # no id typed: Gradescope's roster says whose
    meta = tmp_path / "submission_metadata.json"
    meta.write_text(json.dumps({"users": [{"email": "ada@example.org", "name": "Ada", "sid": "s7654321"}]}))
    out = tmp_path / "results.json"
    args = ["grade", "gradients", str(path), "--course", str(course.root), "--json", str(out)]
    assert main([*args, "--gradescope-metadata", str(meta)]) == 0
    assert json.loads(out.read_text())["score"] == 20
    meta.write_text(json.dumps({"users": [{"email": "ada@example.org", "name": "Ada", "sid": ""}]}))
    assert main([*args, "--gradescope-metadata", str(meta)]) == 0  # graded as ada@example.org's: not hers
    tests = {t["name"]: t for t in json.loads(out.read_text())["tests"]}
    assert tests["gradients/example1"]["score"] == 0 and tests["gradients/neuron_gradient"]["score"] == 2
    assert main([*args, "--student", "s7654321"]) == 0
    assert json.loads(out.read_text())["score"] == 20


def test_the_typed_id_is_read_from_the_text_without_running_or_parsing_it():
    from nncourse.autograder.own_numbers import typed_id
    assert typed_id([("a", 'MY_ID = "s1234"  # your id')]) == "s1234"
    assert typed_id(["x = 1\nMY_ID = 's9'\n", "MY_ID = 's10'"]) == "s10"  # the last one, as the cells run
    assert typed_id(["MY_ID = input()", "    MY_ID = 'indented'", "MY_ID = '" + "x" * 500 + "'"]) == ""
    assert typed_id(["(" * 100_000 + "MY_ID"]) == ""  # nothing an ast parse could choke on


def test_a_regrade_follows_a_change_of_the_numbers(course, tmp_path):
    from nncourse.autograder.batch import fingerprint
    numbers = course.source_folder("gradients") / checking.NUMBERS_FILE
    before = fingerprint(None, "gradients", course)
    text = numbers.read_text()
    try:
        numbers.write_text(text.replace("[2, -1, 3, 0, -0.5, 0.3, 0.4, 0.4]", "[2, -1, 3, 0, -0.5, 0.3, 0.4, 0.5]", 1))
        assert fingerprint(None, "gradients", course) != before
    finally:
        numbers.write_text(text)
