"""Games beyond Pong: the cyclic game where a league is needed, measured exactly.

Rock-paper-scissors, one round per game (``pettingzoo.classic.rps_v2`` with ``max_cycles=1``):
for each seed, trains ``--preset article`` (naive alternating self-play) and the default league
for the same env steps, then computes exactly how much a best response wins, in expected reward
per game (1: it always wins, 0: nothing to exploit), against

- the newest main snapshot of each role (what naive self-play hands you), and
- ``nash:left`` / ``nash:right``, the role's snapshots mixed by their Nash weights in the run's
  meta-game (the league's answer; the weights of ``league.report.nash_weights``).

A snapshot is greedy, so in a one-round game it is a pure action; a mixture is a distribution
over actions, and a best response's expected reward against it is computed, not sampled.

    python scripts/bench_games.py                # seeds 0 1 2, about a minute a run
    python scripts/bench_games.py --seeds 0 --out runs/bench_games
    python scripts/bench_games.py tictactoe      # a league of minutes per seed, then 12,000 games
    python scripts/bench_games.py tictactoe --scale 2.5   # every learner's steps x 2.5

``tictactoe`` trains a tic-tac-toe league per seed with ``pong-league train --workers 2``
(MaskablePPO, 8 envs, 16 generations of 40,000 steps and exploiters of 20,000) and plays each
role's final main and Nash mixture 1,000 games against the minimax player (the share lost:
perfect play never loses) and against random legal moves (the share won, and the score with a
draw half), in the seat its role trains in (the left role moves first), and the final mains in
both seats in turn.

``connect4`` trains a connect-four league per seed the same way (8 generations of 112,500 steps,
exploiters of 22,500, a 256-256 network, 30% of a main's games against random moves) and plays
each role's final main 1,000 games in its own seat against random legal moves and against the
other role's first main (for the right role: the first generation's main). Goals: >= 95% and
>= 80% won.

    python scripts/bench_games.py connect4 --seeds 0
    python scripts/bench_games.py connect4 --scale 2    # every learner's steps x 2

``overhead`` measures the league's overhead on a PettingZoo game: the league's own learner
(``league.learners``: MaskablePPO, ``n_envs`` seat envs of tic-tac-toe) training against a pool
of 10 frozen snapshots (numpy policies, one drawn per episode as the league draws them) over the
same learner training against random legal moves (the game's "cpu"), alternated, best of
``--repeats``, on one core. Goal: >= 0.8x.

    python scripts/bench_games.py overhead --steps 20480 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from league.arena import wilson_interval  # noqa: E402
from league.config import LeagueConfig, load_config  # noqa: E402
from league.exploit import run_config  # noqa: E402
from league.games import game_of, load_game  # noqa: E402
from league.games.pettingzoo import GameOpponentSampler, GamePolicy, PettingZooGame  # noqa: E402
from league.learners import make_vec_env, new_learner  # noqa: E402
from league.policies import NumpyPolicy  # noqa: E402
from league.report import LeagueView, nash_weights  # noqa: E402
from league.trainer import League  # noqa: E402

RPS = f"py:{Path(__file__).resolve()}:rps"
# u[a, b]: reward of action a against action b (0 rock, 1 paper, 2 scissors).
PAYOFF = np.array([[0, -1, 1], [1, 0, -1], [-1, 1, 0]], dtype=np.float64)
CONFIG = """
generations = 8
steps_per_generation = {steps}
exploiter_steps = 1024
exploiter_max_steps = 2048
eval_games = 20
[maskable_ppo]
n_steps = 256
batch_size = 64
"""


def rps():  # -> a PettingZoo AEC env
    """Rock-paper-scissors, one round per game."""
    from pettingzoo.classic import rps_v2

    return rps_v2.env(max_cycles=1)


def exploitability(action_probabilities: np.ndarray) -> float:
    """A best response's expected reward against a mixed strategy over rock, paper, scissors."""
    return float((PAYOFF @ action_probabilities).max())


def first_actions(run: Path) -> dict[str, dict[str, int]]:
    """Per role, each snapshot's (greedy, so pure) action in the one round of a game."""
    game = game_of(run_config(run))
    view = LeagueView.read(run)
    actions: dict[str, dict[str, int]] = {}
    for role in ("left", "right"):
        env = game.seat_env(role, lambda rng: ("cpu", game.baseline(rng)))
        obs, _ = env.reset(seed=0)
        mask = env.action_masks()
        actions[role] = {
            s.id: int(NumpyPolicy.load(run / s.npz_path).act(obs[None], mask[None])[0])
            for s in view.snapshots
            if s.role == role
        }
    return actions


