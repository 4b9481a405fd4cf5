"""Crash-safe files of a run folder: atomic writes and the lock that keeps one trainer per run."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from league.errors import LeagueError

LOCK_NAME = ".lock"


def temp_path_for(path: Path) -> Path:
    """The temporary name :func:`atomic_write` writes ``path`` under before renaming it.

    The temp file lies in the same folder (``os.replace`` is only atomic within one file
    system), starts with a dot so listings skip it, and keeps ``path``'s suffix because some
    writers append theirs when it is missing (``np.savez`` adds ``.npz``, SB3 adds ``.zip``):
    ``left-0001.npz`` is written as ``.left-0001.tmp-<pid>.npz``. Leftovers of a killed process
    match the glob ``.*.tmp-*``.

    :param path: the final path.
    :return: the temporary path for this process.
    """
    return path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix}")


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries to disk, so a rename or a new file in it survives a power cut.

    :param folder: the folder to flush.
    """
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_write(path: Path) -> Iterator[Path]:
    """Write a file so that ``path`` holds either its old content or the complete new one.

    The body writes to the yielded temporary path (see :func:`temp_path_for`). On a clean exit
    the file is flushed to disk, renamed onto ``path`` and the folder flushed; if the body
    raises, the temp file is removed, ``path`` is left untouched and the exception propagates.
    A ``kill -9`` in the middle leaves at most a dot-named temp file, never a torn ``path``.

    :param path: the final path; its folder must exist.
    :return: a context manager yielding the temporary path to write to.
    :raises LeagueError: if the body exits cleanly without having written the temp file.
    """
    path = Path(path)
    tmp = temp_path_for(path)
    try:
        yield tmp
        if not tmp.is_file():
            raise LeagueError(f"nothing was written to {tmp} for {path}; the write is abandoned")
        _fsync_file(tmp)
        os.replace(tmp, path)
    except BaseException:
        # BaseException too: a KeyboardInterrupt must not leave the temp file behind either.
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (see :func:`atomic_write`).

    :param path: the final path; its folder must exist.
    :param data: the complete new content.
    """
    with atomic_write(path) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Replace ``path`` with ``text`` atomically (see :func:`atomic_write`).

    :param path: the final path; its folder must exist.
    :param text: the complete new content.
    :param encoding: the text encoding.
    """
    atomic_write_bytes(path, text.encode(encoding))


class RunLock:
    """An exclusive lock on a run folder, so two trainers never write the same run.

    It is an ``flock`` on ``<run_dir>/.lock`` rather than a PID file because the kernel drops an
    ``flock`` when its holder dies, even by ``kill -9``: a crashed run is never left locked and
    nobody has to guess whether a PID is stale. The holder's PID is written into the file only
    to name it in the error message. A clean release deletes the file (while still holding it),
    so a finished run keeps no ``.lock``; a process that opened the file just before it was
    deleted finds, once it holds it, that the path names another file or none, and starts over
    on the current one, so two processes never hold two files of the same name. A child forked
    while the lock is held shares it, so after a ``kill -9`` the run stays locked until such
    children exit too.

    :param run_dir: the run folder (``runs/<name>``); it must exist.
    """

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = Path(run_dir)
        self.path = self.run_dir / LOCK_NAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock now."""
        return self._fd is not None

    def acquire(self) -> RunLock:
        """Take the lock without waiting.

        :return: self, locked.
        :raises LeagueError: if another process (or another ``RunLock`` in this one) holds it,
            or the run folder does not exist.
        """
        if self._fd is not None:
            return self
        while True:
            fd = self._open_and_lock()
            if _names(self.path, fd):
                break
            # The last holder deleted the file between our open and our flock: lock the new one.
            os.close(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def _open_and_lock(self) -> int:
        """Open (or create) the lock file and lock it without waiting; its descriptor."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except FileNotFoundError:
            raise LeagueError(f"no run folder at {self.run_dir}; create it first") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = _read_holder(fd)
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            raise LeagueError(
                f"{self.run_dir} is already being trained by {holder}; "
                "wait for it to finish or stop it first"
            ) from None
        return fd

    def release(self) -> None:
        """Give the lock back and delete its file; does nothing if it is not held."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        # Clear the PID first, so the next holder's message never names a finished process.
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        # Deleted while still locked: whoever locks the old file next sees it is gone (acquire).
        if _names(self.path, fd):
            with contextlib.suppress(OSError):
                self.path.unlink()
        # Unlock explicitly rather than rely on close: a child forked while we held the lock
        # (e.g. a SubprocVecEnv worker) shares the descriptor and would keep it locked.
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _names(path: Path, fd: int) -> bool:
    """Whether ``path`` still names the file open as ``fd`` (same device and inode)."""
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (on_disk.st_dev, on_disk.st_ino) == (held.st_dev, held.st_ino)


def _read_holder(fd: int) -> str:
    """The holder as the lock file names it, for the error message."""
    try:
        text = os.pread(fd, 32, 0).decode(errors="replace").strip()
    except OSError:
        text = ""
    # Empty while the holder is between flock and writing its PID.
    return f"process {text}" if text.isdigit() else "another process"
