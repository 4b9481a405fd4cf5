"""Looking at a league: its snapshots (``pong-league ls``) and its win-rate matrix (``matrix``);
the runs in a folder (``pong-league ls runs/``).

Both read the run's database read-only (``LeagueStore.open(run, readonly=True)``): in WAL mode a
reader sees the last committed state and neither blocks a training run nor waits for it.

Ratings shown are the Bradley-Terry Elo fit of every stored result (league and pit), CPU anchored
at 1000: the trainer computes the same fit after each generation, so they equal the stored
ratings until ``pit`` adds results. The Nash weights are those of the snapshots-only meta-game
(left snapshots against right snapshots, cells never played counted as even).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from league.errors import LeagueError
from league.matrix import WinRateMatrix
from league.ratings import bradley_terry_elo, nash_equilibrium
from league.results import MatchResult
from league.store import LeagueStore, SnapshotRecord, find_runs

CPU_ID = "cpu"
EMPTY = "—"


@dataclass(frozen=True)
class SnapshotRow:
    """One line of ``pong-league ls``.

    :param id: the snapshot id.
    :param role: ``"left"`` or ``"right"``.
    :param generation: the generation that made it (0: untrained).
    :param env_steps: env steps it was trained on in total.
    :param rating: its rating now (Bradley-Terry Elo of all stored results).
    :param win_rate_vs_cpu: its score against the CPU when it was evaluated.
    :param beats_past: the share of the other role's earlier snapshots it beat when it was made
        (``None`` for generation 0 and when there were none).
    :param rating_when_made: the rating its generation stored for it, from the results up to
        then (``None`` if none was stored).
    :param kind: the learner it was frozen from: ``main``, ``main_exploiter``, ``league_exploiter``.
    :param best: whether it is its role's best snapshot by rating now.
    :param nash: its weight in its role's Nash mixture of the run's meta-game (the ``nash:left``
        / ``nash:right`` player); ``None`` before the matrix is complete.
    :param copy_of: the earlier main whose network it is, kept by ``main_gate`` because the
        generation's new network fell behind it; ``None`` for a network of its own.
    """

    id: str
    role: str
    generation: int
    env_steps: int
    rating: float | None
    win_rate_vs_cpu: float | None
    beats_past: float | None
    rating_when_made: float | None
    kind: str = "main"
    best: bool = False
    nash: float | None = None
    copy_of: str | None = None


@dataclass(frozen=True)
class LeagueView:
    """What the run's database holds now, read once.

    :param run_dir: the run folder.
    :param last_generation: the last complete generation (-1 before generation 0).
    :param snapshots: registered snapshots, by generation.
    :param stats: per snapshot made by a generation, that generation's stats.
    :param results: every stored result, league and pit.
    :param ratings_when_made: each snapshot's rating after the generation that made it.
    :param generations: the generations the run is configured to train.
    :param created_at: when the run was created (UTC, ISO 8601), if the database says.
    :param game: the game it plays (``pong`` or a PettingZoo env, see :mod:`league.games`).
    """

    run_dir: Path
    last_generation: int
    snapshots: list[SnapshotRecord]
    stats: dict[str, dict[str, Any]]
    results: list[MatchResult]
    ratings_when_made: dict[str, float] = field(default_factory=dict)
    generations: int | None = None
    created_at: str | None = None
    game: str = "pong"

    @classmethod
    def read(cls, run_dir: Path | str) -> LeagueView:
        """Read the run's database (read-only; never blocks a running trainer).

        :raises LeagueError: if there is no readable league database in ``run_dir``.
        """
        with LeagueStore.open(Path(run_dir), readonly=True) as store:
            config = store.config()
            generations = config.get("generations")
            return cls(
                run_dir=Path(run_dir),
                last_generation=store.last_generation(),
                snapshots=store.snapshots(),
                stats={g.snapshot_id: g.stats for g in store.generations()},
                results=store.results(),
                ratings_when_made=store.ratings_when_made(),
                generations=generations if isinstance(generations, int) else None,
                created_at=store.created_at(),
                game=str(config.get("game", "pong")),
            )

    def ratings(self) -> dict[str, float]:
        return bradley_terry_elo(self.results, anchor=CPU_ID)

    def matrix(self) -> WinRateMatrix:
        """Left snapshots (rows) against right snapshots and the CPU (columns)."""
        rows = [s.id for s in self.snapshots if s.role == "left"]
        cols = [s.id for s in self.snapshots if s.role == "right"] + [CPU_ID]
        return WinRateMatrix.from_results(self.results, rows, cols)


# ------------------------------------------------------------------------------------- ls


SORTS = ("generation", "rating")


def snapshot_rows(view: LeagueView, sort: str = "generation") -> list[SnapshotRow]:
    """Every snapshot with its numbers, each role's best by rating now marked.

    :param view: the run.
    :param sort: ``"generation"`` (the order they were made) or ``"rating"`` (best first).
    :return: the rows.
    """
    if sort not in SORTS:
        raise LeagueError(f"unknown --sort {sort!r}; choose one of: {', '.join(SORTS)}")
    ratings = view.ratings()
    vs_cpu = WinRateMatrix.from_results(view.results, [s.id for s in view.snapshots], [CPU_ID])
    left, right, _ = nash_weights(view)
    nash = {**left, **right}
    rows = []
    for i, snap in enumerate(view.snapshots):
        stats = view.stats.get(snap.id, {})
        gate = stats.get("gate", {})
        cpu = stats.get("win_rate_vs_cpu")
        if cpu is None and not math.isnan(vs_cpu.scores[i, 0]):
            cpu = float(vs_cpu.scores[i, 0])  # generation 0 has no stats: from its results
        rows.append(
            SnapshotRow(
                id=snap.id,
                role=snap.role,
                generation=snap.generation,
                env_steps=snap.env_steps,
                rating=ratings.get(snap.id),
                win_rate_vs_cpu=cpu,
                beats_past=stats.get("beats_past"),
                rating_when_made=view.ratings_when_made.get(snap.id, stats.get("rating")),
                kind=snap.kind,
                nash=nash.get(snap.id),
                copy_of=gate["previous"] if gate.get("kept") else None,
            )
        )
    best = {best_of(rows, role) for role in ("left", "right")} - {None}
    rows = [replace(r, best=r.id in best) for r in rows]
    if sort == "rating":
        rows.sort(key=lambda r: -math.inf if r.rating is None else r.rating, reverse=True)
    return rows


def best_of(rows: list[SnapshotRow], role: str, kind: str | None = None) -> str | None:
    """The id of ``role``'s snapshot with the highest rating now (of ``kind``, if given)."""
    rated = [
        r
        for r in rows
        if r.role == role and r.rating is not None and (kind is None or r.kind == kind)
    ]
    return max(rated, key=lambda r: r.rating or 0.0).id if rated else None


