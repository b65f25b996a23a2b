"""Kernel-level isolation for the sandbox child: namespaces, a minimal root, an unprivileged uid.

Applied in the forked child between ``fork`` and ``exec`` (so before the child's Python starts):

- **net**: a new network namespace. It has only a loopback interface, which is down: no connection
  can leave it, not even to 127.0.0.1 of the grading machine.
- **fs**: a private mount namespace whose root is a fresh tmpfs holding read-only bind mounts of the
  system folders (``/usr``, ``/etc``, ``/lib*``, ...), the Python installation, a few device nodes,
  the child's bootstrap folder and its working folder (the only writable place, mounted noexec).
  Everything else — the package's own folder (``nncourse``: the reference, the checks, the
  assignments' solutions), the course folder (its secret and source notebooks), home folders,
  ``/tmp``, other students' files, ``/proc`` — does not exist there; the package's folder is covered
  even when it is installed inside a bound tree (site-packages).
- **uid**: when the grader runs as root, the child becomes an unprivileged user of its own
  (a uid no other process uses, so RLIMIT_NPROC and file permissions apply, and students cannot
  signal each other). Otherwise a user namespace maps the grader's own uid, so the child keeps no
  capabilities after ``exec``.

Which layers work is probed once per process (a real launch of Python that reads numpy), and the
result says why a layer is off. ``NNCOURSE_SANDBOX_ISOLATION=off`` turns all three off (for debugging
or to measure their cost).
"""
from __future__ import annotations

import ctypes
import importlib.util
import os
import shutil
import sys
import sysconfig
from dataclasses import dataclass, field

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWNET = 0x00020000, 0x10000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MS_NOATIME, MS_NODIRATIME, MS_RELATIME = 1024, 2048, 1 << 21
PR_SET_NO_NEW_PRIVS = 38
PR_SET_PDEATHSIG = 1
UID_BASE = 1_000_000_000  # per-run uids for the child when the grader is root (not in /etc/passwd)
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
DEVICES = ("null", "zero", "full", "random", "urandom")
LAYERS = ("net", "fs", "uid")

_libc = None


