"""Play against any player with the keyboard: ``pong-league play A``.

In a run of a PettingZoo game, ``play`` is a game in the terminal instead
(:mod:`league.games.play`): the board printed, your moves typed.

One game on the engine directly: the person's paddle takes the keys held in the pygame
:class:`~envs.render.Window` (W/S or the arrows; Space pauses, Escape or closing the window quits),
the other paddle is A's policy on its own observations, and the window shows every step at 60
frames per second with the score drawn by the :class:`~envs.render.Renderer`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from envs.engine import SCORE_L, STEPS, Engine
from envs.observation import FRAME_SIZE, push_coords
from envs.rules import Rules
from league.errors import LeagueError
from league.players import Player

if TYPE_CHECKING:
    from league.games.play import GamePlayResult

SIDES = ("left", "right")
HUMAN = "you"
FrameHook = Callable[[int, np.ndarray], None]


@dataclass(frozen=True)
class PlayResult:
    """How a game against the keyboard ended.

    :param opponent: the opponent's name.
    :param side: the person's side.
    :param points: the person's points.
    :param opponent_points: the opponent's points.
    :param steps: steps played (pauses not counted).
    :param finished: whether the game reached its end (False: quit or stopped by ``max_frames``).
    """

    opponent: str
    side: str
    points: int
    opponent_points: int
    steps: int
    finished: bool

    def to_text(self) -> str:
        score = f"{HUMAN} {self.points} - {self.opponent_points} {self.opponent}"
        if not self.finished:
            return f"{score}: stopped after {self.steps:,} steps"
        if self.points == self.opponent_points:
            return f"{score}: a draw (the game reached its step limit)"
        winner = HUMAN if self.points > self.opponent_points else self.opponent
        return f"{score}: {'you win' if winner == HUMAN else winner + ' wins'}"


def play(
    opponent: Player,
    rules: Rules,
    side: str = "left",
    frame_stack: int = 4,
    seed: int | None = None,
    fps: int = 60,
    max_frames: int | None = None,
    on_frame: FrameHook | None = None,
) -> PlayResult:
    """One game of the person at the keyboard against ``opponent``.

    :param opponent: the player to face.
    :param rules: the rules.
    :param side: the person's side, ``"left"`` or ``"right"``.
    :param frame_stack: frames per observation the opponent gets.
    :param seed: the game's seed (``None``: a fresh one).
    :param fps: frames (steps) per second; 0 for as fast as possible.
    :param max_frames: stop after this many frames, paused ones included (``None``: no limit).
    :param on_frame: called with the frame number and the state row before each frame is read
        (tests post key events from here).
    :return: the result.
    :raises LeagueError: for an unknown side.
    """
    from envs.render import Window

    if side not in SIDES:
        raise LeagueError(f"unknown --side {side!r}; choose left or right")
    me = SIDES.index(side)
    them = 1 - me
    names = (HUMAN, opponent.id) if me == 0 else (opponent.id, HUMAN)
    engine = Engine(rules, 1, seed)
    engine.reset()
    obs = np.zeros((1, FRAME_SIZE * frame_stack), dtype=np.float32)
    push_coords(engine.state, engine.params, them, obs, True)
    actions = np.zeros((1, 2), dtype=np.int64)
    paused = False
    frame = 0
    with Window(rules, names, fps=fps, title=f"pong-league: you vs {opponent.id}") as window:
        window.show(engine.state[0])
        while not engine.done[0] and (max_frames is None or frame < max_frames):
            if on_frame is not None:
                on_frame(frame, engine.state[0])
            keys = window.poll()
            if keys.quit:
                break
            if keys.pause_toggled:
                paused = not paused
                _caption(opponent.id, paused)
            if not paused:
                actions[0, me] = keys.action
                actions[0, them] = opponent.policy.act(obs)[0]
                engine.step(actions)
                push_coords(engine.state, engine.params, them, obs, False)
            frame += 1
            if not window.show(engine.state[0]):
                break
    row = engine.state[0]
    return PlayResult(
        opponent=opponent.id,
        side=side,
        points=int(row[SCORE_L + me]),
        opponent_points=int(row[SCORE_L + them]),
        steps=int(row[STEPS]),
        finished=bool(engine.done[0]),
    )


def _caption(opponent: str, paused: bool) -> None:
    import pygame

    suffix = " (paused: Space to go on)" if paused else ""
    pygame.display.set_caption(f"pong-league: you vs {opponent}{suffix}")


def play_cli(
    spec: str,
    run_dir: Path | str | None = None,
    side: str = "left",
    rules_name: str | None = None,
    seed: int | None = None,
) -> PlayResult | GamePlayResult:
    """``pong-league play``: resolve the opponent and the game, refuse to play without a screen.

    A run of a PettingZoo game is played in the terminal instead (:mod:`league.games.play`).
    """
    from envs.render import prepare_sdl
    from league.arena import run_game
    from league.players import game_settings, resolve_player

    if side not in SIDES:
        raise LeagueError(f"unknown --side {side!r}; choose left or right")
    if seed is not None and seed < 0:
        raise LeagueError(f"--seed {seed}: seeds are integers >= 0")
    if run_dir is not None and run_game(run_dir) != "pong":
        return _play_game_cli(spec, Path(run_dir), side, rules_name, seed)
    rules, frame_stack = game_settings(run_dir, rules_name)
    opponent = resolve_player(spec, run_dir, rules, frame_stack, seed=seed)
    if prepare_sdl():
        raise LeagueError(
            "play needs a screen: no DISPLAY or WAYLAND_DISPLAY is set "
            "(set SDL_VIDEODRIVER to choose a video driver yourself)"
        )
    return play(opponent, rules, side, frame_stack, seed)


def _play_game_cli(
    spec: str, run_dir: Path, side: str, rules_name: str | None, seed: int | None
) -> GamePlayResult:
    """``play`` in a run of a PettingZoo game: the terminal game of :mod:`league.games.play`."""
    from league.arena import run_game
    from league.games import load_game
    from league.games.arena import resolve_game_player
    from league.games.play import play_game

    game_name = run_game(run_dir)
    if rules_name is not None:
        raise LeagueError(f"--rules is for Pong; {run_dir} is a league of {game_name}")
    game = load_game(game_name)
    if seed is None:
        seed = int(np.random.default_rng().integers(2**31))  # a fresh game each time
    opponent = resolve_game_player(spec, run_dir, game, seed)
    return play_game(game, opponent, side, seed)