def format_percent(value: float | None) -> str:
    """``42%``, or a dash for no value."""
    return EMPTY if value is None else f"{value:.0%}"


def format_rating(value: float | None) -> str:
    """A rating to the point, or a dash for no value."""
    return EMPTY if value is None else f"{value:.0f}"


def aligned_table(header: list[str], lines: list[list[str]], left: int = 1) -> str:
    """Columns padded to their widest cell; the first ``left`` columns flush left."""
    widths = [max(len(r[j]) for r in [header, *lines]) for j in range(len(header))]

    def fmt(cells: list[str]) -> str:
        padded = [
            c.ljust(w) if j < left else c.rjust(w)
            for j, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(padded).rstrip()

    return "\n".join(fmt(r) for r in [header, *lines])


def ls_text(view: LeagueView, sort: str = "generation") -> str:
    """``pong-league ls`` as an aligned table."""
    rows = snapshot_rows(view, sort)
    if not rows:
        return f"{view.run_dir}: no snapshots yet"
    header = ["snapshot", "role", "kind", "gen", "env steps", "rating now", "rating at creation"]
    header += ["vs cpu", "beats past", "nash", "best"]
    lines = [
        [
            r.id,
            r.role,
            r.kind,
            str(r.generation),
            f"{r.env_steps:,}",
            format_rating(r.rating),
            format_rating(r.rating_when_made),
            format_percent(r.win_rate_vs_cpu),
            format_percent(r.beats_past),
            "—" if r.nash is None else f"{r.nash:.2f}",
            "*" if r.best else "",
        ]
        for r in rows
    ]
    title = (
        f"{view.run_dir}: {len(rows)} snapshots, last complete generation "
        f"{view.last_generation}; ratings now from all {len(view.results)} stored results"
    )
    footer = (
        "rating at creation: after the generation that made it; nash: its weight in "
        "nash:left / nash:right; *: each role's best now"
    )
    for r in rows:
        if r.copy_of:
            footer += (
                f"\n{r.id}: {r.copy_of}'s network, kept by main_gate (the new one fell behind)"
            )
    return "\n\n".join([title, aligned_table(header, lines, left=3), footer])


def ls_json(view: LeagueView, sort: str = "generation") -> str:
    """``pong-league ls --json``: the run and a list of snapshot objects."""
    data = {
        "run": str(view.run_dir),
        "last_generation": view.last_generation,
        "generations": view.generations,
        "created_at": view.created_at,
        "snapshots": [asdict(r) for r in snapshot_rows(view, sort)],
    }
    return json.dumps(data, indent=2)


# ----------------------------------------------------------------------------- ls runs/


@dataclass(frozen=True)
class RunRow:
    """One line of ``pong-league ls FOLDER`` for a folder of runs.

    :param run: the run folder.
    :param done: its last complete generation (-1 before generation 0).
    :param generations: the generations it is configured to train.
    :param created_at: when it was created (UTC, ISO 8601).
    :param best: its best snapshot by rating now.
    :param best_rating: that snapshot's rating now.
    :param error: why the run could not be read, if it could not.
    """

    run: str
    done: int
    generations: int | None
    created_at: str | None
    best: str | None
    best_rating: float | None
    error: str | None = None


def run_rows(folder: Path | str) -> list[RunRow]:
    """Every run directly inside ``folder``, by name; an unreadable one says why.

    :raises LeagueError: if ``folder`` holds no run.
    """
    runs = find_runs(Path(folder))
    if not runs:
        raise LeagueError(f"{folder} holds no runs (no league.sqlite in it or its folders)")
    rows = []
    for run in runs:
        try:
            view = LeagueView.read(run)
        except LeagueError as err:
            rows.append(RunRow(str(run), -1, None, None, None, None, str(err)))
            continue
        ratings = view.ratings()
        rated = [s.id for s in view.snapshots if s.id in ratings]
        best = max(rated, key=lambda i: ratings[i]) if rated else None
        rating = ratings[best] if best is not None else None
        rows.append(
            RunRow(str(run), view.last_generation, view.generations, view.created_at, best, rating)
        )
    return rows


def runs_text(folder: Path | str) -> str:
    """``pong-league ls runs/``: one line per run inside the folder."""
    rows = run_rows(folder)
    header = ["run", "generations", "created (UTC)", "best snapshot", "rating now"]
    lines = []
    for r in rows:
        if r.error is not None:
            lines.append([Path(r.run).name, EMPTY, EMPTY, f"unreadable: {r.error}", ""])
            continue
        total = EMPTY if r.generations is None else str(r.generations)
        created = EMPTY if r.created_at is None else r.created_at[:16].replace("T", " ")
        lines.append(
            [Path(r.run).name, f"{max(r.done, 0)}/{total}", created, r.best or EMPTY]
            + [format_rating(r.best_rating)]
        )
    runs = f"{len(rows)} run{'s' if len(rows) != 1 else ''}"
    title = f"{folder}: {runs}; `pong-league ls {Path(folder) / '<run>'}` for one of them"
    return title + "\n\n" + aligned_table(header, lines, left=4)


def runs_json(folder: Path | str) -> str:
    """``pong-league ls runs/ --json``: the folder and a list of run objects."""
    return json.dumps(
        {"folder": str(folder), "runs": [asdict(r) for r in run_rows(folder)]}, indent=2
    )


# --------------------------------------------------------------------------------- matrix


def nash_weights(view: LeagueView) -> tuple[dict[str, float], dict[str, float], float | None]:
    """The Nash equilibrium of the run's meta-game (left snapshots against right ones, the CPU
    left out, unplayed pairs even): each left and each right snapshot's weight, and the left
    role's value (``None`` while a role has no snapshot). ``matrix``, ``ls`` and the
    ``nash:left`` / ``nash:right`` players all read it from here."""
    m = view.matrix()
    snapshots_only = m.scores[:, :-1]
    if not snapshots_only.size:
        return {}, {}, None
    eq = nash_equilibrium(snapshots_only)
    left = {r: float(w) for r, w in zip(m.rows, eq.row, strict=True)}
    right = {c: float(w) for c, w in zip(m.cols[:-1], eq.col, strict=True)}
    return left, right, eq.value


@dataclass(frozen=True)
class MatrixView:
    """The matrix with the numbers printed around it.

    :param matrix: left snapshots (rows) against right snapshots and the CPU (columns).
    :param ratings: every player's rating now.
    :param nash_left: Nash weight of each left snapshot (snapshots-only meta-game).
    :param nash_right: Nash weight of each right snapshot.
    :param nash_value: the left role's expected score at the equilibrium.
    """

    matrix: WinRateMatrix
    ratings: dict[str, float]
    nash_left: dict[str, float]
    nash_right: dict[str, float]
    nash_value: float | None

    @classmethod
    def of(cls, view: LeagueView) -> MatrixView:
        return cls(view.matrix(), view.ratings(), *nash_weights(view))

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.matrix.to_dict(),
            "ratings": self.ratings,
            "nash": {"left": self.nash_left, "right": self.nash_right, "value": self.nash_value},
        }


