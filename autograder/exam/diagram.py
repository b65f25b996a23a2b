"""Network diagrams drawn with Typst primitives (no Typst packages: they would need the network).
Edges carry the lecture's weight names, numbered column by column as in the lecture."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from .plaintext import escape


@dataclass(frozen=True)
class Diagram:
    layers: tuple[tuple[str, ...], ...]  # node labels (Typst math) per layer
    caption: str
    width_mm: float = 100
    name: str = "network"  # a file name (without extension) for this drawing

    @classmethod
    def neuron(cls, n_inputs: int) -> "Diagram":
        return cls((tuple(f"x_{i}" for i in range(1, n_inputs + 1)), ("hat(y)",)),
                   "one neuron; w_k joins x_k to the output, b_1 is its bias", 70, f"neuron_{n_inputs}_inputs")

    @classmethod
    def two_layer(cls, activation: str) -> "Diagram":
        hidden = {"identity": "u", "relu": "h", "sigmoid": "h"}[activation]
        note = {"identity": "no activation", "relu": "h = ReLU(z)", "sigmoid": "h = sigmoid(z)"}[activation]
        return cls((("x_1", "x_2"), tuple(f"{hidden}_{j}" for j in (1, 2, 3)), ("hat(y)", "hat(z)")),
                   f"2 -> 3 -> 2, hidden layer: {note}; biases b_1..b_3 (hidden), b_4, b_5 (output)",
                   name=f"two_layer_{activation}")

    def typst(self) -> str:
        """A Typst block that draws the network."""
        return _typst(self)

    def drawing_typst(self) -> str:
        """The drawing alone, without figure or caption (for images whose caption is written beside them)."""
        return "#" + _body(self) + "\n"

    def image_typst(self) -> str:
        """The same figure with the drawing as a vector image (a one-page PDF compiled once per
        process): Typst lays out an image in a fraction of the time of the drawing's 20-odd placed
        shapes and math labels (about 0.2 ms against 2 ms)."""
        from .pdf import asset

        path = asset(f"diagram-{self.name}-{_digest(_body(self))}.pdf", lambda: _pdf(self))
        return f'#figure(image("{path}", width: {self.width_mm + 2 * IMAGE_MARGIN_MM}mm), caption: [{escape(self.caption)}])\n'


IMAGE_MARGIN_MM = 3


def _pdf(d: Diagram) -> bytes:
    from .pdf import compile_pdf

    return compile_pdf(f"#set page(width: auto, height: auto, margin: {IMAGE_MARGIN_MM}mm)\n" + PRELUDE + "#" + _body(d),
                       tags=False)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@lru_cache(maxsize=64)
def _body(d: Diagram) -> str:
    cols = len(d.layers)
    height = 10 + 14 * max(len(layer) for layer in d.layers)
    xs = [8 + k * (d.width_mm - 16) / (cols - 1) for k in range(cols)]

    def ys(n: int) -> list[float]:
        return [height / 2 + (j - (n - 1) / 2) * 14 for j in range(n)]

    lines, k = [], 0
    for layer in range(cols - 1):
        src, dst = d.layers[layer], d.layers[layer + 1]
        for i, y1 in enumerate(ys(len(src))):  # column by column: all edges out of x_1 first
            for j, y2 in enumerate(ys(len(dst))):
                k += 1
                lines.append(f"  edge({xs[layer]:.1f}mm, {y1:.1f}mm, {xs[layer + 1]:.1f}mm, {y2:.1f}mm, $w_{k}$, t: {0.22 if i % 2 == 0 else 0.62})")
    for layer, labels in enumerate(d.layers):
        for label, y in zip(labels, ys(len(labels))):
            lines.append(f"  node({xs[layer]:.1f}mm, {y:.1f}mm, ${label}$)")
    body = "\n".join(lines)
    return f"box(width: {d.width_mm}mm, height: {height}mm, {{\n{body}\n}})"


def _typst(d: Diagram) -> str:
    return f"#figure({_body(d)}, caption: [{escape(d.caption)}])\n"


PRELUDE = r"""
#let node(x, y, label) = place(dx: x - 4mm, dy: y - 4mm,
  circle(radius: 4mm, fill: white, stroke: 0.6pt)[#set align(center + horizon); #text(size: 8pt, label)])
#let edge(x1, y1, x2, y2, label, t: 0.3) = {
  place(line(start: (x1, y1), end: (x2, y2), stroke: 0.4pt + luma(120)))
  place(dx: x1 + (x2 - x1) * t - 2.5mm, dy: y1 + (y2 - y1) * t - 1.8mm,
    box(fill: white, inset: 0.6pt, text(size: 6.5pt, fill: rgb("#1f4e9c"), label)))
}
"""
