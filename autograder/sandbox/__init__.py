"""Run a submission in a sandboxed child process and collect its (untrusted) outputs.

One child per submission runs all the checks. The parent enforces a wall-clock deadline per stage
(the cells, then each check) by killing the child's whole process group; when a check hangs or the
child dies, that check scores 0 and a fresh child runs the remaining checks.

Each run gets a box: ``boot/`` (copies of child.py and driver.py, so the child needs nothing from the
package's folders, which its namespaces hide), ``work/`` (the student's folder) and ``root/`` (where
the child's minimal root is mounted). ``isolation`` says which kernel layers are used.
"""
from __future__ import annotations

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
BASE_LAYERS = ("process group + wall-clock kill", "rlimits (CPU, memory, file size)", "audit hook",
               "scrubbed environment")


@dataclass
class Limits:
    """Resource limits for one child. Times are seconds of wall clock; memory and files in MB."""

    cells_timeout: float = 60.0
    check_timeout: float = 10.0
    cpu_seconds: int = 120
    memory_mb: int = 2048
    file_mb: int = 16
    max_output_mb: int = 256


@dataclass
class SandboxRun:
    results: dict = field(default_factory=dict)      # check name -> decoded driver result
    cell_errors: list = field(default_factory=list)  # [cell name, error record]
    failure: str | None = None                       # why nothing could run (e.g. the cells timed out)
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

    def plan(self, preload: tuple = ()) -> isolation.Plan:
        return isolation.make_plan(self.layers, root=self.root, boot=self.boot, workdir=self.work,
                                   child_uid=self.uid, preload=preload, extra=self.extra_read, hidden=self.hidden)

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
    return out


def _roots(tmp: str, extra_read: list[str], hidden: tuple[str, ...]) -> tuple[list[str], list[str]]:
    paths = sysconfig.get_paths()
    read = {tmp, sys.prefix, sys.base_prefix, sys.exec_prefix, "/usr/share/zoneinfo", "/etc/localtime",
            *(paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths),
            *extra_read}
    import numpy
    read.add(os.path.dirname(os.path.dirname(numpy.__file__)))
    return sorted(os.path.realpath(r) for r in read), sorted(os.path.realpath(h) for h in hidden)


def _limit(limits: Limits, plan: isolation.Plan | None = None):
    def apply() -> None:
        if plan is not None:
            isolation.apply(plan)
        mb = 1024 * 1024
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_mb * mb, limits.memory_mb * mb))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_mb * mb, limits.file_mb * mb))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if os.geteuid() != 0:  # root ignores RLIMIT_NPROC (so the uid layer drops root first)
            resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    return apply


def _env(tmp: str) -> dict:
    return {"PATH": "/usr/bin:/bin", "HOME": tmp, "TMPDIR": tmp, "LANG": "C.UTF-8", "PYTHONHASHSEED": "0",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "MPLBACKEND": "Agg", "MPLCONFIGDIR": tmp, "PYTHONDONTWRITEBYTECODE": "1"}


def spawn(args: list[str], box: Box, limits: Limits, *, preload: tuple = (), stdin=subprocess.PIPE,
          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) -> subprocess.Popen:
    """Start ``python -I -B *args`` in ``box`` with every available layer (the hook is child.py's job)."""
    return subprocess.Popen(
        [sys.executable, "-I", "-B", *args], stdin=stdin, stdout=stdout, stderr=stderr, cwd=box.work,
        env=_env(box.work), start_new_session=True, preexec_fn=_limit(limits, box.plan(preload)), close_fds=True)