def matrix_text(view: LeagueView) -> str:
    """``pong-league matrix``: scores with games per cell, ratings and Nash weights."""
    mv = MatrixView.of(view)
    m = mv.matrix
    if not m.rows:
        return f"{view.run_dir}: no snapshots yet"
    header = ["", *m.cols, "rating", "nash"]
    lines = []
    for i, row in enumerate(m.rows):
        cells = [
            EMPTY if np.isnan(s) else f"{s:.2f} ({g})"
            for s, g in zip(m.scores[i], m.games[i], strict=True)
        ]
        lines.append([row, *cells, format_rating(mv.ratings.get(row)), f"{mv.nash_left[row]:.3f}"])
    lines.append(["rating", *(format_rating(mv.ratings.get(c)) for c in m.cols), "", ""])
    lines.append(["nash", *(f"{mv.nash_right[c]:.3f}" for c in m.cols[:-1]), "", "", ""])
    title = (
        f"{view.run_dir}, generation {view.last_generation}: the row's (left's) score against "
        "the column, (games)"
    )
    footer = "a draw counts half; rating: Bradley-Terry Elo of all stored results, cpu = 1000"
    if mv.nash_value is not None:
        footer += (
            f"\nnash: the Nash equilibrium of the snapshots' meta-game (left's value "
            f"{mv.nash_value:.3f})"
        )
    return "\n\n".join([title, aligned_table(header, lines), footer])


