# Hostile: imports the instructor's solution.
from reference import Dense, Network  # noqa: F401
