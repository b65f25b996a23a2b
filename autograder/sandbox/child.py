"""The sandbox child: run a submission's cells, then drive its objects, and stream the outputs back.

Started by the parent as ``python -I boot/child.py boot/driver.py`` (copies in the run's box: the
package's own folders are hidden from the child by its mount namespace) in an empty working folder,
with a scrubbed environment, resource limits and whatever kernel layers the machine allows
(``isolation.py``). It imports nothing from the ``nncourse`` package: the driver is loaded
from its file. Before any student code runs it loads a seccomp filter (when the parent asks for
one) and installs an audit hook (which cannot be removed) that refuses imports of the instructor's
package, files outside the sandbox, processes, sockets and ctypes.

What it sends is plain data, framed as 8-byte length + payload, in a fixed order the parent checks:
``ready`` (before any student code), ``cell`` for each cell, ``cells``, one ``result`` per check in
the order asked, ``done``. Student code shares this process and can send anything: the parent
trusts none of it beyond its schema.
"""
import builtins
import importlib.util
import io
import linecache
import os
import sys

BLOCKED_EVENTS = ("os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "os.kill",
                  "os.killpg", "os.symlink", "os.link", "subprocess.Popen", "pty.spawn", "resource.setrlimit",
                  "resource.prlimit", "sys.addaudithook", "urllib.Request", "webbrowser.open", "ftplib.connect",
                  "smtplib.connect", "http.client.connect", "imaplib.open", "poplib.connect", "telnetlib.Telnet.open")
BLOCKED_PREFIXES = ("socket.", "ctypes.", "winreg.", "_winapi.")
WRITE_EVENTS = ("os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.truncate",
                "os.utime", "shutil.rmtree", "shutil.move", "shutil.copyfile", "os.chdir")
LIST_EVENTS = ("os.listdir", "os.scandir", "glob.glob", "os.walk")
#: Events of C code that opens a file itself (no "open" event): its path is checked as a write.
FILE_EVENTS = ("sqlite3.connect", "dbm.open", "readline.read_history_file", "readline.write_history_file",
               "readline.append_history_file")
COMPILED = (".so", ".pyd", ".dylib")
#: Modules that reach processes, shared memory or C calls; re-importing them after the grader's own
#: setup (deleting them from sys.modules first) is refused too.
BLOCKED_MODULES = ("nncourse", "_ctypes", "_multiprocessing", "_posixsubprocess", "_posixshmem")
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
MAX_CREATED = 64  # files and folders a submission may create (each at most RLIMIT_FSIZE)

# The seccomp filter: system calls grading never needs, refused with EPERM whatever the uid.
DENIED_CALLS = ("fork", "vfork", "execve", "execveat", "ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
                "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "memfd_create", "memfd_secret",
                "shmget", "msgget", "semget", "io_uring_setup", "pidfd_open", "pidfd_send_signal", "pidfd_getfd",
                "bpf", "perf_event_open", "add_key", "request_key", "keyctl", "userfaultfd", "openat2",
                "open_by_handle_at", "name_to_handle_at", "personality", "quotactl", "swapon", "reboot")
#: Calls that name a folder by a descriptor: only the current folder (AT_FDCWD) may be named, so a
#: descriptor of another folder cannot carry a relative path past the audit hook's checks.
DIRFD_ARGS = {"openat": (0,), "mkdirat": (0,), "unlinkat": (0,), "fchmodat": (0,), "fchownat": (0,),
              "mknodat": (0,), "renameat": (0, 2), "renameat2": (0, 2), "linkat": (0, 2), "symlinkat": (1,)}
AT_FDCWD = 0xffffff9c  # -100 as the kernel compares it
CLONE_THREAD = 0x00010000
AF_UNIX = 1


