"""What ``pong-league train`` prints once a run is complete: the recap of the league.

A table of its generations (the snapshot each trained, its score against the CPU and beats-past
when it was made, its rating now), each role's best main snapshot by rating now with its score
against the CPU over a fresh balanced match, and the commands that look further.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from league.arena import PitReport, pit
from league.report import (
    LeagueView,
    SnapshotRow,
    aligned_table,
    best_of,
    format_percent,
    format_rating,
    snapshot_rows,
)

ROLES = ("left", "right")
CPU_GAMES = 200  # a multiple of 4 (balanced), +-7 points at worst, about a second of play
MAIN = "main"


@dataclass(frozen=True)
class Recap:
    """A complete run, summed up.

    :param run_dir: the run folder.
    :param rows: the main snapshots the generations made (generation >= 1), in order.
    :param best: per role, its best main snapshot by rating now.
    :param vs_cpu: per role, that snapshot's match against the CPU.
    """

    run_dir: Path
    rows: list[SnapshotRow]
    best: dict[str, SnapshotRow]
    vs_cpu: dict[str, PitReport]
    game: str = "pong"

    @classmethod
    def of(cls, run_dir: Path | str, games: int = CPU_GAMES) -> Recap:
        """Read the run and play each role's best against the CPU (nothing is stored).

        :param run_dir: the run folder.
        :param games: games against the CPU, seeds 0 to ``games - 1``, sides alternating:
            the same match as ``pong-league pit BEST cpu --run RUN --games GAMES``.
        """
        run_dir = Path(run_dir)
        view = LeagueView.read(run_dir)
        rows = snapshot_rows(view)
        by_id = {r.id: r for r in rows}
        best, vs_cpu = {}, {}
        for role in ROLES:
            sid = best_of(rows, role, kind=MAIN)
            if sid is not None:
                best[role] = by_id[sid]
                vs_cpu[role] = pit(sid, "cpu", run_dir, games=games)
        made = [r for r in rows if r.kind == MAIN and r.generation >= 1]
        return cls(run_dir, made, best, vs_cpu, view.game)

    def to_text(self) -> str:
        """The recap as lines for a terminal (and ``train.log``)."""
        header = ["gen", "role", "snapshot", "vs cpu", "rating now", "beats past"]
        lines = [
            [
                str(r.generation),
                r.role,
                r.id,
                format_percent(r.win_rate_vs_cpu),
                format_rating(r.rating),
                format_percent(r.beats_past),
            ]
            for r in self.rows
        ]
        parts = [
            f"league {self.run_dir}: {_count(len(self.rows), 'generation')} complete",
            aligned_table(header, lines, left=3),
            "vs cpu and beats past: from the generation's evaluation games when it was made",
        ]
        best = []
        for role, row in self.best.items():
            line = f"best {role:<5}  {row.id}  rating now {format_rating(row.rating)}"
            if role in self.vs_cpu:
                m = self.vs_cpu[role]
                low, high = m.ci95
                balanced = "sides and serves" if self.game == "pong" else "seats"
                line += (
                    f"  vs cpu {m.win_rate:.1%} [{low:.1%}, {high:.1%}] over {m.games} games "
                    f"({balanced} balanced)"
                )
            best.append(line)
        if best:
            parts.append("\n".join(best))
        parts.append("look further:\n" + "\n".join(f"  {c}" for c in self.commands()))
        return "\n\n".join(parts)

    def commands(self) -> list[str]:
        """The commands that look further into the run, with its best snapshots filled in."""
        run = shlex.quote(str(self.run_dir))
        left = self.best["left"].id if "left" in self.best else "left-0001"
        right = self.best["right"].id if "right" in self.best else "right-0002"
        png = shlex.quote(str(self.run_dir / "matrix.png"))
        video = shlex.quote(str(self.run_dir / "best.mp4"))
        tb = shlex.quote(str(self.run_dir.parent))
        pong = self.game == "pong"  # video and gauntlet play Pong only so far
        commands = [
            f"pong-league ls {run} --sort rating",
            f"pong-league matrix {run} --png {png}",
            f"pong-league pit {left} {right} --run {run} --games 1000"
            + (f" --video {video}" if pong else ""),
            f"pong-league gauntlet {right} --run {run}" if pong else "",
            f"pong-league exploit {left} --run {run} --steps 200000",
            f"tensorboard --logdir {tb}",
        ]
        return [c for c in commands if c]


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
