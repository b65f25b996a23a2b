"""The bike-sharing data: load UCI's tables, prepare them the classic way, split by date.

These functions are the students' protocol (assignment ``bike_sharing``) and the grader
scores a submission's preparation against them, so they stay simple and fixed:

* :func:`load_hourly` / :func:`load_daily` read ``data/hour.csv`` / ``data/day.csv`` and check them;
* :func:`prepare_features` one-hot encodes ``season, weathersit, mnth, hr, weekday`` and drops
  ``instant, atemp, workingday``; it keeps ``dteday`` **as a column** (a ``datetime64``) so the
  data can be split by date, and keeps the targets ``cnt, casual, registered``;
* :func:`split_by_date` holds out the last 21 days (test) and the 60 before them (validation);
* :func:`standardise` scales with statistics of the training rows only, :func:`unscale` undoes it;
* :func:`to_arrays` gives the lecture's layout: one sample per column.

The richer features of the reference model live in ``reference/bike_model.py``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from .paths import DATA_DIR

HOURLY_FILE = "hour.csv"
DAILY_FILE = "day.csv"
HOURLY_ROWS = 17_379
DAILY_ROWS = 731

HOURLY_COLUMNS = [
    "instant", "dteday", "season", "yr", "mnth", "hr", "holiday", "weekday", "workingday",
    "weathersit", "temp", "atemp", "hum", "windspeed", "casual", "registered", "cnt",
]
DAILY_COLUMNS = [c for c in HOURLY_COLUMNS if c != "hr"]

#: Integer codes and their allowed range (inclusive).
CODES = {"season": (1, 4), "yr": (0, 1), "mnth": (1, 12), "hr": (0, 23), "holiday": (0, 1),
         "weekday": (0, 6), "workingday": (0, 1), "weathersit": (1, 4)}

#: The one-hot fields and every value each can take (fixed, so any subset gets all 56 columns).
ONE_HOT = {"season": range(1, 5), "weathersit": range(1, 5), "mnth": range(1, 13),
           "hr": range(0, 24), "weekday": range(0, 7)}
DROPPED_COLUMNS = ["instant", "atemp", "workingday"]
TARGET_COLUMNS = ["cnt", "casual", "registered"]
#: The 56 inputs, in this fixed order: 5 kept columns, then the one-hot blocks ("season_1" ...).
FEATURE_COLUMNS = ["yr", "holiday", "temp", "hum", "windspeed"] + [
    f"{field}_{value}" for field, values in ONE_HOT.items() for value in values
]
STANDARDISED_COLUMNS = ["cnt", "temp", "hum", "windspeed", "casual", "registered"]

Scaling = dict[str, tuple[float, float]]


class BikeDataError(ValueError):
    """The bike-sharing data is missing, damaged or not what a function expects."""


# ---------------------------------------------------------------------------- loading

def load_hourly(path: str | Path | None = None, *, complete: bool = True) -> pd.DataFrame:
    """UCI's hourly table, checked; ``dteday`` becomes a ``datetime64`` column.

    With ``complete=True`` the file must hold all 17,379 hours (a shorter file is reported as
    truncated); pass ``complete=False`` to read a deliberate excerpt.
    """
    return _load(path, HOURLY_FILE, HOURLY_COLUMNS, HOURLY_ROWS if complete else None)


def load_daily(path: str | Path | None = None, *, complete: bool = True) -> pd.DataFrame:
    """UCI's daily table (731 days), checked like :func:`load_hourly`."""
    return _load(path, DAILY_FILE, DAILY_COLUMNS, DAILY_ROWS if complete else None)


