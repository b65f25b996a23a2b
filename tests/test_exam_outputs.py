"""Outputs of a small exam (two versions): PDFs, Markdown, key, Moodle XML, QTI; and grading,
including malformed answers and error carried forward."""
from __future__ import annotations

import base64
import csv
import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile

import pytest
from pypdf import PdfReader

from nncourse.autograder.cli import main
from nncourse.autograder.exam import grade_csv, read_key, write_sample_exam


@pytest.fixture(scope="module")
def exam(tmp_path_factory):
    out = tmp_path_factory.mktemp("exam")
    return write_sample_exam(out, seed=5, versions=2)


def test_pdfs_have_the_version_id_on_every_page(exam):
    key = read_key(exam["key"])
    pdfs = sorted(exam["pdf"].glob("*.pdf"))
    assert len(pdfs) == 2 and exam["solutions_pdf"].read_bytes().startswith(b"%PDF")
    for pdf, vid in zip(pdfs, sorted(key["versions"], key=lambda v: key["versions"][v]["student"])):
        assert pdf.read_bytes().startswith(b"%PDF") and vid in pdf.name
        pages = PdfReader(pdf).pages
        assert len(pages) >= 2
        for n, page in enumerate(pages, 1):
            assert f"version {vid} · page {n}" in page.extract_text(), (pdf.name, n)


def test_solutions_pdf_joined_from_pieces_numbers_each_version_from_1(tmp_path):
    from nncourse.autograder.exam.pdf import compile_pdf, join_pdfs
    from nncourse.autograder.exam.render_typst import solutions_typ
    from nncourse.autograder.exam.versions import make_versions

    vs = make_versions(1, ["ann", "bob", "cem"], kinds=("gd_step",))
    whole = PdfReader(io.BytesIO(compile_pdf(solutions_typ(vs, "t"))))
    pieces = [compile_pdf(solutions_typ(vs[a:b], "t"), tags=False) for a, b in ((0, 2), (2, 3))]
    joined = PdfReader(io.BytesIO(join_pdfs(pieces)))
    footers = [p.extract_text().strip().splitlines()[-1] for p in joined.pages]
    assert footers == [p.extract_text().strip().splitlines()[-1] for p in whole.pages]
    for v in vs:  # every version starts on page 1 and every page names its version
        mine = [f for f in footers if v.version_id in f]
        assert mine and mine[0].endswith("page 1") and mine[-1].endswith(f"page {len(mine)}")
    assert len(footers) == sum(len([f for f in footers if v.version_id in f]) for v in vs)


def test_pdf_is_reproducible_with_source_date_epoch(monkeypatch):
    from nncourse.autograder.exam.pdf import compile_pdf

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert compile_pdf("= Same\n\nexam") == compile_pdf("= Same\n\nexam")


def test_key_has_every_value_and_tolerance(exam):
    key = json.loads(exam["key"].read_text())
    version = next(iter(key["versions"].values()))
    names = [i["name"] for p in version["problems"] for i in p["items"]]
    assert {"P1.yhat", "P1.L", "P1.dw1", "P1.w1_new", "P3.dw12", "P3.db5", "P3.dw1"} <= set(names)
    assert len(version["problems"]) == 7 and key["tolerances"]["cap"]["exact"]["atol"] > 0
    assert all(0 < i["atol"] <= 0.002 + 0.005 * abs(i["value"]) and i["rtol"] == 0
               for p in version["problems"] for i in p["items"])
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
        manifest = z.read("imsmanifest.xml").decode()
        assessment = next(n for n in names if n.endswith(".xml") and "assessment_meta" not in n and n != "imsmanifest.xml")
        assert f'href="{assessment}"' in manifest
        body = z.read(assessment).decode()
        meta = z.read(next(n for n in names if n.endswith("assessment_meta.xml"))).decode()
    root = ET.fromstring(body)
    assert body.count("<section") == 8 and "selection_number>1<" in body
    assert "Canvas checks one number per problem" in meta  # the stated limitation
    key = read_key(exam["key"])
    ns = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
    items = root.findall(".//q:item", ns)
    assert len(items) == 7 * len(key["versions"])
    by_version = {vid: 0 for vid in key["versions"]}
    for item in items:
        html = item.find(".//q:mattext", ns).text
        pid, vid = item.get("title").split(" · ")
        assert f"[{vid}]" in html and 'class="equation_image"' in html
        by_version[vid] += 1
        problem = key["versions"][vid]["problems"][int(pid[1:]) - 1]
        lo = float(item.find(".//q:vargte", ns).text)
        hi = float(item.find(".//q:varlte", ns).text)
        asked = problem["items"][-1]
        assert lo < asked["value"] < hi and hi - lo == pytest.approx(2 * asked["atol"])
    assert set(by_version.values()) == {7}