def matrix_csv(view: LeagueView) -> str:
    """``--csv``: the scores, a header ``row,<cols...>`` and one line per left snapshot."""
    return MatrixView.of(view).matrix.to_csv()


def matrix_json(view: LeagueView) -> str:
    """``--json``: rows, cols, scores (null: never played), games, ratings and Nash weights."""
    data = {"run": str(view.run_dir), "generation": view.last_generation}
    return json.dumps({**data, **MatrixView.of(view).to_dict()}, indent=2)


def save_matrix_image(view: LeagueView, path: Path | str) -> Path:
    """The heatmap TensorBoard shows (``league/win_rate_matrix``), as a PNG, JPEG or PDF file.

    :raises LeagueError: for another suffix or a folder that does not exist.
    """
    from league.heatmap import save_heatmap

    path = Path(path)
    check_image_path(path)
    title = f"win rate of row, gen {view.last_generation}"
    return save_heatmap(view.matrix(), path, title=title)


def check_image_path(path: Path) -> Path:
    """Refuse an image path that cannot be written, before anything is computed."""
    from league.heatmap import IMAGE_FORMATS

    if path.suffix.lower() not in IMAGE_FORMATS:
        raise LeagueError(
            f"--png {path}: name a .png, .jpg, .jpeg or .pdf file (the heatmap is drawn with "
            "Pillow, which writes no .svg)"
        )
    if not path.parent.is_dir():
        raise LeagueError(f"--png {path}: the folder {path.parent} does not exist")
    return path
