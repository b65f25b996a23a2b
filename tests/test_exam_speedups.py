"""The faster ways of writing an exam keep what they write: key.json (compact lines, same data), the
QTI placeholders (same HTML as Python-Markdown), the solutions' math as Unicode text (same content,
math kept where there is no plain form), and the diagrams as PDF images (drawn, right size)."""
from __future__ import annotations

import io
import json
import re

import pytest
from pypdf import PdfReader

from nncourse.autograder.exam.keyfile import key_dict, key_json
from nncourse.autograder.exam.mathtext import Display, M, join, num, partial, sub, sym
from nncourse.autograder.exam.plaintext import Unsupported, math_markup, math_text
from nncourse.autograder.exam.text import diagram, solution
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


def test_qti_placeholder_html_is_what_markdown_makes():
    from text2qti.markdown import Markdown

    from nncourse.autograder.exam.qti import _PlaceholderMarkdown, _config

    token = "Q000042x0123456789abcdef01234567"
    fast, slow = _PlaceholderMarkdown(_config()), Markdown(_config())
    assert fast.md_to_html_xml(token) == slow.md_to_html_xml(token) == "&lt;p&gt;Q000042x0123456789abcdef01234567&lt;/p&gt;"
    assert fast.md_to_html(token, strip_p_tags=True) == slow.md_to_html(token, strip_p_tags=True) == token
    assert fast.md_to_html("*not* a token") == slow.md_to_html("*not* a token")


@pytest.mark.parametrize("typ, text", [
    ("(partial L)/(partial w_(12))", "∂L/∂w₁₂"),
    ("(partial L)/(partial hat(y)) dot h_(1) = -4 dot (-2) = 8", "∂L/∂ŷ · h₁ = −4 · (−2) = 8"),
    ("L = 1/2 ((-4)^2 + 3^2) = 12.5", "L = 1/2 ((−4)² + 3²) = 12.5"),
    ("w_(1)^((2)) = 0.09, quad b_(1)' = -0.306", "w₁⁽²⁾ = 0.09,\u2003b₁′ = −0.306"),
    ('op("ReLU")\'(x_1) = [x_1 > 0] = 0', "ReLU′(x₁) = [x₁ > 0] = 0"),
    ('"d-input"_3 = (-2) dot 0.84', "d-input₃ = (−2) · 0.84"),
    ("partial L slash partial(b_1, b_2, b_3) = (1, 10, -3)", "∂L/∂(b₁,\u00a0b₂,\u00a0b₃) = (1,\u00a010,\u00a0−3)"),  # a tuple on one line
    ("x_1 -> u_1, space v <- mu v - eta g", "x₁ → u₁,\u2002v ← μ v − η g"),
])
def test_math_as_unicode_text(typ, text):
    assert math_text(typ) == text


@pytest.mark.parametrize("typ", ["mat(1, 2; 3, 4)", "sqrt(v)", "(m)/(sqrt(v))", "sum_j e^(z_j)", "hat(q)", "h_(j)"])
def test_math_without_a_plain_form_stays_math(typ):
    with pytest.raises(Unsupported):
        math_text(typ)
    assert math_markup(typ) == f"${typ}$"


def test_plain_text_of_mathtext_fragments():
    m = partial(sym("L"), sub("w", 7)) + sym("=") + join([num(-4 / 3), num(0.5)])
    assert math_markup(m.typ) == "∂L\\/∂w₇ \\= −4\\/3, 0.5"  # escaped for Typst markup


def test_every_worked_solution_converts_but_the_few_known_formulas(versions):
    """Only Adam's update (a square root over a fraction) and softmax's definition keep their math."""
    kept = set()
    for v in versions:
        for p in v.problems:
            for block in solution(p):
                for m in [block.math] if isinstance(block, Display) else [x for x in block if isinstance(x, M)]:
                    try:
                        text = math_text(m.typ)
                    except Unsupported:
                        kept.add(p.kind)
                        continue
                    assert not re.search(r"partial|hat\(|_\(|\bdot\b", text), (m.typ, text)
    assert kept <= {"optimizer_steps", "softmax_ce"}


