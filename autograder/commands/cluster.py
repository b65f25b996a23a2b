"""``nncourse merge`` and ``nncourse jobs``: grading a class in shards on a cluster (Slurm, Kubernetes).

``grade-all A --shard K/N`` grades one shard; ``merge`` combines the shards' folders into one
grades.csv, feedback folder and gradebook; ``jobs`` writes a ready Slurm job-array script or
Kubernetes Indexed Job manifest (from the templates shipped in ``autograder/templates``) that runs
every shard and then the merge.
"""
from __future__ import annotations

import argparse
import json
import re
import shlex
import sys
from importlib.resources import files
from pathlib import Path

from .. import course as courses
from .course import add_course_option


def _merge(args: argparse.Namespace) -> int:
    from ..shards import merge
    course = courses.require(args.course)
    folders = [Path(f) for f in args.shards]
    out = Path(args.out) if args.out else None
    if out is None:
        from ..shards import check
        out = course.root / "graded" / check(folders)[0]["assignment"]
    assignment, rows = merge(folders, out, course)
    errors = sum(r.get("status") == "error" for r in rows)
    print(f"merged {len(folders)} shards of {assignment}: {len(rows)} submissions ({errors} could not be "
          f"graded); see {out / 'grades.csv'}")
    if args.gradebook:
        from ..gradebook import write_gradebook
        unreadable = write_gradebook(course, assignment, course.root / "submitted", out, rows)
        print(f"recorded {len(rows)} students' grades in the course's gradebook (the formgrader lists them)")
        if unreadable:
            print(f"  with 0 points, as nbgrader could not read their notebooks: {', '.join(unreadable)}")
    return 0


def job_file(kind: str, assignment: str, course: courses.Course, *, shards: int, jobs: int = 2,
             gradebook: bool = False, course_path: str | None = None, image: str = "",
             claim: str = "nncourse-course", memory: str = "") -> str:
    """The Slurm script (``kind="slurm"``) or Kubernetes manifest (``"kubernetes"``), filled in."""
    from ..shards import _nncourse_version
    template = files("nncourse.autograder").joinpath("templates", "slurm.sh" if kind == "slurm" else
                                                     "kubernetes.yaml").read_text(encoding="utf-8")
    where = course_path or (str(course.root) if kind == "slurm" else "/course")
    values = {
        "ASSIGNMENT_Q": json.dumps(assignment), "COURSE_Q": json.dumps(where),
        "ASSIGNMENT": assignment, "COURSE": shlex.quote(where) if kind == "slurm" else where,
        "SHARDS": str(shards), "LAST": str(shards - 1), "JOBS": str(jobs),
        "NAME": re.sub(r"[^a-z0-9-]+", "-", assignment.lower()).strip("-"),  # a DNS-1123 name
        "GRADEBOOK": " --gradebook" if gradebook else "",
        "IMAGE": json.dumps(image or f"registry.example.org/nncourse:{_nncourse_version()}"),
        "CLAIM": json.dumps(claim), "MEMORY": memory or f"{2 * jobs}Gi", "BACKOFF": str(2 * shards),
    }
    text = re.sub(r"__([A-Z_]+?)__", lambda m: values[m.group(1)], template)
    return text


def _jobs(args: argparse.Namespace) -> int:
    from ..registry import assignment_ids
    course = courses.require(args.course)
    if args.assignment not in assignment_ids():
        raise courses.CourseError(f"no assignment {args.assignment!r}; the assignments are "
                                  f"{', '.join(assignment_ids())}")
    if args.shards < 1 or args.jobs < 1:
        raise courses.CourseError("--shards and --jobs must be 1 or more")
    kind = "slurm" if args.slurm else "kubernetes"
    text = job_file(kind, args.assignment, course, shards=args.shards, jobs=args.jobs, gradebook=args.gradebook,
                    course_path=args.course_path, image=args.image, claim=args.claim)
    if not args.out:
        sys.stdout.write(text)
        return 0
    out = Path(args.out)
    out.write_text(text, encoding="utf-8")
    if kind == "slurm":
        out.chmod(0o755)
        print(f"wrote {out}: `bash {out}` submits the {args.shards} shards and their merge", file=sys.stderr)
    else:
        print(f"wrote {out}: `kubectl apply -f {out} -l nncourse/step=grade`, wait for the Job, then "
              f"`kubectl apply -f {out} -l nncourse/step=merge`", file=sys.stderr)
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("merge", help="combine grade-all --shard outputs into one grades.csv",
                              description="Combine the folders of grade-all --shard K/N (every shard, once) into "
                                          "one grades.csv, feedback folder and (with --gradebook) gradebook.")
    p.add_argument("shards", nargs="+", metavar="GRADED_DIR", help="the shards' folders")
    p.add_argument("--out", metavar="DIR", help="where the merged grades go (default: graded/<assignment>)")
    p.add_argument("--gradebook", action="store_true",
                   help="also record the grades in the course's nbgrader gradebook, for the formgrader")
    add_course_option(p)
    p.set_defaults(func=_merge)

    p = subparsers.add_parser("jobs", help="write a Slurm or Kubernetes job that grades in shards, then merges",
                              description="Print (or write) a ready Slurm job-array script or Kubernetes Indexed "
                                          "Job manifest for grading ASSIGNMENT in N shards, followed by the merge.")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    kind = p.add_mutually_exclusive_group(required=True)
    kind.add_argument("--slurm", action="store_true", help="a Slurm job array (sbatch)")
    kind.add_argument("--kubernetes", action="store_true", help="a Kubernetes Indexed Job (kubectl)")
    p.add_argument("--shards", type=int, required=True, metavar="N", help="how many shards (array tasks, pods)")
    p.add_argument("--jobs", type=int, default=2, help="grading workers (CPUs) per shard (default 2)")
    p.add_argument("--gradebook", action="store_true", help="the merge also writes the nbgrader gradebook")
    p.add_argument("--course-path", metavar="PATH",
                   help="the course folder as the nodes see it (default: this course's path for Slurm, "
                        "/course, the volume's mount, for Kubernetes)")
    p.add_argument("--image", default="", help="Kubernetes: the container image with nncourse installed")
    p.add_argument("--claim", default="nncourse-course",
                   help="Kubernetes: the PersistentVolumeClaim holding the course folder (default nncourse-course)")
    p.add_argument("--out", metavar="FILE", help="write it here (default: print it)")
    add_course_option(p)
    p.set_defaults(func=_jobs)
