"""After grading, on a realistic class: the class report's counts equal the known mistakes, the LMS
files parse back to grades.csv's scores, near-copies rank first in similarity and independent
solutions do not, and the report renders in a real browser (where Chromium is installed)."""
from __future__ import annotations

import csv
import html
import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import nbformat
import pytest

from autograder_corpus import WRONG, submission
from nncourse.autograder.batch import grade_all, mistake_column
from nncourse.autograder.cli import main
from nncourse.autograder.report import analyse, write_report
from notebook_variants import write

pytestmark = pytest.mark.xdist_group("after_grading")

MUTANTS = [(stem, check, tag) for a, stem, check, tag in WRONG if a == "layers"]


@pytest.fixture(scope="module")
def graded_class(course, tmp_path_factory):
    """About 40 students: each of the 16 layers mutants twice, five correct, two stubs, one empty folder."""
    root = tmp_path_factory.mktemp("class")
    submitted, known = root / "submitted", Counter()
    students = {}
    for k, (stem, check, tag) in enumerate(MUTANTS * 2):
        students[f"s{k:02d}"] = submission("layers", stem)
        known[(check, tag)] += 1
    for k in range(5):
        students[f"ok{k}"] = submission("layers", "solution")
    for k in range(2):
        students[f"stub{k}"] = submission("layers", "stub")
    for name, path in students.items():
        folder = submitted / name / "layers"
        folder.mkdir(parents=True)
        shutil.copy(path, folder / "layers.py")
    (submitted / "nobody" / "layers").mkdir(parents=True)
    out = root / "graded"
    grade_all("layers", submitted, out, course, jobs=2, progress=False)
    return out, known, students


def _grades(out: Path) -> dict[str, dict]:
    with (out / "grades.csv").open(newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def test_grades_csv_names_each_mistake(graded_class):
    out, known, _ = graded_class
    rows = _grades(out)
    found = Counter((check, row[mistake_column(check)]) for row in rows.values() if row["status"] == "graded"
                    for check in ("dense_init", "dense_forward", "dense_backward", "network_forward", "network_backward")
                    if row[mistake_column(check)] and not row["student"].startswith("stub"))
    assert found == known
    assert all(row[mistake_column("dense_forward")] == "" for s, row in rows.items() if s.startswith("ok"))


def test_report_counts_equal_the_known_mistakes(graded_class):
    out, known, _ = graded_class
    report = analyse(out)
    counted = {(m.check, m.tag): len(m.students) for m in report.mistakes}
    for key, count in known.items():
        assert counted[key] == count, key
    _, _, students = graded_class
    assert report.size == len(students) and [g.student for g in report.ungraded] == ["nobody"]
    assert [len(m.students) for m in report.mistakes] == sorted((len(m.students) for m in report.mistakes), reverse=True)
    page = write_report(out).read_text()
    rows = _grades(out)
    graded = [r for r in rows.values() if r["status"] == "graded"]
    assert re.search(r'id="graded">(\d+)<', page)[1] == str(len(graded))
    assert re.search(r'id="ungraded">(\d+)<', page)[1] == "1"
    mean = sum(float(r["total"]) for r in graded) / len(graded)
    assert re.search(r'id="mean">([\d.]+)<', page)[1] == f"{mean:.2f}"
    table = page[page.index('id="mistakes"'):page.index("</table>", page.index('id="mistakes"'))]
    for m in report.mistakes:  # each row's count and share, as grades.csv has them
        in_csv = sum(1 for r in graded if r[mistake_column(m.check)] == m.tag)
        assert f"<tr><td>{in_csv}</td><td>{100 * in_csv / len(graded):.0f} %</td><td>{m.check}</td>" in table
    assert "http://" not in page and "https://" not in page and page.count("data:image/png;base64,") == 2
    for student in ("s00", "s01"):  # names appear only in the students column, not in the examples
        for example in re.findall(r"<pre>(.*?)</pre>", table, re.S):
            assert student not in html.unescape(example)


def test_report_escapes_student_text(graded_class, tmp_path):
    out, _, _ = graded_class
    copy = tmp_path / "graded"
    shutil.copytree(out, copy)
    evil = '<script>alert(1)</script>'
    (copy / "results" / "x.json").write_text(json.dumps({"student": evil, "report": {"assignment": "layers", "error": evil, "results": []}}))
    page = write_report(copy).read_text()
    assert evil not in page and "&lt;script&gt;" in page


def test_fitted_to_the_lecture_is_named(graded_class, course, tmp_path):
    """A Dense whose forward pass is right only for the lecture's example shape is listed."""
    fitted = submission("layers", "solution").read_text().replace(
        "return self.weights @ batch_inputs + self.biases",
        "return self.weights @ batch_inputs + (self.biases if batch_inputs.shape[1] == 1 else 0)")
    folder = tmp_path / "submitted" / "fit" / "layers"
    folder.mkdir(parents=True)
    (folder / "layers.py").write_text(fitted)
    out = tmp_path / "graded"
    grade_all("layers", tmp_path / "submitted", out, course, jobs=1, progress=False)
    report = analyse(out)
    result = json.loads((out / "results" / "fit.json").read_text())["report"]["results"]
    forward = next(r for r in result if r["name"] == "dense_forward")
    lecture_right = all(c.startswith("hidden") for c in forward["wrong_cases"]) and forward["wrong_cases"]
    assert bool(lecture_right) == any(s == "fit" and c == "dense_forward" for s, c, _ in report.fitted)


def _roster(path: Path, students, drop=(), extra=()):
    with path.open("w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(["student", "name", "email", "sis_id", "login", "section"])
        for s in [s for s in students if s not in drop] + list(extra):
            w.writerow([s, f"Name {s}", f"{s}@uni.example", f"SIS{s}", f"login{s}", "A"])
    return path


def test_lms_files_parse_back_to_the_grades(graded_class, tmp_path, capsys):
    out, _, _ = graded_class
    rows = _grades(out)
    roster = _roster(tmp_path / "roster.csv", sorted(rows), drop=["s03"], extra=["late_joiner"])
    assert main(["export", "--to", "canvas", str(out), "--roster", str(roster), "--out", str(tmp_path / "c.csv")]) == 0
    printed = capsys.readouterr().out
    assert "s03 was graded but is not on the roster" in printed and "late_joiner is on the roster but has no grade" in printed
    with (tmp_path / "c.csv").open(newline="") as handle:
        canvas = list(csv.reader(handle))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "layers"]
    assert canvas[1][0] == "Points Possible" and float(canvas[1][5]) == float(rows["ok0"]["max"])
    by_sis = {r[2]: r[5] for r in canvas[2:]}
    for s, row in rows.items():
        if s != "s03":
            assert float(by_sis[f"SIS{s}"]) == float(row["total"])
    assert by_sis["SISlate_joiner"] == ""
    assert main(["export", "--to", "moodle", str(out), "--roster", str(roster), "--out", str(tmp_path / "m.csv")]) == 0
    with (tmp_path / "m.csv").open(newline="") as handle:
        moodle = {r["email"]: r["layers"] for r in csv.DictReader(handle)}
    assert all(float(moodle[f"{s}@uni.example"]) == float(row["total"]) for s, row in rows.items() if s != "s03")
    assert main(["export", "--to", "moodle", str(tmp_path / "nope"), "--roster", str(roster), "--out", str(tmp_path / "x.csv")]) == 2


def _renamed(nb_path: Path, target: Path, renames: dict[str, str]) -> None:
    nb = nbformat.read(str(nb_path), as_version=4)
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            for old, new in renames.items():
                cell.source = cell.source.replace(old, new)
            cell.source = "# my own work\n" + cell.source
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(target))


