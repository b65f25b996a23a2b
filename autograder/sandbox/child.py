"""The sandbox child: run a submission's cells, then drive its objects, and stream the outputs back.

Started by the parent as ``python -I boot/child.py boot/driver.py`` (copies in the run's box: the
package's own folders are hidden from the child by its mount namespace) in an empty working folder,
with a scrubbed environment, resource limits and whatever kernel layers the machine allows
(``isolation.py``). It imports nothing from the ``nncourse`` package: the driver is loaded
from its file. Before any student code runs it installs an audit hook (which
cannot be removed) that refuses imports of the instructor's packages, files outside the sandbox,
processes, sockets and ctypes. Everything it sends is plain data, framed as 8-byte length + payload.
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
BLOCKED_MODULES = ("nncourse", "_ctypes", "_multiprocessing")
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def _install_hook(tmp, read_roots, denied_roots):
    """The audit hook. Everything it uses is bound now (default arguments), so patching a module
    or a builtin later cannot change what it decides."""

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

    def hook(event, args, _starts=str.startswith, _tuple=tuple, _type=type, _int=int, _str=str):
        if event == "open":
            path, mode, flags = (args + (None, None, None))[:3]
            write = (_type(mode) is _str and any(c in mode for c in "wax+")) or (
                _type(flags) is _int and bool(flags & WRITE_FLAGS))
            if not allowed(path, write):
                refuse(f"{'writing' if write else 'reading'} {path!r} (only the current folder is yours)")
        elif event == "import":
            name = args[0] if args else ""
            if _type(name) is _str:
                for blocked in BLOCKED_MODULES:
                    if name == blocked or _starts(name, blocked + "."):
                        refuse(f"importing {name!r}")
        elif event in BLOCKED_EVENTS or _starts(event, BLOCKED_PREFIXES):
            refuse(f"{event!r} (processes, signals, network and ctypes)")
        elif event in WRITE_EVENTS:
            for path in args[:2]:
                if _type(path) in (_str, bytes) and not allowed(path, True):
                    refuse(f"{event} on {path!r} (only the current folder is yours)")
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
    driver_path = sys.argv[1]
    spec = importlib.util.spec_from_file_location("_nncourse_driver", driver_path)
    driver = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(driver)  # imports numpy

    data = sys.stdin.buffer.read()
    request = driver.unpack(data)
    # The results go out on a randomly numbered copy of stdout, so that junk written to the usual
    # descriptors (print, os.write(1, ...)) cannot reach the grader.
    import random
    import resource
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    out_fd = random.SystemRandom().randrange(256, max(257, min(soft, 4096)))
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
    _install_hook(tmp, tuple(request["read_roots"]), tuple(request["denied_roots"]))

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
        send({"event": "start", "check": check["name"]})
        result = driver.run_check(namespace, check)
        try:
            send({"event": "result", "check": check["name"], "result": result})
        except BaseException as err:  # noqa: BLE001 - an output that cannot be packed
            send({"event": "result", "check": check["name"], "result": {"cases": [driver.describe_error(err)]}})
    send({"event": "done"})
    os._exit(0)  # skip atexit handlers a submission may have registered


if __name__ == "__main__":
    main()
