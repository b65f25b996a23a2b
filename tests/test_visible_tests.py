"""What a student sees: the visible tests of the released notebooks, run in a Jupyter kernel.

A failing test cell shows one message, starting with "✗", with no traceback into the helpers; a
typical mistake gets the same named hint the grader gives (in the lecture's words, with the fix).
"""
from __future__ import annotations

import shutil

import nbformat
import numpy as np
import pytest

from nncourse.assignments import checking
from nncourse.autograder.registry import assignment_ids
from notebook_variants import edited

#: (assignment, {answer cell: [(old, new)]}, the test cell, words its message must hold)
MISTAKES = {
    "forgot_inputs": ("layers", {"answer_dense": [("        self.inputs = batch_inputs\n", "")]},
                      "test_dense_backward", "keep them in forward_pass (self.inputs = ...)"),
    "no_keepdims": ("layers", {"answer_dense": [("np.sum(dvalues, axis=1, keepdims=True)", "np.sum(dvalues, axis=1)")]},
                    "test_dense_backward", "keepdims=True keeps the column shape"),
    "forward_order_backward": ("layers", {"answer_network": [("reversed(self.layers)", "self.layers")]},
                               "test_network_backward", "the layers run in reverse order in the backward pass"),
    "mean_over_rows": ("gradients", {"answer_batch_gradient": [("/ X.shape[1]", "/ X.shape[0]")]},
                       "test_batch_gradient", "0.6667 times the expected value"),
    "mean_over_outputs": ("gradients", {"answer_two_layer_gradients": [("/ Y.size", "/ Y.shape[0]")]},
                          "test_two_layer_gradients", "3 times too large (3 is the batch size)"),
    "relu_mask_from_dvalues": ("activations", {"answer_relu": [("(self.inputs > 0)", "(dvalues > 0)")]},
                               "test_relu", "where the input forward_pass saw was positive"),
    "sigmoid_of_minus_x": ("activations", {"answer_sigmoid": [("np.exp(-batch_values)", "np.exp(batch_values)")]},
                           "test_sigmoid", "σ(1)"),
    "cce_not_averaged": ("activations", {"answer_cce": [("/ self.predictions / self.predictions.shape[1]",
                                                          "/ self.predictions")]},
                         "test_cce", "a sum where a mean was needed"),
    "rows_for_columns": ("bike_sharing", {"answer_to_arrays": [("frame[FEATURE_COLUMNS].to_numpy(dtype=float).T", "frame[FEATURE_COLUMNS].to_numpy(dtype=float)")]},
                         "test_to_arrays", "a missing (or extra) transpose"),
}


def _run(course, assignment: str, nb, tmp_path):
    from nbclient import NotebookClient
    folder = tmp_path / assignment
    shutil.copytree(course.source_folder(assignment), folder)
    NotebookClient(nb, timeout=180, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return {c.metadata["nbgrader"]["grade_id"]: c.outputs for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")}


def _message(outputs) -> str:
    """The test cell's failure as the student sees it (one error), checked for traceback noise."""
    errors = [o for o in outputs if o.output_type == "error"]
    assert len(errors) == 1, outputs
    shown = "\n".join(errors[0].traceback)
    assert shown.startswith("\u2717 "), shown
    assert "Traceback" not in shown and "File \"" not in shown and "checking.py" not in shown, shown
    assert not any(o.output_type == "stream" and o.name == "stderr" for o in outputs), outputs
    return shown


@pytest.mark.parametrize("assignment", assignment_ids())
def test_every_test_cell_of_a_fresh_release_fails_with_one_kind_message(course, assignment, tmp_path):
    from nncourse.autograder.commands.course import release
    release(course, [assignment])
    nb = nbformat.read(str(course.root / "release" / assignment / f"{assignment}.ipynb"), 4)
    cells = _run(course, assignment, nb, tmp_path)
    assert cells
    for grade_id, outputs in cells.items():
        shown = _message(outputs)
        assert "not" in shown, (grade_id, shown)  # "... is not written yet" / "is not defined yet"


@pytest.mark.parametrize("mistake", MISTAKES)
def test_a_typical_mistake_gets_its_hint_in_the_notebook(course, mistake, tmp_path):
    assignment, edits, cell, words = MISTAKES[mistake]
    source = nbformat.read(str(course.source_notebook(assignment)), 4)
    cells = _run(course, assignment, edited(source, edits), tmp_path)
    assert words in _message(cells[cell]), cells[cell]
    others = [g for g, outputs in cells.items() if g != cell and any(o.output_type == "error" for o in outputs)]
    assert set(others) <= {"test_network_backward", "test_network_forward", "test_softmax_cce",
                           "test_test_predictions"}, others  # only cells that use the broken object too


@pytest.mark.parametrize("got, want, tag", [
    (np.array(3.0), (3, 1), "wrong_axis"),       # np.sum without an axis: one number for a column
    (np.ones(3), (3, 1), "shape"),               # no keepdims
    (np.ones((30, 56)), (56, 30), "transposed"),
    (np.ones(6), (2, 3), "shape"),
])
def test_a_wrong_shape_is_named_whatever_its_rank(got, want, tag):
    from nncourse.autograder.feedback import compare
    assert compare("x", got, np.ones(want)).tag == tag
    with pytest.raises(AssertionError) as failed:
        checking.expect_shape("x", got, want)
    assert "has shape" in str(failed.value) and "numbers are right" not in str(failed.value)
