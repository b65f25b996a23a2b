"""Checks defined once, used by nbgrader test cells and by the sandboxed grader."""