def measure(run: Path) -> dict[str, dict[str, float]]:
    """Per role: the exploitability of its newest main and of its Nash mixture."""
    view = LeagueView.read(run)
    actions = first_actions(run)
    weights = dict(zip(("left", "right"), nash_weights(view)[:2], strict=True))
    out = {}
    for role in ("left", "right"):
        newest = [s.id for s in view.snapshots if s.role == role and s.kind == "main"][-1]
        probabilities = np.zeros(3)
        for sid, weight in weights[role].items():
            probabilities[actions[role][sid]] += weight
        out[role] = {
            "newest": exploitability(np.eye(3)[actions[role][newest]]),
            "nash": exploitability(probabilities),
            "support": sum(w > 1e-9 for w in weights[role].values()),
        }
    return out


def train(preset: str, seed: int, out: Path) -> Path:
    run = out / f"rps-{preset}-s{seed}"
    shutil.rmtree(run, ignore_errors=True)
    # Same env steps for both: the article preset has no exploiters and gets theirs as longer
    # generations (2,048 + 2 x 1,024 per generation).
    steps = 2048 if preset == "league" else 4096
    config_path = out / f"rps-{preset}.toml"
    config_path.write_text(CONFIG.format(steps=steps))
    config = load_config(config_path, preset, {"game": RPS, "seed": seed})
    league = League.create(run, config)
    try:
        league.run()
    finally:
        league.close()
    return run


TICTACTOE = "pettingzoo.classic.tictactoe_v3"
TICTACTOE_CONFIG = """
generations = 16
steps_per_generation = 40000
exploiter_steps = 20000
exploiter_max_steps = 80000
n_envs = 8
eval_games = 32
[maskable_ppo]
n_steps = 256
batch_size = 256
"""
# Each role's player (its final main, its Nash mixture) in the seat its role trains in (left:
# the first mover), then the final mains in both seats.
PLAYERS = (("left", "first"), ("right", "second"), ("nash:left", "first"))
PLAYERS += (("nash:right", "second"), ("left", "both"), ("right", "both"))


def seat_match(player: str, opponent: str, seat: str, run: Path, games: int) -> tuple[int, int]:
    """The games ``player`` lost and won against ``opponent``, in the first seat, the second,
    or both in turn."""
    from league.arena import pit

    if seat == "second":  # the opponent takes the first seat in every game
        r = pit(opponent, player, run, games=games, seed=0, sides="fixed")
        return r.wins, r.losses
    sides = "fixed" if seat == "first" else "alternate"
    r = pit(player, opponent, run, games=games, seed=0, sides=sides)
    return r.losses, r.wins


def train_run(game: str, config_text: str, run: Path, seed: int, workers: int) -> float:
    """A league of ``game`` through ``pong-league train`` (trained once, kept in ``run``, and
    trained again if its config, defaults included, is not this one): its wall clock in
    seconds, Ray's start-up included."""
    clock = run / "bench_seconds.txt"
    config_path = run.parent / f"{run.name}.toml"
    run.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(config_text)
    wanted = load_config(config_path, None, {"game": game, "seed": seed})
    if not (clock.exists() and run_config(run) == wanted):
        shutil.rmtree(run, ignore_errors=True)
        args = [sys.executable, "-m", "league.cli", "train", "--game", game]
        args += ["--config", str(config_path), "--seed", str(seed), "--run-dir", str(run)]
        args += ["--workers", str(workers), "--no-progress"]
        started = time.perf_counter()
        code = subprocess.run(args, cwd=ROOT, stdout=subprocess.DEVNULL).returncode
        if code != 0:  # train has said why on stderr, in one line for bad input
            raise SystemExit(code)
        clock.write_text(f"{time.perf_counter() - started:.1f}\n")
    return float(clock.read_text())


def scaled(config_text: str, scale: float) -> str:
    """The config with every learner's steps (generations, exploiters, their cap) times
    ``scale``."""
    lines = []
    for line in config_text.splitlines():
        key, sep, value = line.partition(" = ")
        if sep and key in STEP_KEYS:
            line = f"{key} = {round(int(value) * scale)}"
        lines.append(line)
    return "\n".join(lines) + "\n"


STEP_KEYS = ("steps_per_generation", "exploiter_steps", "exploiter_max_steps")


