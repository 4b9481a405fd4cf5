"""What a user sees while a league trains: a progress bar per generation and a summary line."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

from stable_baselines3.common.callbacks import BaseCallback
from tqdm import tqdm

from league.agents import MAIN_EXPLOITER
from league.trainer import ExploiterReport, GateReport, GenerationSummary


class ProgressBar(BaseCallback):
    """A tqdm bar over one generation's env steps, with the live steps/s.

    :param generation: the generation trained.
    :param role: the role trained.
    :param total: env steps of the generation.
    :param desc: the bar's label instead of the generation and role (e.g. a best response's).
    """

    def __init__(self, generation: int, role: str, total: int, desc: str | None = None) -> None:
        super().__init__()
        self.bar = tqdm(
            total=total,
            desc=desc if desc is not None else f"gen {generation:>3} {role:<5}",
            unit="step",
            unit_scale=True,
            leave=False,
            file=sys.stderr,
            dynamic_ncols=True,
        )
        self._last = 0

    @classmethod
    def factory(cls) -> Callable[[int, str, int], ProgressBar]:
        return cls

    def _on_training_start(self) -> None:
        self._start = self.num_timesteps

    def _on_step(self) -> bool:
        done = self.num_timesteps - self._start
        if done - self._last >= 500 or done >= self.bar.total:
            self.bar.update(done - self._last)
            self._last = done
        return True

    def _on_training_end(self) -> None:
        self.bar.close()


def format_summary(s: GenerationSummary) -> str:
    """One line per generation: who trained, how fast, and how good it is now."""
    past = "  n/a" if math.isnan(s.beats_past) else f"{s.beats_past:5.0%}"
    return (
        f"gen {s.generation:>3} {s.role:<5} {s.snapshot}  {s.steps_per_second:6,.0f} steps/s  "
        f"vs cpu {s.win_rate_vs_cpu:5.0%}  rating {s.rating:6.0f}  beats past {past}  "
        f"({s.seconds:.0f}s, {time.strftime('%H:%M:%S')})"
    )


def format_exploiter(r: ExploiterReport) -> str:
    """One line per exploiter under its generation's line."""
    target = "vs newest main" if r.slot.kind == MAIN_EXPLOITER else "of the pool beaten"
    fate = "training on"
    if r.frozen:
        fate = f"frozen as {r.frozen}" + (", starts afresh" if r.reset else ", continues")
    name = f"{r.slot.kind.replace('_', ' ')}{f' {r.slot.index}' if r.slot.index else ''}"
    return f"        {name:<17} {r.score:5.0%} {target:<18}  {fate}"


def format_gate(snapshot: str, g: GateReport) -> str:
    """The ``main_gate`` line under its generation's line."""
    fate = f"kept {g.previous}'s network as {snapshot}" if g.kept else "kept the new network"
    return (
        f"        gate              {g.score:5.0%} on the pool, {g.previous} {g.previous_score:.0%}"
        f": {fate}"
    )


def summary_lines(s: GenerationSummary) -> list[str]:
    """A generation's line, its gate's line and its exploiters' lines."""
    lines = [format_summary(s)]
    if s.gate is not None:
        lines.append(format_gate(s.snapshot, s.gate))
    return lines + [format_exploiter(r) for r in s.exploiters]


def print_summary(s: GenerationSummary) -> None:
    """Print a generation's lines (:func:`summary_lines`)."""
    for line in summary_lines(s):
        print(line, flush=True)


class TrainLog:
    """What ``train`` prints, printed and appended as it comes to the run's ``train.log``.

    The log keeps the generation lines that scroll away in a terminal (or were never seen, for a
    run started in the background); it is opened for each line, so a crash loses nothing.

    :param path: the log file (``RUN/train.log``); lines are appended to what it holds.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def line(self, text: str = "", echo: bool = True) -> None:
        """Print ``text`` (one or more lines, unless ``echo`` is false) and append it to the log."""
        if echo:
            print(text, flush=True)
        with open(self.path, "a", encoding="utf-8") as log:
            log.write(text + "\n")

    def generation(self, s: GenerationSummary) -> None:
        """A generation's lines (:func:`summary_lines`)."""
        for line in summary_lines(s):
            self.line(line)
