"""The data model: a problem kind draws parameters, solves them with the reference, and lists the
numbered answers (items) a student writes down.

Each item's tolerance comes from the work, not from a constant: a kind names the typical wrong
answers of each item (a skipped step, a dropped factor, a sign error, …), every item also counts 0 and
its negation as wrong (unless the problem is about that zero), and the tolerance is half the smallest
distance from the key to any of them, capped at ``CAP``. A version where that leaves less than the
rounding the statement allows (a rounded right answer must pass, a rounded wrong one must not) is
redrawn."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, Mapping

import numpy as np

from .mathtext import Block, M
from .bounds import BOUND, DENOM, SLACK, Degenerate, as_fraction, check_bound, is_exact

#: The largest tolerance an item gets: atol + rtol·|key| (exact items, rounded items).
CAP = {"exact": {"rtol": 1e-3, "atol": 1e-3}, "rounded": {"rtol": 5e-3, "atol": 2e-3}}
#: Exact values may be given as fractions or to this many decimals (the exam's instructions say so).
EXACT_DECIMALS = 3
#: A tolerance must exceed the rounding error of an answer by this factor.
ROUNDING_MARGIN = 1.2


@dataclass(frozen=True)
class ItemSpec:
    """One numbered answer: ``name`` (CSV column suffix), its label, and where its value lives."""

    name: str
    label: M
    array: str
    index: tuple
    rounded: bool = False
    decimals: int = EXACT_DECIMALS  # a rounded item is asked for to this many decimals

    @property
    def rounding(self) -> float:
        """The largest error of an answer written to the decimals the statement allows."""
        return 0.5 * 10.0 ** -self.decimals


@dataclass
class Item:
    name: str
    label: M
    value: float
    tol: float
    rounded: bool = False
    exact: str = ""  # the key as an exact decimal or fraction ("-4/3"); "" for a rounded item

    @property
    def label_tex(self) -> str:
        return self.label.tex

    def to_json(self) -> dict:
        return {"name": self.name, "label_tex": self.label.tex, "value": self.value, "exact": self.exact,
                "atol": self.tol, "rtol": 0.0, "rounded": self.rounded}


@dataclass
class Problem:
    """One version of one problem kind, with its key."""

    kind: str
    number: int
    params: dict[str, Any]
    values: dict[str, list]
    items: list[Item] = field(default_factory=list)
    points: float = 10.0
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def pid(self) -> str:
        return f"P{self.number}"

    def cached(self, name: str, make):
        """``make()`` once per problem: its texts are rendered for several outputs."""
        if name not in self._cache:
            self._cache[name] = make()
        return self._cache[name]

    def to_json(self) -> dict:
        return {"kind": self.kind, "number": self.number, "points": self.points, "params": self.params,
                "values": self.values, "items": [i.to_json() for i in self.items]}


class Kind:
    """Base class of a problem kind. Subclasses set ``name``/``title`` and implement the hooks."""

    name = ""
    title = ""
    max_tries = 2000

    # -- hooks ---------------------------------------------------------------------------------
    def draw(self, rng: np.random.Generator) -> dict:
        raise NotImplementedError

    def solve(self, params: Mapping, given: Mapping[str, float] | None = None) -> dict[str, np.ndarray]:
        """Every value of the problem, computed with ``reference``. ``given`` replaces the named
        items by the student's own values before later steps use them (error carried forward)."""
        raise NotImplementedError

    def specs(self, params: Mapping) -> list[ItemSpec]:
        raise NotImplementedError

    def check(self, params: Mapping, values: Mapping[str, np.ndarray]) -> None:
        """Raise ``Degenerate`` for a variant that must be redrawn (beyond the generic bound)."""

    def mistakes(self, params: Mapping, values: Mapping[str, np.ndarray]) -> dict[str, dict[str, float]]:
        """Item name -> {typical mistake: the value it gives}. List a mistake only where it changes the
        item; 0 and the negated key are counted for every item already."""
        return {}

    def zeros(self, params: Mapping, values: Mapping[str, np.ndarray]) -> set[str]:
        """Items whose value is 0 because that is the point (a ReLU that is off)."""
        return set()

    def statement(self, params: Mapping) -> list[Block]:
        raise NotImplementedError

    def solution(self, params: Mapping, values: Mapping[str, np.ndarray]) -> list[Block]:
        raise NotImplementedError

    def diagram(self, params: Mapping):
        return None

    # -- shared --------------------------------------------------------------------------------
    def cached_specs(self, params: Mapping) -> list[ItemSpec]:
        """``specs`` memoised on what they depend on (string parameters and array shapes): building
        the labels costs more than solving a variant."""
        sig = tuple((k, v if isinstance(v, str) else np.shape(v)) for k, v in params.items() if not isinstance(v, Mapping))
        cache = self.__dict__.setdefault("_specs_cache", {})
        if sig not in cache:
            cache[sig] = self.specs(params)
        return cache[sig]

    def check_bound(self, params: Mapping, values: Mapping[str, np.ndarray]) -> None:
        """Every item within the bound and, unless rounded, a multiple of 1/DENOM (one vectorised
        test; ``bounds.check_bound`` names the first offender when there is one)."""
        specs = self.cached_specs(params)
        vals = np.array([values[s.array][s.index] for s in specs], dtype=float)
        exact = np.array([not s.rounded for s in specs])
        scaled = vals * DENOM
        ok = np.isfinite(vals) & (np.abs(vals) <= BOUND)
        ok &= ~exact | (np.abs(scaled - np.round(scaled)) <= SLACK)
        if not ok.all():
            bad = specs[int(np.argmin(ok))]
            check_bound(bad.name, values[bad.array][bad.index], exact=not bad.rounded)
            raise Degenerate(f"{bad.name} is past the bound or not a short decimal")

    def tolerances(self, params: Mapping, values: Mapping[str, np.ndarray], strict: bool = True) -> dict[str, float]:
        """Item name -> its tolerance (module docstring); ``Degenerate`` when a typical wrong answer
        is too close to the key for the rounding the statement allows. ``strict=False`` (a given
        problem such as the lecture's own example, not a drawn one) ignores the wrong answers that
        cannot be told from the key instead."""
        mistakes, zeros = self.mistakes(params, values), self.zeros(params, values)
        out = {}
        for spec in self.cached_specs(params):
            key = key_value(values[spec.array][spec.index], spec.rounded)
            wrong = dict(mistakes.get(spec.name, {}))
            if spec.name not in zeros:
                wrong.update({"0": 0.0, "the sign flipped": -key})
            elif key != 0:
                raise Degenerate(f"{spec.name} should be 0 here but is {key}")
            cap = CAP["rounded" if spec.rounded else "exact"]
            tol = cap["atol"] + cap["rtol"] * abs(key)
            if not strict:
                wrong = {w: x for w, x in wrong.items() if abs(float(x) - key) / 2 >= ROUNDING_MARGIN * spec.rounding}
            for why, value in wrong.items():
                tol = min(tol, abs(float(value) - key) / 2)
            tol = _two_digits_down(tol)
            if tol < ROUNDING_MARGIN * spec.rounding:
                near = min(wrong, key=lambda w: abs(float(wrong[w]) - key))
                raise Degenerate(f"{spec.name} = {key:.6g} is within rounding of a typical wrong answer "
                                 f"({near}: {float(wrong[near]):.6g})")
            out[spec.name] = tol
        return out

    def variant(self, rng: np.random.Generator) -> tuple[dict, dict]:
        """Draw until a variant passes every redraw rule."""
        params, values, _ = self._accepted(rng)
        return params, values

    def problem(self, number: int, rng: np.random.Generator) -> Problem:
        """A drawn problem with its key."""
        params, values, tolerances = self._accepted(rng)
        return self._problem(number, params, values, tolerances)

    def build(self, number: int, params: dict, values: dict | None = None, strict: bool = True) -> Problem:
        """The problem with its key. ``strict=False`` for given numbers (the lecture's examples), which
        need not pass the redraw rules (see ``tolerances``)."""
        values = self.solve(params) if values is None else values
        return self._problem(number, params, values, self.tolerances(params, values, strict=strict))

    def _accepted(self, rng: np.random.Generator) -> tuple[dict, dict, dict[str, float]]:
        last = None
        for _ in range(self.max_tries):
            params = self.draw(rng)
            values = self.solve(params)
            try:
                self.check_bound(params, values)
                self.check(params, values)
                return params, values, self.tolerances(params, values)
            except Degenerate as why:
                last = why
        raise RuntimeError(f"{self.name}: no acceptable variant in {self.max_tries} draws (last: {last})")

    def _problem(self, number: int, params: Mapping, values: Mapping, tolerances: Mapping[str, float]) -> Problem:
        items = []
        for spec in self.cached_specs(params):
            raw = values[spec.array][spec.index]
            exact = "" if spec.rounded else fraction_text(as_fraction(raw))
            items.append(Item(f"P{number}.{spec.name}", spec.label, key_value(raw, spec.rounded),
                              tolerances[spec.name], spec.rounded, exact))
        return Problem(self.name, number, _jsonable(params), _jsonable(values), items)

    def carried(self, params: Mapping, given: Mapping[str, float]) -> dict[str, float]:
        """Expected value of every item when the student's own earlier values are used."""
        values = self.solve(params, given)
        return {s.name: float(values[s.array][s.index]) for s in self.cached_specs(params)}


