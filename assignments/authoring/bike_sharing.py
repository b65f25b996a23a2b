# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade_id": "intro"}
# # Assignment 13: bike sharing
#
# Data from a bike rental service in Washington, D.C. (Capital Bikeshare, 2011–2012; UCI Machine
# Learning Repository, Fanaee-T and Gama 2013, licence CC BY 4.0). For every hour: the date and time,
# season, holiday, workday, weather, temperature, "feels like" temperature, humidity, wind speed, and
# the number of rentals (registered and casual). `bike-share-explanation.md` next to this notebook
# describes every column.
#
# Your job: predict the number of rentals in an hour, with a network built from **your own classes**.
# You will load the table with pandas, explore it, prepare the features, split by date, standardise,
# train, and report and plot the error on days the network has never seen.
#
# Things to know about the data:
#
# * `temp`, `atemp`, `hum` and `windspeed` are already scaled to 0…1.
# * `season` codes follow the astronomical seasons: code 1 runs from 21 December to 20 March, codes
#   2, 3, 4 start on 21 March, 21 June and 23 September (the data's readme calls code 1 "spring").
# * `weekday` 0 is Sunday; `weathersit` 1 is clear … 4 is heavy rain.
# * Some hours are missing (no rentals were recorded), so a day can have fewer than 24 rows.

# %% nbgrader={"grade_id": "setup"}
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt

from checking import attempt, defined, entry, expect, expect_shape, visible_tests

# %% nbgrader={"grade_id": "constants"}
# The classic preparation, fixed so that every submission's columns line up with the grader's.
ONE_HOT = {"season": range(1, 5), "weathersit": range(1, 5), "mnth": range(1, 13),
           "hr": range(0, 24), "weekday": range(0, 7)}
DROPPED_COLUMNS = ["instant", "atemp", "workingday"]
TARGET_COLUMNS = ["cnt", "casual", "registered"]
# The 56 inputs, in this order: 5 kept columns, then the one-hot blocks ("season_1", ..., "weekday_6").
FEATURE_COLUMNS = ["yr", "holiday", "temp", "hum", "windspeed"] + [
    f"{field}_{value}" for field, values in ONE_HOT.items() for value in values
]
STANDARDISED_COLUMNS = ["cnt", "temp", "hum", "windspeed", "casual", "registered"]


# %% [markdown] nbgrader={"grade_id": "load_text"}
# ## Load and explore
#
# Read `hour.csv` (next to this notebook) with pandas.

# %% nbgrader={"grade_id": "answer_load_hourly", "solution": true}
def load_hourly(path="hour.csv"):
    """The hourly table as a DataFrame (17,379 rows), with `dteday` parsed as dates (datetime64)."""
    ### BEGIN SOLUTION
    return pd.read_csv(path, parse_dates=["dteday"])
    ### END SOLUTION


# %% nbgrader={"grade_id": "load"}
hourly = load_hourly()
print(f"{len(hourly):,} hours from {hourly['dteday'].min():%Y-%m-%d} to {hourly['dteday'].max():%Y-%m-%d}")
hourly.head()

# %% nbgrader={"grade_id": "explore"}
# The first ten days, hour by hour: two rush hours on working days, one broad hump at weekends.
first_days = hourly[hourly["dteday"] < hourly["dteday"].min() + pd.Timedelta(days=10)]
ax = first_days.plot(x="instant", y=["cnt", "casual", "registered"], figsize=(12, 3))
ax.set_xlabel("hour (instant)")
ax.set_ylabel("rentals per hour")
plt.show()


# %%
# Explore more here: e.g. hourly.groupby('hr')['cnt'].mean().plot()

# %% [markdown] nbgrader={"grade_id": "prepare_text"}
# ## Prepare the features
#
# Categorical codes such as the hour or the month are not amounts (hour 23 is not "23 times hour 1"),
# so each becomes a block of 0/1 columns ("one-hot"): `season`, `weathersit`, `mnth`, `hr` and
# `weekday`. We drop `instant` (a row number), `atemp` (almost the same as `temp`) and `workingday`
# (it follows from `weekday` and `holiday`), and keep `dteday` to split by date. The 56 input
# columns and their order are fixed in `FEATURE_COLUMNS` above.

