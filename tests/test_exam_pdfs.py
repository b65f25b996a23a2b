"""How an exam's files are made: key.json (one version per line), the solutions PDF in pieces joined in
order, PDFs streamed as versions are drawn, diagrams placed as images, escaping for Typst, and every
problem kept on one page with its diagram and statement."""
from __future__ import annotations

import io
import json

import pytest
from pypdf import PdfReader

from nncourse.autograder.exam.keyfile import key_dict, key_json
from nncourse.autograder.exam.text import diagram
from nncourse.autograder.exam.versions import make_versions


@pytest.fixture(scope="module")
def versions():
    return make_versions(7, [f"s{i}" for i in range(12)])


def test_key_json_is_the_key_one_version_per_line(versions):
    text = key_json(versions, "t", 7, ["a"])
    assert json.loads(text) == key_dict(versions, "t", 7, ["a"])
    lines = text.splitlines()
    for v in versions:
        mine = [line for line in lines if line.startswith(f' "{v.version_id}": ')]
        assert len(mine) == 1 and json.loads("{" + mine[0].rstrip(",") + "}")[v.version_id]["student"] == v.student
    assert json.loads(key_json([], "t", 7, ["a"]))["versions"] == {}


def test_students_pdf_places_diagrams_as_images_and_solutions_show_the_work(versions):
    from nncourse.autograder.exam.pdf import compile_pdf
    from nncourse.autograder.exam.render_typst import solutions_typ, version_typ

    src = version_typ(versions[0], "t")
    drawn = sum(1 for p in versions[0].problems if diagram(p) is not None)
    assert drawn >= 3 and "\n  edge(" not in src and src.count('#figure(image("/diagram-') == drawn
    reader = PdfReader(io.BytesIO(compile_pdf(src, tags=False)))
    images = [x for page in reader.pages for x in page["/Resources"].get("/XObject", {}).values()]
    assert images, "the diagrams are embedded as images"
    solutions = PdfReader(io.BytesIO(compile_pdf(solutions_typ(versions[:2], "t"), tags=False)))
    text = " ".join(page.extract_text() for page in solutions.pages)
    for v in versions[:2]:  # every value, with its answers-CSV column
        for p in v.problems:
            for i in p.items:
                assert f"{i.name}: " in text and (not i.exact or i.exact.replace("-", "−") in text), i.name


def test_pdf_jobs_join_pieces_in_order_while_students_compile(tmp_path):
    from nncourse.autograder.exam.pdf import PdfJobs

    work = PdfJobs(tmp_path / "s.pdf", jobs=2)
    for k in range(3):
        work.piece(lambda k=k: f"piece {k}a #pagebreak() piece {k}b")
        work.student(tmp_path / f"st{k}.pdf", lambda k=k: f"student {k}")
    work.finish()
    pages = [p.extract_text().strip() for p in PdfReader(tmp_path / "s.pdf").pages]
    assert pages == ["piece 0a", "piece 0b", "piece 1a", "piece 1b", "piece 2a", "piece 2b"]
    assert [PdfReader(tmp_path / f"st{k}.pdf").pages[0].extract_text().strip() for k in range(3)] == [
        "student 0", "student 1", "student 2"]


def test_write_exam_streams_versions_into_the_pdfs(tmp_path):
    """12 versions: two solutions pieces, joined; the same versions as drawn all at once."""
    from nncourse.autograder.exam.writer import write_exam

    paths = write_exam(tmp_path, seed=4, versions=12, kinds=("gd_step",), solutions_pdf=True)
    key = json.loads(paths["key"].read_text())
    assert list(key["versions"]) == [v.version_id for v in make_versions(4, [f"student{i:02d}" for i in range(1, 13)], ("gd_step",))]
    assert len(list(paths["pdf"].glob("*.pdf"))) == 12
    footers = [p.extract_text().strip().splitlines()[-1] for p in PdfReader(paths["solutions_pdf"]).pages]
    assert [f.split(" · ")[0] for f in footers if f.endswith("page 1")] == [f"version {vid}" for vid in key["versions"]]


def test_join_pdfs_pages_in_order_same_bytes_each_time():
    from nncourse.autograder.exam.pdf import compile_pdf, join_pdfs

    parts = [compile_pdf(f"part {k}a #pagebreak() part {k}b", tags=False) for k in range(3)]
    joined = join_pdfs(parts)
    assert joined == join_pdfs(parts)
    assert [p.extract_text().strip() for p in PdfReader(io.BytesIO(joined)).pages] == [
        f"part {k}{s}" for k in range(3) for s in "ab"]


@pytest.mark.parametrize("text, markup", [("", ""), ("plain words", "plain words"), ("a_b = c/d", "a\\_b \\= c\\/d"),
                                          ("\\#*_$@<>[]`~=/", "\\\\" + "".join("\\" + c for c in "#*_$@<>[]`~=/")),
                                          ("P3.dw10: −4/3", "P3.dw10: −4\\/3")])
def test_escape_marks_every_typst_markup_character_once(text, markup):
    from nncourse.autograder.exam.mathtext import escape

    assert escape(text) == markup


def test_each_problem_keeps_its_heading_diagram_and_statement_on_one_page(versions):
    """The heading, the diagram and the statement's last words are on the same page, in every version."""
    from nncourse.autograder.exam.pdf import compile_pdf
    from nncourse.autograder.exam.render_typst import version_typ
    from nncourse.autograder.exam.text import statement

    for v in versions[:4]:
        pages = [p.extract_text() for p in PdfReader(io.BytesIO(compile_pdf(version_typ(v, "t")))).pages]
        for p in v.problems:
            (page,) = [k for k, text in enumerate(pages) if f"Problem {p.number}:" in text]
            last = [x for x in statement(p)[-1] if isinstance(x, str) and len(x.strip()) > 3][-1].strip()
            assert last.split()[-1] in pages[page], (v.version_id, p.number, last)


def test_answer_boxes_are_labelled_with_the_quantity(versions):
    """Each box's label is its quantity (∂L/∂ŷ =), laid out once per kind as an image whose labels stay text."""
    from nncourse.autograder.exam.pdf import compile_pdf
    from nncourse.autograder.exam.render_typst import BOX_ROWS, answer_boxes_typ, version_typ

    v = versions[0]
    src = version_typ(v, "t")
    assert "P1.dyhat" not in src
    assert src.count('image("/boxes-') == sum(-(-len(p.items) // (2 * BOX_ROWS)) for p in v.problems)
    gd = next(p for p in v.problems if p.kind == "gd_step")
    assert answer_boxes_typ(gd.items) == answer_boxes_typ(next(p for p in versions[1].problems if p.kind == "gd_step").items)
    boxes = PdfReader(io.BytesIO(compile_pdf(answer_boxes_typ(gd.items)))).pages
    text = " ".join(p.extract_text() for p in boxes)
    assert text.count("=") == len(gd.items) and ("∂" in text or "𝜕" in text) and "P1." not in text
