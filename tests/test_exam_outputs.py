"""Outputs of a small exam (two versions): PDFs, Markdown, key, Moodle XML, QTI; and grading,
including malformed answers and error carried forward."""
from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
import zipfile

import pytest

from autograder.cli import main
from autograder.exam import grade_csv, read_key, write_sample_exam


@pytest.fixture(scope="module")
def exam(tmp_path_factory):
    out = tmp_path_factory.mktemp("exam")
    return write_sample_exam(out, seed=5, versions=2)


def test_pdfs_have_the_version_id(exam):
    key = read_key(exam["key"])
    pdfs = sorted(exam["pdf"].glob("*.pdf"))
    assert len(pdfs) == 2 and exam["solutions_pdf"].read_bytes().startswith(b"%PDF")
    for pdf, vid in zip(pdfs, sorted(key["versions"], key=lambda v: key["versions"][v]["student"])):
        assert pdf.read_bytes().startswith(b"%PDF") and vid in pdf.name


def test_key_has_every_value_and_tolerance(exam):
    key = json.loads(exam["key"].read_text())
    version = next(iter(key["versions"].values()))
    names = [i["name"] for p in version["problems"] for i in p["items"]]
    assert {"P1.yhat", "P1.L", "P1.dw1", "P1.w1_new", "P3.dw12", "P3.db5", "P3.dw1"} <= set(names)
    assert len(version["problems"]) == 7 and key["tolerances"]["exact"]["atol"] > 0
    md = next(exam["markdown"].glob("*.md")).read_text()
    assert "$$" not in md and "\\frac{\\partial L}" in md
    assert "\\frac{\\partial L}{\\partial w_{1}}" in exam["solutions_md"].read_text()


def test_moodle_xml_parses_back_as_cloze_by_category(exam):
    root = ET.fromstring(exam["moodle"].read_text())
    assert root.tag == "quiz"
    cats = [q for q in root if q.get("type") == "category"]
    clozes = [q for q in root if q.get("type") == "cloze"]
    assert len(cats) == 7 and len(clozes) == 14
    text = clozes[0].find("questiontext/text").text
    assert text.count("{1:NUMERICAL:=") == len(json.loads(exam["key"].read_text())["versions"][
        next(iter(json.loads(exam["key"].read_text())["versions"]))]["problems"][0]["items"])


def test_qti_zip_has_manifest_and_groups(exam):
    with zipfile.ZipFile(exam["qti"]) as z:
        names = z.namelist()
        assert "imsmanifest.xml" in names
        ET.fromstring(z.read("imsmanifest.xml"))
        assessment = next(n for n in names if n.endswith(".xml") and "assessment_meta" not in n and n != "imsmanifest.xml")
        body = z.read(assessment).decode()
        ET.fromstring(body)
        assert body.count("<section") >= 8 and "selection_number>1<" in body


def _answers(key, path, rows):
    header = ["student", "version", *[i["name"] for p in next(iter(key["versions"].values()))["problems"] for i in p["items"]]]
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for row in rows:
            w.writerow(row if isinstance(row, list) else [row.get(h, "") for h in header])
    return header


def _truth(key, student):
    vid = key["students"][student]
    d = {"student": student, "version": vid}
    d.update({i["name"]: repr(i["value"]) for p in key["versions"][vid]["problems"] for i in p["items"]})
    return d


def test_grading_full_marks_partial_and_malformed(exam, tmp_path):
    key = read_key(exam["key"])
    s1, s2 = sorted(key["students"])
    perfect = _truth(key, s1)
    sloppy = _truth(key, s2)
    sloppy["P1.yhat"] = ""            # blank
    sloppy["P1.L"] = "abc"           # text
    sloppy["P1.dyhat"] = str(float(sloppy["P1.dyhat"]) + 1)  # wrong
    thief = _truth(key, s1) | {"student": s2}  # another student's version id
    header = _answers(key, tmp_path / "a.csv", [perfect, sloppy, thief, ["x", "y"]])
    results = grade_csv(key, tmp_path / "a.csv")
    by = {(r.student, r.message != ""): r for r in results}
    assert results[0].score == results[0].max_score == 70
    r = results[1]
    n1 = len(key["versions"][key["students"][s2]]["problems"][0]["items"])
    assert r.problems["P1"] == pytest.approx(10 * (n1 - 3) / n1)
    assert "P1.yhat: blank" in r.feedback["P1"] and "'abc' is not a number" in r.feedback["P1"]
    assert results[2].score == 0 and "belongs to" in results[2].message
    assert results[3].score == 0 and f"has 2 values but the header has {len(header)}" in results[3].message


def test_error_carried_forward_credits_later_parts(exam, tmp_path):
    key = read_key(exam["key"])
    s1 = sorted(key["students"])[0]
    row = _truth(key, s1)
    p3 = next(p for p in key["versions"][key["students"][s1]]["problems"] if p["kind"] == "two_layer")
    row["P3.dyhat"] = str(float(row["P3.dyhat"]) + 1)  # one slip; later parts use the true value
    from autograder.exam.kinds import kind
    short = {k.split(".", 1)[1]: float(v) for k, v in row.items() if k.startswith("P3.")}
    carried = kind("two_layer").carried(p3["params"], {"dyhat": short["dyhat"]})
    for name in ("dw7", "dw9", "dw11", "db4"):
        row[f"P3.{name}"] = repr(carried[name])  # consistent with the slip
    _answers(key, tmp_path / "b.csv", [row])
    strict = grade_csv(key, tmp_path / "b.csv")[0]
    ecf = grade_csv(key, tmp_path / "b.csv", carry_forward=True)[0]
    assert ecf.problems["P3"] > strict.problems["P3"]
    assert "error carried forward" in ecf.feedback["P3"]


def test_cli_generate_and_grade(tmp_path, capsys):
    assert main(["exam", "generate", "--seed", "2", "--versions", "2", "--out", str(tmp_path / "e"), "--no-pdf",
                 "--kinds", "gd_step,softmax_ce"]) == 0
    key = read_key(tmp_path / "e" / "key.json")
    _answers(key, tmp_path / "a.csv", [_truth(key, s) for s in key["students"]])
    assert main(["exam", "grade", str(tmp_path / "e" / "key.json"), str(tmp_path / "a.csv"), "--out", str(tmp_path / "g.csv")]) == 0
    rows = list(csv.DictReader((tmp_path / "g.csv").open()))
    assert [float(r["score"]) for r in rows] == [20.0, 20.0]
    assert main(["exam", "generate", "--out", str(tmp_path / "f"), "--kinds", "nope"]) == 2
    assert "unknown problem kind" in capsys.readouterr().err
