"""Can a league's snapshot still learn? A copy of it and a fresh learner, trained alike.

Trains two learners with the run's settings, ``--steps`` env steps each against one fixed
opponent (default the sparring partner, whose balls a main that misses the edge-aimer's would
have to learn): a copy of SNAPSHOT that continues from its weights, as a main continues from one
generation to its next (exploration restarting at ``restart_exploration_eps``; its replay buffer
is not carried), and a fresh learner of the same seed. Then it plays SNAPSHOT and both learners
through ``pong-league gauntlet`` and prints, for each, the score and each bot's win rate and share
of the balls returned. A copy that learns less than the fresh learner from the same games has a
network that lost some of its ability to learn (plasticity). The learners are saved under
``RUN/plasticity/``. Pong runs only.

    python scripts/plasticity.py right-0008 --run runs/my-run
    python scripts/plasticity.py left-0007 --run runs/my-run --steps 100000 --opponent edge --json
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from league.errors import LeagueError  # noqa: E402
from league.exploit import run_config  # noqa: E402
from league.gauntlet import GauntletReport, check_games, run_gauntlet  # noqa: E402
from league.players import resolve_player  # noqa: E402
from league.store import LeagueStore  # noqa: E402

FOLDER = "plasticity"
KINDS = ("copy", "fresh")


def train(
    run: Path,
    snapshot: str,
    kind: str,
    opponent: str,
    steps: int,
    seed: int,
    restart_eps: float | None = None,
) -> Path:
    """Train the ``copy`` of ``snapshot`` or a ``fresh`` learner; the path of its weights.

    :param restart_eps: the copy's exploration at its start (default: the run's
        ``restart_exploration_eps``, as its main's next generation).
    """
    from league.learners import load_learner, make_vec_env, new_learner, schedule_generation
    from league.policies import export_numpy_policy

    # The game's rules, as best responses train: the yardstick is the same for both learners.
    config = replace(run_config(run), train_rules_overrides={})
    if restart_eps is not None:
        config = replace(config, restart_exploration_eps=restart_eps)
    with LeagueStore.open(run, readonly=True) as store:
        record = store.snapshot(snapshot)
        zip_path = store.resolve(record.zip_path)
    target = resolve_player(opponent, run, config.game_rules(), config.frame_stack, seed=seed)
    env = make_vec_env(config, record.role, target.sample, seed, None)
    if kind == "copy":
        model = load_learner(config, zip_path, None, env, None)
    else:
        model = new_learner(config, env, seed, tb_dir=None)
    schedule_generation(model, config, steps)
    model.learn(steps, reset_num_timesteps=False)
    eps = "" if restart_eps is None or kind == "fresh" else f"-eps{restart_eps:g}"
    path = run / FOLDER / f"{snapshot}-{kind}{eps}-{opponent}-{steps}-s{seed}.npz"
    path.parent.mkdir(exist_ok=True)
    export_numpy_policy(model, path)
    return path


def measure(
    run: Path,
    snapshot: str,
    opponent: str,
    steps: int,
    seed: int,
    games: int,
    restart_eps: float | None = None,
) -> dict[str, GauntletReport]:
    """The gauntlet of ``snapshot`` and of its copy and fresh learner after ``steps`` steps."""
    if restart_eps is not None and not 0.0 <= restart_eps <= 1.0:
        raise LeagueError(f"--restart-eps {restart_eps}: an exploration rate in [0, 1]")
    if steps < 1 or seed < 0:
        raise LeagueError(
            f"--steps {steps} --seed {seed}: train each learner env steps >= 1 (e.g. --steps "
            "100000) with a seed >= 0"
        )
    check_games(games)
    config = run_config(run)
    if config.game != "pong":
        raise LeagueError(f"{run} plays {config.game}: plasticity measures Pong runs only")
    rules, frame_stack = config.game_rules(), config.frame_stack
    resolve_player(opponent, run, rules, frame_stack, seed=seed)  # a bad name fails now
    players = {"snapshot": resolve_player(snapshot, run, rules, frame_stack, seed=seed)}
    for kind in KINDS:
        path = train(run, snapshot, kind, opponent, steps, seed, restart_eps)
        players[kind] = resolve_player(str(path), None, rules, frame_stack, seed=seed)
    return {
        name: run_gauntlet(player, rules, frame_stack, games, seed)
        for name, player in players.items()
    }


def table(snapshot: str, opponent: str, steps: int, reports: dict[str, GauntletReport]) -> str:
    bots = [row.bot for row in reports["snapshot"].rows]
    head = " | ".join(f"{b} (won / returned)" for b in bots)
    lines = [f"| player | gauntlet score | {head} |", "|---|" + "---:|" * (len(bots) + 1)]
    names = {
        "snapshot": snapshot,
        "copy": f"{snapshot} + {steps:,} steps vs {opponent}",
        "fresh": f"fresh learner, {steps:,} steps vs {opponent}",
    }
    for name, report in reports.items():
        cells = " | ".join(f"{r.win_rate:.1%} / {r.returned:.1%}" for r in report.rows)
        lines.append(f"| {names[name]} | {report.score:.1%} | {cells} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("snapshot", metavar="SNAPSHOT", help="a snapshot id of the run (right-0008)")
    p.add_argument("--run", type=Path, required=True, help="the league run")
    p.add_argument("--steps", type=int, default=100_000, help="steps each (default 100000)")
    p.add_argument("--opponent", default="sparring", help="a bot or snapshot (default sparring)")
    p.add_argument("--seed", type=int, default=0, help="the learners' seed (default 0)")
    p.add_argument("--games", type=int, default=400, help="games per gauntlet bot (default 400)")
    p.add_argument(
        "--restart-eps",
        type=float,
        help="the copy's exploration at its start (default: the run's restart_exploration_eps;"
        " 1.0: the fresh learner's)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)
    try:
        reports = measure(
            args.run,
            args.snapshot,
            args.opponent,
            args.steps,
            args.seed,
            args.games,
            args.restart_eps,
        )
    except LeagueError as err:
        print(f"plasticity: error: {err}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({name: r.to_dict() for name, r in reports.items()}))
    else:
        print(table(args.snapshot, args.opponent, args.steps, reports))
    return 0


if __name__ == "__main__":
    sys.exit(main())