# %% nbgrader={"grade_id": "answer_prepare_features", "solution": true}
def prepare_features(hourly):
    """The classic preparation of the hourly table.

    Returns a new DataFrame with the same rows (same order and index) and the columns
    "dteday", then the 56 FEATURE_COLUMNS, then "cnt", "casual", "registered".
    One-hot: a column f"{field}_{value}" for every field in ONE_HOT and every value it can take
    (1 where the row has that value, else 0). "instant", "atemp", "workingday" and the one-hot
    sources are dropped.
    """
    ### BEGIN SOLUTION
    parts = {"dteday": pd.to_datetime(hourly["dteday"])}
    for column in ["yr", "holiday", "temp", "hum", "windspeed"]:
        parts[column] = hourly[column]
    for field, values in ONE_HOT.items():
        for value in values:
            parts[f"{field}_{value}"] = (hourly[field] == value).astype(int)
    for column in TARGET_COLUMNS:
        parts[column] = hourly[column]
    return pd.DataFrame(parts, index=hourly.index)
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_prepare_features", "grade": true}
hourly = attempt("load_hourly", defined("load_hourly"))
data = attempt("prepare_features", defined("prepare_features"), hourly)
expected = ["dteday", *FEATURE_COLUMNS, *TARGET_COLUMNS]
missing = [c for c in expected if c not in data.columns]
extra = [c for c in data.columns if c not in expected]
assert not missing and not extra, f"Columns missing: {missing}; columns that should not be there: {extra}"
assert list(data.columns) == expected, "Put the columns in this order: dteday, FEATURE_COLUMNS, cnt, casual, registered."
print("\u2713 the columns")
expect("number of rows", len(data), len(hourly))
for field, values in ONE_HOT.items():
    block = data[[f"{field}_{value}" for value in values]].to_numpy()
    expect(f"one 1 per row in the {field} block", block.sum(axis=1), np.ones(len(data)))
    expect(f"the {field} block of the first row", block[0], [v == hourly[field].iloc[0] for v in values])


# %% [markdown] nbgrader={"grade_id": "split_text"}
# ## Split by date
#
# A network must be judged on days it has never seen: hold out the **last 21 days** as the test set
# and the **60 days before them** as the validation set (for choosing the network and its training);
# train on everything earlier. Never shuffle before splitting: neighbouring hours are alike.

# %% nbgrader={"grade_id": "answer_split_by_date", "solution": true}
def split_by_date(data, test_days=21, validation_days=60):
    """(train, validation, test) by calendar day, using the "dteday" column.

    test = the rows of the last test_days days; validation = the validation_days days before them;
    train = everything earlier. (Days can have fewer than 24 rows, so count days, not rows.)
    """
    ### BEGIN SOLUTION
    days = data["dteday"].dt.normalize()
    test_start = days.max() - pd.Timedelta(days=test_days - 1)
    validation_start = test_start - pd.Timedelta(days=validation_days)
    test = data[days >= test_start]
    validation = data[(days >= validation_start) & (days < test_start)]
    train = data[days < validation_start]
    return train, validation, test
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_split_by_date", "grade": true}
hourly = attempt("load_hourly", defined("load_hourly"))
data = attempt("prepare_features", defined("prepare_features"), hourly)
parts = attempt("split_by_date", defined("split_by_date"), data)
assert len(parts) == 3, "split_by_date should return (train, validation, test)"
train, validation, test = parts
expect("rows in the three parts together", len(train) + len(validation) + len(test), len(data))
day = lambda frame: frame["dteday"].dt.normalize()
expect("days in the test set", day(test).nunique(), 21)
expect("days in the validation set", day(validation).nunique(), 60)
assert day(test).max() == day(data).max(), "The test set should end on the last day of the data."
assert day(train).max() < day(validation).min() and day(validation).max() < day(test).min(), \
    "Training days must all come before validation days, and those before test days."
print("\u2713 the parts follow each other in time")


# %% [markdown] nbgrader={"grade_id": "standardise_text"}
# ## Standardise
#
# The count and the weather columns have very different sizes; scale each of `STANDARDISED_COLUMNS`
# to mean 0 and standard deviation 1. Compute the means and standard deviations on the **training
# rows only**: the network must not learn anything from the held-out days, not even their average.

