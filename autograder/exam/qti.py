"""Canvas QTI 1.2 (a Classic Quiz), written directly with xml.etree as for Moodle: one question group
per problem that picks one version per student, worth the problem's points as on the paper.

Canvas grades one number per question (its numerical question has one answer; fill-in-multiple-blanks
matches text, so -0.40 would not match -0.4) and each group draws on its own, so one version's
sub-answers cannot be spread over several groups. Each question therefore asks for the problem's last
sub-answer, the one that needs every earlier step; every sub-answer is graded from the answers CSV
with ``nncourse exam grade``. The quiz description says so.

Math is shown as Canvas's own equation images (``/equation_images/<LaTeX>``), and a problem about a
network shows its diagram, stored once in the package under ``images/``.
"""
from __future__ import annotations

import hashlib
import html
import io
import urllib.parse
import xml.etree.ElementTree as ET
import zipfile
from functools import lru_cache
from typing import Sequence

from .kinds import kind
from .lms_images import diagram_png, file_name, image_html
from .mathtext import Display, M
from .problem import Item, Problem
from .text import diagram, statement
from .versions import Version

DESCRIPTION = (
    "One version of each problem is drawn for you. Canvas checks one number per problem, the last one it "
    "asks for, which needs every earlier step; your instructor grades every step from your written work. "
    "Type the number as a decimal (Canvas accepts no fractions: for -4/3 type -1.333).")

_QTI = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
_CANVAS = "http://canvas.instructure.com/xsd/cccv1p0"
_CP = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"


def _id(*parts: str) -> str:
    return "g" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


@lru_cache(maxsize=1 << 14)  # the same fragments recur in every version
def math_html(tex: str) -> str:
    """LaTeX as Canvas's equation image."""
    src = "/equation_images/" + urllib.parse.quote(tex, safe="") + "?scale=1"
    t = html.escape(tex)
    return f'<img class="equation_image" title="{t}" src="{src}" alt="LaTeX: {t}" data-equation-content="{t}" />'


def _paragraph(parts) -> str:
    return "".join(math_html(p.tex) if isinstance(p, M) else html.escape(p, quote=False) for p in parts)


def asked(p: Problem) -> Item:
    """The sub-answer Canvas checks: the problem's last."""
    return p.items[-1]


def question_html(p: Problem, version_id: str) -> str:
    """The question's HTML: diagram, statement, then the one number Canvas checks."""
    def make() -> str:
        paras = [math_html(b.math.tex) if isinstance(b, Display) else _paragraph(b) for b in statement(p)]
        paras.append(f"[{html.escape(version_id)}] Canvas checks one number: give {math_html(asked(p).label.tex)} "
                     f"as a decimal.")
        d = diagram(p)
        figure = image_html(f"%24IMS-CC-FILEBASE%24/images/{file_name(d)}", d) if d is not None else ""
        return figure + "".join(f"<p>{x}</p>" for x in paras)
    return p.cached("qti_html", make)


def _field(meta: ET.Element, label: str, entry: str) -> None:
    f = ET.SubElement(meta, "qtimetadatafield")
    ET.SubElement(f, "fieldlabel").text = label
    ET.SubElement(f, "fieldentry").text = entry


def _item(section: ET.Element, p: Problem, version_id: str) -> None:
    item = ET.SubElement(section, "item", ident=_id(version_id, p.pid), title=f"{p.pid} · {version_id}")
    meta = ET.SubElement(ET.SubElement(item, "itemmetadata"), "qtimetadata")
    _field(meta, "question_type", "numerical_question")
    _field(meta, "points_possible", f"{p.points:g}")
    presentation = ET.SubElement(item, "presentation")
    ET.SubElement(ET.SubElement(presentation, "material"), "mattext", texttype="text/html").text = question_html(p, version_id)
    response = ET.SubElement(presentation, "response_str", ident="response1", rcardinality="Single")
    ET.SubElement(ET.SubElement(response, "render_fib", fibtype="Decimal"), "response_label", ident="answer1")
    processing = ET.SubElement(item, "resprocessing")
    ET.SubElement(ET.SubElement(processing, "outcomes"), "decvar", maxvalue="100", minvalue="0",
                  varname="SCORE", vartype="Decimal")
    condition = ET.SubElement(processing, "respcondition", {"continue": "No"})
    lo, hi = answer_range(asked(p))
    test = ET.SubElement(condition, "conditionvar")
    ET.SubElement(test, "vargte", respident="response1").text = repr(lo)
    ET.SubElement(test, "varlte", respident="response1").text = repr(hi)
    ET.SubElement(condition, "setvar", action="Set", varname="SCORE").text = "100"


