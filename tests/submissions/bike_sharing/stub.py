# The released stub: nothing written yet, no network trained.
def load_hourly(path="hour.csv"):
    raise NotImplementedError()


def prepare_features(hourly):
    raise NotImplementedError()


def split_by_date(data, test_days=21, validation_days=60):
    raise NotImplementedError()


def standardise(train, validation, test, columns=None):
    raise NotImplementedError()
