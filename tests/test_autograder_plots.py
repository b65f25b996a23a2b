"""Plotting is part of the notebooks: matplotlib must work inside the sandbox."""
from __future__ import annotations

from pathlib import Path

from nncourse.autograder.grading import grade_file

SOLUTION = Path(__file__).parent / "submissions" / "gradients" / "solution.py"


def test_a_submission_that_plots_is_graded_normally(tmp_path, course):
    plotting = ("import matplotlib.pyplot as plt\n"
                "plt.plot([1, 2, 3], [3, 1, 2])\nplt.title('loss')\nplt.show()\n"
                "plt.savefig('loss.png')\n")
    submission = tmp_path / "gradients.py"
    submission.write_text(plotting + SOLUTION.read_text())
    report = grade_file("gradients", submission, course)
    assert report.error is None
    assert not [n for n in report.notes if "raised" in n], report.notes
    assert report.score == report.max_score == 20


def test_the_child_gets_the_font_list_of_this_matplotlib_version():
    """Each matplotlib version reads only its own fontlist-v*.json: one left in /tmp by another
    environment (another Python, another matplotlib) used to send the child rebuilding it, and die."""
    import importlib.metadata

    from matplotlib.font_manager import FontManager

    from nncourse.autograder.grading import _matplotlib_fonts

    fonts = _matplotlib_fonts()
    assert fonts is not None and fonts.name == f"fontlist-v{FontManager.__version__}.json"
    assert fonts.parent.name.endswith("-" + importlib.metadata.version("matplotlib"))
