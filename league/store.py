"""The league's state in one SQLite database per run: config, snapshots, results, ratings.

``runs/<name>/league.sqlite`` runs in WAL mode, so readers (the CLI, a dashboard) never block
the trainer and never see half a generation: everything a generation produces is committed in
one transaction by :meth:`LeagueStore.complete_generation`. After a ``kill -9`` the database
holds exactly the generations that were complete, which is what ``--resume`` continues from.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any

from league.errors import LeagueError, close_matches, did_you_mean
from league.files import atomic_write
from league.results import MatchResult

SCHEMA_VERSION = 2
DB_NAME = "league.sqlite"
ROLES = ("left", "right")
SOURCES = ("league", "pit")
# Long enough to ride out a checkpoint or a commit of another process, short enough to report.
BUSY_TIMEOUT_S = 5.0

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE snapshots (
    id TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('left', 'right')),
    generation INTEGER NOT NULL CHECK (generation >= 0),
    env_steps INTEGER NOT NULL CHECK (env_steps >= 0),
    zip_path TEXT NOT NULL,
    npz_path TEXT NOT NULL,
    created_at TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'main'
        CHECK (kind IN ('main', 'main_exploiter', 'league_exploiter'))
);
CREATE TABLE matches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    a TEXT NOT NULL,
    b TEXT NOT NULL CHECK (b <> a),
    wins INTEGER NOT NULL CHECK (wins >= 0),
    losses INTEGER NOT NULL CHECK (losses >= 0),
    draws INTEGER NOT NULL CHECK (draws >= 0),
    points_for INTEGER NOT NULL CHECK (points_for >= 0),
    points_against INTEGER NOT NULL CHECK (points_against >= 0),
    steps INTEGER NOT NULL CHECK (steps >= 0),
    seed INTEGER NOT NULL,
    generation INTEGER NULL,
    source TEXT NOT NULL CHECK (source IN ('league', 'pit')),
    created_at TEXT NOT NULL
);
CREATE INDEX matches_generation ON matches (generation);
CREATE TABLE generations (
    generation INTEGER PRIMARY KEY CHECK (generation >= 1),
    role TEXT NOT NULL CHECK (role IN ('left', 'right')),
    snapshot_id TEXT NOT NULL UNIQUE REFERENCES snapshots (id),
    env_steps INTEGER NOT NULL CHECK (env_steps >= 0),
    seconds REAL NOT NULL,
    steps_per_second REAL NOT NULL,
    distribution TEXT NOT NULL,
    stats TEXT NOT NULL,
    finished_at TEXT NOT NULL
);
CREATE TABLE learners (
    generation INTEGER NOT NULL,
    player TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (generation, player)
);
CREATE TABLE ratings (
    generation INTEGER NOT NULL,
    player TEXT NOT NULL,
    rating REAL NOT NULL,
    PRIMARY KEY (generation, player)
);
"""

# Not in _SCHEMA: created by the first write that needs it (`pong-league exploit`), and a run
# without it simply has no exploits, so runs made before it and their readers keep working.
_EXPLOITS_SCHEMA = """
CREATE TABLE IF NOT EXISTS exploits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    target TEXT NOT NULL,
    seed INTEGER NOT NULL CHECK (seed >= 0),
    steps INTEGER NOT NULL CHECK (steps >= 1),
    wins INTEGER NOT NULL CHECK (wins >= 0),
    losses INTEGER NOT NULL CHECK (losses >= 0),
    draws INTEGER NOT NULL CHECK (draws >= 0),
    points_for INTEGER NOT NULL CHECK (points_for >= 0),
    points_against INTEGER NOT NULL CHECK (points_against >= 0),
    games INTEGER NOT NULL CHECK (games >= 1 AND games = wins + losses + draws),
    created_at TEXT NOT NULL,
    path TEXT NULL
)
"""

