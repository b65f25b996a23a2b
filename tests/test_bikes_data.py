"""The shipped bike-sharing tables: UCI's bytes, ISLP's 2011 rows, and internal consistency."""
from __future__ import annotations

import hashlib
import importlib.util
import json
import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from nncourse.reference.bikes import DAILY_COLUMNS, HOURLY_COLUMNS, load_daily, load_hourly
from nncourse.reference.paths import DATA_DIR

UCI_HOUR_MD5 = "d50bd5a6f55131e72a7bedc334e2fce1"  # COURSE.md: the original hour.csv


def _rebuild_module():
    spec = importlib.util.spec_from_file_location("rebuild_bike_data", DATA_DIR / "rebuild_bike_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rebuild():
    return _rebuild_module()


@pytest.fixture(scope="module")
def hourly() -> pd.DataFrame:
    return load_hourly()


@pytest.fixture(scope="module")
def hourly_text() -> pd.DataFrame:
    """hour.csv with every field as the text UCI wrote (for exact sums)."""
    return pd.read_csv(DATA_DIR / "hour.csv", dtype=str)


def test_hour_csv_is_byte_identical_to_uci():
    data = (DATA_DIR / "hour.csv").read_bytes()
    assert hashlib.md5(data).hexdigest() == UCI_HOUR_MD5
    assert data.count(b"\r\n") == 17_380 and data.count(b"\n") == 17_380  # CRLF everywhere


def test_rebuild_script_checks_the_same_md5(rebuild):
    assert rebuild.HOUR_MD5 == UCI_HOUR_MD5


def test_hourly_table_shape_and_schema(hourly):
    assert list(hourly.columns) == HOURLY_COLUMNS
    assert len(hourly) == 17_379
    assert hourly["instant"].tolist() == list(range(1, 17_380))
    assert hourly["dteday"].min() == pd.Timestamp("2011-01-01")
    assert hourly["dteday"].max() == pd.Timestamp("2012-12-31")
    assert not hourly.duplicated(["dteday", "hr"]).any()
    # rows run in time order
    stamps = hourly["dteday"] + pd.to_timedelta(hourly["hr"], unit="h")
    assert stamps.is_monotonic_increasing


def test_count_is_casual_plus_registered_on_every_row(hourly):
    assert (hourly["cnt"] == hourly["casual"] + hourly["registered"]).all()
    assert hourly["cnt"].sum() == 3_292_679


def test_calendar_columns_agree_with_the_date(hourly):
    dates = hourly["dteday"]
    assert (hourly["yr"] == dates.dt.year - 2011).all()
    assert (hourly["mnth"] == dates.dt.month).all()
    assert (hourly["weekday"] == (dates.dt.day_of_week + 1) % 7).all()  # 0 = Sunday
    # season codes are astronomical: 1 from 21 Dec, 2 from 21 Mar, 3 from 21 Jun, 4 from 23 Sep
    day = dates.dt.month * 100 + dates.dt.day
    expected = np.select([day >= 1221, day >= 923, day >= 621, day >= 321], [1, 4, 3, 2], default=1)
    assert (hourly["season"] == expected).all()


def test_normalised_weather_in_uci_units(hourly_text):
    # temp and hum with at most 2 decimals, atemp and windspeed with 4, trailing zeros trimmed
    for column, decimals in (("temp", 2), ("hum", 2), ("atemp", 4), ("windspeed", 4)):
        text = hourly_text[column]
        fraction = text.str.partition(".")[2]
        assert fraction.str.len().max() == decimals, column
        assert not fraction.str.endswith("0").any(), column
        values = text.astype(float)
        assert values.between(0, 1).all(), column
    assert (hourly_text["hum"] == "1").sum() > 0 and (hourly_text["windspeed"] == "0").sum() > 0


def test_2011_rows_agree_with_islp(hourly, rebuild):
    """ISLP's Bikeshare.csv (2011) is summarised in islp_2011_fingerprint.json by the rebuild
    script (islp itself needs torch); every column of our 2011 rows must match it."""
    fingerprint = json.loads((DATA_DIR / "islp_2011_fingerprint.json").read_text())
    view = rebuild.islp_view(hourly)
    assert len(view) == fingerprint["rows"] == 8_645
    ours = rebuild.islp_canonical(view)
    assert set(ours) == set(fingerprint["columns"])
    mismatched = [c for c in ours if ours[c] != fingerprint["columns"][c]]
    assert mismatched == []


def test_islp_check_would_catch_a_changed_value(hourly, rebuild):
    fingerprint = json.loads((DATA_DIR / "islp_2011_fingerprint.json").read_text())
    damaged = hourly.copy()
    damaged.loc[100, "casual"] += 1
    ours = rebuild.islp_canonical(rebuild.islp_view(damaged))
    assert [c for c in ours if ours[c] != fingerprint["columns"][c]] == ["casual"]


def test_daily_table_sums_the_hours(hourly):
    daily = load_daily()
    assert list(daily.columns) == DAILY_COLUMNS
    assert len(daily) == 731
    sums = hourly.groupby("dteday")[["casual", "registered", "cnt"]].sum()
    for column in ("casual", "registered", "cnt"):
        assert (daily.set_index("dteday")[column] == sums[column]).all(), column
    assert (daily["cnt"] == daily["casual"] + daily["registered"]).all()
    calendar = hourly.groupby("dteday")[["season", "yr", "mnth", "holiday", "weekday", "workingday"]].first()
    assert (daily.set_index("dteday")[calendar.columns] == calendar).all().all()


def test_daily_weather_is_the_mean_of_the_hours_present(hourly_text):
    daily = pd.read_csv(DATA_DIR / "day.csv", dtype=str).set_index("dteday")
    for column in ("temp", "atemp", "hum", "windspeed"):
        exact = hourly_text.groupby("dteday")[column].agg(lambda s: sum(map(Fraction, s)) / len(s))
        written = daily[column].map(Fraction)
        # 6 significant digits, rounded half up: within half a unit in the 6th digit
        gap = (written - exact).map(abs)
        unit = exact.map(lambda x: Fraction(10) ** (math.floor(math.log10(x)) - 5) if x else Fraction(0))
        assert (gap <= unit / 2).all(), column
        assert daily[column].str.replace("0.", "", regex=False).str.lstrip("0").str.len().max() == 6
    assert daily.loc["2011-01-06", "windspeed"] == "0.0895652"
    weather = hourly_text.assign(w=hourly_text["weathersit"].astype(int)).groupby("dteday")["w"].mean()
    assert (daily["weathersit"].astype(int) == np.floor(weather + 0.5).astype(int)).all()


def test_daily_means_are_exact_decimals(rebuild):
    assert rebuild.exact_mean_text(["0.1", "0.2"]) == "0.15"
    assert rebuild.exact_mean_text(["0.0000", "0.1642", "0.1642"]) == "0.109467"  # 0.10946666…
    assert rebuild.exact_mean_text(["0.1", "0.2", "0.2", "0.2", "0.2", "0.2", "0.2", "0.2"]) == "0.1875"
    assert rebuild.exact_mean_text(["0.2000005", "0.2000005"]) == "0.200001"  # a tie rounds up
    assert rebuild.exact_mean_text(["0", "0"]) == "0"
    assert rebuild.exact_mean_text(["1", "1"]) == "1"


def test_days_with_missing_hours_exist(hourly):
    per_day = hourly.groupby("dteday").size()
    assert per_day.max() == 24
    assert (per_day < 24).sum() == 76
    assert per_day.idxmin() == pd.Timestamp("2012-10-29") and per_day.min() == 1  # Hurricane Sandy


def test_uci_number_format(rebuild):
    fmt = rebuild.uci_number
    assert fmt(0.24, 2) == "0.24"
    assert fmt(0.2, 2) == "0.2"
    assert fmt(1.0, 2) == "1"
    assert fmt(0.0, 4) == "0"
    assert fmt(0.28790000001, 4) == "0.2879"
    assert fmt(0.0895652174, 6, significant=True) == "0.0895652"


def test_hour_labels(rebuild):
    assert [rebuild.hour_of(x) for x in ("12am", "1am", "11am", "12pm", "1pm", "11pm")] == [0, 1, 11, 12, 13, 23]


def test_rebuild_from_a_tiny_source(rebuild):
    """The de-normalisation and layout on two hand-made rows (shuffled, blanks as in the wheel)."""
    source = (
        "dteday,season,hr,holiday,weekday,workingday,weathersit,temp,atemp,hum,windspeed,casual,registered,cnt\n"
        "2011-01-01,winter,1am,No,,No,,2.340000001,1.9982,80.0,0.0,8,32,40\n"
        "2011-01-01,winter,12am,No,Sat,No,Clear,3.28,2.9996,81.0,6.0032,3,13,16\n"
    ).encode()
    table = rebuild.rebuild_hourly(source)
    text = rebuild.to_uci_csv(table).decode()
    # same fields as UCI's first two rows, except the season code (this made-up source says winter)
    assert text.splitlines()[1] == "1,2011-01-01,4,0,1,0,0,6,0,1,0.24,0.2879,0.81,0.0896,3,13,16"
    assert text.splitlines()[2] == "2,2011-01-01,4,0,1,1,0,6,0,1,0.22,0.2727,0.8,0,8,32,40"
    assert text.endswith("\r\n")
