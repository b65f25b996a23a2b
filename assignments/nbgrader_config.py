"""nbgrader configuration of an nncourse course folder (`nncourse init` writes it there).

Run nbgrader's commands in the course folder: generate_assignment, autograde, generate_feedback,
export and the formgrader work as usual. `nncourse build` rebuilds source/ from authoring/.
"""
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import ClearHiddenTests, GetGrades, NbGraderPreprocessor

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "nncourse"
c.CourseDirectory.assignment_id = ""

# Execution: a generous per-cell limit (bike_sharing trains a network) on the plain python3 kernel.
c.Execute.timeout = 300
c.Execute.kernel_name = "python3"
c.ExecutePreprocessor.timeout = 300
c.ExecutePreprocessor.kernel_name = "python3"
c.Execute.interrupt_on_timeout = True

# Students' deleted cells come back from the source when grading.
c.OverwriteCells.add_missing_cells = True

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}


class HideHiddenTracebacks(NbGraderPreprocessor):
    """In feedback, a test cell's error shows only its message, not a traceback into hidden tests."""

    def preprocess_cell(self, cell, resources, index):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources


# Feedback shows the visible tests and the checks' messages, never the hidden test code.
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, HideHiddenTracebacks, CSSHTMLHeaderPreprocessor]
