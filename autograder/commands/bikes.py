"""``nncourse bikes``: train the bike-sharing reference model and report its error.

Trains the reference model (``reference/bike_model.py``) on the shipped UCI data, prints the
training, validation and test MSE on the standardised count and the same error in rentals per
hour, and saves the weights and two plots into ``--out`` (default ``./bikes-output``).
"""
from __future__ import annotations

import time
from pathlib import Path

DEFAULT_OUT = "bikes-output"


def register(subparsers) -> None:
    parser = subparsers.add_parser("bikes", help="train the bike-sharing reference model, print its error",
                                   description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=DEFAULT_OUT,
                        help=f"folder for the weights and plots (default: ./{DEFAULT_OUT})")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--epochs", type=_positive, default=None,
                        help="epochs per network (default: the reference's 30)")
    parser.add_argument("--data", default=None, help="hour.csv to use (default: the shipped data/hour.csv)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=_run)


def _positive(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _run(args) -> int:
    import sys

    from nncourse.reference import bike_model
    from nncourse.reference.bikes import BikeDataError, load_hourly

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        print(f"nncourse bikes: --out {out} is a file, not a folder", file=sys.stderr)
        return 2
    try:
        data = bike_model.prepare(load_hourly(args.data))
    except BikeDataError as err:
        print(f"nncourse bikes: {err}", file=sys.stderr)
        return 1
    epochs = args.epochs or bike_model.EPOCHS
    sizes = {k: v.shape[1] for k, v in data.inputs.items()}
    print(f"bike sharing: {sizes['train']:,} training, {sizes['validation']:,} validation and "
          f"{sizes['test']:,} test hours; {len(data.columns)} input features")
    print(f"training {bike_model.MEMBERS} networks {bike_model.HIDDEN} with Adam, {epochs} epochs each, "
          f"seed {args.seed} ...")
    start = time.perf_counter()
    outcome = bike_model.run(out, seed=args.seed, epochs=epochs, progress=not args.no_progress, data=data)
    elapsed = time.perf_counter() - start
    print(f"trained in {elapsed:.0f} s\n")
    print(report(outcome["results"]))
    print()
    for name, path in outcome["files"].items():
        print(f"{name:>12}: {path}")
    return 0


def report(results: dict) -> str:
    """The error table: MSE on the standardised count and RMSE in rentals per hour."""
    from nncourse.reference.bike_model import PASS_MARK

    lines = [f"{'':<11}{'MSE (standardised count)':>26}{'error (rentals/hour, RMSE)':>30}"]
    marks = {"train": PASS_MARK["training"], "validation": PASS_MARK["validation"]}
    for split, values in results.items():
        mark = f"   (classic pass mark < {marks[split]})" if split in marks else ""
        lines.append(f"{split:<11}{values['mse']:>26.4f}{values['rmse_rentals']:>30.1f}{mark}")
    return "\n".join(lines)
