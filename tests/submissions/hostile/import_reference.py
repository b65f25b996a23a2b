# Hostile: imports the instructor's solution.
from nncourse.reference import Dense, Network  # noqa: F401