def _load(path, default_name: str, columns: list[str], expected_rows: int | None) -> pd.DataFrame:
    path = Path(path) if path is not None else DATA_DIR / default_name
    rebuild = "Rebuild it with `python data/rebuild_bike_data.py`."
    if not path.is_file():
        raise BikeDataError(f"{path}: no such file. {rebuild}")
    try:
        frame = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise BikeDataError(f"{path} is empty. {rebuild}") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise BikeDataError(f"{path} is not a readable CSV file ({err}). {rebuild}") from None

    missing = [c for c in columns if c not in frame.columns]
    extra = [c for c in frame.columns if c not in columns]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing column(s) {missing}")
        if extra:
            parts.append(f"unexpected column(s) {extra}")
        raise BikeDataError(f"{path}: {' and '.join(parts)}; expected exactly {columns}")
    frame = frame[columns]

    if frame.isna().any().any():
        row, column = _first_blank(frame)
        last = " (the last row: the file looks truncated)" if row == len(frame) - 1 else ""
        raise BikeDataError(f"{path}: line {row + 2} has no value for {column!r}{last}. {rebuild}")
    if expected_rows is not None and len(frame) != expected_rows:
        kind = "truncated" if len(frame) < expected_rows else "longer than UCI's table"
        raise BikeDataError(f"{path} has {len(frame):,} rows but the full table has {expected_rows:,}: "
                            f"the file looks {kind}. {rebuild}")

    for column in frame.columns:
        if column == "dteday":
            continue
        if not pd.api.types.is_numeric_dtype(frame[column]):
            bad = pd.to_numeric(frame[column], errors="coerce").isna().to_numpy().nonzero()[0][0]
            raise BikeDataError(f"{path}: column {column!r} must be numeric, but line {bad + 2} "
                                f"has {frame[column].iloc[bad]!r}")
    for column, (low, high) in CODES.items():
        if column in frame.columns:
            outside = ~frame[column].between(low, high)
            if outside.any():
                bad = int(np.flatnonzero(outside)[0])
                raise BikeDataError(f"{path}: column {column!r} must be a code from {low} to {high}, "
                                    f"but line {bad + 2} has {frame[column].iloc[bad]}")
    dates = pd.to_datetime(frame["dteday"], format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        bad = int(np.flatnonzero(dates.isna())[0])
        raise BikeDataError(f"{path}: line {bad + 2} has dteday {frame['dteday'].iloc[bad]!r}, "
                            f"expected a date like 2011-01-01")
    frame["dteday"] = dates
    wrong_sum = frame["cnt"] != frame["casual"] + frame["registered"]
    if wrong_sum.any():
        bad = int(np.flatnonzero(wrong_sum)[0])
        raise BikeDataError(f"{path}: line {bad + 2} has cnt {frame['cnt'].iloc[bad]} but casual + "
                            f"registered = {frame['casual'].iloc[bad] + frame['registered'].iloc[bad]}")
    return frame


def _first_blank(frame: pd.DataFrame) -> tuple[int, str]:
    rows, cols = np.nonzero(frame.isna().to_numpy())
    first = int(np.argmin(rows))
    return int(rows[first]), frame.columns[cols[first]]


def _plain(value):
    """A numpy scalar as the Python value (so messages say 24, not np.int64(24))."""
    return value.item() if isinstance(value, np.generic) else value


def _require(frame: pd.DataFrame, columns: Sequence[str], who: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise BikeDataError(f"{who}: expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise BikeDataError(f"{who}: the table has no column(s) {missing}; it has {list(frame.columns)}")


# ---------------------------------------------------------------------------- preparation

def prepare_features(hourly: pd.DataFrame) -> pd.DataFrame:
    """The classic protocol: ``dteday``, the 56 :data:`FEATURE_COLUMNS` (0/1 integers for the
    one-hot blocks), then ``cnt, casual, registered``. Rows keep their order and index."""
    _require(hourly, ["dteday", "yr", "holiday", "temp", "hum", "windspeed", *ONE_HOT, *TARGET_COLUMNS],
             "prepare_features")
    for field, values in ONE_HOT.items():
        unknown = ~hourly[field].isin(list(values))
        if unknown.any():
            raise BikeDataError(f"prepare_features: {field} has value {_plain(hourly[field][unknown].iloc[0])!r}, "
                                f"expected one of {list(values)}")
    parts = {"dteday": pd.to_datetime(hourly["dteday"])}
    for column in ["yr", "holiday", "temp", "hum", "windspeed"]:
        parts[column] = hourly[column]
    for field, values in ONE_HOT.items():
        for value in values:
            parts[f"{field}_{value}"] = (hourly[field] == value).astype(np.int64)
    for column in TARGET_COLUMNS:
        parts[column] = hourly[column]
    return pd.DataFrame(parts, index=hourly.index)


def split_by_date(data: pd.DataFrame, test_days: int = 21, validation_days: int = 60
                  ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(train, validation, test): test = the last ``test_days`` calendar days in ``data``,
    validation = the ``validation_days`` before them, train = everything earlier.

    Dates come from the ``dteday`` column (or a ``DatetimeIndex``). An empty part is an error.
    """
    for name, days in (("test_days", test_days), ("validation_days", validation_days)):
        if isinstance(days, bool) or not isinstance(days, (int, np.integer)) or days < 1:
            raise BikeDataError(f"split_by_date: {name} must be a positive whole number of days, got {days!r}")
    if isinstance(data, pd.DataFrame) and "dteday" in data.columns:
        dates = pd.to_datetime(data["dteday"])
    elif isinstance(data, pd.DataFrame) and isinstance(data.index, pd.DatetimeIndex):
        dates = pd.Series(data.index, index=data.index)
    else:
        raise BikeDataError("split_by_date: the table needs a 'dteday' column (or a DatetimeIndex) of dates")
    if len(data) == 0:
        raise BikeDataError("split_by_date: the table has no rows")
    days = dates.dt.normalize().to_numpy()
    last = days.max()
    test_start = last - np.timedelta64(test_days - 1, "D")
    validation_start = test_start - np.timedelta64(validation_days, "D")
    test_mask = days >= test_start
    validation_mask = (days >= validation_start) & ~test_mask
    train_mask = days < validation_start
    for name, mask, start, stop in (
        ("training", train_mask, None, validation_start),
        ("validation", validation_mask, validation_start, test_start),
        ("test", test_mask, test_start, last + np.timedelta64(1, "D")),
    ):
        if not mask.any():
            first = "the start" if start is None else _day(start)
            raise BikeDataError(f"split_by_date: the {name} range ({first} up to {_day(stop)}, exclusive) "
                                f"has no rows; the data runs from {_day(days.min())} to {_day(last)}")
    return data[train_mask], data[validation_mask], data[test_mask]


def _day(value) -> str:
    return str(np.datetime64(value, "D"))


def standardise(train: pd.DataFrame, validation: pd.DataFrame, test: pd.DataFrame,
                columns: Sequence[str] = STANDARDISED_COLUMNS
                ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, Scaling]:
    """Scale ``columns`` to mean 0 and standard deviation 1 using the **training rows only**
    (pandas' sample std, ddof=1), so nothing about the held-out days leaks into training.

    Returns scaled copies and ``scaling``: column -> (mean, std), for :func:`unscale`.
    """
    for name, frame in (("train", train), ("validation", validation), ("test", test)):
        _require(frame, columns, f"standardise ({name})")
    if len(train) < 2:
        raise BikeDataError(f"standardise: need at least 2 training rows, got {len(train)}")
    scaling: Scaling = {}
    for column in columns:
        mean, std = float(train[column].mean()), float(train[column].std())
        if not np.isfinite(std) or std == 0:
            raise BikeDataError(f"standardise: column {column!r} is constant in the training rows")
        scaling[column] = (mean, std)
    scaled = []
    for frame in (train, validation, test):
        frame = frame.copy()
        for column, (mean, std) in scaling.items():
            frame[column] = (frame[column] - mean) / std
        scaled.append(frame)
    return scaled[0], scaled[1], scaled[2], scaling


def unscale(values, scaling: Scaling, column: str = "cnt"):
    """Standardised values back to the original unit (for ``cnt``: rentals per hour)."""
    if column not in scaling:
        raise BikeDataError(f"unscale: no scaling for {column!r}; have {sorted(scaling)}")
    mean, std = scaling[column]
    return np.asarray(values, dtype=float) * std + mean


def to_arrays(frame: pd.DataFrame, target: str | Sequence[str] = "cnt") -> tuple[np.ndarray, np.ndarray]:
    """(inputs, targets) in the lecture's layout: inputs ``(56, n)``, targets ``(1, n)``
    (or ``(k, n)`` for a list of k targets), float64, one sample per column."""
    targets = [target] if isinstance(target, str) else list(target)
    _require(frame, [*FEATURE_COLUMNS, *targets], "to_arrays")
    inputs = np.ascontiguousarray(frame[FEATURE_COLUMNS].to_numpy(dtype=np.float64).T)
    outputs = np.ascontiguousarray(frame[targets].to_numpy(dtype=np.float64).T)
    return inputs, outputs
