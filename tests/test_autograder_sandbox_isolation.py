"""The sandbox's kernel layers hold on their own, with the audit hook out of the way.

The "raw" tests launch a tiny script through the same launcher the grader uses (``sandbox.spawn``)
but without child.py, so no audit hook is installed: whatever they refuse, the kernel refuses.
"""
import json
import os
import sys
import socket
import subprocess
import textwrap
from pathlib import Path

import pytest

import nncourse.autograder as autograder
import nncourse.reference as reference
from nncourse.autograder import sandbox
from nncourse.autograder.grading import grade_file, gradescope_json, table
from nncourse.autograder.sandbox import Box, Limits, isolation, isolation_status, spawn
from nncourse.reference.paths import PACKAGE_DIR
from autograder_corpus import SUBMISSIONS

SOLUTION = SUBMISSIONS / "layers" / "solution.py"
REPO = Path(__file__).resolve().parent.parent
FAST = Limits(cells_timeout=10, check_timeout=5)


def layer_on(name: str) -> bool:
    return isolation_status().layers.get(name) is True


def needs(name: str):
    return pytest.mark.skipif(not layer_on(name), reason=f"the {name} layer is off here: "
                                                         f"{isolation_status().layers.get(name)}")


def run_raw(code: str, hidden: tuple = (str(PACKAGE_DIR),)) -> dict:
    """Run ``code`` through the grader's launcher without the audit hook; it prints one JSON line."""
    box = Box(isolation_status().active(), hidden=hidden)
    try:
        script = Path(box.work) / "probe.py"
        script.write_text(textwrap.dedent(code))
        proc = spawn([str(script)], box, Limits(), stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
        out, err = proc.communicate(timeout=60)
    finally:
        box.cleanup()
    assert proc.returncode == 0, err.decode(errors="replace")[-2000:]
    return json.loads(out.decode().strip().splitlines()[-1])


@pytest.fixture
def listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.3)
    yield server
    server.close()


def connections(server: socket.socket) -> int:
    count = 0
    try:
        while True:
            server.accept()[0].close()
            count += 1
    except (TimeoutError, socket.timeout):
        return count


@needs("net")
def test_network_namespace_refuses_loopback_without_the_hook(listener):
    port = listener.getsockname()[1]
    result = run_raw(f"""
        import json, socket
        try:
            socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
            print(json.dumps({{"outcome": "connected"}}))
        except OSError as err:
            print(json.dumps({{"outcome": type(err).__name__, "errno": err.errno}}))
    """)
    assert result["outcome"] != "connected"
    assert connections(listener) == 0
    # the same script outside the namespace does reach the listener (the test can fail)
    probe = socket.create_connection(listener.getsockname(), timeout=2)
    probe.close()
    assert connections(listener) == 1


def test_a_submission_cannot_reach_a_local_listener(listener, tmp_path, course):
    port = listener.getsockname()[1]
    source = SOLUTION.read_text() + textwrap.dedent(f"""
        import socket as _s
        try:
            _s.create_connection(("127.0.0.1", {port}), timeout=2).close()
        except OSError:
            pass
    """)
    (tmp_path / "net.py").write_text(source)
    report = grade_file("layers", tmp_path / "net.py", course, limits=FAST)
    assert report.score == 20  # the attempt fails inside the child; the grading goes on
    assert connections(listener) == 0


