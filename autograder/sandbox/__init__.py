"""Run a submission in a sandboxed child process and collect its (untrusted) outputs.

One child per submission runs all the checks. The parent trusts nothing the child sends: it owns
every deadline (the cells', each check's, and the whole submission's, on its own clock: no message
moves one), reads each message within a fixed size budget and checks it against the protocol (which
event may come next, the type and size of every field) before anything acts on it. When a check
hangs or the child dies, that check scores 0 and a fresh child runs the remaining checks; when a
message breaks the protocol, the child is killed and every check it had yet to answer scores 0
("your code interfered with the grader"). Either way the child and everything it started are gone
when grading returns, and its box is removed.

Each run gets a box: ``boot/`` (copies of child.py and driver.py, so the child needs nothing from the
package's folders, which its namespaces hide), ``work/`` (the student's folder) and ``root/`` (where
the child's minimal root is mounted). ``isolation`` says which kernel layers are used.
"""
from __future__ import annotations

import importlib.util
import os
import resource
import selectors
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from nncourse.reference.paths import PACKAGE_DIR

from .. import driver
from . import isolation

CHILD = Path(__file__).with_name("child.py")
DRIVER = Path(driver.__file__).resolve()
BASE_LAYERS = ("process group + wall-clock kill", "rlimits (CPU, memory, file size, open files)", "audit hook",
               "scrubbed environment")
GRACE = 2.0  # seconds the whole submission gets beyond the sum of its stages (the child's own start)


@dataclass
class Limits:
    """Resource limits for one child. Times are seconds of wall clock; memory and files in MB."""

    cells_timeout: float = 60.0
    check_timeout: float = 10.0
    cpu_seconds: int = 120
    memory_mb: int = 2048
    file_mb: int = 16        # one file
    disk_mb: int = 64        # everything the submission writes into its folder
    open_files: int = 128
    max_output_mb: int = 256  # everything one child sends (each message at most driver.MAX_MESSAGE)


@dataclass
class SandboxRun:
    results: dict = field(default_factory=dict)      # check name -> decoded driver result
    cell_errors: list = field(default_factory=list)  # [cell name, error record]
    failure: str | None = None                       # why nothing could run (e.g. the cells timed out)
    current_cell: str | None = None                  # the cell that was running when the child stopped
    seconds: float = 0.0
    isolation: dict = field(default_factory=dict)    # layer -> "on" or why it is off


class Box:
    """A run's folders: boot/ (the child's code), work/ (the student's folder), root/ (mount point)."""

    _runs = 0

    def __init__(self, layers=(), extra_read=(), hidden=()) -> None:
        Box._runs += 1
        self.layers, self.extra_read, self.hidden = tuple(layers), tuple(extra_read), tuple(hidden)
        self.base = os.path.realpath(tempfile.mkdtemp(prefix="nncourse-"))
        os.chmod(self.base, 0o711)
        self.boot, self.work, self.root = (os.path.join(self.base, n) for n in ("boot", "work", "root"))
        os.mkdir(self.boot, 0o755)
        os.mkdir(self.work, 0o700)
        os.mkdir(self.root, 0o755)
        self.child = os.path.join(self.boot, "child.py")
        self.driver = os.path.join(self.boot, "driver.py")
        for src, dst in ((CHILD, self.child), (DRIVER, self.driver)):
            shutil.copyfile(src, dst)
            os.chmod(dst, 0o644)
        self.uid = isolation.UID_BASE + (os.getpid() % 4_000_000) * 256 + Box._runs % 256
        if "uid" in self.layers and os.geteuid() == 0:
            os.chown(self.work, self.uid, self.uid)

    def plan(self, preload: tuple = (), disk_mb: int = 64) -> isolation.Plan:
        return isolation.make_plan(self.layers, root=self.root, boot=self.boot, workdir=self.work,
                                   child_uid=self.uid, preload=preload, extra=self.extra_read, hidden=self.hidden,
                                   disk_mb=disk_mb)

    def reap(self) -> None:
        """Kill every process left with the box's own uid (when the child ran as one): all of them are
        the submission's, whatever process group or session they moved to."""
        if "uid" not in self.layers or os.geteuid() != 0:
            return  # the child kept the grader's uid: RLIMIT_NPROC and seccomp let it start no process
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the helper: become the box's uid, signal everything it owns
            try:
                os.setresgid(self.uid, self.uid, self.uid)
                os.setresuid(self.uid, self.uid, self.uid)
                os.kill(-1, signal.SIGKILL)
            except BaseException:  # noqa: BLE001
                pass
            os._exit(0)
        os.waitpid(pid, 0)

    def used_bytes(self) -> int:
        """What the submission has written into its folder (when no tmpfs of its own bounds it)."""
        total = 0
        for folder, _, names in os.walk(self.work):
            for name in names:
                try:
                    total += os.lstat(os.path.join(folder, name)).st_blocks * 512
                except OSError:
                    pass
        return total

    def cleanup(self) -> None:
        shutil.rmtree(self.base, ignore_errors=True)


