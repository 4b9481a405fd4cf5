"""Evaluation: many games at once through the batched engine, a pure function of
(policies, rules, seeds) -> results.

Game i of a match is seeded ``seed + i`` and serves its first ball to the left when i is even, to
the right when odd, so every match is reproducible and fair to both sides; a game's trajectory
depends only on its policies, seed and first serve, never on what else is in the batch, so game i
replays alone, bit for bit (``play_games(rules, [l], [r], [seed + i], first_serve=[i % 2])``).

Rules without a step limit (the ``seed`` preset, like the article) can give endless games: two
ball-trackers never concede. An evaluation must end, so there such games are truncated at
``EVAL_MAX_STEPS`` steps and count as draws.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from envs.engine import HITS_L, HITS_R, SCORE_L, SCORE_R, STEPS, TERMINATED, Engine
from envs.observation import FRAME_SIZE, push_coords
from envs.rules import Rules
from envs.scripted import Policy
from league.results import MatchResult

EVAL_MAX_STEPS = 100_000


@dataclass(frozen=True)
class Outcomes:
    """Per-game outcomes of a batch, from the left side's view.

    :param left_points: points of the left side, per game.
    :param right_points: points of the right side, per game.
    :param steps: length of each game in steps.
    :param terminated: True where a side reached ``points_to_win`` (False: truncated, a draw).
    :param left_hits: balls the left paddle hit back, per game (Pong; ``None`` in a game
        without paddles).
    :param right_hits: the same for the right paddle.
    """

    left_points: np.ndarray
    right_points: np.ndarray
    steps: np.ndarray
    terminated: np.ndarray
    left_hits: np.ndarray | None = None
    right_hits: np.ndarray | None = None

    def rows(self, index: np.ndarray | slice) -> Outcomes:
        """The outcomes of some of the games (a mask, indices or a slice)."""
        return Outcomes(
            *(
                None if (v := getattr(self, f)) is None else v[index]
                for f in Outcomes.__dataclass_fields__
            )
        )

    @property
    def left_won(self) -> np.ndarray:
        return self.terminated & (self.left_points > self.right_points)

    @property
    def right_won(self) -> np.ndarray:
        return self.terminated & (self.right_points > self.left_points)


StepHook = Callable[[np.ndarray], None]


def play_games(
    rules: Rules,
    left: Sequence[Policy],
    right: Sequence[Policy],
    seeds: Sequence[int],
    frame_stack: int = 4,
    on_step: StepHook | None = None,
    first_serve: Sequence[int] | None = None,
) -> Outcomes:
    """Play one game per row to its end: ``left[i]`` against ``right[i]``, seeded ``seeds[i]``.

    Rows that share a policy object are batched into one ``act`` call per step.

    :param frame_stack: frames K of the coords observations the policies get.
    :param on_step: called with the state array after the reset and after every step (for
        recording); the array is the engine's own, to be copied by the hook.
    :param first_serve: per game, the side its first ball goes to (0 left, 1 right); by default
        row i serves to ``i % 2``.
    :return: the outcomes; under rules with no step limit, games end at ``EVAL_MAX_STEPS``.
    """
    n = len(seeds)
    if not (len(left) == len(right) == n) or n == 0:
        raise ValueError(
            f"need one left and one right policy per seed, got {len(left)}, "
            f"{len(right)} for {n} seeds"
        )
    serves = np.arange(n) % 2 if first_serve is None else np.asarray(first_serve)
    if serves.shape != (n,):
        raise ValueError(f"need one first serve per seed, got {serves.shape} for {n} seeds")
    if rules.max_steps is None:
        rules = rules.replace(max_steps=EVAL_MAX_STEPS)
    engine = Engine(rules, n)
    engine.reset(seeds=list(seeds), first_serve=serves)
    # The policies' matrix products are small (rows x 64): numpy's BLAS splitting each over
    # every core only spins its threads, which made matches 10x slower on a busy 2-core machine.
    with threadpool_limits(limits=1, user_api="blas"):
        _play(engine, left, right, frame_stack, on_step)
    s = engine.state
    return Outcomes(
        left_points=s[:, SCORE_L].astype(np.int64),
        right_points=s[:, SCORE_R].astype(np.int64),
        steps=s[:, STEPS].astype(np.int64),
        terminated=s[:, TERMINATED] != 0.0,
        left_hits=s[:, HITS_L].astype(np.int64),
        right_hits=s[:, HITS_R].astype(np.int64),
    )


def _play(
    engine: Engine,
    left: Sequence[Policy],
    right: Sequence[Policy],
    frame_stack: int,
    on_step: StepHook | None,
) -> None:
    n = engine.batch_size
    size = FRAME_SIZE * frame_stack
    obs = [np.zeros((n, size), dtype=np.float32) for _ in range(2)]
    groups = [_group_rows(left), _group_rows(right)]
    actions = np.zeros((n, 2), dtype=np.int64)
    for side in range(2):
        push_coords(engine.state, engine.params, side, obs[side], True)
    if on_step is not None:
        on_step(engine.state)
    running = ~engine.done
    while running.any():
        for side in range(2):
            for policy, rows in groups[side]:
                active = rows[running[rows]]
                if active.size:
                    actions[active, side] = policy.act(obs[side][active])
        engine.step(actions)
        for side in range(2):
            push_coords(engine.state, engine.params, side, obs[side], False)
        if on_step is not None:
            on_step(engine.state)
        running = ~engine.done


def _group_rows(policies: Sequence[Policy]) -> list[tuple[Policy, np.ndarray]]:
    rows: dict[int, list[int]] = {}
    first: dict[int, Policy] = {}
    for i, policy in enumerate(policies):
        rows.setdefault(id(policy), []).append(i)
        first.setdefault(id(policy), policy)
    return [(first[key], np.array(idx, dtype=np.int64)) for key, idx in rows.items()]


def match_result(a: str, b: str, outcomes: Outcomes, a_left: np.ndarray, seed: int) -> MatchResult:
    """Sum per-game outcomes into a :class:`MatchResult` from a's side.

    :param a_left: per game, whether a played the left side.
    """
    a_pts = np.where(a_left, outcomes.left_points, outcomes.right_points)
    b_pts = np.where(a_left, outcomes.right_points, outcomes.left_points)
    a_won = np.where(a_left, outcomes.left_won, outcomes.right_won)
    b_won = np.where(a_left, outcomes.right_won, outcomes.left_won)
    return MatchResult(
        a=a,
        b=b,
        wins=int(a_won.sum()),
        losses=int(b_won.sum()),
        draws=int((~outcomes.terminated).sum()),
        points_for=int(a_pts.sum()),
        points_against=int(b_pts.sum()),
        steps=int(outcomes.steps.sum()),
        seed=seed,
    )


def returned_share(outcomes: Outcomes, a_left: np.ndarray, rules: Rules) -> float | None:
    """The share of the balls that came to player a that it hit back, over all games.

    A ball that came to a is one it hit or one it missed; under ``scoring = "always"`` every
    miss is a point for the other side, so a's misses are b's points. ``None`` where misses are
    not all counted (``"touched"`` scoring) or the games have no paddles.

    :param a_left: per game, whether a played the left side.
    """
    if outcomes.left_hits is None or outcomes.right_hits is None or rules.scoring != "always":
        return None
    hits = np.where(a_left, outcomes.left_hits, outcomes.right_hits).sum()
    missed = np.where(a_left, outcomes.right_points, outcomes.left_points).sum()
    return float(hits / (hits + missed)) if hits + missed else None


def evaluate_against(
    rules: Rules,
    player: tuple[str, Policy],
    side: int,
    opponents: Sequence[tuple[str, Policy]],
    games: int,
    seed: int,
    frame_stack: int = 4,
) -> list[MatchResult]:
    """``player`` on ``side`` (0 left, 1 right) against each opponent, ``games`` games each.

    Every match uses the same seeds (``seed`` .. ``seed + games - 1``): the opponents face the
    same serves, which makes their results comparable. All games run in one batch.
    """
    if not opponents:
        return []
    player_id, policy = player
    mine = [policy] * (games * len(opponents))
    theirs = [opp for _, opp in opponents for _ in range(games)]
    seeds = [seed + i for _ in opponents for i in range(games)]
    # Game i serves to i % 2 in every match, even when ``games`` is odd (row parity would not).
    serves = [i % 2 for _ in opponents for i in range(games)]
    left, right = (mine, theirs) if side == 0 else (theirs, mine)
    outcomes = play_games(rules, left, right, seeds, frame_stack, first_serve=serves)
    results = []
    for k, (opp_id, _) in enumerate(opponents):
        rows = slice(k * games, (k + 1) * games)
        part = outcomes.rows(rows)
        a_left = np.full(games, side == 0)
        results.append(match_result(player_id, opp_id, part, a_left, seed))
    return results