@needs("fs")
def test_reference_and_course_files_are_not_there_without_the_hook(course):
    secrets = [Path(reference.__file__).resolve(), Path(reference.__file__).resolve().with_name("layers.py"),
               Path(autograder.__file__).resolve().with_name("registry.py"), REPO / "tests" / "conftest.py",
               REPO / "assignments", Path(sandbox.__file__).resolve(), course.secret_file,
               course.source_notebook("layers"), course.text_source("layers")]
    secrets = [str(p) for p in secrets if p.exists()]
    assert len(secrets) >= 7
    result = run_raw(f"""
        import ctypes, json, os
        import numpy as np
        seen = {{}}
        for path in {secrets!r}:
            try:
                with open(path, "rb") as f:
                    seen[path] = "read %d bytes" % len(f.read())
            except OSError as err:
                seen[path] = type(err).__name__
        try:
            os.chroot("/")
            chroot = "allowed"
        except OSError as err:
            chroot = type(err).__name__
        libc = ctypes.CDLL(None, use_errno=True)
        umount = libc.umount2(b"/usr", 2)
        print(json.dumps({{"seen": seen, "root": sorted(os.listdir("/")), "numpy": float(np.arange(5).sum()),
                          "chroot": chroot, "umount": umount, "proc": os.path.exists("/proc/1"),
                          "box": os.path.dirname(os.getcwd()), "repo": os.path.exists({str(REPO)!r}),
                          "beside_box": os.listdir(os.path.dirname(os.path.dirname(os.getcwd())))}}))
    """)
    assert set(result["seen"]) == set(secrets)
    assert all(v in ("FileNotFoundError", "PermissionError") for v in result["seen"].values()), result["seen"]
    assert result["numpy"] == 10.0  # everything the child needs is still there
    assert result["chroot"] == "PermissionError" and result["umount"] == -1  # no capabilities left
    assert not result["proc"]
    # The course repository is gone (its top folder may remain when it is shared with the box, /tmp).
    assert not result["repo"]
    # Beside the student's box only what the child needs may appear: the Python installation, when it
    # lives in the same folder (a virtual environment under /tmp, say). No other students' folders.
    parent = Path(result["box"]).parent
    python_homes = {Path(p).resolve().relative_to(parent).parts[0] for p in (sys.prefix, sys.base_prefix)
                    if Path(p).resolve().is_relative_to(parent)}
    assert set(result["beside_box"]) - python_homes == {os.path.basename(result["box"])}


@needs("fs")
def test_the_students_folder_is_writable_and_nothing_else_is():
    result = run_raw("""
        import json, os
        out = {}
        for path in ("here.txt", "/usr/nncourse_probe", "/etc/nncourse_probe", "/nncourse_probe"):
            try:
                with open(path, "w") as f:
                    f.write("x")
                out[path] = "written"
            except OSError as err:
                out[path] = type(err).__name__
        print(json.dumps(out))
    """)
    assert result.pop("here.txt") == "written"
    assert all(v in ("PermissionError", "OSError") for v in result.values()), result
    assert not Path("/usr/nncourse_probe").exists() and not Path("/etc/nncourse_probe").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="the uid layer is for graders running as root")
@needs("uid")
def test_a_root_grader_runs_the_child_unprivileged_and_nproc_holds():
    result = run_raw("""
        import json, os
        forks, errors = 0, []
        for _ in range(20):  # a small fork bomb: every success would be a process
            try:
                pid = os.fork()
            except OSError as err:
                errors.append(type(err).__name__)
                continue
            if pid == 0:
                os._exit(0)
            forks += 1
            os.waitpid(pid, 0)
        print(json.dumps({"uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(),
                          "groups": os.getgroups(), "forks": forks, "errors": errors[:1]}))
    """)
    assert result["uid"] != 0 and result["euid"] != 0 and result["gid"] != 0 and result["groups"] == []
    assert result["forks"] == 0 and result["errors"] == ["BlockingIOError"]


@pytest.mark.skipif(os.geteuid() == 0, reason="checks the unprivileged grader's fork limit")
def test_an_unprivileged_grader_limits_forks_too():
    result = run_raw("""
        import json, os
        try:
            pid = os.fork()
            if pid == 0:
                os._exit(0)
            print(json.dumps({"fork": "allowed"}))
        except OSError as err:
            print(json.dumps({"fork": type(err).__name__}))
    """)
    assert result["fork"] == "BlockingIOError"


def test_reports_and_grade_output_name_the_active_layers(course):
    report = grade_file("layers", SOLUTION, course, limits=FAST)
    assert report.score == 20
    state = report.isolation
    assert state["audit hook"] == "on"
    for name, layer in (("network namespace", "net"), ("private filesystem (mount namespace)", "fs")):
        assert state[name].startswith("on") == layer_on(layer)
    assert gradescope_json(report)["extra_data"]["isolation"] == state
    last = table(report).splitlines()[-1]
    assert last.strip().startswith("sandbox: ") and "audit hook" in last