_MATCH_COLUMNS = "a, b, wins, losses, draws, points_for, points_against, steps, seed"
_SNAPSHOT_COLUMNS = "id, role, generation, env_steps, zip_path, npz_path, created_at, kind"
_GENERATION_COLUMNS = (
    "generation, role, snapshot_id, env_steps, seconds, steps_per_second, "
    "distribution, stats, finished_at"
)
_EXPLOIT_COLUMNS = (
    "target, seed, steps, wins, losses, draws, points_for, points_against, games, created_at, path"
)


def utc_now() -> str:
    """The current UTC time as an ISO 8601 string to the second, as every table stores it."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class SnapshotRecord:
    """A frozen policy registered in the league, with where its files lie.

    :param id: ``"<role>-<generation:04d>"``, e.g. ``"left-0003"``.
    :param role: ``"left"`` or ``"right"``.
    :param generation: 0 for the untrained initial policies, else the generation that trained it.
    :param env_steps: env steps the policy has been trained on in total.
    :param zip_path: the SB3 model file, relative to the run folder (posix style).
    :param npz_path: the exported inference weights, relative to the run folder.
    :param created_at: when the snapshot was made (ISO 8601, UTC).
    :param kind: the learner it was frozen from: ``main``, ``main_exploiter`` or
        ``league_exploiter`` (ids ``left-0003``, ``left-0003-me``, ``left-0003-le``).
    """

    id: str
    role: str
    generation: int
    env_steps: int
    zip_path: str
    npz_path: str
    created_at: str = field(default_factory=utc_now)
    kind: str = "main"


@dataclass(frozen=True)
class GenerationRecord:
    """What one completed generation did: who trained, for how long, against whom.

    :param generation: 1, 2, ...; odd generations train left, even ones right.
    :param role: the role that trained.
    :param snapshot_id: id of the snapshot the generation produced.
    :param env_steps: env steps trained in this generation.
    :param seconds: wall-clock seconds the generation took.
    :param steps_per_second: training throughput over the generation.
    :param distribution: opponent id -> probability it was sampled with.
    :param stats: any further JSON-serialisable numbers (losses, mean episode length, ...).
    :param finished_at: when the generation finished (ISO 8601, UTC).
    """

    generation: int
    role: str
    snapshot_id: str
    env_steps: int
    seconds: float
    steps_per_second: float
    distribution: dict[str, float]
    stats: dict[str, Any] = field(default_factory=dict)
    finished_at: str = field(default_factory=utc_now)


@dataclass(frozen=True)
class ExploitRecord:
    """A best response's results against a frozen target (``pong-league exploit``).

    Kept apart from the ``matches`` table: a best response is no player of the league, so its
    games never feed the win-rate matrix, the ratings or PFSP.

    :param target: the target's display name (a snapshot id, ``cpu``, a file's name, a bot).
    :param seed: the best response's training seed.
    :param steps: env steps it was trained against the target.
    :param wins: games the best response won.
    :param losses: games it lost.
    :param draws: games truncated at ``max_steps``.
    :param points_for: points it scored over all games.
    :param points_against: points the target scored over all games.
    :param games: games played (``wins + losses + draws``).
    :param path: its SB3 model file, relative to the run folder, if it was saved.
    :param created_at: when the result was stored (ISO 8601, UTC).
    """

    target: str
    seed: int
    steps: int
    wins: int
    losses: int
    draws: int
    points_for: int
    points_against: int
    games: int
    created_at: str = field(default_factory=utc_now)
    path: str | None = None


class LeagueStore:
    """The run's SQLite database. Build it with :meth:`create` or :meth:`open`, not directly.

    A store is a context manager that closes its connection on exit. Write methods each commit
    one transaction; read methods see the last committed state, even while another process
    writes.

    :param conn: an open connection in autocommit mode (transactions are explicit).
    :param path: the database file.
    :param readonly: whether the connection was opened read-only.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path, readonly: bool) -> None:
        self._conn = conn
        self.path = path
        self.run_dir = path.parent
        self.readonly = readonly

    @classmethod
    def create(cls, path: Path, config: Mapping[str, Any]) -> LeagueStore:
        """Create a new league database holding ``config``.

        The database is built under a temporary name and renamed into place, so a crash never
        leaves a half-initialised ``league.sqlite`` that blocks the next attempt.

        :param path: the database file, or an existing run folder to create ``league.sqlite`` in.
        :param config: the resolved league config; must be JSON-serialisable.
        :return: the store, open for writing.
        :raises LeagueError: if a database already exists there or the config is not JSON.
        """
        path = _database_path(path)
        if path.exists():
            raise LeagueError(
                f"a league database already exists at {path}; continue it with "
                "`pong-league train --resume` or choose another run name"
            )
        config_json = _to_json(dict(config), "config")
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path) as tmp:
            tmp.unlink(missing_ok=True)  # left by a killed process that had our PID
            conn = _connect(tmp, "rwc")
            try:
                conn.executescript(_SCHEMA)
                meta = {"schema_version": str(SCHEMA_VERSION), "config": config_json}
                meta["created_at"] = utc_now()
                conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", meta.items())
                # Persistent in the file header, so every later connection is in WAL mode.
                conn.execute("PRAGMA journal_mode = WAL")
            finally:
                conn.close()  # the last close checkpoints and removes the temp -wal/-shm files
        return cls.open(path)

    @classmethod
    def open(cls, path: Path, readonly: bool = False) -> LeagueStore:
        """Open an existing league database.

        :param path: the database file, or the run folder holding ``league.sqlite``.
        :param readonly: open with ``mode=ro``: for readers next to a running trainer.
        :return: the store.
        :raises LeagueError: if there is no database there, or it is not a pong-league one.
        """
        path = _database_path(path)
        if not path.is_file():
            raise LeagueError(no_database_message(path))
        conn = None
        try:
            conn = _connect(path, "ro" if readonly else "rw")
            _check_schema(conn, path)
        except BaseException as exc:
            if conn is not None:
                conn.close()
            if isinstance(exc, sqlite3.DatabaseError):
                raise LeagueError(
                    f"{path} is not a readable pong-league database ({exc}); "
                    "restore it from a backup or start a new run"
                ) from None
            raise
        return cls(conn, path, readonly)

    def close(self) -> None:
        """Close the connection; the store cannot be used afterwards."""
        self._conn.close()

    def __enter__(self) -> LeagueStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def resolve(self, relative: str) -> Path:
        """The path of a file the store names relative to the run folder.

        :param relative: e.g. ``SnapshotRecord.zip_path``.
        :return: the path under the run folder.
        """
        return self.run_dir / relative

    # ----------------------------------------------------------------------------- reads

    def config(self) -> dict[str, Any]:
        """The resolved config the run was created with."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'config'").fetchone()
        return json.loads(row[0])

    def created_at(self) -> str | None:
        """When the run was created (UTC, ISO 8601), as its database says."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'created_at'").fetchone()
        return row[0] if row else None

    def snapshots(self, role: str | None = None) -> list[SnapshotRecord]:
        """Registered snapshots ordered by generation (left before right in generation 0).

        :param role: only this role's snapshots; ``None`` for all.
        :return: the snapshots.
        :raises LeagueError: for a role other than ``"left"`` or ``"right"``.
        """
        query = f"SELECT {_SNAPSHOT_COLUMNS} FROM snapshots"
        params: tuple[str, ...] = ()
        if role is not None:
            if role not in ROLES:
                raise LeagueError(f"unknown role {role!r}; use 'left' or 'right'")
            query += " WHERE role = ?"
            params = (role,)
        rows = self._conn.execute(
            query + " ORDER BY generation, role, kind <> 'main', id", params
        ).fetchall()
        return [SnapshotRecord(*row) for row in rows]

    def snapshot(self, id: str) -> SnapshotRecord:
        """One snapshot by id.

        :param id: e.g. ``"left-0003"``.
        :return: its record.
        :raises LeagueError: if there is no such snapshot; the message lists the known ids.
        """
        row = self._conn.execute(
            f"SELECT {_SNAPSHOT_COLUMNS} FROM snapshots WHERE id = ?", (id,)
        ).fetchone()
        if row is None:
            ids = [s.id for s in self.snapshots()]
            hint = did_you_mean(id, ids)
            raise LeagueError(
                f"unknown snapshot {id!r} in {self.run_dir}; {hint + ' ' if hint else ''}"
                f"known: {_abbreviate(ids)}"
            )
        return SnapshotRecord(*row)

    def results(self, source: str | None = None) -> list[MatchResult]:
        """Stored match results in the order they were added.

        :param source: only ``"league"`` or only ``"pit"`` results; ``None`` for all.
        :return: the results.
        """
        query = f"SELECT {_MATCH_COLUMNS} FROM matches"
        params: tuple[str, ...] = ()
        if source is not None:
            _check_source(source)
            query += " WHERE source = ?"
            params = (source,)
        rows = self._conn.execute(query + " ORDER BY id", params).fetchall()
        return [MatchResult(*row) for row in rows]

    def generations(self) -> list[GenerationRecord]:
        """Records of all completed generations (1, 2, ...) in order."""
        rows = self._conn.execute(
            f"SELECT {_GENERATION_COLUMNS} FROM generations ORDER BY generation"
        ).fetchall()
        return [
            GenerationRecord(*row[:6], json.loads(row[6]), json.loads(row[7]), row[8])
            for row in rows
        ]

    def learner_states(self) -> dict[str, dict[str, Any]]:
        """Each learner's state as its last complete generation stored it (see the trainer)."""
        rows = self._conn.execute(
            "SELECT player, state FROM learners l WHERE generation = "
            "(SELECT MAX(generation) FROM learners WHERE player = l.player) ORDER BY player"
        ).fetchall()
        return {player: json.loads(state) for player, state in rows}

    def last_generation(self) -> int:
        """The last complete generation: -1 before the initial snapshots, 0 right after them."""
        return _last_generation(self._conn)

    def ratings(self, generation: int | None = None) -> dict[str, float]:
        """Ratings after a generation, best first.

        :param generation: the generation; ``None`` for the latest one with ratings.
        :return: player -> rating; empty if nothing has been rated yet and no generation given.
        :raises LeagueError: if an explicitly given generation has no ratings.
        """
        if generation is None:
            where, params = "(SELECT MAX(generation) FROM ratings)", ()
        else:
            where, params = "?", (int(generation),)
        rows = self._conn.execute(
            f"SELECT player, rating FROM ratings WHERE generation = {where} "
            "ORDER BY rating DESC, player",
            params,
        ).fetchall()
        if generation is not None and not rows:
            raise LeagueError(
                f"no ratings for generation {generation} in {self.run_dir}; "
                f"the last complete generation is {self.last_generation()}"
            )
        return {player: rating for player, rating in rows}

    def ratings_when_made(self) -> dict[str, float]:
        """Each snapshot's rating after the generation that made it (before later results)."""
        rows = self._conn.execute(
            "SELECT r.player, r.rating FROM ratings r JOIN snapshots s "
            "ON s.id = r.player AND s.generation = r.generation"
        ).fetchall()
        return {player: rating for player, rating in rows}

    def exploits(self, target: str | None = None) -> list[ExploitRecord]:
        """Stored best-response results in the order they were added (none in older runs).

        :param target: only those against this target; ``None`` for all.
        :return: the results.
        """
        if not _has_table(self._conn, "exploits"):
            return []
        query = f"SELECT {_EXPLOIT_COLUMNS} FROM exploits"
        params: tuple[str, ...] = ()
        if target is not None:
            query += " WHERE target = ?"
            params = (target,)
        rows = self._conn.execute(query + " ORDER BY id", params).fetchall()
        return [ExploitRecord(*row) for row in rows]

    # ---------------------------------------------------------------------------- writes

    def set_config(self, config: Mapping[str, Any]) -> None:
        """Replace the stored config, e.g. with more generations when a run is extended.

        :param config: the resolved league config; must be JSON-serialisable.
        :raises LeagueError: if the config is not JSON.
        """
        self._require_writable()
        config_json = _to_json(dict(config), "config")
        with _transaction(self._conn):
            self._conn.execute("UPDATE meta SET value = ? WHERE key = 'config'", (config_json,))

    def add_snapshots(
        self,
        snapshots: Sequence[SnapshotRecord],
        ratings: Mapping[str, float] | None = None,
        results: Sequence[MatchResult] = (),
    ) -> None:
        """Register the untrained generation-0 snapshots, their matches and ratings, at once.

        Later snapshots come only with their generation, through :meth:`complete_generation`.

        :param snapshots: the initial snapshots (``left-0000``, ``right-0000``), files written.
        :param ratings: initial ratings stored as generation 0's, e.g. for the CPU as well.
        :param results: their evaluation matches, stored with source ``"league"``, generation 0.
        :raises ValueError: for a snapshot of a generation other than 0.
        :raises LeagueError: if a file is missing or a snapshot is already registered.
        """
        self._require_writable()
        if any(s.generation != 0 for s in snapshots):
            raise ValueError("add_snapshots takes generation-0 snapshots only")
        snapshots = [self._checked_files(s) for s in snapshots]
        try:
            with _transaction(self._conn):
                for snapshot in snapshots:
                    self._insert_snapshot(snapshot)
                self._insert_results(results, "league", 0)
                self._insert_ratings(0, ratings or {})
        except sqlite3.IntegrityError as exc:
            raise LeagueError(
                f"initial snapshots not stored in {self.run_dir}: {exc}; "
                "if they are stored already, resume the run instead"
            ) from None

    def complete_generation(
        self,
        record: GenerationRecord,
        snapshot: SnapshotRecord,
        results: Sequence[MatchResult],
        ratings: Mapping[str, float],
        frozen: Sequence[SnapshotRecord] = (),
        learners: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        """Store everything a generation produced in one transaction: all of it or none.

        :param record: the generation's record; must be ``last_generation() + 1``.
        :param snapshot: the main snapshot it trained; its files must already be written.
        :param results: the evaluation matches it played, stored with source ``"league"``.
        :param ratings: player -> rating after this generation.
        :param frozen: exploiter snapshots frozen in this generation, files written.
        :param learners: learner name -> state (JSON data) after this generation.
        :raises ValueError: if record and snapshot disagree on generation, role or id.
        :raises LeagueError: if it is not the next generation, a snapshot file is missing, or a
            value breaks a constraint; nothing of the generation is stored then.
        """
        self._require_writable()
        if (record.generation, record.role, record.snapshot_id) != (
            snapshot.generation,
            snapshot.role,
            snapshot.id,
        ):
            raise ValueError(f"generation record {record} does not describe snapshot {snapshot}")
        snapshot = self._checked_files(snapshot)
        frozen = [self._checked_files(s) for s in frozen]
        states = {k: _to_json(dict(v), "learner state") for k, v in (learners or {}).items()}
        distribution = _to_json(record.distribution, "distribution")
        stats = _to_json(record.stats, "stats")
        g = record.generation
        try:
            with _transaction(self._conn):
                # Checked inside the transaction so no other writer can slip in between.
                last = _last_generation(self._conn)
                if g != last + 1:
                    raise LeagueError(
                        f"cannot store generation {g} in {self.run_dir}: the last complete "
                        f"generation is {last}, so the next one is {last + 1}"
                    )
                for s in (snapshot, *frozen):
                    self._insert_snapshot(s)
                self._insert_results(results, "league", g)
                self._insert_ratings(g, ratings)
                self._conn.executemany(
                    "INSERT INTO learners (generation, player, state) VALUES (?, ?, ?)",
                    [(g, player, state) for player, state in states.items()],
                )
                self._conn.execute(
                    f"INSERT INTO generations ({_GENERATION_COLUMNS}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (g, record.role, record.snapshot_id, int(record.env_steps))
                    + (float(record.seconds), float(record.steps_per_second))
                    + (distribution, stats, record.finished_at),
                )
        except sqlite3.IntegrityError as exc:
            raise LeagueError(
                f"generation {g} was not stored in {self.run_dir} and nothing of it was kept: {exc}"
            ) from None

    def add_results(
        self,
        results: Sequence[MatchResult],
        source: str = "pit",
        generation: int | None = None,
    ) -> None:
        """Store results outside a generation (e.g. ``pong-league pit``) in one transaction.

        :param results: the results.
        :param source: ``"pit"`` or ``"league"``.
        :param generation: the generation they belong to, if any.
        :raises LeagueError: if a result breaks a constraint; none of them is stored then.
        """
        self._require_writable()
        _check_source(source)
        try:
            with _transaction(self._conn):
                self._insert_results(results, source, generation)
        except sqlite3.IntegrityError as exc:
            raise LeagueError(f"results not stored in {self.run_dir}: {exc}") from None

    def add_exploit(self, record: ExploitRecord) -> None:
        """Store one best response's results in the ``exploits`` table (made if missing).

        :param record: the results; its model files, if any, must already be written.
        :raises LeagueError: if a value breaks a constraint; nothing is stored then.
        """
        self._require_writable()
        r = record
        try:
            with _transaction(self._conn):
                self._conn.execute(_EXPLOITS_SCHEMA)
                self._conn.execute(
                    f"INSERT INTO exploits ({_EXPLOIT_COLUMNS}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (r.target, int(r.seed), int(r.steps), int(r.wins), int(r.losses))
                    + (int(r.draws), int(r.points_for), int(r.points_against), int(r.games))
                    + (r.created_at, r.path),
                )
        except sqlite3.IntegrityError as exc:
            raise LeagueError(f"exploit result not stored in {self.run_dir}: {exc}") from None

    def _require_writable(self) -> None:
        if self.readonly:
            raise LeagueError(f"{self.path} was opened read-only; open it for writing to change it")

    def _checked_files(self, snapshot: SnapshotRecord) -> SnapshotRecord:
        """The snapshot with run-relative paths, after checking both files are complete."""
        paths = {}
        for name in ("zip_path", "npz_path"):
            path = Path(getattr(snapshot, name))
            if path.is_absolute():
                try:
                    path = path.resolve().relative_to(self.run_dir.resolve())
                except ValueError:
                    raise ValueError(f"{path} lies outside the run folder {self.run_dir}") from None
            # Files are written atomically, so one that exists under its final name is complete.
            if not self.resolve(path.as_posix()).is_file():
                raise LeagueError(
                    f"snapshot {snapshot.id}: {self.resolve(path.as_posix())} does not exist; "
                    "write the model files before registering the snapshot"
                )
            paths[name] = path.as_posix()
        return replace(snapshot, **paths)

    def _insert_snapshot(self, s: SnapshotRecord) -> None:
        self._conn.execute(
            f"INSERT INTO snapshots ({_SNAPSHOT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (s.id, s.role, int(s.generation), int(s.env_steps), s.zip_path, s.npz_path)
            + (s.created_at, s.kind),
        )

    def _insert_results(
        self, results: Sequence[MatchResult], source: str, generation: int | None
    ) -> None:
        now = utc_now()
        # int() because numpy integers cannot be bound as SQLite parameters.
        rows = [
            (r.a, r.b, int(r.wins), int(r.losses), int(r.draws), int(r.points_for))
            + (int(r.points_against), int(r.steps), int(r.seed), generation, source, now)
            for r in results
        ]
        self._conn.executemany(
            f"INSERT INTO matches ({_MATCH_COLUMNS}, generation, source, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    def _insert_ratings(self, generation: int, ratings: Mapping[str, float]) -> None:
        self._conn.executemany(
            "INSERT INTO ratings (generation, player, rating) VALUES (?, ?, ?)",
            [(generation, player, float(rating)) for player, rating in ratings.items()],
        )


def find_runs(folder: Path) -> list[Path]:
    """The run folders (those holding a league database) directly inside ``folder``, by name.

    :param folder: e.g. ``runs/``.
    :return: the run folders; empty if ``folder`` is no folder or holds none.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    try:
        children = sorted(folder.iterdir())
    except OSError:
        return []
    return [c for c in children if c.is_dir() and (c / DB_NAME).is_file()]


def no_database_message(path: Path) -> str:
    """Why ``path`` has no database, and which run was meant when that can be guessed.

    :param path: the database path looked for (``<run>/league.sqlite``) or the folder given.
    :return: one line: the folder's runs if it holds some, else a near-miss sibling run.
    """
    given = path.parent if path.name == DB_NAME else path
    message = f"no league database at {path}: is this a run folder?"
    inside = find_runs(given)
    if inside:
        names = _abbreviate([r.name for r in inside])
        return (
            f"{message} {given} holds runs ({names}): give one of them, "
            f"or list them with `pong-league ls {given}`"
        )
    siblings = [r.name for r in find_runs(given.parent) if r != given]
    close = [str(given.parent / name) for name in close_matches(given.name, siblings)]
    if close:
        return f"{message} did you mean {' or '.join(close)}?"
    return f"{message} start one with `pong-league train`"


def _database_path(path: Path) -> Path:
    path = Path(path)
    return path / DB_NAME if path.is_dir() else path


def _connect(path: Path, mode: str) -> sqlite3.Connection:
    """A connection in autocommit mode; :func:`_transaction` makes the transactions explicit."""
    # A URI so that mode=ro is a real read-only open and mode=rw never creates a missing file.
    uri = f"{path.resolve().as_uri()}?mode={mode}"
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        conn.execute("PRAGMA foreign_keys = ON")
        if mode != "ro":
            # FULL: a committed generation also survives a power cut, not just a kill -9; it
            # costs one extra fsync per commit, and there is one commit per generation.
            conn.execute("PRAGMA synchronous = FULL")
    except BaseException:
        conn.close()
        raise
    return conn


@contextlib.contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """Commit everything done in the body at once, or roll all of it back if it raises."""
    # IMMEDIATE takes the write lock up front, so a transaction never fails half-way on a lock.
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _check_schema(conn: sqlite3.Connection, path: Path) -> None:
    # Reading sqlite_master is what makes a non-database file fail, with sqlite3.DatabaseError.
    has_meta = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
    ).fetchone()
    if has_meta is None:
        raise LeagueError(f"{path} is an SQLite database but not a pong-league one")
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    version = row[0] if row else None
    if version != str(SCHEMA_VERSION):
        raise LeagueError(
            f"{path} has league schema version {version}, this pong-league reads version "
            f"{SCHEMA_VERSION}; use the pong-league version that created the run"
        )


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None


def _last_generation(conn: sqlite3.Connection) -> int:
    row = conn.execute(
        "SELECT COALESCE((SELECT MAX(generation) FROM generations),"
        " (SELECT 0 FROM snapshots WHERE generation = 0 LIMIT 1), -1)"
    ).fetchone()
    return int(row[0])


def _check_source(source: str) -> None:
    if source not in SOURCES:
        raise ValueError(f"unknown result source {source!r}; use one of {SOURCES}")


def _to_json(value: Any, what: str) -> str:
    try:
        return json.dumps(value, default=_json_default, sort_keys=True, allow_nan=True)
    except (TypeError, ValueError) as exc:
        raise LeagueError(f"the {what} cannot be stored as JSON: {exc}") from None


def _json_default(value: Any) -> Any:
    # numpy scalars and arrays: .tolist() turns both into plain Python values.
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _abbreviate(ids: list[str], head: int = 4, tail: int = 8) -> str:
    """The ids for a one-line message: all of them, or the first and last few of a long list."""
    if not ids:
        return "none"
    if len(ids) <= head + tail:
        return ", ".join(ids)
    hidden = len(ids) - head - tail
    return ", ".join([*ids[:head], f"... ({hidden} more)", *ids[-tail:]])