# %% nbgrader={"grade_id": "answer_standardise", "solution": true}
def standardise(train, validation, test, columns=STANDARDISED_COLUMNS):
    """Scale each of `columns` to mean 0 and standard deviation 1 with the TRAINING rows' statistics.

    Use pandas' .mean() and .std() of the training rows. Returns scaled copies
    (train, validation, test) and scaling = {column: (mean, std)}; the inputs stay unchanged.
    """
    ### BEGIN SOLUTION
    scaling = {column: (train[column].mean(), train[column].std()) for column in columns}
    scaled = []
    for frame in (train, validation, test):
        frame = frame.copy()
        for column, (mean, std) in scaling.items():
            frame[column] = (frame[column] - mean) / std
        scaled.append(frame)
    return scaled[0], scaled[1], scaled[2], scaling
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_standardise", "grade": true}
hourly = attempt("load_hourly", defined("load_hourly"))
data = attempt("prepare_features", defined("prepare_features"), hourly)
train, validation, test = attempt("split_by_date", defined("split_by_date"), data)
result = attempt("standardise", defined("standardise"), train, validation, test)
assert len(result) == 4, "standardise should return (train, validation, test, scaling)"
scaled_train, scaled_validation, scaled_test, scaling = result
for column in STANDARDISED_COLUMNS:
    expect(f"scaling[{column!r}] from the training rows", scaling[column],
           [train[column].mean(), train[column].std()])
expect("training means after scaling", scaled_train[STANDARDISED_COLUMNS].mean(), np.zeros(6), tol=1e-9)
expect("training standard deviations after scaling", scaled_train[STANDARDISED_COLUMNS].std(), np.ones(6))
expect("test counts scaled with the training statistics", scaled_test["cnt"],
       (test["cnt"] - train["cnt"].mean()) / train["cnt"].std())


# %% [markdown] nbgrader={"grade_id": "arrays_text"}
# ## Arrays in the lecture's layout
#
# One sample per column: inputs `(56, n)` in `FEATURE_COLUMNS` order, targets `(1, n)` (the
# standardised `cnt`).

# %% nbgrader={"grade_id": "answer_to_arrays", "solution": true}
def to_arrays(frame, target="cnt"):
    """(inputs, targets) in the lecture's layout: inputs (56, n) in FEATURE_COLUMNS order and
    targets (1, n), as float arrays, one sample per column."""
    ### BEGIN SOLUTION
    inputs = frame[FEATURE_COLUMNS].to_numpy(dtype=float).T
    targets = frame[[target]].to_numpy(dtype=float).T
    return inputs, targets
    ### END SOLUTION


# %% nbgrader={"grade_id": "test_to_arrays", "grade": true}
hourly = attempt("load_hourly", defined("load_hourly"))
data = attempt("prepare_features", defined("prepare_features"), hourly).iloc[:30]
arrays = attempt("to_arrays", defined("to_arrays"), data)
expect_shape("inputs: one sample per column, the 56 FEATURE_COLUMNS as rows", arrays[0], (56, 30))
expect_shape("targets: the count, one sample per column", arrays[1], (1, 30))
expect("the first sample's inputs are its FEATURE_COLUMNS", arrays[0][:, 0], data[FEATURE_COLUMNS].iloc[0])
expect("the targets are the counts", arrays[1][0], data["cnt"])


# %% nbgrader={"grade_id": "arrays"}
train, validation, test = split_by_date(prepare_features(hourly))
train, validation, test, scaling = standardise(train, validation, test)
train_inputs, train_targets = to_arrays(train)
validation_inputs, validation_targets = to_arrays(validation)
test_inputs, test_targets = to_arrays(test)
print("training", train_inputs.shape, "validation", validation_inputs.shape, "test", test_inputs.shape)


# %% [markdown] nbgrader={"grade_id": "network_text"}
# ## Your network
#
# Paste your classes from the earlier assignments into the next cell: `Dense`, an activation
# (`ReLU`, `Sigmoid` or `Tanh`), `Network`, `MeanSquaredError`, an optimizer (`SGD` or `Adam`) and your
# `mini_batches` and `fit`. Then build a network named `network` with 56 inputs and 1 output, train
# it, and watch the training and validation loss. Choices to try: the hidden layer's size, the
# activation, the optimizer and its learning rate, the batch size, the number of epochs. A validation
# loss below about 0.2 is good. The grader measures your network on the test days (the same MSE):
# full marks below 0.25, partial marks between 0.25 and 0.40.

# %% nbgrader={"grade_id": "answer_classes", "solution": true}
# Paste your classes and functions here.
### BEGIN SOLUTION
#| include: minibatch/answer_classes, minibatch/answer_adam, minibatch/answer_mini_batches, minibatch/answer_fit
### END SOLUTION


