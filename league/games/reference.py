"""Reference players for PettingZoo games, for the gauntlet: random legal moves, perfect
tic-tac-toe.

Both meet :class:`league.games.pettingzoo.GamePolicy` and draw their randomness from a seeded
``numpy.random.Generator``.
"""

from __future__ import annotations

from functools import cache

import numpy as np

LINES = ((0, 1, 2), (3, 4, 5), (6, 7, 8), (0, 3, 6), (1, 4, 7), (2, 5, 8), (0, 4, 8), (2, 4, 6))


class RandomLegal:
    """A uniformly random legal action (any action in a game without a mask).

    :param n_actions: the size of the game's action space.
    :param seed: seed of its Generator.
    """

    name = "random"

    def __init__(self, n_actions: int, seed: int | None = 0) -> None:
        self.n_actions = n_actions
        self.rng = np.random.default_rng(seed)

    def act(self, obs: np.ndarray, action_mask: np.ndarray | None = None) -> np.ndarray:
        batch = len(obs)
        if action_mask is None:
            return self.rng.integers(0, self.n_actions, size=batch, dtype=np.int64)
        return np.array([self.rng.choice(np.flatnonzero(m)) for m in action_mask], dtype=np.int64)


class TicTacToeMinimax:
    """A perfect tic-tac-toe player for ``pettingzoo.classic.tictactoe_v3``: it never loses.

    It reads the flattened observation (3 x 3 cells x 2 planes: the mover's marks, then the
    opponent's; cell ``3 * row + column`` is action ``3 * row + column``), solves the position
    by negamax (a win sooner is worth more than a win later) and plays one of the best moves,
    chosen by its Generator, so that opponents meet every optimal line.

    :param seed: seed of its Generator.
    """

    name = "minimax"

    def __init__(self, seed: int | None = 0) -> None:
        self.rng = np.random.default_rng(seed)

    def act(self, obs: np.ndarray, action_mask: np.ndarray | None = None) -> np.ndarray:
        planes = np.asarray(obs).reshape(len(obs), 9, 2) > 0.5
        actions = np.empty(len(obs), dtype=np.int64)
        for i, board in enumerate(planes):
            mine = sum(1 << k for k in range(9) if board[k, 0])
            theirs = sum(1 << k for k in range(9) if board[k, 1])
            best = best_moves(mine, theirs)
            actions[i] = best[int(self.rng.integers(len(best)))]
        return actions


def best_moves(mine: int, theirs: int) -> tuple[int, ...]:
    """The cells (0-8) of the best moves for the player to move, holding the cells ``mine``."""
    free = [k for k in range(9) if not (mine | theirs) >> k & 1]
    values = {k: -_value(theirs, mine | 1 << k) for k in free}
    top = max(values.values())
    return tuple(k for k in free if values[k] == top)


@cache
def _value(mover: int, other: int) -> int:
    """Negamax value for the player to move (holding ``mover``) after ``other`` just moved:
    -(1 + free cells) if ``other`` has a line, 0 for a full board, else the best reply's."""
    free = [k for k in range(9) if not (mover | other) >> k & 1]
    if _has_line(other):
        return -(1 + len(free))
    if not free:
        return 0
    return max(-_value(other, mover | 1 << k) for k in free)


def _has_line(cells: int) -> bool:
    return any(all(cells >> k & 1 for k in line) for line in LINES)
