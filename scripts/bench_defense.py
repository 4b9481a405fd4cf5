"""How well can a learner learn to return the ball? A probe of the learner, not of the league.

A fresh learner with the league's settings (or a variant of them) trains ``--steps`` env steps
against one scripted attacker as its only opponent (``league.exploit.train_best_response``, what
``pong-league exploit BOT`` trains), then plays ``--games`` games, sides and serves balanced,
against the attacker, the interceptor and the CPU. For each it prints the share of the bot's
balls the learner hit back (``returned``, as ``pong-league gauntlet`` shows it) and its win rate.

The scripted interceptor and edge-aimer return every ball (a best response of 200,000 steps
scores no point against them), so a learner that returns much less than all of them has a
hole that a best response can find: this measures how far the learner itself can get.

Each variant is one job in its own process, ``--jobs`` at a time; its answer is kept in
``--out`` (``defense-<variant>-<steps>-s<seed>.json``), so a rerun only trains what is missing.

    python scripts/bench_defense.py                          # every variant, 200,000 steps
    python scripts/bench_defense.py --variants default nstep1 --steps 400000
    python scripts/bench_defense.py --against interceptor
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from league.config import LeagueConfig  # noqa: E402
from league.errors import LeagueError  # noqa: E402

# Overrides of the default LeagueConfig, by name. "nstep1" is the 1-step DQN of the versions
# before 5-step returns became the default; the variants named nstep1-... change it further.
ONE_STEP = {"dqn": {"n_steps": 1}}
VARIANTS: dict[str, dict[str, Any]] = {
    "default": {},
    "nstep1": {"hyperparams": ONE_STEP},
    "nstep3": {"hyperparams": {"dqn": {"n_steps": 3}}},
    "nstep1-gamma0.995": {"hyperparams": {"dqn": {"n_steps": 1, "gamma": 0.995}}},
    "nstep1-net256": {"net_arch": [256, 256], "hyperparams": ONE_STEP},
    "nstep1-hit0.1": {"rules_overrides": {"hit_reward": 0.1}, "hyperparams": ONE_STEP},
    "net256": {"net_arch": [256, 256]},
    "nstep10": {"hyperparams": {"dqn": {"n_steps": 10}}},
    "nstep20": {"hyperparams": {"dqn": {"n_steps": 20}}},
    "trainfreq1": {"hyperparams": {"dqn": {"train_freq": 1}}},
    "gamma0.995": {"hyperparams": {"dqn": {"gamma": 0.995}}},
    "intercept": {"features": "intercept"},
}
OPPONENTS = ("edge", "interceptor", "cpu")  # the attacker is put first when it is another bot
EVAL_SEED = 2_000_000  # game i of every match is seeded EVAL_SEED + i (exploit's evaluation seed)
BOTS = ("interceptor", "edge", "delayed", "noisy", "follower", "cpu")


def probe(variant: str, against: str, steps: int, seed: int, games: int) -> dict[str, Any]:
    """Train one learner of ``variant`` against the bot ``against``; its results per opponent."""
    import numpy as np

    from league.arena import play_match
    from league.evaluation import match_result, returned_share
    from league.exploit import train_best_response
    from league.players import Player, resolve_player
    from league.policies import NumpyPolicy

    config = LeagueConfig.from_dict({**VARIANTS[variant], "seed": seed}, origin=variant)
    rules = config.game_rules()
    target = resolve_player(against, None, rules, config.frame_stack, seed=seed + 1)
    started = time.perf_counter()
    model = train_best_response(target, config, "left", steps, seed, progress=False)
    seconds = time.perf_counter() - started
    learner = Player("learner", NumpyPolicy.from_model(model))
    rows = {}
    for name in dict.fromkeys((against, *OPPONENTS)):
        bot = resolve_player(name, None, rules, config.frame_stack, seed=seed + 1)
        match = play_match(rules, learner, bot, games, EVAL_SEED, "alternate", config.frame_stack)
        result = match_result(learner.id, name, match.outcomes, match.a_left, EVAL_SEED)
        rows[name] = {
            "returned": returned_share(match.outcomes, match.a_left, rules),
            "win_rate": result.score,
            "points_for": result.points_for / games,
            "points_against": result.points_against / games,
            "mean_length": float(np.mean(match.outcomes.steps)),
        }
    return {
        "variant": variant,
        "overrides": VARIANTS[variant],
        "against": against,
        "steps": steps,
        "seed": seed,
        "games": games,
        "train_seconds": seconds,
        "rows": rows,
    }


def answer_path(out: Path, variant: str, against: str, steps: int, seed: int) -> Path:
    return out / f"defense-{variant}-{against}-{steps}-s{seed}.json"


def run_one(variant: str, against: str, steps: int, seed: int, games: int, path: Path) -> Path:
    data = probe(variant, against, steps, seed, games)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.replace(path)  # a half-written answer never counts as done
    return path


def table(answers: list[dict[str, Any]]) -> str:
    """The markdown table of the answers, in the order given."""
    if not answers:
        return "(nothing measured yet)"
    names = list(dict.fromkeys(n for a in answers for n in a["rows"]))
    head = ["variant", "trained against", "steps", "train time"]
    head += [f"returned vs {n}" for n in names] + [f"won vs {n}" for n in names]
    lines = ["| " + " | ".join(head) + " |", "|---|---|" + "---:|" * (len(head) - 2)]
    for a in answers:
        cells = [a["variant"], a["against"], f"{a['steps']:,}", f"{a['train_seconds']:.0f} s"]
        rows = a["rows"]
        cells += [_share(rows[n]["returned"]) if n in rows else "-" for n in names]
        cells += [f"{rows[n]['win_rate']:.1%}" if n in rows else "-" for n in names]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        "--variants",
        nargs="+",
        default=list(VARIANTS),
        metavar="NAME",
        help=f"settings to probe: {', '.join(VARIANTS)} (default all)",
    )
    p.add_argument("--against", default="edge", help="the attacker trained against (default edge)")
    p.add_argument("--steps", type=int, default=200_000, help="training steps (default 200000)")
    p.add_argument("--seed", type=int, default=0, help="learner seed (default 0)")
    p.add_argument("--games", type=int, default=200, help="games per opponent (default 200)")
    p.add_argument("--jobs", type=int, default=2, help="learners trained at once (default 2)")
    p.add_argument("--out", type=Path, default=ROOT / "runs" / "bench_defense", help="folder")
    args = p.parse_args()
    unknown = [v for v in args.variants if v not in VARIANTS]
    if unknown:
        p.error(f"unknown variant {unknown[0]!r}: one of {', '.join(VARIANTS)}")
    if args.against not in BOTS:
        p.error(f"--against {args.against!r}: one of the scripted bots {', '.join(BOTS)}")
    if args.steps < 1 or args.jobs < 1 or args.seed < 0:
        p.error("--steps and --jobs must be >= 1 and --seed >= 0")
    if args.games < 4 or args.games % 4:
        p.error(f"--games {args.games}: a multiple of 4, so sides and serves balance")
    args.out.mkdir(parents=True, exist_ok=True)
    paths = [answer_path(args.out, v, args.against, args.steps, args.seed) for v in args.variants]
    todo = [(v, path) for v, path in zip(args.variants, paths, strict=True) if not path.exists()]
    print(f"{len(paths) - len(todo)} of {len(paths)} measured; training {len(todo)}", flush=True)
    try:
        with ProcessPoolExecutor(args.jobs, mp_context=get_context("spawn")) as pool:
            futures = [
                pool.submit(run_one, v, args.against, args.steps, args.seed, args.games, path)
                for v, path in todo
            ]
            for future in futures:
                print(f"done: {future.result().name}", flush=True)
    except LeagueError as err:
        print(f"bench_defense: error: {err}", file=sys.stderr)
        return 2
    print(table([json.loads(path.read_text()) for path in paths]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
