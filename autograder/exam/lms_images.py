"""The network diagrams as small PNG images for the Moodle and Canvas exports, which show HTML.

A drawing shows the lecture's names (x₁, w₁ …, ŷ), not a version's numbers, so an exam has only a few
distinct ones; each is rendered once. Moodle keeps a copy of an image with every question that shows it
(1,000 versions carry thousands of copies in one XML file), so the image is a 16-colour palette PNG at
screen resolution: 3–6 KB instead of 12–18 KB.
"""
from __future__ import annotations

import html
import io
from functools import lru_cache

import typst
from PIL import Image

from .diagram import Diagram
from .pdf import fonts

PPI = 120
COLOURS = 16


@lru_cache(maxsize=16)
def diagram_png(d: Diagram) -> bytes:
    """The drawing with its caption beneath, as PNG bytes (the caption tells the ReLU network from the
    sigmoid one, whose drawings are alike; an LMS would otherwise keep one image for both)."""
    source = d.standalone()
    try:
        rgba = typst.Compiler(font_paths=fonts()).compile(source.encode("utf-8"), format="png", ppi=PPI)
    except Exception as err:  # typst's own error carries the source position
        raise RuntimeError(f"typst could not draw the diagram {d.name!r}: {err}") from err
    image = Image.open(io.BytesIO(rgba)).convert("RGB").quantize(colors=COLOURS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def file_name(d: Diagram) -> str:
    return f"{d.name}.png"


def image_html(src: str, d: Diagram) -> str:
    """The diagram as HTML, ``src`` being where the LMS keeps the file; the caption is in the image."""
    return f'<p><img src="{src}" alt="Network diagram. {html.escape(d.alt)}" /></p>'