def _c():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)  # the interpreter's own libc
        _libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
        _libc.unshare.argtypes = [ctypes.c_int]
    return _libc


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source, target, fstype, flags: int, data=None) -> None:
    enc = (lambda s: None if s is None else os.fsencode(s))
    _check(_c().mount(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount {target}")


@dataclass(frozen=True)
class Plan:
    """What to set up for one child. ``uid`` is only used when the grader is root."""

    net: bool = False
    fs: bool = False
    uid: bool = False
    root: str = ""                       # empty folder to mount the child's tmpfs root on
    binds: tuple = ()                    # (path, writable) bound at the same path inside the root
    links: tuple = ()                    # (path, target) top-level symlinks such as /lib -> usr/lib
    hide: tuple = ()                     # folders inside bound trees covered by an empty tmpfs
    workdir: str = ""
    child_uid: int = -1
    disk_mb: int = 64                    # the size of the child's own tmpfs at workdir

    def active(self) -> list[str]:
        return [name for name in LAYERS if getattr(self, name)]


@dataclass
class Status:
    """Which layers this process can use, and why the others are off."""

    layers: dict = field(default_factory=dict)   # name -> True or the reason it is off

    def active(self) -> list[str]:
        return [name for name, on in self.layers.items() if on is True]


def _realpath_dir(path) -> str | None:
    if not path:
        return None
    real = os.path.realpath(path)
    return real if os.path.isdir(real) else None


def _package_dir(name: str) -> str | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.realpath(list(spec.submodule_search_locations)[0])


def _python_dirs(preload: tuple = ()) -> list[str]:
    """The folders the child's Python needs to start and import numpy (and ``preload``)."""
    paths = sysconfig.get_paths()
    dirs = {sys.prefix, sys.base_prefix, sys.exec_prefix, getattr(sys, "base_exec_prefix", sys.exec_prefix),
            os.path.dirname(sys.executable), os.path.dirname(os.path.realpath(sys.executable)),
            *(paths.get(k) for k in ("stdlib", "platstdlib", "purelib", "platlib"))}
    for name in ("numpy", *preload):
        found = _package_dir(name)
        if found:
            dirs.add(os.path.dirname(found))
    return sorted(d for d in map(_realpath_dir, dirs) if d)


def _under(path: str, roots) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def make_plan(layers, *, root: str, boot: str, workdir: str, child_uid: int, preload: tuple = (),
              extra: tuple = (), hidden: tuple = (), disk_mb: int = 64) -> Plan:
    """The plan for one child, with the layers ``layers`` (names from LAYERS); ``extra`` folders are
    bound read-only too, and ``hidden`` folders inside the bound trees are covered."""
    layers = set(layers)
    if layers & {"net", "fs"}:
        _c()  # load it here: the forked child only calls it
    if "fs" not in layers:
        return Plan(net="net" in layers, uid="uid" in layers, workdir=workdir, child_uid=child_uid)
    binds, links = [], []
    for d in SYSTEM_DIRS:
        if os.path.islink(d):
            links.append((d, os.readlink(d)))
        elif os.path.isdir(d):
            binds.append((d, False))
    covered = [d for d, _ in binds]
    for d in [*_python_dirs(preload), *filter(None, map(_realpath_dir, extra))]:
        if not _under(d, covered):
            binds.append((d, False))
            covered.append(d)
    binds += [(f"/dev/{n}", True) for n in DEVICES if os.path.exists(f"/dev/{n}")]
    binds += [(boot, False), (workdir, True)]
    hide = [d for d in map(_realpath_dir, hidden) if d and _under(d, covered)]
    return Plan(net="net" in layers, fs=True, uid="uid" in layers, root=root, binds=tuple(binds),
                links=tuple(links), hide=tuple(hide), workdir=workdir, child_uid=child_uid, disk_mb=disk_mb)


def _remount_readonly(path: str, extra: int = 0) -> None:
    """Best effort: a locked mount (user namespace) may refuse; file permissions still apply."""
    flags = MS_REMOUNT | MS_BIND | MS_RDONLY | extra
    try:
        st = os.statvfs(path).f_flag
        flags |= st & (MS_NOSUID | MS_NODEV | MS_NOEXEC)
        flags |= (MS_NOATIME if st & 1024 else 0) | (MS_NODIRATIME if st & 2048 else 0) | (
            MS_RELATIME if st & 4096 else 0)
        _mount(None, path, None, flags)
    except OSError:
        pass


def _build_root(plan: Plan) -> None:
    root = plan.root
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("nncourse", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m")
    for path, target in plan.links:
        os.symlink(target, root + path)
    for path, writable in plan.binds:
        inside = root + path
        if os.path.isdir(path):
            os.makedirs(inside, 0o755, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(inside), 0o755, exist_ok=True)
            os.close(os.open(inside, os.O_CREAT | os.O_WRONLY, 0o644))
        if path == plan.workdir:  # the student's folder: a tmpfs of its own size, holding copies of its files
            owner = f",uid={plan.child_uid},gid={plan.child_uid}" if plan.uid and os.geteuid() == 0 else ""
            _mount("nncourse-work", inside, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                   f"mode=0700,size={plan.disk_mb}m{owner}")
            for name in os.listdir(path):
                shutil.copyfile(os.path.join(path, name), os.path.join(inside, name))
                if owner:
                    os.chown(os.path.join(inside, name), plan.child_uid, plan.child_uid)
            continue
        _mount(path, inside, None, MS_BIND | MS_REC)
        if not writable:
            _remount_readonly(inside)
    for path in plan.hide:
        _mount("nncourse-hidden", root + path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
               "mode=0555,size=4k")
    _mount(None, root, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.chroot(root)


def apply(plan: Plan) -> None:
    """Set up ``plan`` in the current (freshly forked) process. Raises OSError naming the failing step."""
    os.umask(0o022)
    is_root = os.geteuid() == 0
    flags = (CLONE_NEWNET if plan.net else 0) | (CLONE_NEWNS if plan.fs else 0)
    userns = bool(flags) and not is_root
    if userns:
        flags |= CLONE_NEWUSER
    if flags:
        uid, gid = os.geteuid(), os.getegid()
        _check(_c().unshare(flags), "unshare")
        if userns:  # keep our own uid inside, so exec drops the namespace's capabilities
            for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
                with open(f"/proc/self/{name}", "w") as f:
                    f.write(text)
    if plan.fs:
        _build_root(plan)
        os.chdir(plan.workdir)
    if plan.uid and is_root:
        os.setgroups([])
        os.setresgid(plan.child_uid, plan.child_uid, plan.child_uid)
        os.setresuid(plan.child_uid, plan.child_uid, plan.child_uid)
    if flags or plan.uid:
        _check(_c().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")


def die_with(parent: int) -> None:
    """Have the kernel kill this (forked) process when the grader that started it ends."""
    _check(_c().prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0), "prctl(PDEATHSIG)")
    if os.getppid() != parent:  # the grader ended before that took effect
        os._exit(1)


def _probe(plan: Plan) -> str | None:
    """Start Python under ``plan`` and read numpy's first file; None when it works, else why not.

    (Reading, not importing, numpy keeps the probe at one bare interpreter start.)"""
    spec = importlib.util.find_spec("numpy")
    code = f"open({spec.origin!r}, 'rb').read(1)" if spec and spec.origin else "pass"
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the probe child: report the failing step on the pipe
        try:
            os.close(read)
            os.chdir(plan.workdir)
            apply(plan)
            devnull = os.open(os.devnull, os.O_RDWR)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            os.execve(sys.executable, [sys.executable, "-I", "-S", "-B", "-c", code], {"PATH": "/usr/bin:/bin"})
        except BaseException as err:  # noqa: BLE001 - report anything
            os.write(write, str(err).encode()[:500] or type(err).__name__.encode())
        finally:
            os._exit(3)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        message = f.read().decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    if message:
        return message
    if os.waitstatus_to_exitcode(status) != 0:
        return "Python could not start (or read numpy) inside it"
    return None


_STATUS: Status | None = None


def status(make, off_reason: str | None = None) -> Status:
    """Which layers work here, probed once per process. ``make(layers)`` gives a probe plan."""
    global _STATUS
    if _STATUS is not None:
        return _STATUS
    if os.environ.get("NNCOURSE_SANDBOX_ISOLATION", "").lower() in ("0", "off", "no", "false"):
        _STATUS = Status({name: "turned off by NNCOURSE_SANDBOX_ISOLATION" for name in LAYERS})
        return _STATUS
    if not sys.platform.startswith("linux"):
        _STATUS = Status({name: "needs Linux" for name in LAYERS})
        return _STATUS
    wanted = list(LAYERS) if os.geteuid() == 0 else ["net", "fs"]
    layers = {} if "uid" in wanted else {"uid": "the grader is not root (the child keeps the grader's uid)"}
    if _probe(make(wanted)) is None:
        layers.update({name: True for name in wanted})
    else:  # find out which ones fail, one at a time, then check they work together
        for name in wanted:
            why = _probe(make([name]))
            layers[name] = True if why is None else why
        ok = [name for name in wanted if layers[name] is True]
        if ok and _probe(make(ok)) is not None:
            layers.update({name: "did not work together with the other layers" for name in ok})
    _STATUS = Status({name: layers[name] for name in LAYERS})
    return _STATUS


def reset() -> None:
    """Forget the probed status (tests)."""
    global _STATUS
    _STATUS = None