def _probe_plan(layers) -> isolation.Plan:
    box = Box(layers)
    try:
        return box.plan()
    finally:
        _PROBE_BOXES.append(box)


_PROBE_BOXES: list = []


def isolation_status() -> isolation.Status:
    """Which kernel layers (net, fs, uid) work on this machine; probed once per process."""
    try:
        return isolation.status(_probe_plan)
    finally:
        while _PROBE_BOXES:
            _PROBE_BOXES.pop().cleanup()


def _kernel_layer_names(layers) -> list[str]:
    names = {"net": "network namespace", "fs": "private filesystem (mount namespace)",
             "uid": "unprivileged uid"}
    return [names[n] for n in layers]


def describe_isolation(status: isolation.Status | None = None) -> dict:
    """Every isolation layer -> "on" or why it is off (for reports and ``nncourse grade``)."""
    status = status or isolation_status()
    out = {_kernel_layer_names([k])[0]: ("on" if v is True else f"off: {v}") for k, v in status.layers.items()}
    if os.geteuid() != 0:
        out["unprivileged uid"] = "on (the grader's own uid, which is not root)"
    out.update({name: "on" for name in BASE_LAYERS})
    nproc = os.geteuid() != 0 or status.layers.get("uid") is True
    out["process-count limit (RLIMIT_NPROC)"] = "on" if nproc else "off: the child runs as root, which ignores it"
    seccomp = seccomp_status()
    out["seccomp filter"] = "on" if seccomp is True else f"off: {seccomp}"
    return out


_SECCOMP: list = []


def seccomp_library() -> str | None:
    """libseccomp's file, found here (finding it runs ldconfig, which the child may not)."""
    import ctypes.util
    return ctypes.util.find_library("seccomp")


def seccomp_status() -> bool | str:
    """True when a seccomp filter can be loaded here (probed once per process), else why not."""
    if not _SECCOMP:
        if not sys.platform.startswith("linux"):
            _SECCOMP.append("needs Linux")
        elif os.environ.get("NNCOURSE_SANDBOX_SECCOMP", "").lower() in ("0", "off", "no", "false"):
            _SECCOMP.append("turned off by NNCOURSE_SANDBOX_SECCOMP")
        elif importlib.util.find_spec("pyseccomp") is None or seccomp_library() is None:
            _SECCOMP.append("pyseccomp or libseccomp is not installed")
        else:
            done = subprocess.run([sys.executable, "-I", "-B", str(CHILD), "--probe-seccomp", seccomp_library()],
                                  capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"})
            _SECCOMP.append(True if done.returncode == 0 else
                            (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1][:200])
    return _SECCOMP[0]


def package_hidden(package: str | os.PathLike = PACKAGE_DIR, prefix: str = sys.prefix) -> tuple[str, ...]:
    """What of the package's own folder the child may not see: all of it, except the Python
    environment grading runs in when that lies inside it (a venv in the clone of an editable
    install): then every entry beside the path down to the environment is hidden instead."""
    package, prefix = os.path.realpath(package), os.path.realpath(prefix)
    if not prefix.startswith(package + os.sep):
        return (package,)
    hidden, current = [], package
    for part in os.path.relpath(prefix, package).split(os.sep):
        keep = os.path.join(current, part)
        hidden += [os.path.join(current, name) for name in sorted(os.listdir(current))
                   if os.path.join(current, name) != keep]
        current = keep
    return tuple(hidden)


def _roots(tmp: str, extra_read: list[str], hidden: tuple[str, ...]) -> tuple[list[str], list[str]]:
    paths = sysconfig.get_paths()
    read = {tmp, sys.prefix, sys.base_prefix, sys.exec_prefix, "/usr/share/zoneinfo", "/etc/localtime",
            *(paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths),
            *extra_read}
    import numpy
    read.add(os.path.dirname(os.path.dirname(numpy.__file__)))
    return sorted(os.path.realpath(r) for r in read), sorted(os.path.realpath(h) for h in hidden)


def _limit(limits: Limits, plan: isolation.Plan | None = None):
    parent = os.getpid()

    def apply() -> None:
        if plan is not None:
            isolation.apply(plan)
        mb = 1024 * 1024
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_mb * mb, limits.memory_mb * mb))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_mb * mb, limits.file_mb * mb))
        resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if os.geteuid() != 0:  # root ignores RLIMIT_NPROC (so the uid layer drops root first)
            resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
        isolation.die_with(parent)  # after the uid change, which would clear it
    return apply


