"""TensorBoard logging of the league, next to SB3's own training curves.

Under ``runs/<name>/tb/``: ``left_0/`` and ``right_0/`` hold SB3's curves per role, ``league/``
holds what this module writes, one step per generation:

- Images: ``league/win_rate_matrix`` (the heatmap); Text: ``league/win_rate_matrix_table``;
- Scalars: ``rating/<snapshot>``, ``league/beats_past/<role>``, ``league/win_rate_vs_cpu/<role>``,
  ``league/rating_newest/<role>``, ``league/nash_support/<role>``,
  ``matchmaking/<role>/<opponent>`` (the main agent's distribution at the generation's start),
  ``league/exploiter_score/<role>_<kind>_<i>`` (an exploiter's score against its target: the
  newest main for a main exploiter, the share of the pool beaten for a league exploiter) and
  ``league/exploiter_frozen/<role>_<kind>_<i>`` (1 in the generation it was frozen).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from league.heatmap import log_heatmap

if TYPE_CHECKING:
    from league.trainer import GenerationSummary, League


class LeagueBoard:
    """A TensorBoard writer for league metrics in ``run_dir/tb/league``."""

    def __init__(self, run_dir: Path) -> None:
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(str(Path(run_dir) / "tb" / "league"))

    def log_generation(self, league: League, s: GenerationSummary, nash: dict[str, Any]) -> None:
        g, w = s.generation, self.writer
        matrix = league.matrix()
        log_heatmap(w, "league/win_rate_matrix", matrix, g, title=f"win rate of row, gen {g}")
        for player, rating in league.store.ratings(g).items():
            w.add_scalar(f"rating/{player}", rating, g)
        w.add_scalar(f"league/rating_newest/{s.role}", s.rating, g)
        w.add_scalar(f"league/win_rate_vs_cpu/{s.role}", s.win_rate_vs_cpu, g)
        if not math.isnan(s.beats_past):
            w.add_scalar(f"league/beats_past/{s.role}", s.beats_past, g)
        for role in ("left", "right"):
            w.add_scalar(f"league/nash_support/{role}", len(nash[role]), g)
        for opponent, p in s.distribution.items():
            w.add_scalar(f"matchmaking/{s.role}/{opponent}", p, g)
        for r in s.exploiters:
            # league/exploiter/left_main_exploiter_0: score against its target, 1.0 when frozen.
            tag = r.slot.name.replace(":", "_")
            w.add_scalar(f"league/exploiter_score/{tag}", r.score, g)
            w.add_scalar(f"league/exploiter_frozen/{tag}", float(r.frozen is not None), g)
        table = "\n".join(f"| {k} | {v:.3f} |" for k, v in sorted(s.distribution.items()))
        w.add_text(f"matchmaking/{s.role}", "| opponent | p |\n|---|---|\n" + table, g)
        w.flush()

    def close(self) -> None:
        self.writer.close()
