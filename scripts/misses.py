"""Where does a Pong player lose its points? The ball and the rally at every point it concedes.

Plays A against B (``pong-league pit A B``'s match: sides and first serves balanced, game i
seeded ``--seed + i``) and, for every point each of them concedes, reads the ball's speed as it
went past (the serve's speed is ``ball_speed``; every hit speeds it up by ``ball_speedup`` up to
``ball_speed_max``) and the hits of that rally (both paddles'). A player that concedes fast
balls after long rallies cannot keep up with the ball; one that concedes slow balls early has a
hole in where it stands or how it aims.

    python scripts/misses.py left-0007 runs/run/exploits/left-0007-200000-s0.npz --run runs/run
    python scripts/misses.py right-0008 edge --run runs/my-run --json
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from envs.engine import HITS_L, HITS_R, SCORE_L, SCORE_R, VX, VY  # noqa: E402
from envs.rules import Rules  # noqa: E402
from league.arena import play_match  # noqa: E402
from league.errors import LeagueError  # noqa: E402
from league.players import game_settings, resolve_player  # noqa: E402


class ConcededPoints:
    """An ``on_step`` hook: the ball's speed and the rally's hits at every point, per side."""

    def __init__(self, games: int) -> None:
        self.before: np.ndarray | None = None
        self.rally_start = np.zeros(games)
        # (game, side that conceded, speed, hits in the rally), side 0 = left
        self.points: list[tuple[int, int, float, int]] = []

    def __call__(self, state: np.ndarray) -> None:
        if self.before is not None:
            p = self.before
            hits = p[:, HITS_L] + p[:, HITS_R]
            speed = np.hypot(p[:, VX], p[:, VY])
            for column, conceded in ((SCORE_R, 0), (SCORE_L, 1)):
                for g in np.nonzero(state[:, column] > p[:, column])[0]:
                    self.points.append(
                        (int(g), conceded, speed[g], int(hits[g] - self.rally_start[g]))
                    )
            scored = (state[:, SCORE_L] != p[:, SCORE_L]) | (state[:, SCORE_R] != p[:, SCORE_R])
            self.rally_start[scored] = state[scored, HITS_L] + state[scored, HITS_R]
        self.before = state.copy()


@dataclass(frozen=True)
class Conceded:
    """The points one player conceded, summed up."""

    player: str
    points: int
    points_per_game: float
    mean_speed: float | None
    at_max_speed: float | None
    median_rally_hits: float | None
    within_one_hit: float | None


def summary(
    player: str, games: int, speeds: list[float], hits: list[int], rules: Rules
) -> Conceded:
    if not speeds:
        return Conceded(player, 0, 0.0, None, None, None, None)
    v, h = np.array(speeds), np.array(hits)
    return Conceded(
        player=player,
        points=len(v),
        points_per_game=len(v) / games,
        mean_speed=float(v.mean()),
        at_max_speed=float((v >= rules.ball_speed_max - 1e-6).mean()),
        median_rally_hits=float(np.median(h)),
        within_one_hit=float((h <= 1).mean()),
    )


def measure(
    a_spec: str, b_spec: str, run: Path | None, games: int, seed: int
) -> tuple[Rules, list[Conceded]]:
    """A's and B's conceded points over ``games`` games of ``pit A B``."""
    rules, frame_stack = game_settings(run, None)
    a = resolve_player(a_spec, run, rules, frame_stack, seed=seed)
    b = resolve_player(b_spec, run, rules, frame_stack, seed=seed + 1)
    hook = ConcededPoints(games)
    match = play_match(rules, a, b, games, seed, "alternate", frame_stack, on_step=hook)
    by_player: dict[bool, tuple[list[float], list[int]]] = {True: ([], []), False: ([], [])}
    for g, side, speed, hits in hook.points:
        is_a = bool(match.a_left[g]) == (side == 0)
        by_player[is_a][0].append(speed)
        by_player[is_a][1].append(hits)
    return rules, [summary(p.id, games, *by_player[p is a], rules) for p in (a, b)]


def table(rules: Rules, rows: list[Conceded]) -> str:
    def pct(x: float | None) -> str:
        return "-" if x is None else f"{100 * x:.0f}%"

    def num(x: float | None) -> str:
        return "-" if x is None else f"{x:.1f}"

    lines = [
        f"ball: {rules.ball_speed:g} at the serve, x{rules.ball_speedup:g} a hit, "
        f"at most {rules.ball_speed_max:g}",
        "| conceded by | points a game | ball speed | at max speed | rally hits (median) | "
        "within one hit |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.player} | {r.points_per_game:.2f} | {num(r.mean_speed)} | "
            f"{pct(r.at_max_speed)} | {num(r.median_rally_hits)} | {pct(r.within_one_hit)} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("a", metavar="A", help="a player, as pit takes it (snapshot id, file, bot)")
    p.add_argument("b", metavar="B", help="its opponent")
    p.add_argument("--run", type=Path, help="run whose snapshot ids and rules to use")
    p.add_argument("--games", type=int, default=200, help="games, a multiple of 4 (default 200)")
    p.add_argument("--seed", type=int, default=0, help="game i is seeded SEED + i (default 0)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)
    if args.games < 4 or args.games % 4 or args.seed < 0:
        print(
            f"misses: error: --games {args.games} --seed {args.seed}: games a multiple of 4 "
            "(sides and serves balanced) and a seed >= 0",
            file=sys.stderr,
        )
        return 2
    try:
        rules, rows = measure(args.a, args.b, args.run, args.games, args.seed)
    except LeagueError as err:
        print(f"misses: error: {err}", file=sys.stderr)
        return 2
    if args.json:
        print(
            json.dumps({"games": args.games, "seed": args.seed, "rows": [asdict(r) for r in rows]})
        )
    else:
        print(table(rules, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
