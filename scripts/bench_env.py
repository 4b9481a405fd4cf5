"""Environment speed on one core: the article's Pong in plain Python next to ours, in one run.

Every figure is measured in the same process, pinned to one core with one thread, so that the
rows compare like with like on whatever machine runs it. Prints a markdown table (for the README)
and optionally writes the numbers as JSON.

    python scripts/bench_env.py                 # about 3 s per row
    python scripts/bench_env.py --seconds 1 --json runs/bench_env.json --check
"""

from __future__ import annotations

import os

# ruff: noqa: E402 (the thread settings must come before numpy and numba load)
if __name__ == "__main__":  # not when a test imports this file: the limits would last its session
    for _name in (
        "NUMBA_NUM_THREADS",
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
    ):
        os.environ[_name] = "1"

import argparse
import json
import math
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numba
import numpy as np

from envs.engine import CPU, TERMINATED, TRUNCATED, Engine
from envs.rules import rules
from envs.single import PongVsOpponent

ARTICLE_REFERENCE = 220_000.0  # steps/s of the article's env, one core (SEED_RULES.md)
ONE_GAME_TARGET = 4 * ARTICLE_REFERENCE
BATCH_TARGET = 100e6
ENV_TARGET = 150_000.0
BATCH = 1024
ARTICLE_REFERENCE_ROW = "article env, plain Python (stated figure)"
ARTICLE_ROW = "article env, plain Python, rebuilt here"
ENV_ROW = "PongVsOpponent.step vs CPU, coords obs"


class ArticlePong:
    """The article's two-player Pong as it would be written in plain Python (SEED_RULES.md).

    Floats, the discrete collision checks, the touched scoring and random serves from a
    ``numpy.random.Generator``; the right paddle is the article's CPU unless ``cpu=False``.
    ``step`` returns the 6-float observation (one frame, scaled to about [-1, 1]), the left and
    right rewards and whether the game is over.

    :param seed: seed of the serves' Generator.
    :param cpu: the right paddle is the scripted CPU (its action is ignored).
    """

    width, height = 800.0, 400.0
    paddle_height = 70.0
    left_x, right_x = 20.0, 770.0  # the paddles' left edges; both are 10 px wide
    paddle_speed = 8.0
    ball_radius = 10.0
    ball_speed = 10.0
    points_to_win = 21

    def __init__(self, seed: int | None = None, cpu: bool = True) -> None:
        self.rng = np.random.default_rng(seed)
        self.cpu = cpu
        self.reset()

    def reset(self) -> np.ndarray:
        self.scores = [0, 0]
        self.serve()
        return self.observe()

    def serve(self) -> None:
        top = int(self.height - self.paddle_height)
        self.left_y = float(self.rng.integers(0, top + 1))
        self.right_y = float(self.rng.integers(0, top + 1))
        self.ball_x, self.ball_y = self.width / 2, self.height / 2
        if self.rng.random() < 0.5:
            target_x, target_y = self.left_x + 5.0, self.left_y
        else:
            target_x, target_y = self.right_x + 5.0, self.right_y
        target_y += self.rng.random() * self.paddle_height
        dx, dy = target_x - self.ball_x, target_y - self.ball_y
        norm = math.sqrt(dx * dx + dy * dy)
        self.vx = self.ball_speed * dx / norm
        self.vy = self.ball_speed * dy / norm
        self.touched = [False, False]

    def move(self, y: float, action: int) -> float:
        if action == 1:
            new = y - self.paddle_speed
        elif action == 2:
            new = y + self.paddle_speed
        else:
            return y
        return new if 0.0 <= new <= self.height - self.paddle_height else y

    def move_cpu(self, y: float) -> float:
        centre = y + self.paddle_height / 2
        if centre < self.ball_y:
            new = y + self.paddle_speed
        elif centre > self.ball_y:
            new = y - self.paddle_speed
        else:
            return y
        # Looser than an agent: up to one move outside the court.
        low, high = -self.paddle_speed, self.height - self.paddle_height + self.paddle_speed
        return new if low <= new <= high else y

    def step(self, left: int, right: int = 0) -> tuple[np.ndarray, list[float], bool]:
        self.left_y = self.move(self.left_y, left)
        self.right_y = self.move_cpu(self.right_y) if self.cpu else self.move(self.right_y, right)

        self.ball_x += self.vx
        self.ball_y += self.vy
        x, y, r = self.ball_x, self.ball_y, self.ball_radius
        if y - r <= 0.0 or y + r >= self.height:
            self.vy = -self.vy
        if self.left_x < x - r < self.left_x + 10 and self.left_y < y < self.left_y + 70:
            self.vx = -self.vx
            self.touched[0] = True
        if self.right_x < x + r < self.right_x + 10 and self.right_y < y < self.right_y + 70:
            self.vx = -self.vx
            self.touched[1] = True

        rewards = [0.0, 0.0]
        if x < 0.0 or x > self.width:
            scorer = 1 if x < 0.0 else 0
            if self.touched[scorer]:  # nobody scores if the other side never touched the ball
                self.scores[scorer] += 1
                rewards[scorer], rewards[1 - scorer] = 1.0, -1.0
            self.serve()
        done = max(self.scores) >= self.points_to_win
        return self.observe(), rewards, done

    def observe(self) -> np.ndarray:
        half_w, half_h = self.width / 2, self.height / 2
        centre = self.paddle_height / 2
        return np.array(
            [
                self.ball_x / half_w - 1.0,
                self.ball_y / half_h - 1.0,
                (self.left_y + centre) / half_h - 1.0,
                (self.right_y + centre) / half_h - 1.0,
                self.vx / self.ball_speed,
                self.vy / self.ball_speed,
            ],
            dtype=np.float32,
        )


