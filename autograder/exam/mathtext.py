"""Math written once, rendered twice: every fragment carries its LaTeX (Markdown) and Typst (PDF) form.

Problem statements and worked solutions are lists of blocks; a block is a paragraph (a list of plain
strings and ``M`` fragments) or a displayed equation (``Display``).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence, Union

from .bounds import as_fraction, is_exact


class M:
    """One math fragment: ``tex`` for Markdown/LaTeX, ``typ`` for Typst. Never changed once made; a plain class with
    slots rather than a frozen dataclass: an exam of 1,000 versions builds about a million of them."""

    __slots__ = ("tex", "typ")
    tex: str
    typ: str

    def __init__(self, tex: str, typ: str) -> None:
        self.tex = tex
        self.typ = typ

    def __eq__(self, other) -> bool:
        return isinstance(other, M) and self.tex == other.tex and self.typ == other.typ

    def __hash__(self) -> int:
        return hash((self.tex, self.typ))

    def __repr__(self) -> str:
        return f"M(tex={self.tex!r}, typ={self.typ!r})"

    def __add__(self, other: "M | str") -> "M":
        if other.__class__ is str:
            return M(self.tex + other, self.typ + other)
        return M(self.tex + other.tex, self.typ + other.typ)

    def __radd__(self, other: str) -> "M":
        return M(other + self.tex, other + self.typ)


_MARKUP = str.maketrans({c: "\\" + c for c in "\\#*_$@<>[]`~=/"})


def escape(text: str) -> str:
    """Plain text made safe for Typst markup (every markup character escaped)."""
    return text.translate(_MARKUP)


def _m(x: "M | str") -> M:
    return x if isinstance(x, M) else M(x, x)


@dataclass(frozen=True)
class Display:
    """A displayed equation (one line)."""

    math: M


Paragraph = list  # of str | M
Block = Union[Paragraph, Display]


def join(parts: Iterable["M | str"], sep: "M | str" = ", ") -> M:
    texs: list[str] = []
    typs: list[str] = []
    for p in parts:
        if p.__class__ is M:
            texs.append(p.tex)
            typs.append(p.typ)
        else:
            texs.append(p)
            typs.append(p)
    sep = _m(sep)
    return M(sep.tex.join(texs), sep.typ.join(typs))


_SYMBOLS = {
    "L": M("L", "L"), "yhat": M(r"\hat{y}", "hat(y)"), "zhat": M(r"\hat{z}", "hat(z)"),
    "sigma": M(r"\sigma", "sigma"), "eta": M(r"\eta", "eta"), "mu": M(r"\mu", "mu"),
    "beta1": M(r"\beta_1", "beta_1"), "beta2": M(r"\beta_2", "beta_2"),
    "eps": M(r"\varepsilon", "epsilon"), "cdot": M(r" \cdot ", " dot "),
    "approx": M(r" \approx ", " approx "), "to": M(r" \to ", " -> "), "=": M(" = ", " = "),
    "tanh": M(r"\tanh", "tanh"), "ln": M(r"\ln", "ln"), "sum": M(r"\sum", "sum"),
}


def sym(name: str) -> M:
    """Named symbols of the lecture."""
    return _SYMBOLS[name]


@lru_cache(maxsize=1 << 14)  # the same fragments recur in every version
def sub(base: str, index: "int | str") -> M:
    """``base`` with a subscript: w₃ is ``sub("w", 3)``."""
    return M(f"{base}_{{{index}}}", f"{base}_({index})")


@lru_cache(maxsize=1 << 14)  # the same fragments recur in every version
def hat(base: str, index: "int | str | None" = None) -> M:
    if index is None:
        return M(rf"\hat{{{base}}}", f"hat({base})")
    return M(rf"\hat{{{base}}}_{{{index}}}", f"hat({base})_({index})")


@lru_cache(maxsize=1 << 14)  # the same fragments recur in every version
def partial(num: "M | str", den: "M | str") -> M:
    num, den = _m(num), _m(den)
    return M(rf"\frac{{\partial {num.tex}}}{{\partial {den.tex}}}", f"(partial {num.typ})/(partial {den.typ})")


def text(words: str) -> M:
    return M(rf"\text{{{words}}}", f"\"{words}\"")


@lru_cache(maxsize=1 << 16)
def num(value: float, exact: bool = True, digits: int = 4) -> M:
    """A number as the student would write it: a short decimal, a fraction such as -4/3, or ≈ rounded."""
    if exact and is_exact(value):
        frac = as_fraction(value)
        if 10**6 % frac.denominator == 0:
            s = _decimal(frac)
            return M(s, s)
        sign = "-" if frac < 0 else ""
        p, q = abs(frac.numerator), frac.denominator
        return M(rf"{sign}\frac{{{p}}}{{{q}}}", f"{sign}{p}/{q}")
    s = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return M(s, s)


@lru_cache(maxsize=1 << 14)  # the same fragments recur in every version
def pnum(value: float, exact: bool = True) -> M:
    """``num`` wrapped in parentheses when negative (for products)."""
    m = num(value, exact)
    if m.tex.startswith("-"):
        return M(rf"\left({m.tex}\right)", f"({m.typ})")
    return m


def _decimal(frac) -> str:
    from decimal import Decimal

    d = Decimal(frac.numerator) / Decimal(frac.denominator)
    s = format(d.normalize(), "f")
    return "0" if s in ("-0", "0") else s


def vec(values: Sequence[float], exact: bool = True) -> M:
    return M("(", "(") + join(num(v, exact) for v in values) + M(")", ")")


def mat(rows: Sequence[Sequence[float]], exact: bool = True) -> M:
    tex = r" \\ ".join(" & ".join(num(v, exact).tex for v in row) for row in rows)
    typ = "; ".join(", ".join(num(v, exact).typ for v in row) for row in rows)
    return M(rf"\begin{{pmatrix}} {tex} \end{{pmatrix}}", f"mat({typ})")


def eq(*parts: "M | str") -> M:
    """``a = b = c``."""
    return join(parts, sym("="))
