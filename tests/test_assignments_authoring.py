"""The notebooks are written as text (authoring/<id>.py) and built into nbgrader's source notebooks.

Each fact has one home: a check's points (the checks module), the lecture's numbers
(data/worked_examples.json), the earlier assignments' solutions (their own notebooks). And each
change assignments/README.md tells an instructor how to make is made here, the way it says.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from nncourse.autograder import authoring, own_numbers
from nncourse.autograder.authoring import HIDDEN, AuthoringError, build, build_notebook
from nncourse.autograder.cli import main
from nncourse.autograder.grading import grade_file
from nncourse.autograder.registry import assignment_ids, checks_for, max_score
from nncourse.reference.examples import example
from nncourse.reference.paths import COURSE_MATERIAL, DATA_DIR


def _cells(nb, kind: str):
    def grade(c):
        meta = c.metadata.get("nbgrader", {})
        return {"test": meta.get("grade") and not meta.get("solution"), "answer": meta.get("solution")}[kind]
    return [c for c in nb.cells if grade(c)]


def _edit_text(course, assignment: str, old: str, new: str) -> None:
    path = course.text_source(assignment)
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.parametrize("assignment", assignment_ids())
def test_each_test_cell_gets_its_checks_points_and_hidden_call(course, assignment):
    nb = nbformat.read(str(course.source_notebook(assignment)), 4)
    checks = {f"test_{c.name}": c for c in checks_for(assignment)}
    cells = {c.metadata["nbgrader"]["grade_id"]: c for c in _cells(nb, "test")}
    assert set(cells) == set(checks)
    for grade_id, cell in cells.items():
        check = checks[grade_id]
        assert cell.metadata["nbgrader"]["points"] == check.points
        hidden = cell.source.split(HIDDEN[0])[1]
        assert f'check("{assignment}", "{check.name}")' in hidden
    assert sum(c.metadata["nbgrader"]["points"] for c in cells.values()) == max_score(assignment)


@pytest.mark.parametrize("assignment", assignment_ids())
def test_the_text_sources_hold_no_points_and_no_hidden_tests(assignment):
    text = (COURSE_MATERIAL / "authoring" / f"{assignment}.py").read_text(encoding="utf-8")
    assert '"points"' not in text and "HIDDEN TESTS" not in text and "from nncourse" not in text


def test_points_typed_in_a_test_cell_must_agree_with_the_check(fresh_course):
    header = '# %% nbgrader={"grade_id": "test_dense_init", "grade": true}'
    _edit_text(fresh_course, "layers", header, header.replace("true}", 'true, "points": 2}'))
    assert build_notebook(fresh_course, "layers")  # the same number is fine
    _edit_text(fresh_course, "layers", '"points": 2}', '"points": 3}')
    with pytest.raises(AuthoringError) as err:
        build_notebook(fresh_course, "layers")
    message = str(err.value)
    assert "authoring/layers.py, cell 'test_dense_init': the cell gives 3 points" in message
    assert "autograder/checks/layers.py gives the check 'dense_init' 2" in message


def test_a_test_cell_must_name_a_check_and_every_check_needs_its_test_cell(fresh_course):
    _edit_text(fresh_course, "layers", '"grade_id": "test_network_backward"', '"grade_id": "test_network_back"')
    with pytest.raises(AuthoringError, match=r"cell 'test_network_back': a test cell must be named test_<check>"):
        build_notebook(fresh_course, "layers")
    _edit_text(fresh_course, "layers", '"grade_id": "test_network_back", "grade": true', '"grade_id": "demo"')
    with pytest.raises(AuthoringError, match=r"has no test cell for the check\(s\) network_backward"):
        build_notebook(fresh_course, "layers")


def test_the_lecture_numbers_come_from_worked_examples_json(course):
    nb = nbformat.read(str(course.source_notebook("gradients")), 4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "{{" not in text
    ex1, ex3 = example("example1"), example("example3")
    assert r"training data $(1, -1, 2) \rightarrow 1.5$" in text
    assert ex1["inputs"] == [[1.0], [-1.0], [2.0]] and ex1["targets"] == [[1.5]]
    assert r"learning rate $\frac{1}{100}$" in text and ex1["update"]["learning_rate"] == 0.01
    assert "w12 = 5; b1 = 0" in text and ex3["numbered"]["parameters"]["w12"] == 5


def test_a_changed_lecture_number_reaches_the_notebook(fresh_course, tmp_path, monkeypatch):
    """README: a number from the lecture lives in data/worked_examples.json."""
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    lecture = json.loads((data / "worked_examples.json").read_text())
    lecture["examples"]["example1"]["targets"] = [[2.5]]
    (data / "worked_examples.json").write_text(json.dumps(lecture))
    monkeypatch.setattr(authoring, "DATA_DIR", data)
    monkeypatch.setattr(own_numbers, "DATA_DIR", data)
    build(fresh_course, "gradients")
    nb = nbformat.read(str(fresh_course.source_notebook("gradients")), 4)
    assert r"training data $(1, -1, 2) \rightarrow 2.5$" in "\n".join(c.source for c in nb.cells)
    # students without an id see the new lecture numbers too (your_numbers.json), the others keep theirs
    pool = json.loads((fresh_course.source_folder("gradients") / "your_numbers.json").read_text())
    assert pool["examples"]["example1"]["lecture"] == [1, -1, 2, 2.5, 0.1, -0.2, 0.4, 0.5]
    shipped = json.loads((own_numbers.SHIPPED / "gradients.json").read_text())
    assert pool["examples"]["example1"]["versions"] == shipped["examples"]["example1"]["versions"]
    assert json.loads((fresh_course.source_folder("gradients") / "worked_examples.json").read_text()) == lecture


def test_a_placeholder_that_names_nothing_is_refused_with_the_names(fresh_course):
    _edit_text(fresh_course, "activations", "{{ example3.forward.hidden | vec }}", "{{ example4.forward | vec }}")
    with pytest.raises(AuthoringError, match=r"authoring/activations.py, cell 'relu_text': a lecture number could "
                                             r"not be filled in .*example1, example2, example3"):
        build_notebook(fresh_course, "activations")


def test_a_changed_sentence_reaches_the_source_and_the_release(fresh_course):
    """README: edit authoring/<id>.py, then `nncourse build <id>` (and release it)."""
    old = "You will write the `Dense` layer class"
    _edit_text(fresh_course, "layers", old, "This week you will write the `Dense` layer class")
    assert main(["build", "layers", "--course", str(fresh_course.root)]) == 0
    assert "This week you will write" in fresh_course.source_notebook("layers").read_text()
    assert main(["release", "layers", "--course", str(fresh_course.root)]) == 0
    assert "This week you will write" in (fresh_course.root / "release" / "layers" / "layers.ipynb").read_text()


def test_changed_points_reach_the_notebook_and_the_grader(fresh_course, tmp_path):
    """README: `nncourse init . --copy-checks <id>`, then edit the points in checks/<id>.py."""
    assert main(["init", str(fresh_course.root), "--copy-checks", "layers"]) == 0
    own = fresh_course.checks / "layers.py"
    text = own.read_text()
    assert text.count('"dense_init", 2,') == 1
    own.write_text(text.replace('"dense_init", 2,', '"dense_init", 5,'))
    assert main(["build", "layers", "--course", str(fresh_course.root)]) == 0
    nb = nbformat.read(str(fresh_course.source_notebook("layers")), 4)
    points = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"] for c in _cells(nb, "test")}
    assert points["test_dense_init"] == 5 and sum(points.values()) == 23
    report = grade_file("layers", fresh_course.source_notebook("layers"), fresh_course)
    assert report.score == report.max_score == 23


def _readme_files() -> dict[str, str]:
    """The files assignments/README.md shows: python blocks whose first line names the file."""
    readme = (COURSE_MATERIAL / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n# (\S+\.py)\n(.*?)```", readme, re.S)
    return {name: body for name, body in blocks}


def test_an_assignment_added_as_the_readme_shows_is_built_and_graded_by_both_routes(fresh_course, tmp_path):
    files = _readme_files()
    assert set(files) == {"checks/hello.py", "authoring/hello.py"}
    for name, body in files.items():
        (fresh_course.root / name).parent.mkdir(exist_ok=True)
        (fresh_course.root / name).write_text(body)
    assert main(["release", "hello", "--course", str(fresh_course.root)]) == 0
    fresh_course.activate()
    assert "hello" in assignment_ids() and max_score("hello") == 2
    source = fresh_course.source_notebook("hello")
    assert grade_file("hello", source, fresh_course).score == 2
    stub = fresh_course.root / "release" / "hello" / "hello.ipynb"
    assert grade_file("hello", stub, fresh_course).score == 0
    # nbgrader's own route, in the course folder: the hidden cell finds the course's checks
    from nncourse.autograder.commands.course import _ok, nbgrader_api
    from nbgrader.api import Gradebook
    for student, notebook in (("ada", source), ("bo", stub)):
        folder = fresh_course.root / "submitted" / student / "hello"
        shutil.copytree(fresh_course.root / "release" / "hello", folder)
        shutil.copyfile(notebook, folder / "hello.ipynb")
    api = nbgrader_api(fresh_course)
    _ok(api.autograde("hello", "*", force=True, create=True), "autograde hello")
    with Gradebook(api.coursedir.db_url) as gb:
        assert gb.find_submission("hello", "ada").score == 2
        assert gb.find_submission("hello", "bo").score == 0


def test_includes_bring_the_earlier_solutions_and_a_wrong_one_names_the_file(course, fresh_course):
    nb = nbformat.read(str(course.source_notebook("minibatch")), 4)
    classes = next(c for c in _cells(nb, "answer") if c.metadata["nbgrader"]["grade_id"] == "answer_classes")
    layers = nbformat.read(str(course.source_notebook("layers")), 4)
    dense = next(c for c in _cells(layers, "answer") if c.metadata["nbgrader"]["grade_id"] == "answer_dense")
    assert authoring._solution_code(dense.source).strip() in classes.source
    assert "#| include" not in classes.source
    _edit_text(fresh_course, "minibatch", "layers/answer_dense,", "layers/answer_dance,")
    with pytest.raises(AuthoringError, match=r"include: layers/answer_dance`: .*authoring/layers.py has no answer "
                                             r"cell 'answer_dance'"):
        build_notebook(fresh_course, "minibatch")


def test_commands_outside_a_course_folder_say_what_to_do(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["grade", "layers", "x.ipynb"]) == 2
    err = capsys.readouterr().err
    assert "is not in a course folder (no nbgrader_config.py here or above)" in err and "nncourse init" in err
    assert main(["build", "--course", str(tmp_path)]) == 2
    assert f"{tmp_path} is not a course folder" in capsys.readouterr().err


def test_commands_find_the_course_folder_they_run_in(fresh_course, monkeypatch, capsys):
    monkeypatch.chdir(fresh_course.source_folder("layers"))
    assert main(["grade", "layers", "layers.ipynb"]) == 0
    assert re.search(r"total\s+20/20", capsys.readouterr().out)


@pytest.mark.parametrize("assignment", assignment_ids())
def test_source_notebook_runs_top_to_bottom(course, assignment, tmp_path):
    from nbclient import NotebookClient

    folder = tmp_path / assignment
    shutil.copytree(course.source_folder(assignment), folder)
    nb = nbformat.read(str(folder / f"{assignment}.ipynb"), 4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    tests = _cells(nb, "test")
    assert tests and all(any("\u2713" in o.get("text", "") for o in c.outputs) for c in tests)
    for cell in nb.cells:
        assert not any(o.output_type == "stream" and o.name == "stderr" for o in cell.get("outputs", [])), cell.source