def test_near_copies_rank_first_and_independent_solutions_do_not(course, tmp_path, capsys):
    submitted = tmp_path / "submitted"
    original = write(course, "solution", submitted / "ann" / "layers" / "layers.ipynb")
    for student, renames in (("bo", {"dvalues": "grad"}), ("cy", {"batch_inputs": "x", "dvalues": "g"}),
                             ("dee", {"layer": "lyr"})):
        _renamed(original, submitted / student / "layers" / "layers.ipynb", renames)
    for student, name in (("eli", "solution"), ("fay", "stub")):
        folder = submitted / student / "layers"
        folder.mkdir(parents=True)
        shutil.copy(submission("layers", name), folder / "layers.py")
    write(course, "stub", submitted / "gus" / "layers" / "layers.ipynb")
    assert main(["similarity", "layers", str(submitted), "--out", str(tmp_path / "out"), "--course", str(course.root)]) == 0
    assert "not proof" in capsys.readouterr().out
    from nncourse.autograder.similarity import compare
    pairs, _, _ = compare("layers", submitted, course)
    copies = {"ann", "bo", "cy", "dee"}
    top = pairs[:6]
    assert all({p.a, p.b} <= copies for p in top), [(p.a, p.b, p.score) for p in top]
    independent = next(p for p in pairs if {p.a, p.b} == {"ann", "eli"})
    assert independent.score < min(p.score for p in top)
    stubs = next(p for p in pairs if {p.a, p.b} == {"fay", "gus"})
    assert stubs.score < min(p.score for p in top)  # the released stub is boilerplate, not evidence
    page = (tmp_path / "out" / "similarity.html").read_text()
    assert "not proof" in page and "<mark>" in page


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
def test_report_renders_in_a_browser_without_console_errors(graded_class, tmp_path):
    out, _, _ = graded_class
    page = write_report(out, tmp_path / "report.html")
    shot = tmp_path / "report.png"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
             "--enable-logging=stderr", "--v=0", "--window-size=1200,2400"]
    run = subprocess.run([CHROMIUM, *flags, f"--screenshot={shot}", page.as_uri()], capture_output=True, text=True,
                         timeout=120)
    assert shot.is_file() and shot.stat().st_size > 20_000, run.stderr[-2000:]
    console = [line for line in run.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert not console, console
    shutil.copy(shot, out / "report.png")  # kept next to the report for a look