def test_solutions_pdf_text_and_diagram_images(versions):
    from nncourse.autograder.exam.pdf import compile_pdf
    from nncourse.autograder.exam.render_typst import solutions_typ

    src = solutions_typ(versions[:2], "t")
    drawn = sum(1 for v in versions[:2] for p in v.problems if diagram(p) is not None)
    assert drawn >= 6 and "\n  edge(" not in src and src.count('#figure(image("/diagram-') == drawn
    reader = PdfReader(io.BytesIO(compile_pdf(src, tags=False)))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "∂L/∂w₁₂" in text and "∂L/∂b₅" in text
    images = [x for page in reader.pages for x in page["/Resources"].get("/XObject", {}).values()]
    assert images, "the diagrams are embedded as images"


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


def test_students_exam_statements_as_text_matrices_as_math(versions):
    from nncourse.autograder.exam.render_typst import version_typ

    src = version_typ(versions[0], "t")
    assert "∂L\\/∂w₁" in src and "(partial L)/(partial w_(1))" not in src
    assert "$W_1 = mat(" in src  # no plain form: stays math
    assert version_typ(versions[0], "t", plain=False).count("$") > src.count("$") + 40


def test_join_pdfs_pages_in_order_same_bytes_each_time():
    from nncourse.autograder.exam.pdf import compile_pdf, join_pdfs

    parts = [compile_pdf(f"part {k}a #pagebreak() part {k}b", tags=False) for k in range(3)]
    joined = join_pdfs(parts)
    assert joined == join_pdfs(parts)
    assert [p.extract_text().strip() for p in PdfReader(io.BytesIO(joined)).pages] == [
        f"part {k}{s}" for k in range(3) for s in "ab"]


def test_answer_boxes_as_images_keep_their_labels(versions, tmp_path):
    """Boxes as one-page PDF images of three rows (compiled once per list of labels), each naming its
    boxes in its alt text; the labels stay text that a PDF reader finds."""
    from nncourse.autograder.exam.pdf import compile_pdf
    from nncourse.autograder.exam.render_typst import BOX_ROWS, version_typ

    v = versions[0]
    src = version_typ(v, "t")
    names = [i.name for p in v.problems for i in p.items]
    expected = sum(-(-len(p.items) // (2 * BOX_ROWS)) for p in v.problems)
    assert src.count('image("/boxes-') == expected and "#box(width: 50%" not in src
    assert all(f"{n}," in src or f'{n}")' in src for n in names)  # alt texts
    assert "#box(width: 50%" in version_typ(v, "t", images=False)
    reader = PdfReader(io.BytesIO(compile_pdf(src)))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert all(n in text for n in names)


@pytest.mark.parametrize("text, markup", [("", ""), ("plain words", "plain words"), ("a_b = c/d", "a\\_b \\= c\\/d"),
                                          ("\\#*_$@<>[]`~=/", "\\\\" + "".join("\\" + c for c in "#*_$@<>[]`~=/")),
                                          ("P3.dw10: −4/3", "P3.dw10: −4\\/3")])
def test_escape_marks_every_typst_markup_character_once(text, markup):
    from nncourse.autograder.exam.plaintext import escape

    assert escape(text) == markup


@pytest.mark.parametrize("typ, markup", [("-4", "−4"), ("0.5", "0.5"), ("-4/3", "−4\\/3"), ("12", "12"),
                                         ("-0.306", "−0.306"), ("1/2", "1\\/2"), ("0", "0")])
def test_numbers_skip_the_parser_same_markup(typ, markup):
    from nncourse.autograder.exam.plaintext import escape

    assert math_markup(typ) == markup == escape(math_text(typ))