def answer_range(item: Item) -> tuple[float, float]:
    """The accepted interval: the key ± its tolerance (rounded outwards to 10 significant digits)."""
    return float(f"{item.value - item.tol:.10g}"), float(f"{item.value + item.tol:.10g}")


def points(versions: Sequence[Version]) -> float:
    return sum(p.points for p in versions[0].problems) if versions else 0.0


def assessment_xml(versions: Sequence[Version], title: str, quiz: str) -> bytes:
    root = ET.Element("questestinterop", xmlns=_QTI)
    assessment = ET.SubElement(root, "assessment", ident=quiz, title=title)
    _field(ET.SubElement(assessment, "qtimetadata"), "cc_maxattempts", "1")
    top = ET.SubElement(assessment, "section", ident="root_section")
    for index in range(len(versions[0].problems) if versions else 0):
        first = versions[0].problems[index]
        group = ET.SubElement(top, "section", ident=_id(quiz, first.pid), title=f"{first.pid} {kind(first.kind).title}")
        selection = ET.SubElement(ET.SubElement(group, "selection_ordering"), "selection")
        ET.SubElement(selection, "selection_number").text = "1"
        ET.SubElement(ET.SubElement(selection, "selection_extension"), "points_per_item").text = f"{first.points:g}"
        for v in versions:
            _item(group, v.problems[index], v.version_id)
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


def meta_xml(versions: Sequence[Version], title: str, quiz: str) -> bytes:
    """Canvas's own description of the quiz: title, instructions, points possible."""
    root = ET.Element("quiz", identifier=quiz, xmlns=_CANVAS)
    for tag, text in (("title", title), ("description", f"<p>{html.escape(DESCRIPTION)}</p>"),
                      ("quiz_type", "assignment"), ("points_possible", f"{points(versions):g}"),
                      ("shuffle_answers", "false"), ("allowed_attempts", "1"), ("available", "false")):
        ET.SubElement(root, tag).text = text
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


def manifest_xml(quiz: str, images: Sequence[str]) -> bytes:
    root = ET.Element("manifest", identifier=f"{quiz}_manifest", xmlns=_CP)
    ET.SubElement(ET.SubElement(root, "metadata"), "schema").text = "IMS Content"
    ET.SubElement(root, "organizations")
    resources = ET.SubElement(root, "resources")
    res = ET.SubElement(resources, "resource", identifier=quiz, type="imsqti_xmlv1p2")
    ET.SubElement(res, "file", href=f"{quiz}/{quiz}.xml")
    ET.SubElement(res, "dependency", identifierref=f"{quiz}_meta")
    meta = ET.SubElement(resources, "resource", identifier=f"{quiz}_meta",
                         type="associatedcontent/imscc_xmlv1p1/learning-application-resource",
                         href=f"{quiz}/assessment_meta.xml")
    ET.SubElement(meta, "file", href=f"{quiz}/assessment_meta.xml")
    for name in images:
        img = ET.SubElement(resources, "resource", identifier=_id(quiz, name), type="webcontent", href=f"images/{name}")
        ET.SubElement(img, "file", href=f"images/{name}")
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


def qti_zip(versions: Sequence[Version], title: str) -> bytes:
    """The package Canvas imports (Settings → Import Course Content → QTI .zip file)."""
    quiz = _id(title, *(v.version_id for v in versions))
    drawings = sorted({diagram(p) for v in versions for p in v.problems} - {None}, key=lambda d: d.name)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        def write(name: str, data: bytes) -> None:  # a fixed date: the same exam gives the same bytes
            z.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
        write("imsmanifest.xml", manifest_xml(quiz, [file_name(d) for d in drawings]))
        write(f"{quiz}/assessment_meta.xml", meta_xml(versions, title, quiz))
        write(f"{quiz}/{quiz}.xml", assessment_xml(versions, title, quiz))
        for d in drawings:
            write(f"images/{file_name(d)}", diagram_png(d))
    return out.getvalue()
