"""Hostile submissions are contained: each gets a clear message, nothing escapes, and the next
student is graded normally."""
import tempfile
from pathlib import Path

import pytest

from nncourse.autograder.grading import grade_file
from nncourse.autograder.sandbox import Limits
from autograder_corpus import SUBMISSIONS

HOSTILE = SUBMISSIONS / "hostile"
FAST = Limits(cells_timeout=3, check_timeout=1.5)


@pytest.fixture
def grade(course):
    """grade(stem): the report of hostile/<stem>.py, and its results by check."""
    def run(stem: str, limits: Limits = FAST):
        report = grade_file("layers", HOSTILE / f"{stem}.py", course, limits=limits)
        return report, {r.name: r for r in report.results}
    return run


def messages(results) -> str:
    return "\n".join(r.message for r in results.values())


def test_endless_loop_at_top_level_times_out_with_a_message(grade):
    report, results = grade("infinite_loop")
    assert report.score == 0
    assert all("did not finish in time" in r.message and "infinite_loop.py" in r.message for r in results.values())


def test_endless_loop_in_a_method_costs_only_the_checks_that_call_it(grade):
    report, results = grade("loop_in_method")
    assert results["dense_init"].score == 2
    for name in ("dense_forward", "dense_backward"):
        assert results[name].score == 0 and "did not finish in time" in results[name].message
    assert results["network_forward"].score == 3 and results["network_backward"].score == 3  # no Dense in them


def test_memory_bomb_is_a_memory_error(grade):
    report, results = grade("memory_bomb")
    assert results["dense_init"].score == 2
    assert "ran out of memory" in results["dense_forward"].message


def test_exits_are_contained(grade):
    report, results = grade("exits")
    assert any("SystemExit" in note for note in report.notes)  # sys.exit at the end of the file
    assert results["dense_forward"].score == 4  # checks before the os._exit still count
    assert "ended the grader's process" in results["dense_backward"].message
    assert results["network_forward"].score == 3  # a fresh child ran the remaining checks
    assert report.score == 12  # only dense_backward, whose backward_pass ends the process


def test_fork_and_subprocess_are_refused(grade):
    Path("/tmp/nncourse_hostile_fork").unlink(missing_ok=True)
    report, results = grade("fork")
    assert "'os.fork'" in results["dense_forward"].message
    assert not Path("/tmp/nncourse_hostile_fork").exists()


def test_network_is_refused(grade):
    report, results = grade("network")
    assert "socket" in results["dense_forward"].message and "not allowed" in results["dense_forward"].message


def test_fake_output_changes_nothing(grade):
    report, results = grade("fake_output")
    assert results["dense_init"].score == 2 and results["dense_forward"].score == 4
    assert results["dense_backward"].score < 8
    assert report.score < 20


def test_writing_outside_the_folder_is_refused(grade):
    for path in ("/tmp/nncourse_hostile_write", "../nncourse_hostile_escape"):
        Path(path).unlink(missing_ok=True)
    report, results = grade("write_outside")
    assert report.score == 20  # its own folder is writable; the attempts fail inside the child
    assert not Path("/tmp/nncourse_hostile_write").exists()
    assert not (Path(tempfile.gettempdir()) / "nncourse_hostile_escape").exists()


def test_importing_the_reference_is_refused(grade):
    report, results = grade("import_reference")
    assert report.score == 0
    assert "importing 'nncourse.reference' is not allowed" in results["dense_backward"].message


def test_patched_numpy_in_the_child_does_not_change_the_verdict(grade):
    report, results = grade("patch_numpy")
    assert "summed over the wrong axis" in results["dense_backward"].message
    assert results["dense_backward"].score < 8


def test_patching_the_checks_is_impossible_in_the_sandbox(grade):
    report, results = grade("patch_checks")
    assert report.score == 0


def test_hunting_for_expected_values_finds_nothing(grade):
    report, results = grade("read_hidden")
    assert results["dense_forward"].score == 0
    assert results["dense_init"].score == 2


def test_other_students_are_unaffected(grade, course):
    for stem in ("infinite_loop", "exits", "memory_bomb"):
        grade(stem)
    report = grade_file("layers", SUBMISSIONS / "layers" / "solution.py", course, limits=FAST)
    assert report.score == 20
