"""Every student kernel runs in a sandbox when grading: Debian's bubblewrap (``bwrap``) plus resource limits.

What the kernel sees and may do:

* the system read-only; no network (a private, empty network namespace); a private PID namespace; no capabilities;
  when the grader is root, the kernel runs as a user id of its own that owns no file (so the process limit holds,
  for this kernel alone); otherwise as ``nobody`` in a user namespace;
* none of the course root (``solutions/`` with the checks, the gradebook, other students' work), the exchange, the
  folder of the course's own packages (so neither ``nnlib`` nor ``grading`` can be imported), ``/root``, ``/home``
  (the instructor's files), ``/run``;
* its own submission folder read-only (the working directory), a small private writable ``/tmp``, and one private
  folder for the Unix sockets it talks to the grader through (no network means no TCP);
* the Python environment of the grader, read-only (NumPy and the other packages an exercise needs);
* limits (``prlimit``): address space, CPU seconds, size of a written file, number of processes.

:class:`SandboxedKernelManager` is the kernel manager that ``TrustedExecute`` uses unless the instructor opts out
explicitly (``--TrustedExecute.unsafe_no_sandbox=True``).  If the sandbox cannot start, :func:`check_available`
raises :class:`SandboxUnavailable` with what is missing and how to install it: grading refuses rather than running
student code unconfined.
"""
from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Instance

NOBODY = 65534
# As root, each kernel runs as a user id of its own (no such user exists): the process limit counts the processes
# of one user id, so a fork bomb in one sandbox cannot starve another student's kernel of threads.
SANDBOX_UIDS = range(2_000_000, 3_000_000)
INSTALL_HINT = ("install it with `sudo apt-get install bubblewrap` (Debian/Ubuntu; the package that provides "
                "`bwrap`), or grade without a sandbox -- only for notebooks you trust -- with "
                "`--TrustedExecute.unsafe_no_sandbox=True` (`make grade ... UNSAFE=1`)")


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot start here; the message says why and how to fix it."""


@dataclass
class Limits:
    memory: str = "4G"          # address space of each process (prlimit --as)
    cpu_seconds: int = 300      # CPU time of each process (prlimit --cpu)
    file_size: str = "64M"      # largest file a process may write (prlimit --fsize)
    processes: int = 64         # processes and threads of the kernel's user id (prlimit --nproc)
    tmp_size: str = "64M"       # the private /tmp (a tmpfs)
    shm_size: str = "16M"       # the private /dev/shm


def _bytes(size: str) -> int:
    units = {"K": 2**10, "M": 2**20, "G": 2**30}
    size = str(size).strip().upper()
    return int(float(size[:-1]) * units[size[-1]]) if size[-1] in units else int(size)


@dataclass
class Sandbox:
    """What one kernel's sandbox hides and shows (absolute paths)."""

    hidden: list[str] = field(default_factory=list)      # folders replaced by an empty tmpfs
    read_only: list[str] = field(default_factory=list)   # folders shown read-only again (inside hidden ones)
    limits: Limits = field(default_factory=Limits)

    @classmethod
    def for_course(cls, *hidden: str, limits: Limits | None = None) -> "Sandbox":
        """The sandbox for grading a course: hide `hidden` (course root, exchange, gradebook folder...) and the
        folder holding the course's packages; show the Python environment read-only."""
        import nnlib

        here = Path(__file__).resolve().parents[1]   # the folder holding grading/ and nnlib/
        packages = [str(Path(__file__).resolve().parent), str(Path(nnlib.__file__).resolve().parent)]
        always = ["/root", "/home", "/run", "/var/tmp", str(here), *packages]  # packages: wherever installed
        hide = sorted({os.path.realpath(p) for p in [*hidden, *always] if p and os.path.isdir(p)} - {"/"})
        show = sorted({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)})
        return cls(hidden=hide, read_only=show, limits=limits or Limits())

    def command(self, cmd: list[str], *, cwd: str, ipc_dir: str, env: dict[str, str], uid: int = NOBODY) -> list[str]:
        """The kernel command `cmd`, wrapped: prlimit, then bwrap, then (as root) setpriv to user id `uid`."""
        lim = self.limits
        as_root = os.geteuid() == 0
        nproc = lim.processes if as_root else lim.processes + _processes_of_this_user()
        outer = ["prlimit", f"--as={_bytes(lim.memory)}", f"--cpu={lim.cpu_seconds}",
                 f"--fsize={_bytes(lim.file_size)}", f"--nproc={nproc}", "--"]
        box = ["bwrap", "--ro-bind", "/", "/", "--die-with-parent", "--new-session",
               "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
               "--perms", "1777", "--size", str(_bytes(lim.tmp_size)), "--tmpfs", "/tmp"]
        for path in self.hidden:
            box += ["--tmpfs", path]
        box += self._parents(self.read_only + [cwd, ipc_dir])
        for path in self.read_only:
            box += ["--ro-bind", path, path]
        if cwd not in ("/", "/tmp"):  # (those stay as they are: the system read-only, /tmp private)
            box += ["--ro-bind", cwd, cwd]
        box += ["--bind", ipc_dir, ipc_dir,
                "--dev", "/dev", "--perms", "1777", "--size", str(_bytes(lim.shm_size)), "--tmpfs", "/dev/shm",
                "--remount-ro", "/dev", "--proc", "/proc", "--chdir", cwd, "--clearenv"]
        for key, value in env.items():
            box += ["--setenv", key, value]
        if as_root:
            # bwrap mounts as root; the kernel then runs as nobody with no capabilities at all
            box += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--",
                    "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                    "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
        else:
            box += ["--unshare-user", "--uid", str(NOBODY), "--gid", str(NOBODY), "--disable-userns",
                    "--cap-drop", "ALL", "--"]
        return outer + box + cmd


    def _parents(self, paths: list[str]) -> list[str]:
        """Folders between an emptied (tmpfs) folder and a path shown again inside it, made traversable (0755):
        bwrap would create them 0700, which the kernel's user (nobody) could not pass through."""
        roots = [*self.hidden, "/tmp"]
        made: list[str] = []
        for path in paths:
            inside = [r for r in roots if path.startswith(r.rstrip("/") + "/")]
            if not inside:
                continue
            root = max(inside, key=len)
            parts = Path(path).relative_to(root).parts[:-1]
            for i in range(1, len(parts) + 1):
                folder = os.path.join(root, *parts[:i])
                if folder not in made:
                    made.append(folder)
        return [arg for folder in made for arg in ("--perms", "0755", "--dir", folder)]