def install_seccomp(library):
    """Load the filter into this process (and every thread it could make); raises if it cannot.
    ``library``: libseccomp's file, which the parent found (ctypes' own search runs ldconfig, a process)."""
    import ctypes.util
    import errno
    search = ctypes.util.find_library
    ctypes.util.find_library = lambda name: library if name == "seccomp" else None  # None: libc, already loaded
    try:
        import pyseccomp as sc  # a binding to libseccomp
    finally:
        ctypes.util.find_library = search

    deny = sc.ERRNO(errno.EPERM)
    rules = sc.SyscallFilter(sc.ALLOW)
    for name in DENIED_CALLS:
        try:
            rules.add_rule(deny, name)
        except (ValueError, RuntimeError, OSError):
            pass  # a call this kernel or architecture does not have
    rules.add_rule(deny, "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, 0))  # threads only, no processes
    rules.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")  # so that threads fall back to clone
    me = os.getpid()
    for name in ("kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"):
        rules.add_rule(deny, name, sc.Arg(0, sc.NE, me))  # signals to this process only
    for name, positions in DIRFD_ARGS.items():
        for position in positions:
            rules.add_rule(deny, name, sc.Arg(position, sc.NE, AT_FDCWD))
    rules.add_rule(deny, "socket", sc.Arg(0, sc.NE, AF_UNIX))
    rules.load()


def _install_hook(tmp, read_roots, denied_roots):
    """The audit hook. Everything it uses is bound now (default arguments), so patching a module
    or a builtin later cannot change what it decides."""
    import stat
    created = [0]

    def norm(path, _str=str, _bytes=bytes):
        if type(path) is _bytes:
            path = path.decode("utf-8", "surrogateescape")
        if type(path) is not _str:
            return None
        if not path.startswith("/"):
            path = tmp + "/" + path
        parts = []
        for seg in path.split("/"):
            if seg in ("", "."):
                continue
            if seg == "..":
                if parts:
                    parts.pop()
                continue
            parts.append(seg)
        return "/" + "/".join(parts)

    def under(path, roots):
        for root in roots:
            if path == root or path.startswith(root + "/"):
                return True
        return False

    def refuse(what, _PermissionError=PermissionError):
        raise _PermissionError(f"nncourse sandbox: {what} is not allowed during grading")

    def allowed(path, write, _int=int, _type=type):
        if _type(path) is _int:
            return True
        p = norm(path)
        if p is None:
            refuse("opening a path given as an object (use a string)")
        if under(p, denied_roots):
            return False
        if write:
            return under(p, (tmp,)) or p == "/dev/null"
        return under(p, read_roots) or p == "/dev/null"

    def exists(path, _stat=os.stat, _isdir=stat.S_ISDIR):
        """None (no such path), True (a folder) or False (something else)."""
        try:
            return _isdir(_stat(path).st_mode)
        except (OSError, ValueError, TypeError):
            return None

    def count_new(path, _len=len):
        if exists(path) is None:
            created[0] += 1
            if created[0] > MAX_CREATED:
                refuse(f"creating more than {MAX_CREATED} files and folders")

    def hook(event, args, _starts=str.startswith, _tuple=tuple, _type=type, _int=int, _str=str,
             _no_follow=os.O_DIRECTORY | getattr(os, "O_PATH", 0)):
        if event == "open":
            path, mode, flags = (args + (None, None, None))[:3]
            write = (_type(mode) is _str and any(c in mode for c in "wax+")) or (
                _type(flags) is _int and bool(flags & WRITE_FLAGS))
            if not allowed(path, write):
                refuse(f"{'writing' if write else 'reading'} {path!r} (only the current folder is yours)")
            if _type(path) is not _int and ((_type(flags) is _int and flags & _no_follow) or exists(path) is True):
                refuse(f"opening the folder {path!r} as a file")  # a folder's descriptor would escape the checks
            if write and _type(path) is not _int:
                count_new(path)
        elif event == "import":
            name = args[0] if args else ""
            if _type(name) is _str:
                for blocked in BLOCKED_MODULES:
                    if name == blocked or _starts(name, blocked + "."):
                        refuse(f"importing {name!r}")
            where = args[1] if len(args) > 1 else None
            if _type(where) is _str and where.endswith(COMPILED):  # a compiled module: only installed ones
                p = norm(where)
                if p is None or under(p, (tmp,)) or not under(p, read_roots):
                    refuse(f"loading the compiled module {where!r}")
        elif event in FILE_EVENTS:
            path = args[0] if args else None
            if _type(path) in (_str, bytes) and path not in (":memory:", b":memory:") and not allowed(path, True):
                refuse(f"{event} on {path!r} (only the current folder is yours)")
        elif event in BLOCKED_EVENTS or _starts(event, BLOCKED_PREFIXES):
            refuse(f"{event!r} (processes, signals, network and ctypes)")
        elif event in WRITE_EVENTS:
            if event == "os.chdir" and args and _type(args[0]) is _int:
                refuse("changing to a folder given by a descriptor")
            for path in args[:2]:
                if _type(path) in (_str, bytes) and not allowed(path, True):
                    refuse(f"{event} on {path!r} (only the current folder is yours)")
            if event == "os.mkdir" and args:
                count_new(args[0])
        elif event in LIST_EVENTS:
            path = args[0] if args else "."
            if _type(path) in (_str, bytes) and not allowed(path, False):
                refuse(f"listing {path!r}")

    sys.addaudithook(hook)


class _Capped(io.TextIOBase):
    """Where the student's prints go: kept up to a limit, never shown to the grader as results."""

    def __init__(self, limit=20_000):
        self.kept, self.limit = [], limit

    def write(self, text):
        if sum(map(len, self.kept)) < self.limit:
            self.kept.append(str(text)[:self.limit])
        return len(text)

    def writable(self):
        return True


def main():
    if sys.argv[1] == "--probe-seccomp":  # the parent's probe: can a filter be loaded here?
        install_seccomp(sys.argv[2])
        try:
            os.memfd_create("probe")
        except PermissionError:
            os._exit(0)
        os._exit(4)
    driver_path = sys.argv[1]
    spec = importlib.util.spec_from_file_location("_nncourse_driver", driver_path)
    driver = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(driver)  # imports numpy

    data = sys.stdin.buffer.read()
    request = driver.unpack(data)
    # The results go out on a randomly numbered copy of stdout, so that junk written to the usual
    # descriptors (print, os.write(1, ...)) does not reach the grader by accident.
    import random
    import resource
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    out_fd = random.SystemRandom().randrange(max(3, soft // 2), max(4, soft))
    os.dup2(1, out_fd, inheritable=False)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    sys.stdout, sys.stderr, sys.stdin = _Capped(), _Capped(), io.StringIO("")
    write, pack = os.write, driver.pack

    def send(message):
        payload = pack(message)
        buffer = len(payload).to_bytes(8, "little") + payload
        while buffer:
            n = write(out_fd, buffer)
            buffer = buffer[n:]

    for module in request.get("preload", []):
        try:
            importlib.import_module(module)
        except Exception:  # noqa: BLE001 - the grader's own convenience: the student's import will say why
            pass
    tmp = request["tmp"]
    os.environ.update({str(k): str(v) for k, v in request.get("environ", {}).items()})
    os.chdir(tmp)
    sys.path.insert(0, tmp)  # as in a notebook: the files next to it (checking.py) can be imported
    # `import subprocess` (numpy.testing does it) keeps working, but it gets a fork_exec that refuses.
    if "_posixsubprocess" not in sys.modules:
        import types

        def fork_exec(*args, **kwargs):
            raise PermissionError("nncourse sandbox: starting processes is not allowed during grading")
        fake = types.ModuleType("_posixsubprocess")
        fake.fork_exec = fork_exec
        sys.modules["_posixsubprocess"] = fake
    seccomp = "off: not asked for (the probe said it cannot work here)"
    if request.get("seccomp"):
        try:
            install_seccomp(request.get("seccomp_library"))
            seccomp = "on"
        except Exception as err:  # noqa: BLE001 - reported, and grading goes on without it
            seccomp = f"off: {type(err).__name__}: {err}"[:200]
    _install_hook(tmp, tuple(request["read_roots"]), tuple(request["denied_roots"]))
    send({"event": "ready", "seccomp": seccomp})  # the last message before any student code runs

    namespace = {"__name__": "__main__", "__builtins__": builtins}
    errors = []
    for name, source in request["cells"]:
        send({"event": "cell", "name": name})
        filename = f"<cell {name}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        try:
            exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - this is the sandbox
        except BaseException as err:  # noqa: BLE001 - sys.exit, KeyboardInterrupt, anything
            errors.append([name, driver.describe_error(err)])
    send({"event": "cells", "errors": errors})
    for check in request["checks"]:
        result = driver.bounded(driver.run_check(namespace, check))
        send({"event": "result", "check": check["name"], "result": result})
    send({"event": "done"})
    os._exit(0)  # skip atexit handlers a submission may have registered


if __name__ == "__main__":
    main()
