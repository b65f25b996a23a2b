"""Typst math fragments as Unicode text (∂L/∂w₇ = ∂L/∂ŷ · h₁ = 2 · (−1) = −2), for the worked
solutions in solutions.pdf.

Typst lays out math several times slower than text; the solutions PDF has about 60 displayed lines per
version, and setting them as text cuts its time by about 40 %. Only the small part of Typst's math
that the worked solutions use is converted (fractions of partials, hats, subscripts and superscripts
that have Unicode characters in the document's font, a few names and operators); anything else
(a square root, a matrix, a subscript letter the font lacks) raises ``Unsupported`` and the caller keeps
that fragment as Typst math.
"""
from __future__ import annotations

import re
from functools import lru_cache

_MARKUP = str.maketrans({c: "\\" + c for c in "\\#*_$@<>[]`~=/"})


def escape(text: str) -> str:
    """Plain text made safe for Typst markup, in one pass (``str.translate``): the solutions escape
    about 150,000 strings."""
    return text.translate(_MARKUP)


class Unsupported(ValueError):
    """The fragment uses math that has no faithful plain-text form here."""


# Characters Libertinus Serif (Typst's default text font) has; it lacks the subscript j (ⱼ).
_SUB = dict(zip("0123456789+-=()aehiklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))
_SUP = dict(zip("0123456789+-=()nit", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵗ"))
_HAT = {"y": "ŷ", "z": "ẑ", "x": "x̂", "w": "ŵ"}
_NAMES = {
    "partial": "∂", "dot": "·", "approx": "≈", "slash": "/", "sigma": "σ", "eta": "η", "mu": "μ",
    "epsilon": "ε", "beta": "β", "theta": "θ", "sum": "Σ", "quad": "\u2003", "space": "\u2002",
    "tanh": "tanh", "ln": "ln", "max": "max", "exp": "exp",
}
_SPACES = re.compile(r" ?([\u2002\u2003]) ?")  # quad, space: a wide space instead of the spaces around them
_PLAIN = set("0123456789.,;=+[]<>!| ")


def math_text(typ: str) -> str:
    """Unicode text (not yet escaped for Typst markup) for the Typst math ``typ``; ``Unsupported`` if
    it needs real math layout. A chain ``a = b = c`` is converted link by link, each link memoised:
    the symbolic links (∂L/∂w₇ = ∂L/∂ŷ · h₁) recur in every version, only the numbers change."""
    if " = " in typ:
        try:
            return " = ".join(_converted(part) for part in typ.split(" = "))
        except ValueError:  # Unsupported, or a token that the split cut (a quoted " = "): the whole, below
            pass
    return _converted(typ)


@lru_cache(maxsize=1 << 16)
def _converted(typ: str) -> str:
    out, i = _seq(typ, 0)
    if i != len(typ):
        raise Unsupported(f"unbalanced ')' in {typ!r}")
    return _SPACES.sub(r"\1", out.replace("∂ ", "∂").replace(" / ", "/"))


_NUMBER = re.compile(r"-?[0-9.]+(/[0-9]+)?")


def math_markup(typ: str) -> str:
    """``typ`` as Typst markup: Unicode text when it converts, else the math itself (``$…$``)."""
    if _NUMBER.fullmatch(typ):  # a number (the answers): no need to parse
        return typ.replace("-", "−").replace("/", "\\/")
    try:
        return escape(math_text(typ))
    except Unsupported:
        return f"${typ}$"


def _seq(s: str, i: int) -> tuple[str, int]:
    """Convert from ``i`` up to an unmatched ')' (not consumed) or the end."""
    out: list[str] = []
    n = len(s)
    while i < n:
        c = s[i]
        if c == ")":
            break
        if c == "(":
            inner, i = _group(s, i)
            if s.startswith(")/(", i - 1) and inner.startswith("∂"):  # (partial A)/(partial B)
                den, i = _group(s, i + 1)
                if not den.startswith("∂"):
                    raise Unsupported(f"a fraction over {den!r}")
                out.append(f"{inner}/{den}")
            else:  # a tuple stays on one line, as it would in math
                out.append("(" + inner.replace(", ", ",\u00a0") + ")")
        elif c.isalpha():
            j = i
            while j < n and s[j].isalpha():
                j += 1
            word = s[i:j]
            i = j
            if len(word) == 1:
                out.append(word)
            elif word == "hat" and s.startswith("(", i):
                inner, i = _group(s, i)
                if inner not in _HAT:
                    raise Unsupported(f"hat({inner})")
                out.append(_HAT[inner])
            elif word == "op" and s.startswith('("', i):
                end = s.index('")', i)
                out.append(s[i + 2:end])
                i = end + 2
            elif word in _NAMES:
                out.append(_NAMES[word])
            else:
                raise Unsupported(f"{word!r}")
        elif c == "_" or c == "^":
            table = _SUB if c == "_" else _SUP
            atom, i = _atom(s, i + 1)
            try:
                out.append("".join(table[ch] for ch in atom.replace("−", "-")))
            except KeyError as err:
                raise Unsupported(f"no {'sub' if c == '_' else 'super'}script {err}") from None
        elif c == '"':
            end = s.index('"', i + 1)
            out.append(s[i + 1:end])
            i = end + 1
        elif c == "-":
            if s.startswith("->", i):
                out.append("→")
                i += 2
            else:
                out.append("−")
                i += 1
        elif c == "<" and s.startswith("<-", i):
            out.append("←")
            i += 2
        elif c == "\\" and s.startswith("\\/", i):
            out.append("/")
            i += 2
        elif c == "/":
            out.append("/")
            i += 1
        elif c == "'":
            out.append("′")
            i += 1
        elif c in _PLAIN:
            out.append(c)
            i += 1
        else:
            raise Unsupported(f"{c!r}")
    return "".join(out), i


def _group(s: str, i: int) -> tuple[str, int]:
    """``(…)`` at ``i``: its converted content and the index after the closing parenthesis."""
    inner, j = _seq(s, i + 1)
    if j >= len(s):
        raise Unsupported(f"unclosed '(' in {s!r}")
    return inner, j + 1


def _atom(s: str, i: int) -> tuple[str, int]:
    """A sub- or superscript: a group (its raw text, converted) or one letter or a run of digits."""
    if i >= len(s):
        raise Unsupported("an empty script")
    if s[i] == "(":
        return _group(s, i)
    if s[i].isdigit():
        j = i
        while j < len(s) and s[j].isdigit():
            j += 1
        return s[i:j], j
    if s[i].isalpha():
        return s[i], i + 1
    raise Unsupported(f"script {s[i]!r}")
