"""Play a PettingZoo game against any player in a terminal: ``pong-league play A --run RUN``.

One game: before each of your moves the board is printed (the env's own ``ansi`` rendering when
it has one, else a plain drawing of your observation) with the legal actions, and you type an
action number. An illegal or unreadable answer is refused in one line and asked again; ``q`` or
the end of the input (Ctrl-D) quits. The other seat is A's policy (a ``nash:`` mixture's member
drawn for the game by its seed).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, TextIO

import numpy as np
from pettingzoo.utils.env import AECEnv

from league.errors import LeagueError
from league.games.pettingzoo import PettingZooGame, move
from league.players import Player

SIDES = ("left", "right")  # left: the env's first agent, right: its second
HUMAN = "you"
QUIT = "q"
MARKS = (
    "XO+#"  # a board's planes: in pettingzoo.classic plane 0 is the mover's, plane 1 the other's
)


@dataclass(frozen=True)
class GamePlayResult:
    """How a terminal game ended.

    :param opponent: the opponent's name.
    :param seat: the agent you played.
    :param points: your rewards over the game.
    :param opponent_points: the opponent's.
    :param moves: moves played, both players'.
    :param finished: whether the game reached its end (False: you quit).
    """

    opponent: str
    seat: str
    points: float
    opponent_points: float
    moves: int
    finished: bool

    def to_text(self) -> str:
        if not self.finished:
            return f"{HUMAN} vs {self.opponent}: you quit after {_moves(self.moves)}"
        score = f"{HUMAN} {self.points:g} - {self.opponent_points:g} {self.opponent}"
        if self.points == self.opponent_points:
            return f"{score}: a draw after {_moves(self.moves)}"
        winner = "you win" if self.points > self.opponent_points else f"{self.opponent} wins"
        return f"{score}: {winner} after {_moves(self.moves)}"


def _moves(n: int) -> str:
    return f"{n} move" if n == 1 else f"{n} moves"


def play_game(
    game: PettingZooGame,
    opponent: Player,
    side: str = "left",
    seed: int = 0,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> GamePlayResult:
    """One game of the person at the terminal against ``opponent``.

    :param game: the game.
    :param opponent: the player in the other seat.
    :param side: your seat: ``left`` (the env's first agent) or ``right``.
    :param seed: the game's seed (the env's ``reset``; a mixture's draw).
    :param stdin: where your moves are read (default ``sys.stdin``).
    :param stdout: where the board and the prompts go (default ``sys.stdout``).
    :return: the result.
    :raises LeagueError: for an unknown side.
    """
    if side not in SIDES:
        raise LeagueError(f"unknown --side {side!r}; choose left or right")
    read, out = stdin or sys.stdin, stdout or sys.stdout
    me = game.agents[SIDES.index(side)]
    policy = opponent.policies(1, seed)[0]
    probe = game.make_aec()
    ansi = "ansi" in probe.metadata.get("render_modes", [])
    probe.close()
    env = game.make_aec("ansi" if ansi else None)
    totals = {agent: 0.0 for agent in game.agents}
    moves, finished = 0, False
    first = "you move first" if me == game.agents[0] else f"{opponent.id} moves first"
    print(f"you play {me} against {opponent.id} ({first}); {QUIT} quits", file=out)
    try:
        env.reset(seed=seed)
        for agent in env.agent_iter(max_iter=200_000):
            _, _, terminated, truncated, _ = env.last()
            if terminated or truncated:
                finished = True
                break
            raw = env.observe(agent)
            obs, mask = game.split(raw)
            if agent == me:
                print(board_text(env, raw, ansi, game.action_space.n), file=out)
                action = ask(legal_actions(mask, game.action_space.n), read, out)
                if action is None:
                    break
            else:
                action = move(policy, obs, mask)
                print(f"{opponent.id} plays {action}", file=out)
            env.step(action)
            moves += 1
            for name in game.agents:
                totals[name] += float(env.rewards.get(name, 0.0))
        else:
            finished = True
        if finished:
            print(board_text(env, env.observe(me), ansi, game.action_space.n), file=out)
    finally:
        env.close()
    other = game.agents[1 - game.agents.index(me)]
    return GamePlayResult(opponent.id, me, totals[me], totals[other], moves, finished)


def legal_actions(mask: np.ndarray | None, n: int) -> list[int]:
    """The actions allowed now: those the mask marks, or all ``n`` in a game without one."""
    return list(range(n)) if mask is None else [int(a) for a in np.flatnonzero(mask)]


def ask(legal: list[int], read: TextIO, out: TextIO) -> int | None:
    """Ask for a move until a legal one is typed; ``None`` on ``q`` or the end of the input."""
    while True:
        print(f"legal actions: {' '.join(map(str, legal))}", file=out)
        print("your move: ", end="", file=out, flush=True)
        line = read.readline()
        if not line:  # the end of the input (Ctrl-D, or a script that ran out)
            print(file=out)
            return None
        answer = line.strip()
        if answer.lower() == QUIT:
            return None
        try:
            action = int(answer)
        except ValueError:
            print(f"{answer!r} is not an action number; type one of the legal actions", file=out)
            continue
        if action in legal:
            return action
        print(f"{action} is not a legal action now", file=out)


def board_text(env: AECEnv, observation: Any, ansi: bool, n_actions: int) -> str:
    """The position as text: the env's ``ansi`` rendering, else a drawing of ``observation``.

    A board observation (rows, columns, planes) is drawn as a grid, a cell marked by the first
    plane set there (``X`` plane 0: in ``pettingzoo.classic``, your pieces; ``O`` plane 1, the
    opponent's); when there is one action per cell an empty cell shows its action number, when
    there is one per column the columns are numbered. Any other observation is printed as is.
    """
    if ansi:
        return str(env.render())
    raw = observation["observation"] if isinstance(observation, dict) else observation
    board = np.asarray(raw)
    if board.ndim != 3 or board.shape[2] > len(MARKS):
        return f"observation: {np.array2string(board, separator=' ')}"
    rows, cols, planes = board.shape
    per_cell = rows * cols == n_actions
    width = len(str(n_actions - 1)) if per_cell else 1
    lines = []
    if cols == n_actions and not per_cell:
        lines.append(" ".join(str(c).rjust(width) for c in range(cols)))
    for r in range(rows):
        cells = []
        for c in range(cols):
            set_planes = np.flatnonzero(board[r, c] > 0.5)
            if set_planes.size:
                mark = MARKS[int(set_planes[0])]
            else:
                mark = str(r * cols + c) if per_cell else "."
            cells.append(mark.rjust(width))
        lines.append(" ".join(cells))
    legend = ", ".join(f"{MARKS[k]} plane {k}" for k in range(planes))
    return "\n".join([*lines, f"({legend}; plane 0 is yours in pettingzoo.classic)"])
