"""Can a league's snapshot still learn? A copy of it and a fresh learner, trained alike.

Trains two learners with the run's settings, ``--steps`` env steps each against one fixed
opponent (default the sparring partner, whose balls a main that misses the edge-aimer's would
have to learn): a copy of SNAPSHOT that continues from its weights, as a main continues from one
generation to its next (exploration restarting at ``restart_exploration_eps``; its replay buffer
is not carried), and a fresh learner of the same seed. Then it plays SNAPSHOT and both learners
through ``pong-league gauntlet`` and prints, for each, the score and each bot's win rate and share
of the balls returned, and the share of each hidden layer's units that are dormant: never active
on the states of ``--states`` steps of SNAPSHOT's own games against the opponent (Sokar et al.,
2023). A copy that learns less than the fresh learner from the same games has a network that lost
some of its ability to learn (plasticity). ``--perturb P`` shrinks and perturbs the copy first,
as ``main_perturb`` does a main; ``--redo N`` recycles its dormant units every N steps, as
``main_redo_every`` does. The learners are saved under ``RUN/plasticity/``. Pong runs
only.

    python scripts/plasticity.py right-0008 --run runs/my-run
    python scripts/plasticity.py left-0007 --run runs/my-run --steps 100000 --opponent edge --json
    python scripts/plasticity.py right-0008 --run runs/my-run --perturb 0.5
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from league.errors import LeagueError  # noqa: E402
from league.exploit import run_config  # noqa: E402
from league.gauntlet import GauntletReport, check_games, run_gauntlet  # noqa: E402
from league.players import Player, resolve_player  # noqa: E402
from league.policies import NumpyPolicy  # noqa: E402
from league.store import LeagueStore  # noqa: E402

FOLDER = "plasticity"
KINDS = ("copy", "fresh")
STATES = 3000


@dataclass(frozen=True)
class Measured:
    """One player's gauntlet and the dormant share of each of its hidden layers."""

    gauntlet: GauntletReport
    dormant: list[float]

    def to_dict(self) -> dict:
        return {**self.gauntlet.to_dict(), "dormant": self.dormant}


def states(run: Path, snapshot: Player, opponent: Player, seed: int, steps: int) -> np.ndarray:
    """The observations of ``steps`` env steps of ``snapshot``'s greedy games against
    ``opponent`` in its own role, seeded ``seed``."""
    from league.learners import make_vec_env

    config = replace(run_config(run), train_rules_overrides={})
    with LeagueStore.open(run, readonly=True) as store:
        role = store.snapshot(snapshot.id).role
    env = make_vec_env(config, role, opponent.sample, seed, None)
    obs, seen = env.reset(), []
    for _ in range(steps):
        seen.append(obs)
        obs, *_ = env.step(snapshot.policy.act(obs))
    env.close()
    return np.concatenate(seen)


def dormant(policy: object, observations: np.ndarray) -> list[float]:
    """Per hidden layer, the share of its units that no observation activates."""
    if not isinstance(policy, NumpyPolicy):
        raise LeagueError(f"{policy!r} is not a snapshot's network: no units to measure")
    return [float((layer.max(axis=0) <= 0.0).mean()) for layer in policy.hidden(observations)]


