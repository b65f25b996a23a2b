"""The ``nncourse`` console command.

Each group of subcommands lives in its own module under ``autograder/commands`` and exposes
``register(subparsers)``, which adds its parsers and sets ``func`` (called with the
parsed arguments, returning the exit status).
"""
from __future__ import annotations

import argparse
import importlib
import sys

# Module names under nncourse.autograder.commands, in the order ``nncourse --help`` lists them.
COMMANDS = ["demo", "course", "grade", "after", "cluster", "bikes", "exam"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nncourse",
        description="Neural networks from scratch: the course package (reference, grader, exams).",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"{__package__}.commands.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from .course import CourseError  # AuthoringError is one too
    from .registry import DeclarationError
    try:
        return int(args.func(args) or 0)
    except (CourseError, DeclarationError) as err:
        print(f"nncourse {args.command}: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nnncourse: interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
