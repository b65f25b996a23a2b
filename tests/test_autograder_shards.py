"""Grading in shards (grade-all --shard K/N), merging them (nncourse merge) and the cluster job files
(nncourse jobs --slurm / --kubernetes), run here without Slurm or Kubernetes."""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from nncourse.autograder import batch, shards
from nncourse.autograder.batch import BatchError
from nncourse.autograder.cli import main
from notebook_variants import write

#: student -> notebook; ada, bob, eve fall in shard 2 of 3, cy and di in 0, hal in 1.
CLASS = {"ada": "solution", "bob": "tests_edited", "cy": "invalid", "di": "stub", "hal": "solution"}


def test_students_fall_in_stable_shards():
    assert [shards.shard_of(s, 3) for s in ("ada", "bob", "cy", "di", "eve", "hal")] == [2, 2, 0, 0, 2, 1]
    assert shards.parse_shard("0/8") == (0, 8) and shards.parse_shard("7/8") == (7, 8)
    for bad, message in [("8/8", "K counts from 0, so the shards of 8 are 0/8 to 7/8"), ("-1/8", "K counts from 0"),
                         ("1/0", "is not K/N"), ("a/b", "is not K/N"), ("3", "is not K/N")]:
        with pytest.raises(BatchError, match=None) as raised:
            shards.parse_shard(bad)
        assert message in str(raised.value)


@pytest.fixture
def submitted(course, tmp_path):
    root = tmp_path / "submitted"
    for student, name in CLASS.items():
        write(course, name, root / student / "layers" / "layers.ipynb")
    (root / "eve" / "layers").mkdir(parents=True)  # submitted nothing
    return root


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_three_shards_merge_to_what_one_run_writes(course, submitted, tmp_path, monkeypatch, capsys):
    one = tmp_path / "one"
    batch.grade_all("layers", submitted, one, course, jobs=2, progress=False)
    folders = [tmp_path / f"shard{k}" for k in range(3)]
    for k, folder in enumerate(folders):
        rows = batch.grade_all("layers", submitted, folder, course, jobs=1, progress=False, shard=(k, 3))
        assert [r["student"] for r in rows] == [s for s in sorted([*CLASS, "eve"]) if shards.shard_of(s, 3) == k]
        assert rows  # every shard has students
    merged = tmp_path / "merged"
    assert main(["merge", *map(str, reversed(folders)), "--out", str(merged), "--course", str(course.root)]) == 0
    assert "merged 3 shards of layers: 6 submissions (2 could not be graded)" in capsys.readouterr().out
    assert (merged / "grades.csv").read_bytes() == (one / "grades.csv").read_bytes()
    assert files_of(merged / "feedback") == files_of(one / "feedback")
    with open(merged / "grades.csv", newline="") as handle:
        totals = {row["student"]: float(row["total"]) for row in csv.DictReader(handle)}
    assert totals == {"ada": 20, "bob": 18, "cy": 0, "di": 0, "eve": 0, "hal": 20}

    # Resumable: rerunning a shard grades only what changed in it; the merged folder resumes too.
    graded = []
    real = batch.grade_file
    monkeypatch.setattr(batch, "grade_file", lambda a, p, c, **k: graded.append(Path(p).parts[-3]) or real(a, p, c, **k))
    write(course, "solution", submitted / "di" / "layers" / "layers.ipynb")
    batch.grade_all("layers", submitted, folders[0], course, jobs=1, progress=False, shard=(0, 3))
    assert graded == ["di"]
    batch.grade_all("layers", submitted, merged, course, jobs=1, progress=False)
    assert graded == ["di", "di"]