def train(
    run: Path,
    snapshot: str,
    kind: str,
    opponent: str,
    steps: int,
    seed: int,
    restart_eps: float | None = None,
    perturb: float | None = None,
    redo: int | None = None,
) -> Path:
    """Train the ``copy`` of ``snapshot`` or a ``fresh`` learner; the path of its weights.

    Training is seeded (the envs from ``seed``; the copy's learner, as SB3 loads it, from the
    seed it was saved with; a perturbation's new network from ``seed``): a learner already saved
    with the same settings is the one these would train, and is reused.

    :param restart_eps: the copy's exploration at its start (default: the run's
        ``restart_exploration_eps``, as its main's next generation).
    :param perturb: the copy's shrink and perturb at its start (default: the run's
        ``main_perturb``, as its main's next generation).
    :param redo: recycle the copy's dormant units every this many steps (default: the run's
        ``main_redo_every``; 0: never).
    """
    import torch

    from league.learners import (
        load_learner,
        make_vec_env,
        new_learner,
        perturb_learner,
        schedule_generation,
    )
    from league.policies import export_numpy_policy
    from league.redo import Recycler

    tag = ""
    if kind == "copy":
        tag += "" if restart_eps is None else f"-eps{restart_eps:g}"
        tag += "" if perturb is None else f"-perturb{perturb:g}"
        tag += "" if redo is None else f"-redo{redo}"
    path = run / FOLDER / f"{snapshot}-{kind}{tag}-{opponent}-{steps}-s{seed}.npz"
    if path.exists() and path.with_suffix(".json").exists():
        return path
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
        share = config.main_perturb if perturb is None else perturb
        if share > 0.0:
            torch.manual_seed(seed)  # the new network mixed in
            perturb_learner(model, share)
    else:
        model = new_learner(config, env, seed, tb_dir=None)
    every = config.main_redo_every if redo is None else redo
    recycler = Recycler(every, config.main_redo_tau) if kind == "copy" and every > 0 else None
    schedule_generation(model, config, steps)
    model.learn(steps, reset_num_timesteps=False, callback=recycler)
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
    perturb: float | None = None,
    n_states: int = STATES,
    redo: int | None = None,
) -> dict[str, Measured]:
    """The gauntlet and dormant units of ``snapshot`` and of its copy and fresh learner after
    ``steps`` steps."""
    if restart_eps is not None and not 0.0 <= restart_eps <= 1.0:
        raise LeagueError(f"--restart-eps {restart_eps}: an exploration rate in [0, 1]")
    if perturb is not None and not 0.0 <= perturb <= 1.0:
        raise LeagueError(f"--perturb {perturb}: a share of fresh weights in [0, 1] (e.g. 0.5)")
    if steps < 1 or seed < 0:
        raise LeagueError(
            f"--steps {steps} --seed {seed}: train each learner env steps >= 1 (e.g. --steps "
            "100000) with a seed >= 0"
        )
    check_games(games)
    if redo is not None and redo < 0:
        raise LeagueError(f"--redo {redo}: env steps between recyclings >= 1 (or 0: never)")
    if n_states < 1:
        raise LeagueError(f"--states {n_states}: env steps of states >= 1 (e.g. 3000)")
    config = run_config(run)
    if config.game != "pong":
        raise LeagueError(f"{run} plays {config.game}: plasticity measures Pong runs only")
    rules, frame_stack = config.game_rules(), config.frame_stack
    rival = resolve_player(opponent, run, rules, frame_stack, seed=seed)  # a bad name fails now
    players = {"snapshot": resolve_player(snapshot, run, rules, frame_stack, seed=seed)}
    seen = states(run, players["snapshot"], rival, seed, n_states)
    for kind in KINDS:
        path = train(run, snapshot, kind, opponent, steps, seed, restart_eps, perturb, redo)
        players[kind] = resolve_player(str(path), None, rules, frame_stack, seed=seed)
    return {
        name: Measured(
            run_gauntlet(player, rules, frame_stack, games, seed),
            dormant(player.policy, seen),
        )
        for name, player in players.items()
    }


def table(
    snapshot: str,
    opponent: str,
    steps: int,
    reports: dict[str, Measured],
    perturb: float | None = None,
    redo: int | None = None,
) -> str:
    bots = [row.bot for row in reports["snapshot"].gauntlet.rows]
    head = " | ".join(f"{b} (won / returned)" for b in bots)
    lines = [
        f"| player | dormant units per hidden layer | gauntlet score | {head} |",
        "|---|" + "---:|" * (len(bots) + 2),
    ]
    names = {
        "snapshot": snapshot,
        "copy": f"{snapshot}{'' if perturb is None else f', perturbed {perturb:g},'}"
        f" + {steps:,} steps vs {opponent}{'' if not redo else f', ReDo every {redo:,}'}",
        "fresh": f"fresh learner, {steps:,} steps vs {opponent}",
    }
    for name, measured in reports.items():
        report = measured.gauntlet
        cells = " | ".join(f"{r.win_rate:.1%} / {r.returned:.1%}" for r in report.rows)
        units = " / ".join(f"{share:.1%}" for share in measured.dormant)
        lines.append(f"| {names[name]} | {units} | {report.score:.1%} | {cells} |")
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
    p.add_argument(
        "--perturb",
        type=float,
        help="shrink and perturb the copy first: weights become (1-P)*w + P*fresh (default: the"
        " run's main_perturb)",
    )
    p.add_argument(
        "--redo",
        type=int,
        help="recycle the copy's dormant units (ReDo) every REDO steps (default: the run's"
        " main_redo_every)",
    )
    p.add_argument(
        "--states",
        type=int,
        default=STATES,
        help=f"env steps of the snapshot's games whose states measure dormant units (default"
        f" {STATES})",
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
            args.perturb,
            args.states,
            args.redo,
        )
    except LeagueError as err:
        print(f"plasticity: error: {err}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({name: r.to_dict() for name, r in reports.items()}))
    else:
        print(table(args.snapshot, args.opponent, args.steps, reports, args.perturb, args.redo))
    return 0


if __name__ == "__main__":
    sys.exit(main())