def _env(tmp: str) -> dict:
    return {"PATH": "/usr/bin:/bin", "HOME": tmp, "TMPDIR": tmp, "LANG": "C.UTF-8", "PYTHONHASHSEED": "0",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "MPLBACKEND": "Agg", "MPLCONFIGDIR": tmp, "PYTHONDONTWRITEBYTECODE": "1",
            "NBGRADER_EXECUTION": "autograde"}  # as nbgrader runs it: visible tests print, never stop a cell


def spawn(args: list[str], box: Box, limits: Limits, *, preload: tuple = (), stdin=subprocess.PIPE,
          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) -> subprocess.Popen:
    """Start ``python -I -B *args`` in ``box`` with every available layer (the hook is child.py's job)."""
    return subprocess.Popen(
        [sys.executable, "-I", "-B", *args], stdin=stdin, stdout=stdout, stderr=stderr, cwd=box.work,
        env=_env(box.work), start_new_session=True, preexec_fn=_limit(limits, box.plan(preload, limits.disk_mb)),
        close_fds=True)


class ProtocolError(Exception):
    """The child sent something the protocol does not allow (the message says what)."""


class _Child:
    """One child process and the framed messages it streams back, read within a fixed budget."""

    def __init__(self, request: dict, box: Box, limits: Limits, preload: tuple = ()) -> None:
        self.limits, self.box = limits, box
        self.proc = spawn([box.child, box.driver], box, limits, preload=preload)
        try:
            self.proc.stdin.write(driver.pack(request))
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.proc.stdout, selectors.EVENT_READ)
        self.buffer = bytearray()
        self.received = 0
        self.watch_disk = "fs" not in box.layers  # without the tmpfs of its own, the parent measures

    def next_message(self, deadline: float):
        """The next message, decoded (untrusted). "timeout" when the deadline passes, "eof" when the
        child is gone; ProtocolError when what arrives cannot be a message."""
        budget = self.limits.max_output_mb * 1024 * 1024
        while True:
            if len(self.buffer) >= 8:
                size = int.from_bytes(self.buffer[:8], "little")
                if size > driver.MAX_MESSAGE:
                    raise ProtocolError(f"a message of {size} bytes (the limit is {driver.MAX_MESSAGE})")
                if len(self.buffer) >= 8 + size:
                    payload = bytes(self.buffer[8:8 + size])
                    del self.buffer[:8 + size]
                    try:
                        return driver.unpack(payload, untrusted=True)
                    except ValueError as err:
                        raise ProtocolError(f"an unreadable message ({err})") from None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timeout"
            if not self.selector.select(min(remaining, 0.25)):
                self._check_disk()
                continue
            chunk = self.proc.stdout.read(min(1 << 20, 8 + driver.MAX_MESSAGE - len(self.buffer)) or 1)
            if chunk == b"" or chunk is None and self.proc.poll() is not None:
                return "eof"
            if chunk:
                self.received += len(chunk)
                if self.received > budget:
                    raise ProtocolError(f"more than {self.limits.max_output_mb} MB of messages")
                self.buffer += chunk

    def _check_disk(self) -> None:
        if self.watch_disk and self.box.used_bytes() > self.limits.disk_mb * 1024 * 1024:
            raise ProtocolError(f"it wrote more than {self.limits.disk_mb} MB of files")

    def kill(self) -> None:
        """The child's process group, then (as the box's uid) anything else it started, are killed."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        self.box.reap()
        self.selector.close()
        self.proc.stdout.close()


# ---------------------------------------------------------------------------------- the protocol

def _fields(message, event: str, fields: dict) -> dict:
    """``message`` if it is exactly the event ``event`` with ``fields`` (name -> check), else ProtocolError."""
    if not isinstance(message, dict) or message.get("event") != event or set(message) != {"event", *fields}:
        shown = message.get("event") if isinstance(message, dict) else type(message).__name__
        raise ProtocolError(f"a message out of order ({str(shown)[:40]!r} where {event!r} was due)")
    for name, valid in fields.items():
        if not valid(message[name]):
            raise ProtocolError(f"a {event!r} message whose {name!r} is not what the grader sent for")
    return message


def _text(limit: int):
    return lambda value: isinstance(value, str) and len(value) <= limit


def _error_record(value) -> bool:
    return (isinstance(value, dict) and set(value) <= {"__error__", "message", "where"} and "__error__" in value
            and all(isinstance(v, str) and len(v) <= 1000 for v in value.values()))


def _result_for(check: dict):
    """The valid shapes of a check's result: {"missing": [names it needs]} or one dict per case."""
    def valid(result) -> bool:
        if not isinstance(result, dict) or len(result) != 1:
            return False
        if "missing" in result:
            missing = result["missing"]
            return isinstance(missing, list) and 0 < len(missing) <= len(check["needs"]) and all(
                name in check["needs"] for name in missing)
        cases = result.get("cases")
        return isinstance(cases, list) and len(cases) == len(check["cases"]) and all(
            isinstance(case, dict) and all(isinstance(k, str) for k in case) for case in cases)
    return valid


