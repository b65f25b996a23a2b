"""The Moodle and Canvas files parsed back agree with the paper: the same points per problem, the same
keys and tolerances, instructions that say what the LMS accepts, and every asked quantity defined in
its question. The diagrams' labels never overlap (measured on the layout typst draws, with each
label's text measured by typst)."""
from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
import zipfile

import pytest
from pypdf import PdfReader

from nncourse.autograder.exam import read_key
from nncourse.autograder.exam.diagram import LABEL_H, LABEL_W, Diagram, layout

NS = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2", "c": "http://canvas.instructure.com/xsd/cccv1p0"}


@pytest.fixture(scope="module")
def exam(tmp_path_factory):
    from nncourse.autograder.exam.writer import write_exam

    return write_exam(tmp_path_factory.mktemp("lms"), seed=21, versions=6, title="LMS check")


def _pdf_points(path) -> list[float]:
    text = " ".join(p.extract_text() for p in PdfReader(path).pages)
    return [float(x) for x in re.findall(r"Problem \d+: [^(]+\((\d+) points\)", text)]


def test_moodle_questions_match_the_paper(exam):
    key = read_key(exam["key"])
    pdf_points = _pdf_points(next(exam["pdf"].glob("*.pdf")))
    assert pdf_points == [10.0] * 7
    clozes = [q for q in ET.fromstring(exam["moodle"].read_text()) if q.get("type") == "cloze"]
    assert len(clozes) == 7 * 6
    for q in clozes:
        pid, vid = re.fullmatch(r"(P\d+) .* · (v[0-9a-f]+)", q.find("name/text").text).groups()
        problem = key["versions"][vid]["problems"][int(pid[1:]) - 1]
        text = q.find("questiontext/text").text
        assert f"<b>{pdf_points[problem['number'] - 1]:g} points.</b>" in text
        assert "decimal" in text and "accepts no fractions" in text and "fractions exactly" not in text
        blanks = re.findall(r"\{(\d+):NUMERICAL:=([^:}]+):([^}]+)\}", text)
        assert len(blanks) == len(problem["items"]) and {w for w, _, _ in blanks} == {"1"}  # equal shares
        for (_, value, tol), item in zip(blanks, problem["items"]):
            assert float(value) == pytest.approx(item["value"], rel=1e-9, abs=1e-12)
            assert float(tol) == item["atol"] and f"\\({item['label_tex']}\\) = {{1:NUMERICAL" in text


def _symbol(label_tex: str) -> str:
    """The quantity a label names: ∂L/∂w₆ -> w_{6}; w_1^{(2)} -> w_1 (the step count is explained)."""
    m = re.fullmatch(r"\\frac\{\\partial L\}\{\\partial (.+)\}", label_tex)
    base = m[1] if m else label_tex
    return _plain(re.sub(r"\^\{\(\d\)\}$", "", base))


def _plain(tex: str) -> str:
    """TeX without spaces and without the braces of one-character subscripts (b_{1} is b_1)."""
    return re.sub(r"_\{(\w)\}", r"_\1", tex.replace(" ", ""))


def test_canvas_quiz_matches_the_paper(exam):
    key = read_key(exam["key"])
    pdf_points = _pdf_points(next(exam["pdf"].glob("*.pdf")))
    with zipfile.ZipFile(exam["qti"]) as z:
        names = z.namelist()
        meta = ET.fromstring(z.read(next(n for n in names if n.endswith("assessment_meta.xml"))))
        body = ET.fromstring(z.read(next(n for n in names if n.endswith(".xml")
                                          and not n.endswith(("assessment_meta.xml", "imsmanifest.xml")))))
    assert float(meta.find("c:points_possible", NS).text) == sum(pdf_points) == 70
    description = html.unescape(meta.find("c:description", NS).text)
    assert "decimal" in description and "accepts no fractions" in description
    groups = body.findall(".//q:section/q:section", NS)
    assert len(groups) == 7
    for number, group in enumerate(groups, 1):
        assert group.find(".//q:selection_number", NS).text == "1"
        assert float(group.find(".//q:points_per_item", NS).text) == pdf_points[number - 1]
        for item in group.findall("q:item", NS):
            fields = {f.find("q:fieldlabel", NS).text: f.find("q:fieldentry", NS).text
                      for f in item.findall(".//q:qtimetadatafield", NS)}
            assert float(fields["points_possible"]) == pdf_points[number - 1]
            vid = item.get("title").split(" · ")[1]
            problem = key["versions"][vid]["problems"][number - 1]
            asked = problem["items"][-1]
            question = item.find(".//q:mattext", NS).text
            asks = re.search(r"Canvas checks one number: give (.*) as a decimal", question)[1]
            assert f'data-equation-content="{html.escape(asked["label_tex"])}"' in asks
            shown = " ".join(html.unescape(t) for t in re.findall(r'data-equation-content="([^"]*)"', question.split("Canvas checks")[0]))
            assert _symbol(asked["label_tex"]) in _plain(shown), (problem["kind"], asked["label_tex"])


def test_the_paper_tells_students_what_to_write(exam):
    text = PdfReader(next(exam["pdf"].glob("*.pdf"))).pages[0].extract_text()
    assert "fractions (e.g. −4/3)" in text.replace("\n", " ")


DIAGRAMS = [Diagram.neuron(3), *(Diagram.two_layer(a) for a in ("identity", "relu", "sigmoid"))]


@pytest.mark.parametrize("d", DIAGRAMS, ids=lambda d: d.name)
def test_diagram_labels_never_overlap(d):
    lay = layout(d)
    boxes = [b for _, b in lay.labels]
    assert len(boxes) == sum(len(a) * len(b) for a, b in zip(d.layers, d.layers[1:]))
    for i, a in enumerate(boxes):
        assert not any(a.overlaps(b) for b in boxes[i + 1:]), lay.labels[i][0]
        assert not any(a.overlaps(n) for n in lay.node_boxes()), lay.labels[i][0]
        edge = lay.edges[i]
        assert a.crossed_by(*edge)  # on its own edge ...
        assert not any(a.crossed_by(*e) for e in lay.edges if e != edge)  # ... and on no other


def test_every_label_text_fits_its_box():
    """typst measures the widest label (w₁₂ at the diagram's 6.5 pt): it must fit the box the layout reserves."""
    from nncourse.autograder.exam.pdf import compile_pdf

    svg = compile_pdf("#set page(width: auto, height: auto, margin: 0pt)\n#text(size: 6.5pt, $w_12$)", fmt="svg").decode()
    width, height = (float(re.search(rf'{a}="([\d.]+)pt"', svg)[1]) * 25.4 / 72 for a in ("width", "height"))
    assert width < LABEL_W and height < LABEL_H


def test_diagram_captions_use_the_lectures_notation():
    for d in DIAGRAMS:
        assert "->" not in d.alt and "_" not in d.alt and ".." not in d.caption
    assert "2 → 3 → 2" in Diagram.two_layer("relu").alt and "$2 -> 3 -> 2$" in Diagram.two_layer("relu").caption
