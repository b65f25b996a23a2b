"""Network diagrams drawn with Typst primitives (no Typst packages: they would need the network).

Edges carry the lecture's weight names, numbered column by column as in the lecture. Every label is a
box of a fixed size placed where ``layout`` puts it, so the drawing's geometry is known here: each
weight's label sits on its own edge, clear of every node and of every other label (the tests check
``layout`` for overlaps, and that a label's text fits its box).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

NODE_R = 4.0            # mm: a node's radius
LABEL_W, LABEL_H = 5.6, 3.2  # mm: a weight label's box (w₁₂ at 6.5 pt is about 3.5 mm wide)
ROW = 14.0              # mm between the nodes of a layer
PAD = 1.0               # mm kept free around every label box
POSITIONS = tuple(t / 20 for t in range(3, 18))  # where along its edge a label may sit (0 = source)


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in mm (x, y of its top-left corner)."""

    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: "Box", pad: float = 0.0) -> bool:
        return (self.x - pad < other.x + other.w and other.x - pad < self.x + self.w
                and self.y - pad < other.y + other.h and other.y - pad < self.y + self.h)

    def crossed_by(self, x1: float, y1: float, x2: float, y2: float) -> bool:
        """Whether the segment passes through this box (sampled every 0.1 mm: plenty for a drawing)."""
        steps = max(2, int(((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5 / 0.1))
        return any(self.x < x1 + (x2 - x1) * s / steps < self.x + self.w
                   and self.y < y1 + (y2 - y1) * s / steps < self.y + self.h for s in range(steps + 1))


@dataclass(frozen=True)
class Diagram:
    layers: tuple[tuple[str, ...], ...]  # node labels (Typst math) per layer
    caption: str  # Typst markup, math in the lecture's notation
    alt: str      # the caption as plain Unicode text (HTML alt text)
    width_mm: float = 100
    name: str = "network"  # a file name (without extension) for this drawing

    @classmethod
    def neuron(cls, n_inputs: int) -> "Diagram":
        return cls((tuple(f"x_{i}" for i in range(1, n_inputs + 1)), ("hat(y)",)),
                   "One neuron: $w_k$ joins $x_k$ to $hat(y)$; $b_1$ is its bias.",
                   "One neuron: wₖ joins xₖ to ŷ; b₁ is its bias.", 70, f"neuron_{n_inputs}_inputs")

    @classmethod
    def two_layer(cls, activation: str) -> "Diagram":
        hidden = "u" if activation == "identity" else "h"
        note, alt = {"identity": ("no activation", "no activation"),
                     "relu": ('$h_j = "ReLU"(z_j)$', "hⱼ = ReLU(zⱼ)"),
                     "sigmoid": ("$h_j = sigma(z_j)$", "hⱼ = σ(zⱼ)")}[activation]
        return cls((("x_1", "x_2"), tuple(f"{hidden}_{j}" for j in (1, 2, 3)), ("hat(y)", "hat(z)")),
                   f"A $2 -> 3 -> 2$ network, hidden layer: {note}. Biases $b_1, b_2, b_3$ (hidden) "
                   "and $b_4, b_5$ (output).",
                   f"A 2 → 3 → 2 network, hidden layer: {alt}. Biases b₁, b₂, b₃ (hidden) and b₄, b₅ (output).",
                   name=f"two_layer_{activation}")

    def typst(self) -> str:
        """The drawing with its caption, as a Typst figure (a vector image compiled once per process:
        the same drawing recurs in every version)."""
        from .pdf import asset

        path = asset(f"diagram-{self.name}-{_digest(self.drawing())}.pdf", lambda: _pdf(self))
        return f'#figure(image("{path}", width: {self.width_mm + 2 * IMAGE_MARGIN_MM}mm), caption: [{self.caption}])\n'

    def drawing(self) -> str:
        """The drawing alone, as Typst code."""
        return _drawing(self)

    def standalone(self) -> str:
        """A Typst document of the drawing with its caption beneath (the SVG and PNG files)."""
        return (f"#set page(width: auto, height: auto, margin: {IMAGE_MARGIN_MM}mm)\n" + PRELUDE + self.drawing()
                + f"#align(center, block(width: {self.width_mm}mm, text(size: 9pt)[{self.caption}]))\n")


IMAGE_MARGIN_MM = 3


@dataclass(frozen=True)
class Layout:
    nodes: tuple[tuple[str, float, float], ...]              # label, centre x, centre y
    edges: tuple[tuple[float, float, float, float], ...]     # x1, y1, x2, y2
    labels: tuple[tuple[str, Box], ...]                      # "w_k", its box
    height: float

    def node_boxes(self) -> list[Box]:
        return [Box(x - NODE_R, y - NODE_R, 2 * NODE_R, 2 * NODE_R) for _, x, y in self.nodes]


@lru_cache(maxsize=64)
def layout(d: Diagram) -> Layout:
    """Where everything goes. Each weight's label takes the first spot along its edge (from the middle
    outwards) whose box, with ``PAD`` around it, meets no node and no label placed before it, and that
    no other edge crosses (so each label reads as its own edge's)."""
    cols = len(d.layers)
    height = 10 + ROW * max(len(layer) for layer in d.layers)
    xs = [8 + k * (d.width_mm - 16) / (cols - 1) for k in range(cols)]

    def ys(n: int) -> list[float]:
        return [height / 2 + (j - (n - 1) / 2) * ROW for j in range(n)]

    nodes = tuple((label, xs[c], y) for c, labels in enumerate(d.layers) for label, y in zip(labels, ys(len(labels))))
    taken = [Box(x - NODE_R, y - NODE_R, 2 * NODE_R, 2 * NODE_R) for _, x, y in nodes]
    edges = [(xs[c], y1, xs[c + 1], y2) for c in range(cols - 1)  # column by column: every edge out of x₁ first
             for y1 in ys(len(d.layers[c])) for y2 in ys(len(d.layers[c + 1]))]
    labels = []
    order = sorted(POSITIONS, key=lambda t: abs(t - 0.5))
    for k, (x1, y1, x2, y2) in enumerate(edges, 1):
        others = [e for e in edges if e != (x1, y1, x2, y2)]
        for t in order:
            box = Box(x1 + (x2 - x1) * t - LABEL_W / 2, y1 + (y2 - y1) * t - LABEL_H / 2, LABEL_W, LABEL_H)
            if not any(box.overlaps(o, PAD) for o in taken) and not any(box.crossed_by(*e) for e in others):
                break
        else:
            raise ValueError(f"diagram {d.name}: no free spot for the label of w_{k}")
        taken.append(box)
        labels.append((f"w_{k}", box))
    return Layout(nodes, tuple(edges), tuple(labels), height)


def _pdf(d: Diagram) -> bytes:
    from .pdf import compile_pdf

    return compile_pdf(f"#set page(width: auto, height: auto, margin: {IMAGE_MARGIN_MM}mm)\n" + PRELUDE + d.drawing(),
                       tags=False)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@lru_cache(maxsize=64)
def _drawing(d: Diagram) -> str:
    lay = layout(d)
    lines = [f"  edge({x1:.2f}mm, {y1:.2f}mm, {x2:.2f}mm, {y2:.2f}mm)" for x1, y1, x2, y2 in lay.edges]
    lines += [f"  weight({b.x:.2f}mm, {b.y:.2f}mm, ${name}$)" for name, b in lay.labels]
    lines += [f"  node({x:.2f}mm, {y:.2f}mm, ${label}$)" for label, x, y in lay.nodes]
    body = "\n".join(lines)
    return f"#box(width: {d.width_mm}mm, height: {lay.height}mm, {{\n{body}\n}})\n"


PRELUDE = rf"""
#let node(x, y, label) = place(dx: x - {NODE_R}mm, dy: y - {NODE_R}mm,
  circle(radius: {NODE_R}mm, fill: white, stroke: 0.6pt)[#set align(center + horizon); #text(size: 8pt, label)])
#let edge(x1, y1, x2, y2) = place(line(start: (x1, y1), end: (x2, y2), stroke: 0.4pt + luma(120)))
#let weight(x, y, label) = place(dx: x, dy: y, box(width: {LABEL_W}mm, height: {LABEL_H}mm, fill: white,
  align(center + horizon, text(size: 6.5pt, fill: rgb("#1f4e9c"), label))))
"""
