"""Assignment ``bike_sharing``: the preparation functions (against reference/bikes.py) and the trained network."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from nncourse.autograder.sandbox import Limits

from nncourse.autograder.feedback import Mistake, compare, type_text
from nncourse.autograder.registry import Assignment, Case, Check, Partial, register

#: The notebook trains a network in its cells, on the bike-sharing table it reads with pandas.
ASSIGNMENT = Assignment("bike_sharing", order=5, data=("hour.csv", "bike-share-explanation.md"),
                        limits=Limits(cells_timeout=600, check_timeout=60, cpu_seconds=1200, memory_mb=4096),
                        preload=("pandas",))
A = ASSIGNMENT.id
FULL_MARKS_BELOW, ZERO_ABOVE = 0.25, 0.40  # test MSE on the standardised count


def _unavailable() -> str | None:
    try:
        from nncourse.reference import bikes  # noqa: F401
        bikes.load_hourly()
    except Exception as err:  # noqa: BLE001 - any reason the data or module is not usable here
        return f"this check is not available on this machine (reference.bikes or its data: {err})"
    return None


@lru_cache(maxsize=1)
def _bikes():
    from nncourse.reference import bikes
    return bikes


@lru_cache(maxsize=1)
def _hourly():
    return _bikes().load_hourly()


def payload(frame) -> dict:
    """A DataFrame as plain data for the driver (dates as 'YYYY-MM-DD' strings)."""
    values = []
    for column in frame.columns:
        series = frame[column]
        values.append(series.dt.strftime("%Y-%m-%d").to_list() if series.dtype.kind == "M" else series.to_numpy())
    return {"columns": [str(c) for c in frame.columns], "values": values}


def _frame(got, what: str):
    """(columns -> values, message): the decoded frame the driver sent back."""
    if not isinstance(got, dict) or not got.get("frame"):
        return None, f"{what} is {type_text(got)}; expected a pandas DataFrame"
    return dict(zip(got["columns"], got["values"])), None


def _compare_columns(got: dict, expected, columns, what: str, rtol: float = 1e-9) -> str | None:
    missing = [c for c in columns if c not in got]
    if missing:
        return Mistake(f"{what} lacks the column(s) {missing[:6]}{' …' if len(missing) > 6 else ''}: one-hot "
                       f"columns are needed for every value a field can take, also those a table lacks",
                       "missing_columns")
    for column in columns:
        values = got[column]
        want = expected[column].to_numpy()
        if want.dtype.kind == "M":
            want = expected[column].dt.strftime("%Y-%m-%d").to_numpy()
            if list(map(str, values)) != list(want):
                return Mistake(f"{what}: column {column} has different dates from the expected rows", "wrong_days")
            continue
        try:
            values = np.asarray(values, dtype=float)
        except (TypeError, ValueError):
            return Mistake(f"{what}: column {column} is not numeric", "wrong_type")
        if values.shape != want.shape:
            return Mistake(f"{what} has {values.shape[0]} rows; {want.shape[0]} were expected", "wrong_rows")
        scale = max(float(np.max(np.abs(want))) if want.size else 0.0, 1e-12)
        if not np.all(np.abs(values - want) <= rtol * scale + 1e-12):
            i = int(np.argmax(np.abs(values - want)))
            return (f"{what}: column {column} differs in row {i}: got {values[i]:.6g}, "
                    f"expected {float(want[i]):.6g}")
    return None


def _slices(rng):
    hourly = _hourly()
    starts = rng.integers(0, len(hourly) - 400, 2)
    return [hourly.iloc[int(s):int(s) + int(n)] for s, n in zip(starts, (400, 150))]


def _prepare_cases(rng):
    b = _bikes()
    cases = []
    for i, part in enumerate(_slices(rng), start=1):
        expected = b.prepare_features(part)

        def judge(out, expected=expected):
            if out.get("changed"):
                return [Mistake("prepare_features changed the table it was given; build a new DataFrame and leave "
                                "its input as it was", "in_place")]
            got, problem = _frame(out.get("result"), "what prepare_features returned")
            if problem:
                return [problem]
            kept = [c for c in b.DROPPED_COLUMNS if c in got]
            if kept:
                return [Mistake(f"the column(s) {kept} should be dropped", "keeps_dropped")]
            left = [c for c in b.ONE_HOT if c in got]
            if left:
                return [Mistake(f"the one-hot source column(s) {left} should be dropped after encoding",
                                "keeps_sources")]
            return [_compare_columns(got, expected, [*b.FEATURE_COLUMNS, *b.TARGET_COLUMNS],
                                     "the prepared table")]
        days = f"{part['dteday'].iloc[0]:%Y-%m-%d} to {part['dteday'].iloc[-1]:%Y-%m-%d}"
        call = f"prepare_features(hourly rows {part.index[0]}..{part.index[-1]}, {days})"
        cases.append(Case(f"hidden slice {i}", "frame_call", {"name": "prepare_features", "frames": [payload(part)]},
                          call, judge=judge))
    return cases


register(Check(A, "prepare_features", 5, ("prepare_features",), _prepare_cases,
               "one-hot encoding and dropped columns", _unavailable))


def _split_cases(rng):
    b = _bikes()
    hourly = _hourly()
    keep = np.sort(rng.choice(len(hourly), len(hourly) - 300, replace=False))  # a few more hours missing
    data = b.prepare_features(hourly.iloc[keep]).reset_index(drop=True)
    parts = b.split_by_date(data)
    names = ("training", "validation", "test")

    def judge(out):
        result = out.get("result")
        if not isinstance(result, (tuple, list)) or len(result) != 3:
            return [Mistake(f"split_by_date returned {type_text(result)}; expected (train, validation, test)",
                            "wrong_type")]
        for name, got, want in list(zip(names, result, parts))[::-1]:  # the test days first
            frame, problem = _frame(got, f"the {name} part")
            if problem:
                return [problem]
            n = len(next(iter(frame.values()), []))
            if n != len(want):
                by_count = n in (504, 1440)
                counted = (" It looks like the rows were split by count (21×24, 60×24); split by date instead: "
                           "some hours are missing from the data") if by_count else ""
                return [Mistake(f"the {name} part has {n} rows; {len(want)} were expected "
                                f"({want['dteday'].min():%Y-%m-%d} to {want['dteday'].max():%Y-%m-%d}).{counted}",
                                "split_by_count" if by_count else "wrong_days")]
            problem = _compare_columns(frame, want, ["dteday"], f"the {name} part")
            if problem:
                return [problem]
        return [None]
    call = f"split_by_date(prepared data of {len(data)} hours)"
    return [Case("the data with 300 more hours missing", "frame_call",
                 {"name": "split_by_date", "frames": [payload(data)]}, call, judge=judge)]


register(Check(A, "split_by_date", 3, ("split_by_date",), _split_cases, "last 21 days, 60 before", _unavailable))


def _standardise_cases(rng):
    b = _bikes()
    data = b.prepare_features(_hourly())
    train, validation, test = b.split_by_date(data)
    expected = b.standardise(train, validation, test)
    import pandas as pd
    everything = pd.concat([train, validation, test])
    columns = list(b.STANDARDISED_COLUMNS)

    seen = pd.concat([train, validation])

    def judge(out):
        if out.get("changed"):
            return [Mistake("standardise changed the frames it was given; scale copies (frame.copy()) and leave "
                            "its inputs as they were", "in_place")]
        result = out.get("result")
        if not isinstance(result, (tuple, list)) or len(result) < 3:
            return [Mistake(f"standardise returned {type_text(result)}; expected (train, validation, test, scaling)",
                            "wrong_type")]
        for name, got, want, raw in zip(("training", "validation", "test"), result, expected, (train, validation,
                                                                                                 test)):
            frame, problem = _frame(got, f"the scaled {name} part")
            if problem:
                return [problem]
            problem = _compare_columns(frame, want, columns, f"the scaled {name} part", rtol=1e-3)
            if problem:
                leak = {c: (everything[c].mean(), everything[c].std()) for c in columns}
                if all(c in frame for c in columns) and np.allclose(
                        np.asarray(frame["cnt"], dtype=float), (raw["cnt"] - leak["cnt"][0]) / leak["cnt"][1],
                        rtol=1e-3):
                    return [Mistake("the statistics were computed on all rows; use the training rows only (otherwise "
                                    "the held-out days leak into training)", "leak_all_rows")]
                if "cnt" in frame and np.allclose(np.asarray(frame["cnt"], dtype=float),
                                                  (raw["cnt"] - seen["cnt"].mean()) / seen["cnt"].std(), rtol=1e-3):
                    return [Mistake("the statistics were computed on the training and validation rows; use the "
                                    "training rows only (the validation days must stay unseen)", "leak_validation")]
                own = (raw["cnt"] - raw["cnt"].mean()) / raw["cnt"].std()
                if name != "training" and "cnt" in frame and np.allclose(np.asarray(frame["cnt"], dtype=float),
                                                                         own, rtol=1e-3):
                    return [Mistake(f"the {name} part was scaled with its own statistics; use the training rows' mean "
                                    f"and standard deviation for every part", "own_statistics")]
                return [problem]
        return [None]
    call = f"standardise(train {len(train)} rows, validation {len(validation)} rows, test {len(test)} rows)"
    return [Case("the prepared data, split by date", "frame_call",
                 {"name": "standardise", "frames": [payload(train), payload(validation), payload(test)]},
                 call, judge=judge)]


register(Check(A, "standardise", 4, ("standardise",), _standardise_cases, "training statistics only",
               _unavailable))


def _to_arrays_cases(rng):
    b = _bikes()
    train, validation, test = b.split_by_date(b.prepare_features(_hourly()))
    _, _, test, _ = b.standardise(train, validation, test)
    part = test.iloc[: int(rng.integers(60, 200))]
    inputs, targets = b.to_arrays(part)
    leaks = [c for c in b.TARGET_COLUMNS]

    def judge(out):
        result = out.get("result")
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            return [Mistake(f"to_arrays returned {type_text(result)}; expected (inputs, targets)", "wrong_type")]
        got_inputs, got_targets = result
        if isinstance(got_inputs, np.ndarray) and got_inputs.ndim == 2 and got_inputs.shape[0] > inputs.shape[0] \
                and got_inputs.shape[1] == inputs.shape[1]:
            rows = {c: part[c].to_numpy(dtype=float) for c in leaks}
            if any(np.allclose(row, rows[c]) for row in got_inputs.astype(float) for c in leaks):
                return [Mistake("the inputs include target columns (cnt, casual or registered: casual + registered "
                                "= cnt): the target leaks into the features; use FEATURE_COLUMNS only", "target_leak")]
        return [compare("inputs", got_inputs, inputs), compare("targets", got_targets, targets)]
    call = f"to_arrays(a prepared, standardised frame of {len(part)} test hours)"
    return [Case("the test days", "frame_call", {"name": "to_arrays", "frames": [payload(part)]}, call, judge=judge)]


register(Check(A, "to_arrays", 2, ("to_arrays",), _to_arrays_cases, "the lecture's layout", _unavailable))


def _prediction_cases(rng):
    b = _bikes()
    train, validation, test = b.split_by_date(b.prepare_features(_hourly()))
    _, _, test, _ = b.standardise(train, validation, test)
    inputs, targets = b.to_arrays(test)

    def judge(out):
        predictions = out.get("predictions")
        if not isinstance(predictions, np.ndarray):
            return [Mistake(f"network.forward_pass returned {type_text(predictions)}; expected an array of shape "
                            f"(1, {targets.shape[1]})", "wrong_type")]
        if predictions.size != targets.size:
            return [Mistake(f"network.forward_pass returned shape {predictions.shape}; expected (1, {targets.shape[1]}): "
                            f"one prediction per test hour", "shape")]
        predictions = predictions.astype(float).reshape(targets.shape)
        if not np.all(np.isfinite(predictions)):
            return [Mistake("the network's predictions contain NaN or inf", "not_finite")]
        mse = float(np.mean((predictions - targets) ** 2))
        score = 1.0 if mse < FULL_MARKS_BELOW else max(0.0, (ZERO_ABOVE - mse) / (ZERO_ABOVE - FULL_MARKS_BELOW))
        if score == 1.0:
            return [None]
        # partial credit: report as a fraction of one part
        return Partial(score, [Mistake(f"test MSE (standardised count) is {mse:.3f}: full marks below "
                                       f"{FULL_MARKS_BELOW}, partial marks down to {ZERO_ABOVE}, none above. Train "
                                       f"longer, or try another learning rate or hidden size", "underfit")])
    call = f"network.forward_pass(test inputs {inputs.shape}) on the last 21 days, prepared by the reference"
    return [Case("the test days", "predict", {"inputs": inputs}, call, judge=judge)]


register(Check(A, "test_predictions", 6, ("network",), _prediction_cases, "test MSE below 0.25", _unavailable))