def tictactoe(
    seeds: list[int], out: Path, workers: int, games: int = 1000, scale: float = 1.0
) -> int:
    """A tic-tac-toe league per seed, then each role's final main and Nash mixture against
    perfect play (minimax) and random legal moves, in its own seat and in both."""
    rows, failed = [], []
    for seed in seeds:
        run = out / (f"ttt-s{seed}" if scale == 1.0 else f"ttt-x{scale:g}-s{seed}")
        minutes = train_run(TICTACTOE, scaled(TICTACTOE_CONFIG, scale), run, seed, workers) / 60
        final = {role: ids[-1] for role, ids in mains(run).items()}
        passed = False
        for player, seat in ((final.get(p, p), seat) for p, seat in PLAYERS):
            lost, _ = seat_match(player, "minimax", seat, run, games)
            lost_to_random, won = seat_match(player, "random", seat, run, games)
            passed |= seat != "both" and meets_tictactoe_goals(lost / games, won / games)
            score = (won + 0.5 * (games - won - lost_to_random)) / games  # a draw half
            low, high = wilson_interval(lost, games)
            rows.append(
                f"| {seed} | {minutes:.1f} min | {player} | {seat} | {lost / games:.1%} "
                f"[{low:.1%}, {high:.1%}] | {won / games:.1%} | {score:.1%} |"
            )
            print(rows[-1], flush=True)
        if not passed:
            failed.append(seed)
    note = f"{games:,} games per cell; seat: the player's seat (first: it moves first)"
    columns = ("seed", "train time", "player", "seat", "lost to minimax", "won vs random", "score")
    print_table(note, columns, rows)
    verdict = f"FAIL on seeds {', '.join(map(str, failed))}" if failed else "PASS"
    print(
        f"\n{verdict}: on every seed a final main or Nash mixture, in its own seat, loses "
        f"<= {TICTACTOE_GOALS['lost']:.0%} to minimax and wins >= {TICTACTOE_GOALS['won']:.0%} "
        "vs random"
    )
    return 0


TICTACTOE_GOALS = {"lost": 0.02, "won": 0.9}


def meets_tictactoe_goals(lost_to_minimax: float, won_vs_random: float) -> bool:
    """The goals of one player in its own seat: perfect play's draws, and wins."""
    return lost_to_minimax <= TICTACTOE_GOALS["lost"] and won_vs_random >= TICTACTOE_GOALS["won"]


def print_table(note: str, columns: tuple[str, ...], rows: list[str]) -> None:
    """A markdown table of ``rows`` under ``note``; the first two columns and the rest's
    figures as bench_games writes them (text left, figures right)."""
    print(f"\n{note}\n")
    print("| " + " | ".join(columns) + " |")
    print("|" + "|".join("---" if c in TEXT_COLUMNS else "---:" for c in columns) + "|")
    print("\n".join(rows))


TEXT_COLUMNS = ("seed", "player", "seat", "final main", "first main")


CONNECT_FOUR = "pettingzoo.classic.connect_four_v3"
# A 256-256 network and 30% of a main's games against random moves (the league's "cpu" here)
# (and 1.5x the steps) lifted both roles' wins against random moves by 2.1 to 3.4 points on each
# of seeds 0 to 2; more steps alone (x 2 with a 64-64 network and a 10% share) did not.
CONNECT_FOUR_CONFIG = """
generations = 8
steps_per_generation = 112500
exploiter_steps = 22500
exploiter_max_steps = 90000
n_envs = 8
eval_games = 32
cpu_share = 0.3
net_arch = [256, 256]
[maskable_ppo]
n_steps = 256
batch_size = 256
"""
CONNECT_FOUR_GOALS = {"random": 0.95, "first": 0.8}


def mains(run: Path) -> dict[str, list[str]]:
    """Each role's trained main snapshots (generation 0's untrained ones left out), oldest
    first."""
    from league.store import LeagueStore

    with LeagueStore.open(run, readonly=True) as store:
        snaps = [s for s in store.snapshots() if s.kind == "main" and s.generation > 0]
    return {role: [s.id for s in snaps if s.role == role] for role in ("left", "right")}


