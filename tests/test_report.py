"""``ls`` and ``matrix`` on a small league, in every format, and next to a writing trainer."""

from __future__ import annotations

import json
import math
import sqlite3
import time
from pathlib import Path

import pytest
from PIL import Image
from tiny_league import copy_of, tiny_league

from league.cli import main
from league.report import LeagueView, MatrixView, SnapshotRow, best_of, snapshot_rows
from league.store import LeagueStore

IDS = ["left-0000", "right-0000", "left-0001"]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_league(tmp_path_factory.mktemp("league"))


def test_ls_rows(run: Path) -> None:
    view = LeagueView.read(run)
    rows = {r.id: r for r in snapshot_rows(view)}
    assert list(rows) == IDS
    with LeagueStore.open(run, readonly=True) as store:
        stats = store.generations()[0].stats
        vs_cpu = {r.a: r.score for r in store.results() if r.b == "cpu"}
        stored_ratings = store.ratings()
    left1 = rows["left-0001"]
    assert (left1.role, left1.generation, left1.env_steps) == ("left", 1, 200)
    assert left1.win_rate_vs_cpu == stats["win_rate_vs_cpu"]
    assert left1.rating_when_made == stats["rating"]
    with LeagueStore.open(run, readonly=True) as store:
        at_zero = store.ratings(0)
    for sid in ("left-0000", "right-0000"):  # generation 0's ratings, stored by it
        assert rows[sid].rating_when_made == pytest.approx(at_zero[sid])
    assert left1.beats_past == stats["beats_past"]
    for sid in ("left-0000", "right-0000"):  # generation 0: from the results against the CPU
        assert rows[sid].win_rate_vs_cpu == vs_cpu[sid] and rows[sid].beats_past is None
    # With no pit results yet, the ratings are the ones the trainer stored.
    for sid in IDS:
        assert rows[sid].rating == pytest.approx(stored_ratings[sid], abs=1e-6)