@pytest.fixture
def fresh_status():
    isolation.reset()
    yield
    isolation.reset()


def test_a_layer_that_fails_is_turned_off_and_reported(monkeypatch, fresh_status, course):
    probe = isolation._probe

    def failing(plan):
        return "unshare: Operation not permitted" if plan.net else probe(plan)
    monkeypatch.setattr(isolation, "_probe", failing)
    layers = isolation_status().layers
    assert layers["net"] == "unshare: Operation not permitted"
    report = grade_file("layers", SOLUTION, course, limits=FAST)
    assert report.score == 20
    assert report.isolation["network namespace"] == "off: unshare: Operation not permitted"
    assert "OFF: network namespace (unshare: Operation not permitted)" in table(report)


def test_isolation_can_be_turned_off_and_grading_still_works(monkeypatch, fresh_status, course):
    monkeypatch.setenv("NNCOURSE_SANDBOX_ISOLATION", "off")
    report = grade_file("layers", SOLUTION, course, limits=FAST)
    assert report.score == 20
    assert report.isolation["network namespace"].startswith("off: turned off")
    assert report.isolation["audit hook"] == "on"


@needs("fs")
def test_packages_installed_in_site_packages_are_covered():
    """As after `pip install nncourse`: the package sits in site-packages, inside a tree the child needs."""
    import wsgiref  # a stdlib package the child never uses stands in for site-packages/nncourse
    stand_in = str(Path(wsgiref.__file__).resolve().parent)
    result = run_raw(f"""
        import json, os
        json_dir = os.path.dirname(json.__file__)
        print(json.dumps({{"listing": os.listdir({stand_in!r}), "json": os.path.isdir(json_dir)}}))
    """, hidden=(stand_in,))
    assert result == {"listing": [], "json": True}
    assert len(os.listdir(stand_in)) > 2  # the host still has it


@needs("net")
def test_a_layer_failing_at_launch_falls_back_and_says_so(monkeypatch, course):
    def broken(plan):
        if plan.net:
            raise OSError(12, "unshare: Cannot allocate memory")
    sandbox.isolation_status()  # probe the machine first (cached per process): only the launch may fail
    monkeypatch.setattr(isolation, "apply", broken)  # runs in the forked child, before exec
    report = grade_file("layers", SOLUTION, course, limits=FAST)
    assert report.score == 20
    assert report.isolation["network namespace"].startswith("off: failed for this submission")
    assert report.isolation["audit hook"] == "on"


def test_a_python_environment_inside_the_package_folder_stays_usable(course, monkeypatch, tmp_path):
    """A venv in the clone of an editable install (`python -m venv .venv` in the repository): the
    package folder is hidden except the path down to the environment, so grading still imports numpy,
    while the package's other folders stay hidden."""
    outer = os.path.dirname(os.path.realpath(sys.prefix))
    if outer in ("/", "/usr"):
        pytest.skip("this Python's prefix has no folder of its own to play the package folder")
    hidden = sandbox.package_hidden(outer, sys.prefix)
    assert os.path.realpath(sys.prefix) not in hidden and all(not h.startswith(os.path.realpath(sys.prefix)) for h in hidden)
    assert sandbox.package_hidden(PACKAGE_DIR, "/somewhere/else") == (os.path.realpath(PACKAGE_DIR),)
    monkeypatch.setattr(sandbox, "PACKAGE_DIR", Path(outer))
    report = grade_file("layers", SUBMISSIONS / "layers" / "solution.py", course)
    assert report.score == 20, table(report)
    sibling = next((h for h in hidden if os.path.isdir(h) and os.listdir(h)), None)
    if sibling is not None:  # a folder beside the environment: empty or refused in the child
        out = run_raw(f"import json, os\ntry:\n    r = os.listdir({sibling!r})\nexcept OSError:\n    r = []\n"
                      f"print(json.dumps(r))\n", hidden=hidden)
        assert out == [], out
