"""Atomic writes and the run lock, including across real processes and kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from league import files
from league.errors import LeagueError
from league.files import RunLock, atomic_write, atomic_write_bytes, atomic_write_text

REPO = Path(__file__).resolve().parents[1]


def python(code: str, *args: str) -> subprocess.Popen[str]:
    """Start ``code`` in a fresh interpreter that can import the project."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# A holder that takes the lock, says so, then waits to be killed.
HOLD = """
    import sys, time
    from pathlib import Path
    from league.files import RunLock
    lock = RunLock(Path(sys.argv[1])).acquire()
    print("locked", flush=True)
    time.sleep(60)
"""

# What the CLI does: try the lock, print the error as one line and exit 2.
TRY = """
    import sys
    from pathlib import Path
    from league.errors import LeagueError
    from league.files import RunLock
    try:
        RunLock(Path(sys.argv[1])).acquire()
    except LeagueError as exc:
        print(exc)
        sys.exit(2)
    print("acquired")
"""


def start_holder(run_dir: Path) -> subprocess.Popen[str]:
    holder = python(HOLD, str(run_dir))
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "locked"
    return holder


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp-" in p.name)


def test_atomic_write_replaces_content_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "config.json"
    target.write_text("old")
    with atomic_write(target) as tmp:
        assert tmp.parent == tmp_path
        assert tmp.name.startswith(".") and tmp != target
        tmp.write_text("new")
        assert target.read_text() == "old"  # nothing visible before the body finishes
    assert target.read_text() == "new"
    assert leftovers(tmp_path) == []


def test_atomic_write_keeps_old_content_when_the_body_raises(tmp_path: Path) -> None:
    target = tmp_path / "left-0001.zip"
    target.write_bytes(b"complete model")
    with pytest.raises(RuntimeError, match="crash"):
        with atomic_write(target) as tmp:
            tmp.write_bytes(b"half a mod")
            raise RuntimeError("crash")
    assert target.read_bytes() == b"complete model"
    assert leftovers(tmp_path) == []


def test_atomic_write_creates_nothing_when_the_body_raises(tmp_path: Path) -> None:
    target = tmp_path / "new.json"
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(target) as tmp:
            tmp.write_text("{")
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_refuses_a_body_that_wrote_nothing(tmp_path: Path) -> None:
    target = tmp_path / "a.json"
    with pytest.raises(LeagueError, match="nothing was written"):
        with atomic_write(target):
            pass
    assert not target.exists()


def test_atomic_write_temp_keeps_the_suffix_for_numpy(tmp_path: Path) -> None:
    # np.savez appends ".npz" to a name without it, which would write beside the temp path.
    target = tmp_path / "left-0001.npz"
    weights = np.arange(6, dtype=np.float32).reshape(2, 3)
    with atomic_write(target) as tmp:
        np.savez(tmp, w=weights)
    assert leftovers(tmp_path) == []
    with np.load(target) as loaded:
        np.testing.assert_array_equal(loaded["w"], weights)


def test_atomic_write_text_and_bytes(tmp_path: Path) -> None:
    atomic_write_text(tmp_path / "a.txt", "héllo\n")
    atomic_write_bytes(tmp_path / "b.bin", b"\x00\x01")
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "héllo\n"
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert leftovers(tmp_path) == []


def test_run_lock_refuses_a_second_process_until_the_holder_is_killed(tmp_path: Path) -> None:
    holder = start_holder(tmp_path)
    try:
        second = python(TRY, str(tmp_path))
        out, _ = second.communicate(timeout=10)
        assert second.returncode == 2
        assert out.strip() == (
            f"{tmp_path} is already being trained by process {holder.pid}; "
            "wait for it to finish or stop it first"
        )
        with pytest.raises(LeagueError, match=f"process {holder.pid}"):
            RunLock(tmp_path).acquire()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
    # The kernel released the flock with the killed process: no stale lock to clean up.
    with RunLock(tmp_path) as lock:
        assert lock.held
        assert (tmp_path / ".lock").read_text().strip() == str(os.getpid())
    assert not lock.held


def test_run_lock_is_free_again_after_release(tmp_path: Path) -> None:
    first = RunLock(tmp_path).acquire()
    with pytest.raises(LeagueError, match="already being trained"):
        RunLock(tmp_path).acquire()  # a second descriptor conflicts even in the same process
    first.release()
    first.release()  # idempotent
    second = python(TRY, str(tmp_path))
    out, err = second.communicate(timeout=10)
    assert (second.returncode, out.strip()) == (0, "acquired"), err


def test_a_released_lock_leaves_no_file(tmp_path: Path) -> None:
    with RunLock(tmp_path):
        assert (tmp_path / ".lock").is_file()
    assert list(tmp_path.iterdir()) == []
    # Another lock taken and given back in between: the first release deletes nothing of it.
    first = RunLock(tmp_path).acquire()
    first.release()
    with RunLock(tmp_path):
        first.release()  # not held: does nothing
        assert (tmp_path / ".lock").is_file()


def test_a_lock_file_deleted_under_a_new_holder_is_not_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race a deleting release opens: B opens .lock, A releases (deleting it), B locks the
    deleted file. B must see that the path no longer names its file and lock the real one."""
    real_flock = files.fcntl.flock
    calls: list[int] = []

    def flock_after_the_last_holder_left(fd: int, operation: int) -> None:
        if not calls:  # the previous holder deletes the file we just opened
            (tmp_path / ".lock").unlink()
        calls.append(operation)
        real_flock(fd, operation)

    monkeypatch.setattr(files.fcntl, "flock", flock_after_the_last_holder_left)
    lock = RunLock(tmp_path).acquire()
    assert len(calls) == 2  # locked the deleted file, saw it, locked the new one
    held = os.fstat(lock._fd)  # type: ignore[arg-type]
    on_disk = os.stat(tmp_path / ".lock")
    assert (held.st_dev, held.st_ino) == (on_disk.st_dev, on_disk.st_ino)
    monkeypatch.setattr(files.fcntl, "flock", real_flock)
    with pytest.raises(LeagueError, match="already being trained"):
        RunLock(tmp_path).acquire()
    lock.release()


def test_run_lock_on_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(LeagueError, match="no run folder at"):
        RunLock(tmp_path / "nope").acquire()