def test_ls_text_and_json(run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ls", str(run)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("snapshot"))
    words = (
        "snapshot role kind gen env steps rating now rating at creation vs cpu beats past nash best"
    )
    assert header.split() == words.split()
    body = lines[lines.index(header) + 1 : lines.index(header) + 1 + len(IDS)]
    assert [line.split()[0] for line in body] == IDS
    assert len({len(line) for line in [header, *body]}) <= 2  # aligned (last column may end)
    # Each role's best by rating now is marked, and only it.
    rows = snapshot_rows(LeagueView.read(run))
    best = {best_of(rows, "left"), best_of(rows, "right")}
    assert {line.split()[0] for line in body if line.endswith("*")} == best
    assert main(["ls", str(run), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [s["id"] for s in data["snapshots"]] == IDS
    assert data["last_generation"] == 1 and data["generations"] == 1
    fields = {"rating", "rating_when_made", "best", "win_rate_vs_cpu", "beats_past", "kind", "nash"}
    assert all(fields <= set(s) for s in data["snapshots"])
    # Each role's Nash weights are the nash:left / nash:right mixture: they sum to 1 per role.
    for role in ("left", "right"):
        weights = [s["nash"] for s in data["snapshots"] if s["role"] == role]
        assert sum(weights) == pytest.approx(1.0) and min(weights) >= 0.0
    assert {s["id"] for s in data["snapshots"] if s["best"]} == best


def test_ls_sorted_by_rating(run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = snapshot_rows(LeagueView.read(run), sort="rating")
    assert sorted(r.id for r in rows) == sorted(IDS)
    ratings = [r.rating for r in rows]
    assert ratings == sorted(ratings, reverse=True)
    assert main(["ls", str(run), "--sort", "rating", "--json"]) == 0
    assert [s["id"] for s in json.loads(capsys.readouterr().out)["snapshots"]] == [
        r.id for r in rows
    ]
    with pytest.raises(SystemExit) as exit_:
        main(["ls", str(run), "--sort", "size"])
    assert exit_.value.code == 2


def test_best_of_a_role_and_kind() -> None:
    def row(sid: str, rating: float | None, kind: str = "main") -> SnapshotRow:
        return SnapshotRow(sid, sid.split("-")[0], 1, 0, rating, None, None, None, kind)

    rows = [row("left-0001", 900), row("left-0003", 1200), row("left-0003-me", 1500, "x")]
    rows += [row("right-0002", None)]
    assert best_of(rows, "left") == "left-0003-me"
    assert best_of(rows, "left", kind="main") == "left-0003"
    assert best_of(rows, "right") is None  # never rated


def test_ls_of_a_folder_of_runs(run: Path, tmp_path: Path, capsys) -> None:
    folder = tmp_path / "runs"
    folder.mkdir()
    copy_of(run, folder)  # folder/run
    (folder / "notes").mkdir()  # not a run: left out
    broken = folder / "broken"
    broken.mkdir()
    (broken / "league.sqlite").write_text("not a database")
    assert main(["ls", str(folder)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith(f"{folder}: 2 runs")
    by_name = {line.split()[0]: line for line in lines[2:]}
    assert set(by_name) == {"run", "broken"}
    view = LeagueView.read(run)
    ratings = view.ratings()
    best = max((s.id for s in view.snapshots), key=ratings.get)
    assert by_name["run"].split()[1] == "1/1" and best in by_name["run"]
    assert "unreadable" in by_name["broken"]
    assert main(["ls", str(folder), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [Path(r["run"]).name for r in data["runs"]] == ["broken", "run"]
    assert data["runs"][1]["best"] == best and data["runs"][1]["generations"] == 1


def test_a_near_miss_run_folder_is_named(run: Path, tmp_path: Path, capsys) -> None:
    copy_of(run, tmp_path)  # tmp_path/run
    assert main(["ls", str(tmp_path / "rnu")]) == 2
    err = capsys.readouterr().err
    assert f"did you mean {tmp_path / 'run'}?" in err and err.count("\n") == 1


def test_matrix_view(run: Path) -> None:
    mv = MatrixView.of(LeagueView.read(run))
    m = mv.matrix
    assert m.rows == ("left-0000", "left-0001") and m.cols == ("right-0000", "cpu")
    assert m.games.tolist() == [[4, 4], [4, 4]]
    assert mv.ratings["cpu"] == pytest.approx(1000.0)
    assert sum(mv.nash_left.values()) == pytest.approx(1.0)
    assert mv.nash_right == {"right-0000": pytest.approx(1.0)}


def test_matrix_text(run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", str(run)]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if "right-0000" in line and "cpu" in line)
    assert header.split() == ["right-0000", "cpu", "rating", "nash"]
    left0 = next(line for line in lines if line.startswith("left-0000"))
    assert "(4)" in left0  # games per cell
    assert next(line for line in lines if line.startswith("rating")).split()[-1] == "1000"
    assert next(line for line in lines if line.startswith("nash")).split() == ["nash", "1.000"]


def test_matrix_csv_json_png(run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["matrix", str(run), "--csv"]) == 0
    csv_lines = capsys.readouterr().out.splitlines()
    assert csv_lines[0] == "row,right-0000,cpu"
    assert [line.split(",")[0] for line in csv_lines[1:]] == ["left-0000", "left-0001"]
    assert all(0.0 <= float(v) <= 1.0 for line in csv_lines[1:] for v in line.split(",")[1:])

    png = tmp_path / "matrix.png"
    assert main(["matrix", str(run), "--json", "--png", str(png)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rows"] == ["left-0000", "left-0001"] and data["games"] == [[4, 4], [4, 4]]
    assert math.isclose(sum(data["nash"]["left"].values()), 1.0)
    assert data["ratings"]["cpu"] == pytest.approx(1000.0)
    with Image.open(png) as image:
        assert image.format == "PNG" and image.width > 100 and image.height > 50


@pytest.mark.parametrize(("name", "image_format"), [("m.jpg", "JPEG"), ("m.jpeg", "JPEG")])
def test_matrix_image_in_the_format_its_name_says(
    run: Path, tmp_path: Path, name: str, image_format: str, capsys
) -> None:
    assert main(["matrix", str(run), "--png", str(tmp_path / name)]) == 0
    with Image.open(tmp_path / name) as image:
        assert image.format == image_format
    assert main(["matrix", str(run), "--png", str(tmp_path / "m.pdf")]) == 0
    assert (tmp_path / "m.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("name", ["m.svg", "m.gif", "m"])
def test_matrix_image_of_another_format_is_refused(
    run: Path, tmp_path: Path, name: str, capsys
) -> None:
    assert main(["matrix", str(run), "--png", str(tmp_path / name)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and ".png, .jpg" in captured.err
    assert list(tmp_path.iterdir()) == []


def test_bad_run_folders(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("ls", "matrix"):
        assert main([command, str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert "no league database" in err and err.count("\n") == 1
    assert main(["matrix", str(tmp_path), "--png", "x.png"]) == 2


def test_ls_and_matrix_while_a_trainer_writes(run: Path, capsys) -> None:
    """A writer in the middle of a transaction neither blocks nor breaks the readers."""
    writer = sqlite3.connect(run / "league.sqlite", isolation_level=None, timeout=0.1)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(
            "INSERT INTO matches (a, b, wins, losses, draws, points_for, points_against, steps,"
            " seed, generation, source, created_at) VALUES"
            " ('left-0000', 'right-0000', 100, 0, 0, 200, 0, 9000, 0, NULL, 'pit', 'now')"
        )
        started = time.monotonic()
        assert main(["ls", str(run)]) == 0
        assert "left-0001" in capsys.readouterr().out
        assert main(["matrix", str(run), "--json"]) == 0
        assert time.monotonic() - started < 3.0  # well below the 5 s busy timeout: no waiting
        data = json.loads(capsys.readouterr().out)
        assert data["games"][0][0] == 4, "an uncommitted write must not be visible"
    finally:
        writer.execute("ROLLBACK")
        writer.close()
