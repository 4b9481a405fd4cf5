"""Speed of the reference bots: each bot's numpy reference next to its compiled ``act``, one run.

Times one ``act`` call on a batch of observations (400 rows by default, a gauntlet's games per
bot) for ``act_numpy`` (the numpy array code, :mod:`envs.bots`' reference) and ``act`` (the
numba kernel), and prints both per call with their ratio as a markdown table. The observations
come from real games (the CPU against itself under the classic rules: the ball comes in half the
rows, and the edge aimer aims in nearly all of those), a different batch each call, and the two
implementations must give the same actions on every one of them.

Times are the CPU time of this thread (``time.thread_time``), the best of several rounds, the
two versions taking turns: on a machine busy with other work, wall time would mostly measure
that work.

    python scripts/bench_bots.py                 # about 2 s per bot
    python scripts/bench_bots.py --rows 1000 --seconds 0.3
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

import numpy as np

from envs.bots import BOTS
from envs.engine import CPU, Engine
from envs.observation import FRAME_SIZE, push_coords
from envs.rules import rules


def observations(rows: int, batches: int, frame_stack: int = 4, steps: int = 30) -> list:
    """``batches`` batches of left-side observations from ``rows`` CPU-vs-CPU games.

    :param steps: game steps between two batches, so that each holds other flights.
    """
    game = rules("classic").replace(max_steps=None)
    engine = Engine(game, rows)
    engine.reset(seeds=list(range(rows)), first_serve=[i % 2 for i in range(rows)])
    stack = np.zeros((rows, FRAME_SIZE * frame_stack), dtype=np.float32)
    push_coords(engine.state, engine.params, 0, stack, True)
    actions = np.full((rows, 2), CPU, dtype=np.int64)
    out = []
    for _ in range(batches):
        for _ in range(steps):
            engine.step(actions)
            push_coords(engine.state, engine.params, 0, stack, False)
        out.append(stack.copy())
    return out


def calls_for(act: Callable[[np.ndarray], np.ndarray], batches: list, seconds: float) -> int:
    """How many calls of ``act`` take about ``seconds``."""
    act(batches[0])  # compile, or load the cached kernel
    calls = 1
    while True:
        took = timed(act, batches, calls)
        if took >= seconds / 4 or calls >= 1 << 20:
            return max(1, int(calls * seconds / max(took, 1e-9)))
        calls *= 2


def timed(act: Callable[[np.ndarray], np.ndarray], batches: list, calls: int) -> float:
    """Seconds that ``calls`` calls of ``act`` take, cycling through the batches."""
    started = time.thread_time()
    for i in range(calls):
        act(batches[i % len(batches)])
    return time.thread_time() - started


def per_call(acts: list, batches: list, seconds: float, rounds: int = 7) -> list[float]:
    """Seconds per call of each of ``acts``: the best of ``rounds`` rounds of ``seconds /
    rounds`` each, the versions taking turns round by round so that they share the same load."""
    calls = [calls_for(act, batches, seconds / rounds) for act in acts]
    best = [float("inf")] * len(acts)
    for _ in range(rounds):
        for j, act in enumerate(acts):
            best[j] = min(best[j], timed(act, batches, calls[j]) / calls[j])
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=400, help="observations per call (400)")
    parser.add_argument("--seconds", type=float, default=1.0, help="per bot and version (1)")
    args = parser.parse_args(argv)
    game = rules("classic")
    batches = observations(args.rows, batches=16)
    print(f"one act call on {args.rows} observations (classic rules, 4 frames)\n")
    print("| bot | numpy | compiled | speed-up |")
    print("|---|---:|---:|---:|")
    for name, cls in BOTS.items():
        bot = cls(game)
        for obs in batches:
            if not np.array_equal(bot.act(obs), bot.act_numpy(obs)):
                print(f"{name}: the compiled bot's actions differ from numpy's", file=sys.stderr)
                return 1
        slow, fast = per_call([bot.act_numpy, bot.act], batches, args.seconds)
        print(f"| {name} | {slow * 1e6:,.0f} us | {fast * 1e6:,.1f} us | {slow / fast:,.0f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