def test_merge_refuses_shards_that_do_not_belong_together(fresh_course, tmp_path, capsys):
    course = fresh_course
    submitted = tmp_path / "submitted"
    write(course, "stub", submitted / "hal" / "layers" / "layers.ipynb")  # shard 1 of 2
    folders = [tmp_path / f"shard{k}" for k in range(2)]

    def grade(k: int) -> None:
        batch.grade_all("layers", submitted, folders[k], course, jobs=1, progress=False, shard=(k, 2))

    def refused(*folders) -> str:
        capsys.readouterr()
        assert main(["merge", *map(str, folders), "--out", str(tmp_path / "merged"), "--course", str(course.root)]) == 2
        assert not (tmp_path / "merged" / "grades.csv").exists()
        return capsys.readouterr().err

    grade(0)
    assert "shard 1/2 of layers is missing: grade it (grade-all layers --shard K/2)" in refused(folders[0])
    assert "shard 0/2 is given twice" in refused(folders[0], folders[0])
    assert f"{folders[1]} is not a folder" in refused(*folders)
    (folders[1] / "results").mkdir(parents=True)  # a shard that was interrupted (its manifest comes last)
    assert f"{folders[1]} holds no manifest.json: it is not a finished shard" in refused(*folders)

    source = course.source_notebook("layers")
    original = source.read_bytes()
    source.write_bytes(original.replace(b'"cells": [', b'"cells": [{"cell_type": "markdown", "metadata": {}, '
                                                      b'"source": "Now with a typo fixed."},', 1))
    grade(1)
    assert "were graded with different source notebooks" in refused(*folders)
    source.write_bytes(original)
    grade(1)
    assert main(["merge", *map(str, folders), "--out", str(tmp_path / "fine"), "--course", str(course.root)]) == 0

    course.secret_file.write_text("ab" * 32 + "\n")  # another course secret: other hidden cases
    grade(1)
    assert "were graded with different course secrets" in refused(*folders)
    other = tmp_path / "other"
    shutil.copytree(folders[1], other)
    (other / "manifest.json").write_text(json.dumps({**json.loads((folders[1] / "manifest.json").read_text()),
                                                    "shard": "0/2"}))
    assert f"hal is in two shards, {folders[1]} and {other}" in refused(folders[1], other)


def test_a_shard_refuses_to_write_the_gradebook(course, submitted, capsys):
    assert main(["grade-all", "layers", str(submitted), "--shard", "0/2", "--gradebook", "--course", str(course.root)]) == 2
    assert "pass --gradebook to `nncourse merge` instead" in capsys.readouterr().err
    assert main(["grade-all", "layers", str(submitted), "--shard", "2/2", "--course", str(course.root)]) == 2
    assert "the shards of 2 are 0/2 to 1/2" in capsys.readouterr().err


# --- the job files, run without a cluster -----------------------------------------------------------

@pytest.fixture(scope="module")
def cluster_course(tmp_path_factory):
    """A course whose submitted/ holds two students per shard of 2, and `nncourse` on PATH."""
    from conftest import make_course
    from nncourse.autograder import registry
    root = tmp_path_factory.mktemp("cluster")
    course = make_course(root / "course")
    for student, name in {"ada": "solution", "cy": "stub", "di": "solution", "hal": "tests_edited"}.items():
        write(course, name, course.root / "submitted" / student / "layers" / "layers.ipynb")
    bin_dir = root / "bin"
    bin_dir.mkdir()
    (bin_dir / "nncourse").write_text(f"#!/bin/sh\nexec {sys.executable} -m nncourse.autograder.cli \"$@\"\n")
    (bin_dir / "nncourse").chmod(0o755)
    (bin_dir / "sbatch").write_text("#!/bin/sh\necho \"$@\" >> \"$SBATCH_LOG\"\necho 4242\n")  # a stand-in
    (bin_dir / "sbatch").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "SBATCH_LOG": str(root / "sbatch.log")}
    env.pop("SLURM_ARRAY_TASK_ID", None)
    yield course, env
    registry.use_course_checks(None)
    registry.use_seed(None)


EXPECTED = {"ada": ("20.0", "graded"), "cy": ("0.0", "graded"), "di": ("20.0", "graded"), "hal": ("18.0", "graded")}


def merged_totals(course) -> dict:
    with open(course.root / "graded" / "layers" / "grades.csv", newline="") as handle:
        return {row["student"]: (row["total"], row["status"]) for row in csv.DictReader(handle)}