def best_rate(chunk: Callable[[], None], steps: int, seconds: float, repeats: int = 3) -> float:
    """Best steps/s over ``repeats`` timings of ``seconds / repeats`` each, after a warm-up.

    :param chunk: runs ``steps`` steps (game-steps for a batch) per call.
    """
    chunk()  # compiles what is still to compile, warms caches and branch predictors
    best = 0.0
    for _ in range(repeats):
        done, start = 0, time.perf_counter()
        end = start + seconds / repeats
        while True:
            chunk()
            done += steps
            now = time.perf_counter()
            if now >= end:
                break
        best = max(best, done / (now - start))
    return best


def bench_article(seconds: float, repeats: int = 3, seed: int = 0) -> float:
    """The article's env in plain Python, random left actions against its CPU: steps/s."""
    env = ArticlePong(seed=seed)
    actions = np.random.default_rng(seed).integers(0, 3, 4096).tolist()

    def chunk() -> None:
        for action in actions:
            _, _, done = env.step(action)
            if done:
                env.reset()

    return best_rate(chunk, len(actions), seconds, repeats)


def bench_engine_one(rules_name: str, seconds: float, repeats: int = 3, seed: int = 0) -> float:
    """One game, a Python loop over ``Engine.step`` (as the envs call it): steps/s."""
    engine = Engine(rules(rules_name), 1, seed=seed)
    engine.reset()
    n = 1 << 14
    actions = np.full((n, 1, 2), CPU, dtype=np.int64)
    actions[:, 0, 0] = np.random.default_rng(seed).integers(0, 3, n)
    row = engine.state[0]

    def chunk() -> None:
        for a in actions:
            engine.step(a)
            if row[TERMINATED] or row[TRUNCATED]:
                engine.reset()

    return best_rate(chunk, n, seconds, repeats)


def bench_engine_batch(
    seconds: float,
    repeats: int = 3,
    players: tuple[str, str] = ("random", "cpu"),
    batch: int = BATCH,
    seed: int = 0,
) -> float:
    """``batch`` games that never end (classic rules, no point or step limit): game-steps/s.

    :param players: who moves the left and the right paddle, ``"random"`` or ``"cpu"`` (the CPU
        on both sides is competent play with long rallies, as in evaluations).
    """
    engine = Engine(rules("classic", points_to_win=10**9, max_steps=None), batch, seed=seed)
    engine.reset()
    actions = np.random.default_rng(seed).integers(0, 3, (8, batch, 2), dtype=np.int64)
    for side, player in enumerate(players):
        if player == "cpu":
            actions[:, :, side] = CPU

    def chunk() -> None:
        for a in actions:
            engine.step(a)

    return best_rate(chunk, len(actions) * batch, seconds, repeats)