class _Child:
    """One child process and the framed messages it streams back."""

    def __init__(self, request: dict, box: Box, limits: Limits, preload: tuple = ()) -> None:
        self.limits = limits
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

    def next_message(self, deadline: float):
        """The next message; "timeout" when the deadline passes, "eof" when the child is gone."""
        while True:
            if len(self.buffer) >= 8:
                size = int.from_bytes(self.buffer[:8], "little")
                if size > self.limits.max_output_mb * 1024 * 1024:
                    return "garbled"
                if len(self.buffer) >= 8 + size:
                    payload = bytes(self.buffer[8:8 + size])
                    del self.buffer[:8 + size]
                    try:
                        return driver.unpack(payload)
                    except Exception:  # noqa: BLE001 - untrusted bytes
                        return "garbled"
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timeout"
            if not self.selector.select(remaining):
                continue
            chunk = self.proc.stdout.read(1 << 20)
            if chunk == b"" or chunk is None and self.proc.poll() is not None:
                return "eof"
            if chunk:
                self.received += len(chunk)
                if self.received > self.limits.max_output_mb * 1024 * 1024:
                    return "garbled"
                self.buffer += chunk

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        self.selector.close()
        self.proc.stdout.close()


def run_submission(cells: list[tuple[str, str]], checks: list[dict], *, limits: Limits | None = None,
                   preload: tuple[str, ...] = (), extra_read: tuple[str, ...] = (),
                   files: dict[str, str] | None = None, hidden: tuple[str, ...] = ()) -> SandboxRun:
    """Run ``cells`` then each check's driver plan in sandboxed children; return what came back.

    ``files`` (name -> path) are copied into the child's working folder first (data the notebook reads).
    ``hidden`` folders (the course folder) are refused to the child, as the package's own folder is.
    """
    limits = limits or Limits()
    started = time.monotonic()
    run = SandboxRun()
    pending = [c for c in checks]
    status = isolation_status()
    run.isolation = describe_isolation(status)
    hidden = (str(PACKAGE_DIR), *hidden)
    box = Box(status.active(), extra_read, hidden)
    tmp = box.work
    try:
        read_roots, denied_roots = _roots(tmp, list(extra_read), hidden)
        for name, path in (files or {}).items():
            shutil.copyfile(path, os.path.join(tmp, name))
            if "uid" in box.layers and os.geteuid() == 0:
                os.chown(os.path.join(tmp, name), box.uid, box.uid)
        for _attempt in range(len(checks) + 1):
            if not pending:
                break
            os.chmod(tmp, 0o700)
            request = {"tmp": tmp, "read_roots": read_roots, "denied_roots": denied_roots, "cells": cells,
                       "checks": pending, "preload": list(preload)}
            try:
                child = _Child(request, box, limits, tuple(preload))
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
                child = _Child(request, box, limits, tuple(preload))
            stage, cell = "cells", None
            deadline = time.monotonic() + limits.cells_timeout
            outcome = None
            while True:
                message = child.next_message(deadline)
                if isinstance(message, str):
                    outcome = message
                    break
                if not isinstance(message, dict):
                    outcome = "garbled"
                    break
                event = message.get("event")
                if event == "cell":
                    cell = str(message.get("name"))
                elif event == "cells":
                    run.cell_errors = message.get("errors") if isinstance(message.get("errors"), list) else []
                    stage = "checks"
                elif event == "start":
                    stage, deadline = str(message.get("check")), time.monotonic() + limits.check_timeout
                elif event == "result":
                    name = message.get("check")
                    if any(c["name"] == name for c in pending):
                        run.results[name] = message.get("result")
                        pending = [c for c in pending if c["name"] != name]
                    stage = "checks"
                elif event == "done":
                    break
            child.kill()
            if outcome is None:
                break
            why = {"timeout": "did not finish in time (an endless loop?)",
                   "eof": "ended the grader's process (sys.exit at top level is fine, but os._exit(), a crash "
                          "or running out of memory is not)",
                   "garbled": "sent something the grader could not read"}[outcome]
            if stage == "cells":
                limit = f" (limit {limits.cells_timeout:g} s)" if outcome == "timeout" else ""
                run.failure = f"Your notebook's code {why}{limit}, while running cell {cell}."
                break
            if stage == "checks":  # died between checks: charge the next one
                stage = pending[0]["name"] if pending else None
            if stage is not None:
                limit = f" (limit {limits.check_timeout:g} s)" if outcome == "timeout" else ""
                run.results[stage] = {"failure": f"Your code {why}{limit} during this check.",
                                      "status": "timeout" if outcome == "timeout" else "error"}
                pending = [c for c in pending if c["name"] != stage]
    finally:
        box.cleanup()
    run.seconds = time.monotonic() - started
    return run
