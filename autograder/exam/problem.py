"""The data model: a problem kind draws parameters, solves them with the reference, and lists the
numbered answers (items) a student writes down."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from .mathtext import Block, M
from .bounds import BOUND, DENOM, SLACK, Degenerate, check_bound

# Tolerances: |answer - key| <= ATOL + RTOL * |key|. ATOL matters near 0.
EXACT_TOL = {"rtol": 1e-3, "atol": 1e-3}
ROUNDED_TOL = {"rtol": 5e-3, "atol": 2e-3}


@dataclass(frozen=True)
class ItemSpec:
    """One numbered answer: ``name`` (CSV column suffix), its label, and where its value lives."""

    name: str
    label: M
    array: str
    index: tuple
    rounded: bool = False


@dataclass
class Item:
    name: str
    label_tex: str
    value: float
    rtol: float
    atol: float
    rounded: bool = False

    def to_json(self) -> dict:
        return {"name": self.name, "label_tex": self.label_tex, "value": self.value, "rtol": self.rtol,
                "atol": self.atol, "rounded": self.rounded}


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

    def variant(self, rng: np.random.Generator) -> tuple[dict, dict]:
        """Draw until a variant passes every redraw rule."""
        last = None
        for _ in range(self.max_tries):
            params = self.draw(rng)
            values = self.solve(params)
            try:
                self.check_bound(params, values)
                self.check(params, values)
            except Degenerate as why:
                last = why
                continue
            return params, values
        raise RuntimeError(f"{self.name}: no acceptable variant in {self.max_tries} draws (last: {last})")

    def build(self, number: int, params: dict, values: dict | None = None) -> Problem:
        values = self.solve(params) if values is None else values
        items = []
        for spec in self.cached_specs(params):
            tol = ROUNDED_TOL if spec.rounded else EXACT_TOL
            items.append(Item(f"P{number}.{spec.name}", spec.label.tex,
                              float(values[spec.array][spec.index]), tol["rtol"], tol["atol"], spec.rounded))
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


def _jsonable(x):
    """Plain JSON types (lists, floats, ints) from numpy arrays and scalars, recursively."""
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, (np.floating, np.integer)):
        return x.item()
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    return x


def arr(params: Mapping, key: str) -> np.ndarray:
    return np.array(params[key], dtype=float)
