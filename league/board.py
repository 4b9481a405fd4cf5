"""TensorBoard logging of the league, next to SB3's own training curves.

Under ``runs/<name>/tb/``: ``left_0/`` and ``right_0/`` hold SB3's curves per main agent,
``left_main_exploiter_0/`` ... the exploiters'; ``league/`` holds what this module writes once
per generation. Everything is logged against env steps, so league curves line up with SB3's:

- against the league's env steps (all learners, exploiters included, since the run began):
  the image ``league/win_rate_matrix`` (the heatmap), the text ``league/win_rate_matrix_table``
  (the matrix with games per cell, every player's rating and Nash weight, headed by the
  generation), ``rating/<snapshot>``, ``league/nash_support/<role>`` (how many of the role's
  snapshots have a positive weight in the Nash equilibrium of the snapshots' meta-game) and
  ``league/generation`` (to read a step back as a generation);
- against the env steps of the role's main agent (SB3's ``num_timesteps``, the x axis of
  ``left_0/``): ``league/beats_past/<role>``, ``league/win_rate_vs_cpu/<role>``,
  ``league/rating_newest/<role>`` at the end of its generation and ``matchmaking/<role>/<opponent>``
  (its distribution) at the start;
- against an exploiter's own env steps: ``league/exploiter_score/<role>_<kind>_<i>`` (its score
  against its target: the newest main for a main exploiter, the share of the pool beaten for a
  league exploiter) and ``league/exploiter_frozen/<role>_<kind>_<i>`` (1 when it was frozen).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from league.heatmap import log_heatmap

if TYPE_CHECKING:
    from league.trainer import GenerationSummary, League


def write_scalars(folder: Path, rows: list[tuple[str, float, int]]) -> None:
    """Write a learner's SB3 curves (``(tag, value, env step)`` rows, as a host recorded them
    from SB3's logger) to ``folder``, where SB3's own TensorBoard output would have put them."""
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(str(folder))
    try:
        for tag, value, step in rows:
            writer.add_scalar(tag, value, step)
    finally:
        writer.close()


class LeagueBoard:
    """A TensorBoard writer for league metrics in ``run_dir/tb/league``."""

    def __init__(self, run_dir: Path) -> None:
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(str(Path(run_dir) / "tb" / "league"))

    def log_generation(self, league: League, s: GenerationSummary, nash: dict[str, Any]) -> None:
        g, w, steps = s.generation, self.writer, s.league_env_steps
        ratings = league.store.ratings(g)
        log_heatmap(
            w,
            "league/win_rate_matrix",
            league.matrix(),
            steps,
            title=f"win rate of row, generation {g}, {steps:,} env steps",
            ratings=ratings,
            nash=_nash_weights(league, nash),
        )
        w.add_scalar("league/generation", g, steps)
        for player, rating in ratings.items():
            w.add_scalar(f"rating/{player}", rating, steps)
        for role in ("left", "right"):
            w.add_scalar(f"league/nash_support/{role}", len(nash[role]), steps)

        started = s.env_steps - league.config.steps_per_generation
        w.add_scalar(f"league/rating_newest/{s.role}", s.rating, s.env_steps)
        w.add_scalar(f"league/win_rate_vs_cpu/{s.role}", s.win_rate_vs_cpu, s.env_steps)
        if not math.isnan(s.beats_past):
            w.add_scalar(f"league/beats_past/{s.role}", s.beats_past, s.env_steps)
        if s.gate is not None:
            w.add_scalar(f"league/gate_kept_previous/{s.role}", float(s.gate.kept), s.env_steps)
        for opponent, p in s.distribution.items():
            w.add_scalar(f"matchmaking/{s.role}/{opponent}", p, started)
        table = "\n".join(f"| {k} | {v:.3f} |" for k, v in sorted(s.distribution.items()))
        w.add_text(
            f"matchmaking/{s.role}",
            f"generation {g}\n\n| opponent | p |\n|---|---|\n{table}",
            started,
        )
        for r in s.exploiters:
            tag = r.slot.name.replace(":", "_")  # left_main_exploiter_0
            w.add_scalar(f"league/exploiter_score/{tag}", r.score, r.env_steps)
            w.add_scalar(f"league/exploiter_frozen/{tag}", float(r.frozen is not None), r.env_steps)
        w.flush()

    def close(self) -> None:
        self.writer.close()


def _nash_weights(league: League, nash: dict[str, Any]) -> dict[str, float]:
    """Every snapshot's Nash weight: 0 outside the support (the CPU is outside the game)."""
    weights = {**nash["left"], **nash["right"]}
    return {sn.id: float(weights.get(sn.id, 0.0)) for sn in league.store.snapshots()}