def _processes_of_this_user() -> int:
    uid = os.getuid()
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += int(sum(1 for _ in os.scandir(f"/proc/{entry}/task")))
            except OSError:
                pass
    return count


def kernel_env() -> dict[str, str]:
    """The sandboxed kernel's whole environment: nothing of the grader's (tokens, paths) leaks in."""
    return {"PATH": f"{os.path.dirname(sys.executable)}:/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp",
            "LANG": "C.UTF-8", "TMPDIR": "/tmp", "MPLCONFIGDIR": "/tmp", "PYTHONNOUSERSITE": "1",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1"}


_checked: str | None = None


def check_available() -> None:
    """Start a trivial sandbox once; raise SandboxUnavailable (saying why, and how to fix it) if it cannot."""
    global _checked
    if _checked == "ok":
        return
    for tool in ("bwrap", "prlimit", *(["setpriv"] if os.geteuid() == 0 else [])):
        if shutil.which(tool) is None:
            raise SandboxUnavailable(f"the grading sandbox needs `{tool}`, which is not installed: {INSTALL_HINT}")
    with tempfile.TemporaryDirectory() as ipc:
        os.chmod(ipc, 0o777)
        cmd = Sandbox.for_course().command([sys.executable, "-c", "import numpy"], cwd=ipc, ipc_dir=ipc,
                                           env=kernel_env())
        try:
            result = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SandboxUnavailable(f"the grading sandbox could not start ({exc}): {INSTALL_HINT}") from None
    if result.returncode != 0:
        raise SandboxUnavailable(f"the grading sandbox could not start: {result.stderr.strip()[-500:]}. "
                                 f"Check that bwrap works here (user namespaces allowed, or run as root); "
                                 f"{INSTALL_HINT}")
    _checked = "ok"


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels start inside a :class:`Sandbox`, talking over Unix sockets in a private
    folder, interrupted by message (a signal would stop bwrap, not the kernel)."""

    sandbox = Instance(Sandbox, allow_none=False)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._ipc_dir = tempfile.mkdtemp(prefix="grading-kernel-")
        self._uid = secrets.choice(SANDBOX_UIDS) if os.geteuid() == 0 else NOBODY
        if os.geteuid() == 0:
            os.chown(self._ipc_dir, self._uid, self._uid)
        self.transport = "ipc"
        self.ip = os.path.join(self._ipc_dir, "kernel")
        self.connection_file = os.path.join(self._ipc_dir, "connection.json")

    async def _async_pre_start_kernel(self, **kw):
        cmd, kw = await super()._async_pre_start_kernel(**kw)
        if os.geteuid() == 0:
            os.chown(self.connection_file, self._uid, self._uid)
        self.kernel_spec.interrupt_mode = "message"
        cwd = os.path.realpath(kw.get("cwd") or os.getcwd())
        cmd = self.sandbox.command(cmd, cwd=cwd, ipc_dir=self._ipc_dir, env=kernel_env(), uid=self._uid)
        kw["stdout"] = subprocess.DEVNULL  # the kernel's banner; its errors still go to stderr
        return cmd, kw

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(self._ipc_dir, ignore_errors=True)

    cleanup_resources = _async_cleanup_resources