def override(array: np.ndarray, names: list[str], given: Mapping[str, float] | None) -> np.ndarray:
    """``array`` with the entries named in ``given`` replaced (``names`` in C order of ``array``)."""
    if not given:
        return array
    out = np.array(array, dtype=float, copy=True)
    flat = out.reshape(-1)
    for k, name in enumerate(names):
        if name in given:
            flat[k] = given[name]
    return out


def key_value(value, rounded: bool = False) -> float:
    """A key's value without float noise: an exact item is the float nearest its exact fraction
    (-0.9999999999999997 -> -1.0, 1e-17 -> 0.0); a rounded one is kept as computed."""
    value = float(value)
    # round(v·DENOM)/DENOM is the float nearest the fraction (int / int rounds correctly)
    return value if rounded else round(value * DENOM) / DENOM


def fraction_text(f: Fraction) -> str:
    """``f`` as a terminating decimal when it is one ("-0.25"), else as a fraction ("-4/3")."""
    if f.denominator == 1:
        return str(f.numerator)
    d = f.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    if d != 1:
        return f"{f.numerator}/{f.denominator}"
    return format(Decimal(f.numerator) / Decimal(f.denominator), "f")


def _two_digits_down(tol: float) -> float:
    """``tol`` rounded down to two significant digits: a short number in the key, never larger."""
    if tol <= 0:
        return 0.0
    digits = 1 - math.floor(math.log10(tol))
    return math.floor(tol * 10 ** digits * (1 + 1e-12)) / 10 ** digits


def _clean(x: float) -> float:
    """A solved value for key.json: exact values without float noise, others as computed."""
    return round(x * DENOM) / DENOM if math.isfinite(x) and is_exact(x) else x


def _jsonable(x):
    """Plain JSON types (lists, floats, ints) from numpy arrays and scalars, recursively; exact
    values written without float noise."""
    if isinstance(x, np.ndarray):
        if x.dtype.kind != "f":
            return x.tolist()
        scaled = x * DENOM
        snapped = np.round(scaled)
        exact = np.isfinite(x) & (np.abs(scaled - snapped) <= SLACK)
        return np.where(exact, snapped / DENOM, x).tolist()
    if isinstance(x, float):
        return _clean(x)
    if isinstance(x, np.floating):
        return _clean(float(x))
    if isinstance(x, np.integer):
        return x.item()
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    return x


def arr(params: Mapping, key: str) -> np.ndarray:
    return np.array(params[key], dtype=float)