# %% nbgrader={"grade_id": "answer_train", "solution": true}
# Build `network` (input size 56, output size 1), train it on the training arrays, and print the
# training and validation loss (the MSE on the standardised count). Keep it quick: a minute at most.
### BEGIN SOLUTION
np.random.seed(0)
network = Network([Dense(56, 32), ReLU(), Dense(32, 1)])
history = fit(network, MeanSquaredError(), Adam(learning_rate=0.005), train_inputs, train_targets,
              epochs=20, batch_size=128, seed=0)
train_loss = np.mean((network.forward_pass(train_inputs) - train_targets) ** 2)
validation_loss = np.mean((network.forward_pass(validation_inputs) - validation_targets) ** 2)
print(f"training loss {train_loss:.3f}, validation loss {validation_loss:.3f}")
plt.plot(history, label="training loss per epoch")
plt.xlabel("epoch")
plt.ylabel("MSE (standardised count)")
plt.legend()
plt.show()
### END SOLUTION

# %% nbgrader={"grade_id": "test_test_predictions", "grade": true}
network = defined("network")
validation_loss = float(np.mean((network.forward_pass(validation_inputs) - validation_targets) ** 2))
test_loss = float(np.mean((network.forward_pass(test_inputs) - test_targets) ** 2))
print(f"validation loss {validation_loss:.3f}, test loss {test_loss:.3f} (MSE on the standardised count)")
assert test_loss < 0.40, (f"The test loss is {test_loss:.3f}: full marks below 0.25, partial marks "
                          "between 0.25 and 0.40. Train longer or try another learning rate.")
print("\u2713 the network predicts unseen days" + (" well" if test_loss < 0.25 else " (below 0.40)"))

# %% [markdown] nbgrader={"grade_id": "plot_text"}
# ## Report and plot
#
# Print the test error and plot your predictions against the real counts for the 21 test days.

# %% nbgrader={"grade_id": "answer_plot", "solution": true}
# Plot the network's predictions against the real counts for the test days, in rentals per hour
# (undo the scaling of "cnt" with `scaling`), and print the test error.
### BEGIN SOLUTION
mean, std = scaling["cnt"]
predicted = network.forward_pass(test_inputs).ravel() * std + mean
real = test_targets.ravel() * std + mean
test_loss = np.mean((network.forward_pass(test_inputs) - test_targets) ** 2)
print(f"test loss {test_loss:.3f} (standardised); typical error {np.sqrt(np.mean((predicted - real) ** 2)):.0f} rentals per hour")
fig, ax = plt.subplots(figsize=(12, 4))
hours = np.arange(len(real))
ax.plot(hours, real, label="real counts", lw=1)
ax.plot(hours, predicted, label="predictions", lw=1)
days = test["dteday"].dt.strftime("%b %d").to_numpy()
ticks = np.flatnonzero(np.r_[True, days[1:] != days[:-1]])
ax.set_xticks(ticks[::2], days[ticks][::2], rotation=45)
ax.set_ylabel("rentals per hour")
ax.legend()
plt.show()
### END SOLUTION

# %% [markdown] nbgrader={"grade_id": "reflect"}
# ## Look back
#
# Where does the network do well, and where badly? (Look at the days around Christmas in the
# test period.) What would you try next? Write a few sentences in the cell below.

# %%
# Your notes (not graded).

# %% [markdown] nbgrader={"grade_id": "further"}
# ## How far can it go? (reading, not graded)
#
# Your network follows the classic recipe: 56 inputs, the standardised count as the target, mean
# squared error. The course's reference model (`nncourse bikes`) is built from the same `Dense`,
# `ReLU`, `Adam` and mini-batches, and on the same split reaches a validation loss of about 0.105 and
# a test loss of about 0.12 (a single 128-64 ReLU network on the 56 inputs: about 0.13 and 0.15).
# What it adds, and why:
#
# * **The hour crossed with working day** (48 more one-hot columns). Working days have two rush
#   hours, 8 am and 5 pm; weekends have one broad hump at midday. A sum of an "hour" part and a
#   "working day" part cannot draw both shapes, so the network gets one column per (hour, kind of
#   day).
# * **The distance to the nearest public holiday**, −3 … +3 days (6 one-hot columns). The days
#   around Thanksgiving and Christmas, which fall in the validation and test periods, are quiet
#   although they are not holidays themselves.
# * **Averaging.** The weights of each network are averaged over its last epochs (this smooths the
#   noise of mini-batch training), and three networks from different seeds are averaged. The three
#   side by side are still one network: a wider `Dense` layer whose weights are block-diagonal.
#
# Try the first idea in your own network: it is a change to `prepare_features` only.
