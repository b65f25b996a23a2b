"""reference.bikes: the students' protocol (preparation, split, scaling, arrays) and bad input."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nncourse.reference.bikes import (FEATURE_COLUMNS, STANDARDISED_COLUMNS, BikeDataError, load_daily,
                             load_hourly, prepare_features, split_by_date, standardise, to_arrays,
                             unscale)
from nncourse.reference.paths import DATA_DIR


@pytest.fixture(scope="module")
def hourly() -> pd.DataFrame:
    return load_hourly()


@pytest.fixture(scope="module")
def prepared(hourly) -> pd.DataFrame:
    return prepare_features(hourly)


@pytest.fixture(scope="module")
def splits(prepared):
    return split_by_date(prepared)


# ---------------------------------------------------------------------------- preparation

def test_feature_columns_are_the_classic_56():
    assert len(FEATURE_COLUMNS) == 56 == len(set(FEATURE_COLUMNS))
    assert FEATURE_COLUMNS[:5] == ["yr", "holiday", "temp", "hum", "windspeed"]
    assert FEATURE_COLUMNS[5] == "season_1" and FEATURE_COLUMNS[-1] == "weekday_6"
    assert sum(c.startswith("hr_") for c in FEATURE_COLUMNS) == 24


def test_prepare_features_layout(prepared, hourly):
    assert list(prepared.columns) == ["dteday", *FEATURE_COLUMNS, "cnt", "casual", "registered"]
    assert len(prepared) == len(hourly)
    for dropped in ("instant", "atemp", "workingday", "season", "weathersit", "mnth", "hr", "weekday"):
        assert dropped not in prepared.columns
    assert pd.api.types.is_datetime64_any_dtype(prepared["dteday"])


def test_one_hot_blocks_have_exactly_one_one_per_row(prepared, hourly):
    for field, count in (("season", 4), ("weathersit", 4), ("mnth", 12), ("hr", 24), ("weekday", 7)):
        block = prepared[[f"{field}_{v}" for v in range(0 if field in ("hr", "weekday") else 1,
                                                          count + (0 if field in ("hr", "weekday") else 1))]]
        assert (block.sum(axis=1) == 1).all(), field
        assert set(np.unique(block.to_numpy())) == {0, 1}
    row = hourly.iloc[5000]
    assert prepared.iloc[5000][f"hr_{row['hr']}"] == 1
    assert prepared.iloc[5000][f"weekday_{row['weekday']}"] == 1
    assert prepared["weathersit_4"].sum() == 3  # the three hours of heavy rain


def test_a_subset_still_gets_all_56_columns(hourly):
    first_day = prepare_features(hourly[hourly["dteday"] == "2011-01-01"])
    assert list(first_day.columns[1:57]) == FEATURE_COLUMNS
    assert first_day["mnth_7"].sum() == 0 and first_day["mnth_1"].sum() == 24


# ---------------------------------------------------------------------------- split

def test_split_by_date_holds_out_the_last_21_and_60_days(splits):
    train, validation, test = splits
    assert test["dteday"].min() == pd.Timestamp("2012-12-11")
    assert test["dteday"].max() == pd.Timestamp("2012-12-31")
    assert test["dteday"].nunique() == 21
    assert validation["dteday"].min() == pd.Timestamp("2012-10-12")
    assert validation["dteday"].max() == pd.Timestamp("2012-12-10")
    assert validation["dteday"].nunique() == 60
    assert train["dteday"].max() == pd.Timestamp("2012-10-11")
    # rows, not 24 per day: some hours are missing (Hurricane Sandy is in the validation days)
    assert (len(train), len(validation), len(test)) == (15_475, 1_402, 502)


def test_split_other_lengths(prepared):
    train, validation, test = split_by_date(prepared, test_days=7, validation_days=14)
    assert test["dteday"].nunique() == 7 and validation["dteday"].nunique() == 14
    assert len(train) + len(validation) + len(test) == len(prepared)


def test_split_accepts_a_date_index(prepared):
    indexed = prepared.set_index("dteday")
    train, validation, test = split_by_date(indexed)
    assert (len(train), len(validation), len(test)) == (15_475, 1_402, 502)


def test_split_with_an_empty_range_says_which(prepared):
    short = prepared[prepared["dteday"] >= "2012-11-01"]  # 61 days: nothing left for training
    with pytest.raises(BikeDataError, match=r"training range .* has no rows.*2012-11-01 to 2012-12-31"):
        split_by_date(short)
    with pytest.raises(BikeDataError, match="test_days must be a positive whole number"):
        split_by_date(prepared, test_days=0)
    with pytest.raises(BikeDataError, match="no rows"):
        split_by_date(prepared.iloc[:0])
    with pytest.raises(BikeDataError, match="dteday"):
        split_by_date(prepared.drop(columns="dteday").reset_index(drop=True))


# ---------------------------------------------------------------------------- scaling and arrays

def test_standardise_uses_training_rows_only(splits):
    train, validation, test = splits
    s_train, s_validation, s_test, scaling = standardise(train, validation, test)
    assert list(scaling) == STANDARDISED_COLUMNS
    for column in STANDARDISED_COLUMNS:
        mean, std = scaling[column]
        assert mean == pytest.approx(train[column].mean())
        assert std == pytest.approx(train[column].std(ddof=1))
        assert s_train[column].mean() == pytest.approx(0, abs=1e-12)
        assert s_train[column].std() == pytest.approx(1)
        assert np.allclose(s_test[column], (test[column] - mean) / std)
    assert scaling["cnt"][0] == pytest.approx(186.7877, abs=1e-4)  # not the mean over all rows (189.46)
    # inputs that are not scaled stay as they were; the originals are untouched
    assert (s_validation["hr_8"] == validation["hr_8"]).all()
    assert train["cnt"].dtype.kind == "i"


def test_unscale_turns_predictions_back_into_rentals(splits):
    s_train, _, s_test, scaling = standardise(*splits)
    assert np.allclose(unscale(s_test["cnt"], scaling), splits[2]["cnt"])
    assert np.allclose(unscale(s_train["casual"], scaling, "casual"), splits[0]["casual"])
    with pytest.raises(BikeDataError, match="no scaling for 'atemp'"):
        unscale([0.0], scaling, "atemp")


def test_to_arrays_lecture_layout(splits):
    s_train, _, s_test, _ = standardise(*splits)
    inputs, targets = to_arrays(s_test)
    assert inputs.shape == (56, 502) and targets.shape == (1, 502)
    assert inputs.dtype == np.float64 and targets.dtype == np.float64
    assert np.array_equal(inputs[FEATURE_COLUMNS.index("temp")], s_test["temp"].to_numpy())
    assert np.array_equal(targets[0], s_test["cnt"].to_numpy())
    _, both = to_arrays(s_train, ["casual", "registered"])
    assert both.shape == (2, 15_475)
    with pytest.raises(BikeDataError, match=r"no column\(s\) \['hr_3'\]"):
        to_arrays(s_test.drop(columns="hr_3"))


def test_prepare_features_rejects_missing_columns_and_unknown_codes(hourly):
    with pytest.raises(BikeDataError, match=r"no column\(s\) \['weekday'\]"):
        prepare_features(hourly.drop(columns="weekday"))
    bad = hourly.head(3).copy()
    bad.loc[1, "hr"] = 24
    with pytest.raises(BikeDataError, match="hr has value 24"):
        prepare_features(bad)


# ---------------------------------------------------------------------------- bad files

@pytest.fixture(scope="module")
def hour_lines() -> list[str]:
    return (DATA_DIR / "hour.csv").read_text().splitlines()


def _write(path, lines):
    path.write_text("\n".join(lines) + "\n")
    return path


def test_missing_file(tmp_path):
    with pytest.raises(BikeDataError, match=r"nowhere\.csv: no such file.*rebuild_bike_data"):
        load_hourly(tmp_path / "nowhere.csv")


def test_empty_file(tmp_path):
    (tmp_path / "hour.csv").write_text("")
    with pytest.raises(BikeDataError, match="is empty"):
        load_hourly(tmp_path / "hour.csv")


def test_truncated_at_a_line_end(tmp_path, hour_lines):
    path = _write(tmp_path / "hour.csv", hour_lines[:12_001])
    with pytest.raises(BikeDataError, match=r"hour\.csv has 12,000 rows but the full table has 17,379: "
                                            r"the file looks truncated"):
        load_hourly(path)
    assert len(load_hourly(path, complete=False)) == 12_000


def test_truncated_in_the_middle_of_a_line(tmp_path, hour_lines):
    path = _write(tmp_path / "hour.csv", hour_lines[:-1] + [hour_lines[-1][:30]])
    with pytest.raises(BikeDataError, match=r"line 17380 has no value for '.*' \(the last row: the file "
                                            r"looks truncated\)"):
        load_hourly(path)


def test_renamed_column(tmp_path, hour_lines):
    path = _write(tmp_path / "hour.csv", [hour_lines[0].replace("cnt", "count"), *hour_lines[1:]])
    with pytest.raises(BikeDataError, match=r"missing column\(s\) \['cnt'\] and unexpected column\(s\) \['count'\]"):
        load_hourly(path)


def test_text_in_a_number_column(tmp_path, hour_lines):
    fields = hour_lines[3].split(",")
    fields[10] = "warm"
    path = _write(tmp_path / "hour.csv", [*hour_lines[:3], ",".join(fields), *hour_lines[4:]])
    with pytest.raises(BikeDataError, match="column 'temp' must be numeric, but line 4 has 'warm'"):
        load_hourly(path)


def test_code_out_of_range_and_bad_sum(tmp_path, hour_lines):
    fields = hour_lines[2].split(",")
    fields[9] = "7"  # weathersit
    path = _write(tmp_path / "hour.csv", [*hour_lines[:2], ",".join(fields), *hour_lines[3:]])
    with pytest.raises(BikeDataError, match="'weathersit' must be a code from 1 to 4, but line 3 has 7"):
        load_hourly(path)
    fields = hour_lines[2].split(",")
    fields[16] = "999"
    _write(path, [*hour_lines[:2], ",".join(fields), *hour_lines[3:]])
    with pytest.raises(BikeDataError, match="line 3 has cnt 999 but casual \\+ registered = 40"):
        load_hourly(path)


def test_bad_date(tmp_path, hour_lines):
    fields = hour_lines[1].split(",")
    fields[1] = "01/01/2011"
    path = _write(tmp_path / "hour.csv", [hour_lines[0], ",".join(fields), *hour_lines[2:]])
    with pytest.raises(BikeDataError, match="line 2 has dteday '01/01/2011'"):
        load_hourly(path)


def test_daily_loader_checks_too(tmp_path):
    lines = (DATA_DIR / "day.csv").read_text().splitlines()
    path = _write(tmp_path / "day.csv", lines[:101])
    with pytest.raises(BikeDataError, match="has 100 rows but the full table has 731"):
        load_daily(path)
    assert load_daily()["cnt"].sum() == 3_292_679


def test_the_notebooks_given_constants_are_the_graders():
    """The bike-sharing notebook gives students the column lists as code (they cannot import
    nncourse.reference); the grader compares their columns with reference.bikes', so the two must agree."""
    import jupytext

    import nncourse.reference.bikes as b
    from nncourse.reference.paths import COURSE_MATERIAL

    nb = jupytext.read(COURSE_MATERIAL / "authoring" / "bike_sharing.py", fmt="py:percent")
    constants = next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "constants")
    given: dict = {}
    exec(constants, given)  # noqa: S102 - the course's own text
    for name in ("ONE_HOT", "DROPPED_COLUMNS", "TARGET_COLUMNS", "FEATURE_COLUMNS", "STANDARDISED_COLUMNS"):
        assert given[name] == getattr(b, name), name
