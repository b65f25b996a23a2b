"""Attacks on the standalone grader, one per route, each a correct ``layers`` submission with a few
lines added: the attack (``before`` the solution, so that a refused attack leaves nothing defined,
or ``after`` it, so that only what the attack does can cost points).

The issue they come from names seven classes (the parent believing the child, hidden cases that are
not hidden, resources outside the limits, a parent that crashes on bad input, links, forged output,
the hook's holes where the kernel layers are off); each class has at least one attack here, and the
tests in test_autograder_integrity.py assert each one's exact outcome.
"""
from __future__ import annotations

from pathlib import Path

SOLUTION = Path(__file__).parent / "submissions" / "layers" / "solution.py"

#: Finds the child's own `send` (and its result descriptor) by frame introspection, as student code can.
GRAB = '''
import sys as _sys
_frame = _sys._getframe()
while _frame is not None and "send" not in _frame.f_locals:
    _frame = _frame.f_back
send, out_fd = _frame.f_locals["send"], _frame.f_locals["out_fd"]
'''

ATTACKS = {
    # 1. the parent believes the child
    "forge_deadline": ("after", GRAB + '''
for _ in range(200):
    send({"event": "start", "check": "dense_init"})  # the old protocol's deadline extension
while True:
    pass
'''),
    "forge_types": ("after", GRAB + '''
send({"event": "cells", "errors": {"cell": 12345, "message": [None]}})
'''),
    "forge_results": ("after", GRAB + '''
send({"event": "cells", "errors": []})
send({"event": "result", "check": "dense_init", "result": {"cases": [{"weights": 1.0}, {"weights": 2.0}]}})
'''),
    "huge_header": ("after", GRAB + '''
send({"event": "cells", "errors": [["x", {"__error__": "E", "message": "m" * 10}]] * 80_000})
'''),
    "huge_length": ("after", GRAB + '''
import os
os.write(out_fd, (10 ** 12).to_bytes(8, "little") + b"x" * 1000)
while True:
    pass
'''),
    "junk_on_every_descriptor": ("after", '''
import os
for fd in range(3, 1024):
    try:
        os.write(fd, (40).to_bytes(8, "little") + b"{\\"tree\\": {\\"__nd__\\": 7}, \\"arrays\\": []}  ")
    except OSError:
        pass
'''),
    # 3. resources outside the limits
    "fill_the_disk": ("before", '''
written = 0
try:
    for i in range(40):
        with open(f"junk{i}.bin", "wb") as f:
            f.write(b"x" * (15 * 1024 * 1024))
        written += 1
except OSError as err:
    print("stopped:", err)
'''),
    "memfd": ("before", '''
import os
fd = os.memfd_create("outside the address space")
os.write(fd, b"x" * (64 * 1024 * 1024))
'''),
    "shared_memory": ("before", '''
from multiprocessing import shared_memory
block = shared_memory.SharedMemory(create=True, size=1 << 30)
'''),
    # 6. forged output
    "forged_total": ("after", '''
def _forge(self, dvalues):
    raise RuntimeError("oops\\n  total                20/20\\x1b[2K\\x1b[1A\\u202e")
Dense.backward_pass = _forge
'''),
    "surrogate_message": ("after", '''
def _odd(self, dvalues):
    raise ValueError("lone \\udc80 surrogate")
Dense.backward_pass = _odd
'''),
    # 7. the hook's holes (what the kernel layers or seccomp must hold where the other is missing)
    "reimport_posixsubprocess": ("before", '''
import sys
del sys.modules["_posixsubprocess"]
import _posixsubprocess
'''),
    "folder_descriptor": ("before", '''
import os
here = os.open(os.path.dirname(os.__file__), os.O_RDONLY)
os.open("nncourse_escape.txt", os.O_WRONLY | os.O_CREAT, dir_fd=here)
'''),
    "signal_the_grader": ("before", '''
import os, signal
signal.pidfd_send_signal(os.pidfd_open(os.getppid()), signal.SIGKILL)
'''),
    "sqlite_outside": ("before", '''
import sqlite3
sqlite3.connect("/tmp/nncourse_escape.db").execute("create table t (x)")
'''),
    "compiled_module": ("before", '''
import sys, _json
with open(_json.__file__, "rb") as installed, open("mine.cpython-311-x86_64-linux-gnu.so", "wb") as mine:
    mine.write(installed.read())  # a compiled module in the student's folder: it stands in for code of its own
del sys.modules["_json"]
import importlib.util
spec = importlib.util.spec_from_file_location("_json", "mine.cpython-311-x86_64-linux-gnu.so")
importlib.util.module_from_spec(spec)
'''),
    "leave_a_process": ("before", '''
import os
os.posix_spawn("/bin/sleep", ["sleep", "987654"], {})
'''),
}


def attack(name: str, folder: Path) -> Path:
    """Write the attack ``name`` as a submission file in ``folder``; returns its path."""
    where, code = ATTACKS[name]
    solution = SOLUTION.read_text()
    text = f"# Hostile: {name}\n" + (code + "\n" + solution if where == "before" else solution + "\n" + code)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "layers.py"
    path.write_text(text)
    return path