def test_markdown_links_each_versions_own_diagram(tmp_path):
    from nncourse.autograder.exam.writer import write_exam

    paths = write_exam(tmp_path, seed=4, versions=12, kinds=("gd_step", "two_layer_activation"), pdf=False)
    key = read_key(paths["key"])
    seen = set()
    for md in paths["markdown"].glob("*.md"):
        vid = md.stem.rsplit("_", 1)[1]
        act = key["versions"][vid]["problems"][1]["params"]["activation"]
        links = re.findall(r"\]\(\.\./diagrams/([a-z0-9_]+\.svg)\)", md.read_text())
        assert links == ["neuron_3_inputs.svg", f"two_layer_{act}.svg"]
        assert (paths["diagrams"] / links[1]).read_bytes().startswith(b"<svg")
        seen.add(act)
    assert seen == {"relu", "sigmoid"}  # both drawings occur, each version links its own


def test_moodle_and_canvas_questions_show_each_versions_own_diagram(tmp_path):
    """The LMS questions embed the drawing their problem needs (Moodle: inside each question;
    Canvas: once in the package), as a PNG the question's HTML points to."""
    from nncourse.autograder.exam.writer import write_exam

    paths = write_exam(tmp_path, seed=4, versions=12, kinds=("gd_step", "two_layer_activation"), pdf=False)
    key = read_key(paths["key"])
    activation = {vid: v["problems"][1]["params"]["activation"] for vid, v in key["versions"].items()}
    clozes = [q for q in ET.fromstring(paths["moodle"].read_text()) if q.get("type") == "cloze"]
    assert len(clozes) == 2 * 12
    for q in clozes:
        vid = q.find("name/text").text.rsplit(" ", 1)[1]
        text = q.find("questiontext")
        (src,) = re.findall(r'<img src="@@PLUGINFILE@@/([a-z0-9_]+\.png)"', text.find("text").text)
        (attached,) = text.findall("file")
        assert attached.get("name") == src and attached.get("encoding") == "base64"
        assert base64.b64decode(attached.text).startswith(b"\x89PNG")
        assert src in ("neuron_3_inputs.png", f"two_layer_{activation[vid]}.png")
    with zipfile.ZipFile(paths["qti"]) as z:
        manifest = z.read("imsmanifest.xml").decode()
        images = {n for n in z.namelist() if n.startswith("images/")}
        assert all(z.read(n).startswith(b"\x89PNG") and f'href="{n}"' in manifest for n in images)
        body = next(z.read(n).decode() for n in z.namelist() if n.endswith(".xml")
                    and not n.endswith(("assessment_meta.xml", "imsmanifest.xml")))
    assert images == {"images/neuron_3_inputs.png", "images/two_layer_relu.png", "images/two_layer_sigmoid.png"}
    ns = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
    for item in ET.fromstring(body).findall(".//q:item", ns):
        html = item.find(".//q:mattext", ns).text
        (src,) = re.findall(r'<img src="%24IMS-CC-FILEBASE%24/(images/[a-z0-9_]+\.png)"', html)
        vid = item.get("title").split(" · ")[1]
        assert src in images and src in ("images/neuron_3_inputs.png", f"images/two_layer_{activation[vid]}.png")


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
    from nncourse.autograder.exam.kinds import kind
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
