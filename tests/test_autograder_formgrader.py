"""`grade-all --gradebook` records what nbgrader autograde would: read back through the formgrader's
own HTTP API, from a Jupyter server started here on 127.0.0.1 (it also stops itself when idle)."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest

from nncourse.autograder.authoring import as_submitted, example_answers
from nncourse.autograder.cli import main
from notebook_variants import write

pytestmark = pytest.mark.xdist_group("formgrader")
TOKEN = "nncourse-test-token"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from conftest import make_course
    course = make_course(tmp_path_factory.mktemp("formgrader") / "course")  # not released: grade-all does it
    submitted = course.root / "submitted"
    write(course, "solution", submitted / "ada" / "layers" / "layers.ipynb")
    write(course, "stub", submitted / "bo" / "layers" / "layers.ipynb")
    write(course, "invalid", submitted / "di" / "layers" / "layers.ipynb")
    source = nbformat.read(str(course.source_notebook("layers")), 4)
    (submitted / "cy" / "layers").mkdir(parents=True)
    nbformat.write(as_submitted(source, example_answers("layers", source)), str(submitted / "cy" / "layers" / "layers.ipynb"))
    (submitted / "cy" / "layers" / "timestamp.txt").write_text("2026-11-30 12:00:00.000000 UTC")
    assert main(["grade-all", "layers", "--course", str(course.root), "--jobs", "1", "--quiet", "--gradebook"]) == 0
    return course


@pytest.fixture(scope="module")
def formgrader(graded):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "server", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={TOKEN}",
         f"--ServerApp.root_dir={graded.root}", "--ServerApp.shutdown_no_activity_timeout=300",
         "--ServerApp.open_browser=False", "--allow-root"],
        cwd=graded.root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                _get(url, "/formgrader/api/status")
                break
            except OSError:
                if server.poll() is not None:
                    raise AssertionError(server.stderr.read().decode()[-3000:])
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def _get(url: str, path: str):
    request = urllib.request.Request(url + path, headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read().decode()
    return json.loads(body) if body.lstrip().startswith(("{", "[")) else body


def test_manage_submissions_lists_every_student_as_autograded(formgrader, graded):
    submissions = {s["student"]: s for s in _get(formgrader, "/formgrader/api/submissions/layers")}
    assert set(submissions) == {"ada", "bo", "cy", "di"}
    assert all(s["autograded"] and s["submitted"] for name, s in submissions.items() if name != "di")
    assert submissions["di"]["score"] == 0  # not a notebook: recorded with 0 points
    assert submissions["ada"]["score"] == 20 and submissions["bo"]["score"] == 0
    assert submissions["cy"]["score"] == 15.4
    assert submissions["cy"]["timestamp"].startswith("2026-11-30T12:00:00")


def test_manual_grading_lists_the_notebooks_with_their_check_scores(formgrader, graded):
    notebooks = {n["student"]: n for n in _get(formgrader, "/formgrader/api/submitted_notebooks/layers/layers")}
    assert set(notebooks) == {"ada", "bo", "cy"}
    grades = _get(formgrader, f"/formgrader/api/grades?submission_id={notebooks['cy']['id']}")
    scores = {g["name"]: (g["auto_score"], g["max_score"]) for g in grades}
    assert scores["test_dense_backward"] == (6.4, 8) and scores["test_network_backward"] == (0, 3)
    assert scores["test_dense_init"] == (2, 2)


def test_the_manual_grading_page_shows_the_checks_messages(formgrader, graded):
    notebooks = {n["student"]: n for n in _get(formgrader, "/formgrader/api/submitted_notebooks/layers/layers")}
    page = _get(formgrader, f"/formgrader/submissions/{notebooks['cy']['id']}/")
    assert "3 times too small" in page and "dense_backward" in page


def test_a_regrade_updates_the_same_records(graded, capsys):
    assert main(["grade-all", "layers", "--course", str(graded.root), "--jobs", "1", "--quiet", "--gradebook"]) == 0
    assert "with 0 points, as nbgrader could not read their notebooks: di" in capsys.readouterr().out
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{graded.root / 'gradebook.db'}") as gb:
        assert sorted(s.student.id for s in gb.find_assignment("layers").submissions) == ["ada", "bo", "cy", "di"]
        assert gb.find_submission("layers", "cy").score == 15.4