def _converse(child: _Child, cells: list, pending: list, run: SandboxRun, limits: Limits, overall: float):
    """Read one child's messages in the protocol's order, each stage on the parent's own clock.

    Returns (outcome, stage): outcome None when the child answered everything, "timeout" or "eof";
    stage "cells" or the name of the check that was due. ProtocolError propagates."""
    names = [name for name, _ in cells]
    deadline = min(time.monotonic() + limits.cells_timeout, overall)
    message = child.next_message(deadline)
    if isinstance(message, str):
        return message, "cells"
    ready = _fields(message, "ready", {"seccomp": _text(300)})
    run.isolation["seccomp filter"] = ready["seccomp"] if ready["seccomp"] == "on" else (
        ready["seccomp"] if ready["seccomp"].startswith("off") else "off")
    position = 0
    while True:
        message = child.next_message(deadline)
        if isinstance(message, str):
            run.current_cell = names[position - 1] if position else None
            return message, "cells"
        if isinstance(message, dict) and message.get("event") == "cell":
            if position >= len(names) or message != {"event": "cell", "name": names[position]}:
                raise ProtocolError("a 'cell' message for a cell that was not next")
            position += 1
            continue
        errors = _fields(message, "cells", {"errors": lambda e: isinstance(e, list) and len(e) <= len(names)})
        if not all(isinstance(e, list) and len(e) == 2 and e[0] in names and _error_record(e[1])
                   for e in errors["errors"]):
            raise ProtocolError("a 'cells' message with errors that are not error records")
        run.cell_errors = errors["errors"]
        break
    while pending:
        check = pending[0]
        message = child.next_message(min(time.monotonic() + limits.check_timeout, overall))
        if isinstance(message, str):
            return message, check["name"]
        result = _fields(message, "result", {"check": lambda name: name == check["name"],
                                             "result": _result_for(check)})
        run.results[check["name"]] = result["result"]
        pending.pop(0)
    message = child.next_message(min(time.monotonic() + limits.check_timeout, overall))
    if isinstance(message, str):
        return (None, None) if message == "eof" else (message, None)
    _fields(message, "done", {})
    return None, None