def bench_env(seconds: float, repeats: int = 3, seed: int = 0) -> float:
    """``PongVsOpponent.step`` against the scripted CPU, classic rules, coords obs: steps/s."""
    env = PongVsOpponent("classic", opponent="cpu", obs_mode="coords")
    env.reset(seed=seed)
    actions = np.random.default_rng(seed).integers(0, 3, 4096).tolist()

    def chunk() -> None:
        for action in actions:
            _, _, terminated, truncated, _ = env.step(action)
            if terminated or truncated:
                env.reset()

    return best_rate(chunk, len(actions), seconds, repeats)


@dataclass
class Row:
    """One line of the table."""

    measurement: str
    rules: str
    steps_per_s: float
    target: float | None = None
    unit: str = "steps/s"
    measured: bool = True

    @property
    def ns_per_step(self) -> float:
        return 1e9 / self.steps_per_s

    @property
    def passed(self) -> bool | None:
        return None if self.target is None else self.steps_per_s >= self.target


def run_all(seconds: float, repeats: int = 3) -> list[Row]:
    """Every measurement, in the table's order."""
    one, batch, endless = ONE_GAME_TARGET, BATCH_TARGET, "classic, endless"
    return [
        Row(ARTICLE_REFERENCE_ROW, "seed", ARTICLE_REFERENCE, measured=False),
        Row(ARTICLE_ROW, "seed", bench_article(seconds, repeats)),
        Row("engine, one game", "seed", bench_engine_one("seed", seconds, repeats), target=one),
        Row("engine, one game", "classic", bench_engine_one("classic", seconds, repeats), one),
        *(
            Row(
                f"engine, B={BATCH}, {left} vs {right}",
                endless,
                bench_engine_batch(seconds, repeats, (left.lower(), right.lower())),
                batch,
                unit="game-steps/s",
            )
            for left, right in (("random", "CPU"), ("random", "random"), ("CPU", "CPU"))
        ),
        Row(ENV_ROW, "classic", bench_env(seconds, repeats), ENV_TARGET),
    ]


def pin_to_one_core() -> int | None:
    """Pin this process to its first allowed CPU; returns it, or None where unsupported."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    numba.set_num_threads(1)
    return cpu


def machine(cpu: int | None) -> dict[str, str]:
    """What the figures were measured on."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "pinned_core": "none" if cpu is None else str(cpu),
        "python": platform.python_version(),
        "numba": numba.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(),
    }


def _figure(value: float, unit: str = "") -> str:
    number = f"{value / 1e6:,.1f} M" if value >= 1e7 else f"{value:,.0f}"
    return f"{number} {unit}".strip()


def table(rows: list[Row]) -> str:
    """The rows as a markdown table; ratios are against the article env rebuilt here."""
    article = next(r.steps_per_s for r in rows if r.measurement == ARTICLE_ROW)
    lines = [
        "| measurement | rules | speed | ns/step | vs article | target | result |",
        "|---|---|---:|---:|---:|---:|:---:|",
    ]
    for r in rows:
        ratio = f"{r.steps_per_s / article:,.1f}x" if r.measured else "-"
        target = "-" if r.target is None else f">= {_figure(r.target)}"
        result = {None: "reference" if r.measured else "stated", True: "PASS", False: "FAIL"}
        lines.append(
            f"| {r.measurement} | {r.rules} | {_figure(r.steps_per_s, r.unit)} | "
            f"{r.ns_per_step:,.1f} | {ratio} | {target} | {result[r.passed]} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=3.0, help="time per measurement (default 3)"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="timings per measurement, best kept (default 3)"
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the numbers here")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.repeats < 1:
        parser.error("--seconds must be > 0 and --repeats >= 1")

    about = machine(pin_to_one_core())
    rows = run_all(args.seconds, args.repeats)
    print(
        f"One core ({about['cpu']}, core {about['pinned_core']}), Python {about['python']}, "
        f"numba {about['numba']}, numpy {about['numpy']}; best of {args.repeats} over "
        f"{args.seconds:g} s per row.\n"
    )
    print(table(rows))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        report = {
            "machine": about,
            "seconds": args.seconds,
            "repeats": args.repeats,
            "rows": [{**asdict(r), "ns_per_step": r.ns_per_step, "passed": r.passed} for r in rows],
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    missed = [r for r in rows if r.passed is False]
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
