"""nbgrader mode: check(...) inside the student's kernel, with the defences a shared kernel allows."""
import runpy
import warnings

import numpy as np
import pytest

import nncourse.autograder as autograder
import nncourse.reference as reference
from nncourse.autograder import check
from autograder_corpus import submission


def student(assignment: str, stem: str) -> dict:
    return runpy.run_path(str(submission(assignment, stem)))


def test_full_marks_return_none_and_print_only_to_stdout(capsys):
    ns = student("layers", "solution")
    assert check("layers", "dense_backward", ns["Dense"]) is None
    out = capsys.readouterr()
    assert out.out.startswith("✓ dense_backward") and out.err == ""


def test_a_partly_wrong_answer_returns_its_score_with_the_diagnosis(capsys):
    """The score is the cell's value, which nbgrader records as the cell's partial score."""
    ns = student("layers", "dbiases_axis")
    assert check("layers", "dense_backward", ns["Dense"]) == 6
    printed = capsys.readouterr().out
    assert printed.startswith("[6/8 points]") and "summed over the wrong axis" in printed


def test_a_wrong_answer_raises_with_the_message_alone():
    ns = student("layers", "dbiases_axis")
    with pytest.raises(AssertionError, match=r"^\[0/2 points\] ✗ dense_init") as info:
        check("layers", "dense_init", ns["Network"])
    assert info.value._render_traceback_() == [str(info.value)]


def test_patched_numpy_is_detected(monkeypatch):
    ns = student("layers", "dbiases_axis")
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    with pytest.raises(AssertionError, match="numpy.allclose has been replaced"):
        check("layers", "dense_backward", ns["Dense"])


def test_patching_numpy_while_the_check_runs_is_detected():
    class Sneaky(student("layers", "solution")["Dense"]):
        def forward_pass(self, batch_inputs):
            np.sum = lambda *a, **k: 0  # noqa: ARG005
            return super().forward_pass(batch_inputs)
    original = np.sum
    try:
        with pytest.raises(AssertionError, match="numpy.sum has been replaced"):
            check("layers", "dense_forward", Sneaky)
    finally:
        np.sum = original


def test_the_reference_solution_is_refused():
    with pytest.raises(AssertionError, match="comes from the `nncourse.reference.layers` module"):
        check("layers", "dense_backward", reference.Dense)

    class Mine(reference.Dense):
        pass
    with pytest.raises(AssertionError, match="reference"):
        check("layers", "dense_backward", Mine)

    class Wrapper:
        def __init__(self, n_inputs, n_neurons):
            self.inner = reference.Dense(n_inputs, n_neurons)
    with pytest.raises(AssertionError, match="uses `reference`"):
        check("layers", "dense_init", Wrapper)


def test_the_checks_cannot_be_replaced():
    with pytest.raises(AttributeError):
        autograder.check = lambda *a, **k: None
    with pytest.raises(AttributeError):
        del autograder.check
    assert autograder.check is check


def test_student_warnings_and_prints_stay_out_of_stderr(capsys):
    ns = student("layers", "solution")

    class Noisy(ns["Dense"]):
        def forward_pass(self, batch_inputs):
            warnings.warn("a harmless warning")
            print("debug output")
            return super().forward_pass(batch_inputs)
    assert check("layers", "dense_forward", Noisy) is None
    out = capsys.readouterr()
    assert out.err == "" and "debug output" not in out.out


def test_wrong_number_of_objects_is_a_clear_message():
    with pytest.raises(AssertionError, match="needs 1 object"):
        check("layers", "network_forward", student("layers", "solution")["Network"], object)


def test_unknown_names_are_clear():
    with pytest.raises(KeyError, match="layers has no check 'dense_back'"):
        check("layers", "dense_back", object)
    with pytest.raises(KeyError, match="unknown assignment"):
        check("layerz", "dense_backward", object)


@pytest.mark.parametrize("assignment", ["gradients", "activations", "minibatch"])
def test_in_kernel_and_sandbox_agree(course, assignment):
    from nncourse.autograder import checks_for
    from nncourse.autograder.grading import grade_file
    from nncourse.autograder.kernel import run_in_kernel
    stem = {"gradients": "two_layer_bias_axis", "activations": "softmax_rows", "minibatch": "momentum_ema"}[assignment]
    ns = student(assignment, stem)
    kernel = {c.name: run_in_kernel(assignment, c.name, tuple(ns[n] for n in c.needs)).score
              for c in checks_for(assignment)}
    sandbox = grade_file(assignment, submission(assignment, stem), course).scores()
    assert kernel == sandbox