def run_submission(cells: list[tuple[str, str]], checks: list[dict], *, limits: Limits | None = None,
                   preload: tuple[str, ...] = (), extra_read: tuple[str, ...] = (),
                   files: dict[str, str] | None = None, hidden: tuple[str, ...] = (),
                   environ: dict[str, str] | None = None) -> SandboxRun:
    """Run ``cells`` then each check's driver plan in sandboxed children; return what came back.

    ``environ``: variables the notebook sees besides the fixed ones (``NNCOURSE_STUDENT``, whose
    numbers it shows).
    ``files`` (name -> path) are copied into the child's working folder first (data the notebook reads).
    ``hidden`` folders (the course folder) are refused to the child, as the package's own folder is.
    """
    limits = limits or Limits()
    started = time.monotonic()
    overall = started + limits.cells_timeout + limits.check_timeout * len(checks) + GRACE
    run = SandboxRun()
    pending = list(checks)
    status = isolation_status()
    run.isolation = describe_isolation(status)
    hidden = (*package_hidden(PACKAGE_DIR), *hidden)
    box = Box(status.active(), extra_read, hidden)
    tmp = box.work
    try:
        read_roots, denied_roots = _roots(tmp, list(extra_read), hidden)
        for name, path in (files or {}).items():
            shutil.copyfile(path, os.path.join(tmp, name))
            if "uid" in box.layers and os.geteuid() == 0:
                os.chown(os.path.join(tmp, name), box.uid, box.uid)
        while pending:
            os.chmod(tmp, 0o700)
            request = {"tmp": tmp, "read_roots": read_roots, "denied_roots": denied_roots, "cells": cells,
                       "checks": pending, "preload": list(preload), "seccomp": seccomp_status() is True,
                       "environ": dict(environ or {}),
                       "seccomp_library": seccomp_library() if seccomp_status() is True else None}
            child = _start(request, box, limits, preload, run)
            try:
                outcome, stage = _converse(child, cells, pending, run, limits, overall)
            except ProtocolError as err:
                child.kill()
                why = f"Your code interfered with the grader: {err}. Nothing it answered after that was counted."
                for check in pending:
                    run.results[check["name"]] = {"failure": why, "status": "interfered"}
                break
            child.kill()
            if outcome is None:
                break
            if time.monotonic() >= overall:
                outcome = "timeout"
            why = {"timeout": "did not finish in time (an endless loop?)",
                   "eof": "ended the grader's process (sys.exit at top level is fine, but os._exit(), a crash "
                          "or running out of memory is not)"}[outcome]
            if stage == "cells":
                limit = f" (limit {limits.cells_timeout:g} s)" if outcome == "timeout" else ""
                where = f", while running cell {run.current_cell}" if run.current_cell else ""
                run.failure = f"Your notebook's code {why}{limit}{where}."
                break
            limit = f" (limit {limits.check_timeout:g} s)" if outcome == "timeout" else ""
            run.results[stage] = {"failure": f"Your code {why}{limit} during this check.",
                                  "status": "timeout" if outcome == "timeout" else "error"}
            pending = [c for c in pending if c["name"] != stage]
            if time.monotonic() >= overall:  # the whole submission's time is up: nothing more runs
                for check in pending:
                    run.results[check["name"]] = {"failure": "Your code used up the whole submission's time "
                                                             "before this check could run.", "status": "timeout"}
                break
    finally:
        box.cleanup()
    run.seconds = time.monotonic() - started
    return run


def _start(request: dict, box: Box, limits: Limits, preload: tuple, run: SandboxRun) -> _Child:
    try:
        return _Child(request, box, limits, tuple(preload))
    except (subprocess.SubprocessError, OSError) as err:
        if not box.layers:
            raise
        # A layer that passed the probe failed now (say, no namespaces left): grade anyway,
        # without the kernel layers, and say so in the report.
        for name in _kernel_layer_names(box.layers):
            run.isolation[name] = f"off: failed for this submission ({err})"
        if "uid" in box.layers:
            run.isolation["process-count limit (RLIMIT_NPROC)"] = "off: the child runs as root"
        box.layers = ()
        return _Child(request, box, limits, tuple(preload))
