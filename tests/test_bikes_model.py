"""reference.bike_model and ``nncourse bikes``: features, the merged ensemble, a short seeded run."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import nncourse.reference as reference
from nncourse.reference import Network
from nncourse.reference import bike_model as bm
from nncourse.reference.bikes import FEATURE_COLUMNS, load_hourly


@pytest.fixture(scope="module")
def hourly() -> pd.DataFrame:
    return load_hourly()


@pytest.fixture(scope="module")
def data(hourly) -> bm.BikeData:
    return bm.prepare(hourly)


def test_model_features_extend_the_classic_56(data, hourly):
    assert data.columns[:56] == FEATURE_COLUMNS
    assert len(data.columns) == 56 + 48 + 6 == data.inputs["train"].shape[0]
    frame = pd.concat(data.frames.values())
    cross = frame[bm.CROSS_COLUMNS]
    assert (cross.sum(axis=1) == 1).all()
    # 8 am on a working day, and 8 am at a weekend or holiday, are different inputs
    eight = hourly["hr"] == 8
    assert (frame.loc[eight & (hourly["workingday"] == 1), "hr_8_workingday_1"] == 1).all()
    assert (frame.loc[eight & (hourly["workingday"] == 0), "hr_8_workingday_0"] == 1).all()


@pytest.mark.parametrize("day, column", [
    ("2012-11-23", "holiday_+1"),   # the day after Thanksgiving
    ("2012-11-21", "holiday_-1"),   # the day before
    ("2012-12-24", "holiday_-1"),   # Christmas Eve
    ("2012-12-31", "holiday_-1"),   # New Year's Day 2013 is past the data: from the federal calendar
    ("2012-12-28", "holiday_+3"),
])
def test_holiday_distance(data, day, column):
    frame = pd.concat(data.frames.values())
    rows = frame[frame["dteday"] == day]
    assert len(rows) > 0 and (rows[column] == 1).all()
    assert (rows[[c for c in bm.HOLIDAY_COLUMNS if c != column]] == 0).all().all()


def test_holiday_distance_signs():
    dates = pd.Series(pd.to_datetime(["2012-07-02", "2012-07-04", "2012-07-07", "2012-08-30"]))
    distance = bm.holiday_distance(dates, ["2012-07-04", "2012-09-03"])
    assert distance.tolist() == [-2, 0, 3, -4]


def test_merge_is_the_mean_of_its_members(rng):
    members = [Network.mlp([5, 4, 3, 1], seed=s) for s in range(3)]
    for network in members:  # non-zero biases, so their stacking is tested too
        for layer in network.trainable_layers:
            layer.biases = rng.standard_normal(layer.biases.shape)
    merged = bm.merge(members)
    inputs = rng.standard_normal((5, 20))
    expected = np.mean([n.forward_pass(inputs) for n in members], axis=0)
    assert np.allclose(merged.forward_pass(inputs), expected, rtol=1e-12, atol=1e-12)
    assert [layer.weights.shape for layer in merged.trainable_layers] == [(12, 5), (9, 12), (1, 9)]


def test_weight_averaging_averages_the_epochs(data):
    """With average_from == epochs the result is the last epoch's weights; earlier, it differs."""
    x, y = data.inputs["train"][:, :512], data.targets["train"][:, :512]
    last, _ = bm.train_member(x, y, seed=3, hidden=(8,), epochs=3, average_from=3)
    again, _ = bm.train_member(x, y, seed=3, hidden=(8,), epochs=3, average_from=3)
    averaged, _ = bm.train_member(x, y, seed=3, hidden=(8,), epochs=3, average_from=1)
    assert np.array_equal(last.layers[0].weights, again.layers[0].weights)  # seeded
    assert not np.allclose(last.layers[0].weights, averaged.layers[0].weights)
    with pytest.raises(ValueError, match="average_from must be between 1 and epochs"):
        bm.train_member(x, y, seed=0, epochs=3, average_from=4)


def test_short_seeded_run_beats_the_classic_pass_mark(data, tmp_path):
    """One network, 6 epochs (a few seconds): already far past training 0.09 / validation 0.18.
    The full reference (3 networks, 30 epochs; 5-seed table in bench/bikes_compare.py) is better."""
    outcome = bm.run(tmp_path / "out", seed=0, epochs=6, members=1, progress=False, data=data)
    results = outcome["results"]
    assert results["train"]["mse"] < 0.06
    assert results["validation"]["mse"] < 0.15
    assert results["test"]["mse"] < 0.2
    std = data.scaling["cnt"][1]
    assert results["test"]["rmse_rentals"] == pytest.approx(np.sqrt(results["test"]["mse"]) * std)
    log = outcome["log"]
    assert len(log.loss) == 6 and log.loss[-1] < log.loss[0]

    files = outcome["files"]
    assert {p.name for p in (tmp_path / "out").iterdir()} == {
        "bike_model.npz", "bike_model.json", "predictions.png", "losses.png"}
    reloaded = reference.load(files["weights"])
    assert np.allclose(reloaded.forward_pass(data.inputs["test"]), bm.predict(outcome["network"], data, "test"))
    about = json.loads(files["about"].read_text())
    assert about["columns"] == data.columns and about["scaling"]["cnt"] == list(data.scaling["cnt"])
    for name in ("predictions", "losses"):
        with open(files[name], "rb") as handle:
            assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
        assert files[name].stat().st_size > 20_000  # a real picture, not an empty canvas


def test_cli_bikes(tmp_path, capsys):
    from nncourse.autograder.cli import main

    status = main(["bikes", "--out", str(tmp_path / "o"), "--epochs", "1", "--no-progress"])
    out = capsys.readouterr().out
    assert status == 0
    assert "15,475 training, 1,402 validation and 502 test hours; 110 input features" in out
    lines = {line.split()[0]: line.split() for line in out.splitlines() if line.split()[:1] in
             (["train"], ["validation"], ["test"])}
    assert set(lines) == {"train", "validation", "test"}
    assert 0 < float(lines["validation"][1]) < 0.3  # MSE on the standardised count
    assert 30 < float(lines["validation"][2]) < 120  # rentals per hour
    assert (tmp_path / "o" / "bike_model.npz").is_file()


def test_cli_bikes_bad_data(tmp_path, capsys):
    from nncourse.autograder.cli import main

    (tmp_path / "hour.csv").write_text("instant,dteday\n1,2011-01-01\n")
    status = main(["bikes", "--data", str(tmp_path / "hour.csv"), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert status == 1
    assert "hour.csv: missing column(s)" in err and "'cnt'" in err
    assert not (tmp_path / "o").exists()