def connect_four(
    seeds: list[int], out: Path, workers: int, games: int = 1000, scale: float = 1.0
) -> int:
    """A connect-four league per seed, then each role's final main, in the seat its role trains
    in (the left role moves first), against random legal moves and against the other role's
    first main (the first generation's main for the right role), each in its own seat."""
    rows, passed = [], True
    for seed in seeds:
        run = out / (f"c4-s{seed}" if scale == 1.0 else f"c4-x{scale:g}-s{seed}")
        config = scaled(CONNECT_FOUR_CONFIG, scale)
        minutes = train_run(CONNECT_FOUR, config, run, seed, workers) / 60
        ids = mains(run)
        for role, other, seat in (("left", "right", "first"), ("right", "left", "second")):
            final = ids[role][-1]
            cells = []
            for kind, opponent in (("random", "random"), ("first", ids[other][0])):
                lost, won = seat_match(final, opponent, seat, run, games)
                rate = won / games
                passed &= rate >= CONNECT_FOUR_GOALS[kind]
                low, high = wilson_interval(won, games)
                cells.append(f"{rate:.1%} [{low:.1%}, {high:.1%}] ({lost / games:.1%} lost)")
            rows.append(
                f"| {seed} | {minutes:.1f} min | {final} | {seat} | {cells[0]} | "
                f"{ids[other][0]} | {cells[1]} |"
            )
            print(rows[-1], flush=True)
    note = f"{games:,} games per cell; seat: the final main's seat (first: it moves first)"
    columns = ("seed", "train time", "final main", "seat", "won vs random", "first main")
    print_table(note, (*columns, "won vs it"), rows)
    verdict = "PASS" if passed else "FAIL"
    print(f"\n{verdict}: every final main wins >= 95% vs random and >= 80% vs the first main")
    return 0


OVERHEAD_GAME = TICTACTOE
OVERHEAD_GOAL = 0.8


def overhead_config(n_envs: int = 8, n_steps: int = 256) -> LeagueConfig:
    """The league's config for the overhead figures: tic-tac-toe, MaskablePPO, with the
    tic-tac-toe benchmark's envs and rollouts (``n_envs * n_steps`` steps each)."""
    overrides = {
        "game": OVERHEAD_GAME,
        "n_envs": n_envs,
        "maskable_ppo": {"n_steps": n_steps, "batch_size": min(256, n_envs * n_steps)},
    }
    return load_config(None, None, overrides)


def frozen_pool(
    config: LeagueConfig, game: PettingZooGame, size: int
) -> list[tuple[str, GamePolicy]]:
    """``size`` snapshots as the league keeps them: learners of the config (untrained, seeds
    0 .. size - 1) frozen into numpy policies."""
    pool: list[tuple[str, GamePolicy]] = []
    for i in range(size):
        env = make_vec_env(config, "left", baseline_sampler(game), seed=i, game=game)
        pool.append((f"untrained-{i}", NumpyPolicy.from_model(new_learner(config, env, i, None))))
        env.close()
    return pool


def pool_sampler(pool: list[tuple[str, GamePolicy]]) -> GameOpponentSampler:
    """A snapshot of ``pool`` per episode, drawn as the league's sampler draws from its
    matchmaking weights (here uniform: the weights only change which snapshot, not the cost)."""
    p = np.full(len(pool), 1.0 / len(pool))

    def sample(rng: np.random.Generator) -> tuple[str, GamePolicy]:
        return pool[int(rng.choice(len(pool), p=p))]

    return sample


def baseline_sampler(game: PettingZooGame) -> GameOpponentSampler:
    """The game's baseline (random legal moves) per episode, as the league draws its "cpu"."""
    return lambda rng: ("cpu", game.baseline(rng))


def learner_steps_per_second(
    config: LeagueConfig, game: PettingZooGame, sampler: GameOpponentSampler, steps: int
) -> float:
    """Env steps/s of the league's learner in the left seat training ``steps`` steps against
    ``sampler``'s opponents (after one rollout of warm-up, not timed)."""
    env = make_vec_env(config, "left", sampler, seed=0, game=game)
    model = new_learner(config, env, seed=0, tb_dir=None)
    model.learn(config.n_envs * config.algo_kwargs()["n_steps"])
    start = time.perf_counter()
    model.learn(steps, reset_num_timesteps=False)
    seconds = time.perf_counter() - start
    env.close()
    return steps / seconds