def test_the_slurm_script_grades_each_array_task_and_merges(cluster_course, tmp_path):
    course, env = cluster_course
    shutil.rmtree(course.root / "graded", ignore_errors=True)
    script = tmp_path / "grade-layers.sh"
    assert main(["jobs", "layers", "--slurm", "--shards", "2", "--jobs", "1", "--out", str(script),
                 "--course", str(course.root)]) == 0
    text = script.read_text()
    assert "#SBATCH --array=0-1" in text and "SLURM_ARRAY_TASK_ID" in text and "__" not in text.replace("__main__", "")
    subprocess.run(["bash", "-n", str(script)], check=True)
    for task in ("0", "1"):
        done = subprocess.run(["bash", str(script)], env={**env, "SLURM_ARRAY_TASK_ID": task, "SLURM_CPUS_PER_TASK": "1"},
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert f"in shard {task}/2" in done.stdout
        assert (course.root / "graded" / "layers" / f"shard-{task}-of-2" / "manifest.json").is_file()
    done = subprocess.run(["bash", str(script), "merge"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "merged 2 shards of layers: 4 submissions" in done.stdout
    assert merged_totals(course) == EXPECTED
    # Without SLURM_ARRAY_TASK_ID the script submits itself as the array, then the merge after it.
    done = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    first, second = (Path(env["SBATCH_LOG"]).read_text().splitlines())
    assert first == f"--parsable {script}"
    assert "--dependency=afterok:4242" in second and second.endswith(f"--wrap bash {script} merge")


def test_the_kubernetes_indexed_job_grades_each_index_and_merges(cluster_course, tmp_path):
    course, env = cluster_course
    shutil.rmtree(course.root / "graded", ignore_errors=True)
    manifest = tmp_path / "grade-layers.yaml"
    assert main(["jobs", "layers", "--kubernetes", "--shards", "2", "--jobs", "1", "--course-path", str(course.root),
                 "--image", "registry.example.org/nncourse:test", "--out", str(manifest),
                 "--course", str(course.root)]) == 0
    documents = list(yaml.safe_load_all(manifest.read_text()))
    kinds = {(d["kind"], d["metadata"]["labels"]["nncourse/step"]): d for d in documents}
    assert set(kinds) == {("NetworkPolicy", "grade"), ("Job", "grade"), ("Job", "merge")}
    policy = kinds["NetworkPolicy", "grade"]["spec"]
    assert policy["policyTypes"] == ["Ingress", "Egress"] and "ingress" not in policy and "egress" not in policy
    grade, merge = kinds["Job", "grade"], kinds["Job", "merge"]
    assert grade["spec"]["completionMode"] == "Indexed" and grade["spec"]["completions"] == 2
    assert policy["podSelector"]["matchLabels"].items() <= grade["spec"]["template"]["metadata"]["labels"].items()
    for job in (grade, merge):
        pod = job["spec"]["template"]["spec"]
        assert pod["automountServiceAccountToken"] is False and pod["restartPolicy"] == "Never"
        container = pod["containers"][0]
        assert container["resources"]["limits"]["memory"] == "2Gi" and container["securityContext"]["allowPrivilegeEscalation"] is False
        assert container["image"] == "registry.example.org/nncourse:test"
        assert [m["mountPath"] for m in container["volumeMounts"]] == [str(course.root)]

    def run(job, **extra) -> subprocess.CompletedProcess:
        container = job["spec"]["template"]["spec"]["containers"][0]
        variables = {e["name"]: e["value"] for e in container["env"]}
        done = subprocess.run(container["command"] + container["args"], env={**env, **variables, **extra},
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done

    for index in ("0", "1"):
        assert f"in shard {index}/2" in run(grade, JOB_COMPLETION_INDEX=index).stdout
    assert "merged 2 shards of layers: 4 submissions" in run(merge).stdout
    assert merged_totals(course) == EXPECTED