def measure_overhead(
    steps: int, repeats: int, pool_size: int = 10, n_envs: int = 8, n_steps: int = 256
) -> dict[str, float]:
    """The learner's best steps/s against the pool and against random legal moves, measured
    alternately ``repeats`` times, and their ratio (the league's overhead)."""
    config = overhead_config(n_envs, n_steps)
    game = load_game(OVERHEAD_GAME)
    pool = frozen_pool(config, game, pool_size)
    vs_random, vs_pool = [], []
    for _ in range(repeats):  # alternated, so that drifts of the machine hit both alike
        vs_random.append(learner_steps_per_second(config, game, baseline_sampler(game), steps))
        vs_pool.append(learner_steps_per_second(config, game, pool_sampler(pool), steps))
    return {
        "vs_random_steps_per_s": max(vs_random),
        "vs_pool_steps_per_s": max(vs_pool),
        "ratio": max(vs_pool) / max(vs_random),
        "pool_size": pool_size,
        "n_envs": n_envs,
        "steps": steps,
        "repeats": repeats,
    }


def overhead_table(figures: dict[str, float]) -> str:
    """The figures as a markdown table with the goal's verdict."""
    ratio = figures["ratio"]
    verdict = "PASS" if ratio >= OVERHEAD_GOAL else "FAIL"
    n = f"{figures['n_envs']} envs"
    return "\n".join(
        [
            "| measurement | figure | goal | |",
            "|---|---|---|---|",
            f"| MaskablePPO learner vs random legal moves ({n}) | "
            f"{figures['vs_random_steps_per_s']:,.0f} steps/s | | |",
            f"| MaskablePPO learner vs pool of {figures['pool_size']} snapshots ({n}) | "
            f"{figures['vs_pool_steps_per_s']:,.0f} steps/s | | |",
            f"| ratio (league overhead) | {ratio:.2f}x | >= {OVERHEAD_GOAL}x | {verdict} |",
        ]
    )


def pin_one_core() -> None:
    """The figures are per core: one CPU, one torch thread (as ``bench_league.py``)."""
    import torch

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    torch.set_num_threads(1)


def overhead(steps: int, repeats: int) -> int:
    pin_one_core()
    figures = measure_overhead(steps, repeats)
    print(
        f"tic-tac-toe ({OVERHEAD_GAME}), {steps:,} learner steps per measurement, best of "
        f"{repeats} alternated, one core\n"
    )
    print(overhead_table(figures))
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        "game",
        nargs="?",
        choices=("rps", "tictactoe", "connect4", "overhead"),
        default="rps",
        help="(default rps)",
    )
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="(default 0 1 2)")
    p.add_argument("--out", type=Path, default=ROOT / "runs" / "bench_games", help="folder")
    p.add_argument("--steps", type=int, default=20_480, help="overhead: steps per measurement")
    p.add_argument("--repeats", type=int, default=3, help="overhead: alternated repeats")
    p.add_argument(
        "--workers", type=int, default=2, help="tictactoe, connect4: train --workers (default 2)"
    )
    p.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="tictactoe, connect4: every learner's steps times this (default 1)",
    )
    args = p.parse_args()
    if args.scale <= 0:
        p.error(f"--scale {args.scale}: a number > 0")
    if args.game == "overhead":
        return overhead(args.steps, args.repeats)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.game == "tictactoe":
        return tictactoe(args.seeds, args.out, args.workers, scale=args.scale)
    if args.game == "connect4":
        return connect_four(args.seeds, args.out, args.workers, scale=args.scale)
    rows = []
    for seed in args.seeds:
        for preset in ("article", "league"):
            started = time.perf_counter()
            run = train(preset, seed, args.out)
            m = measure(run)
            seconds = time.perf_counter() - started
            rows.append((seed, preset, m, seconds))
            print(
                f"seed {seed} {preset:<7} newest L/R {m['left']['newest']:.2f} / "
                f"{m['right']['newest']:.2f}  nash L/R {m['left']['nash']:.2f} / "
                f"{m['right']['nash']:.2f} (support {m['left']['support']} / "
                f"{m['right']['support']})  {seconds:.0f} s",
                flush=True,
            )
    print("\n| seed | preset | newest main (L / R) | nash mixture (L / R) | train time |")
    print("|---|---|---:|---:|---:|")
    for seed, preset, m, seconds in rows:
        print(
            f"| {seed} | {preset} | {m['left']['newest']:.2f} / {m['right']['newest']:.2f} | "
            f"{m['left']['nash']:.2f} / {m['right']['nash']:.2f} | {seconds:.0f} s |"
        )
    for preset in ("article", "league"):
        for kind in ("newest", "nash"):
            values = [m[r][kind] for _, p_, m, _ in rows if p_ == preset for r in ("left", "right")]
            print(f"{preset} {kind}: mean {np.mean(values):.2f}, max {np.max(values):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
