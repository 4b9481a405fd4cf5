"""Playing with the keyboard, headless: SDL's dummy driver and key events posted by the test."""

from __future__ import annotations

import os

# Before anything imports pygame: no window may appear, whatever display the machine has.
os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402
import pygame  # noqa: E402
import pytest  # noqa: E402

from envs.engine import LY, RY, STEPS  # noqa: E402
from envs.rules import rules  # noqa: E402
from league.cli import main  # noqa: E402
from league.errors import LeagueError  # noqa: E402
from league.play import play  # noqa: E402
from league.players import resolve_player  # noqa: E402

GAME = rules("classic", points_to_win=1)


def keys_at(schedule: dict[int, list[tuple[int, int]]], rows: list[np.ndarray]) -> Callable:
    """An ``on_frame`` hook posting (event type, key) pairs at given frames; it keeps the rows."""

    def hook(frame: int, row: np.ndarray) -> None:
        rows.append(row.copy())
        for kind, key in schedule.get(frame, []):
            pygame.event.post(pygame.event.Event(kind, key=key))

    return hook


def test_held_keys_move_the_paddle_and_the_frame_cap_stops() -> None:
    rows: list[np.ndarray] = []
    hook = keys_at({0: [(pygame.KEYDOWN, pygame.K_w)], 40: [(pygame.KEYUP, pygame.K_w)]}, rows)
    game = rules("classic")  # 11 points: the game outlasts the 60 frames
    result = play(resolve_player("still", None, game), game, "left", fps=0, max_frames=60,
                  seed=1, on_frame=hook)  # fmt: skip
    assert not result.finished and result.steps == 60
    start = (game.height - game.paddle_height) / 2
    assert rows[0][LY] == start
    assert rows[10][LY] == start - 10 * game.paddle_speed  # up 8 px a step while W is held
    assert rows[-1][LY] == 0.0  # at the top, and it stays once W is let go
    assert np.ptp([r[RY] for r in rows]) == 0.0  # the opponent stands still


def test_the_right_side_and_the_down_arrow() -> None:
    rows: list[np.ndarray] = []
    hook = keys_at({0: [(pygame.KEYDOWN, pygame.K_DOWN)]}, rows)
    play(resolve_player("still", None, GAME), GAME, "right", fps=0, max_frames=10, on_frame=hook)
    assert rows[-1][RY] > rows[0][RY] and rows[-1][LY] == rows[0][LY]


def test_escape_quits() -> None:
    hook = keys_at({10: [(pygame.KEYDOWN, pygame.K_ESCAPE)]}, [])
    result = play(resolve_player("cpu", None, GAME), GAME, fps=0, max_frames=500, on_frame=hook)
    assert result.steps == 10 and not result.finished
    assert "stopped after 10 steps" in result.to_text()


def test_space_pauses_and_resumes() -> None:
    rows: list[np.ndarray] = []
    schedule = {
        5: [(pygame.KEYDOWN, pygame.K_SPACE), (pygame.KEYUP, pygame.K_SPACE)],
        25: [(pygame.KEYDOWN, pygame.K_SPACE), (pygame.KEYUP, pygame.K_SPACE)],
    }
    result = play(resolve_player("cpu", None, GAME), GAME, fps=0, max_frames=40,
                  on_frame=keys_at(schedule, rows))  # fmt: skip
    steps = [int(r[STEPS]) for r in rows]
    assert steps[5] == steps[25] == 5  # frames 5..24 paused
    assert result.steps == 40 - 20


def test_a_whole_game_ends_with_its_result() -> None:
    result = play(resolve_player("cpu", None, GAME), GAME, fps=0, seed=4)
    assert result.finished and (result.points, result.opponent_points) == (0, 1)
    assert result.to_text() == "you 0 - 1 cpu: cpu wins"


def test_an_unknown_side() -> None:
    with pytest.raises(LeagueError, match="--side"):
        play(resolve_player("cpu", None, GAME), GAME, "top")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["left-0001"], "no --run RUN_DIR"),
        (["cpu", "--seed", "-2"], "seeds are integers >= 0"),
        (["cpu", "--rules", "nope"], "unknown rules preset"),
    ],
)
def test_play_cli_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["play", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_play_without_a_screen_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("SDL_VIDEODRIVER", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    assert main(["play", "cpu"]) == 2
    assert "play needs a screen" in capsys.readouterr().err


# ------------------------------------------------- a PettingZoo run, played in the terminal

TICTACTOE = "pettingzoo.classic.tictactoe_v3"


@pytest.fixture
def tictactoe_run(tmp_path):
    """A run of tic-tac-toe without snapshots: enough to play its reference players."""
    from league.store import LeagueStore

    run = tmp_path / "run"
    LeagueStore.create(run, {"game": TICTACTOE}).close()
    return run


def play_typed(run, typed: str, *args: str, monkeypatch, capsys) -> tuple[int, str]:
    """``pong-league play`` in ``run`` with ``typed`` as the keyboard: (exit status, output)."""
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(typed))
    status = main(["play", *args, "--run", str(run)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return status, captured.out


EVERY_CELL = "".join(f"{k}\n" for k in range(9))  # refused once taken, so always a full game


@pytest.mark.parametrize("side", ["left", "right"])
def test_a_whole_tictactoe_game_against_minimax_in_the_terminal(
    tictactoe_run, side: str, monkeypatch, capsys
) -> None:
    status, out = play_typed(tictactoe_run, EVERY_CELL, "minimax", "--side", side, "--seed", "2",
                             monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert status == 0
    last = out.strip().splitlines()[-1]
    assert last.startswith("you ") and "after" in last and "you win" not in last  # perfect play
    assert ("minimax wins" in last) or ("a draw" in last)
    seat = "player_1" if side == "left" else "player_2"
    assert out.startswith(f"you play {seat} against minimax")
    assert out.count("minimax plays") >= 2
    # The board is drawn: the first one shows its empty cells' action numbers (you move first
    # as player_1; as player_2 one cell is already taken).
    lines = out.splitlines()
    legend = next(i for i, line in enumerate(lines) if line.startswith("(X plane 0"))
    first_board = lines[legend - 3 : legend]
    taken = sum(cell in "XO" for row in first_board for cell in row.split())
    assert taken == (0 if side == "left" else 1)


def test_an_illegal_or_unreadable_move_is_refused_and_asked_again(
    tictactoe_run, monkeypatch, capsys
) -> None:
    typed = "4\nfour\n4\n9\n" + EVERY_CELL
    status, out = play_typed(tictactoe_run, typed, "random", "--seed", "5",
                             monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert status == 0
    assert "'four' is not an action number" in out
    assert "4 is not a legal action now" in out and "9 is not a legal action now" in out
    # After each refusal the legal actions are listed again, without 4 (it is yours now).
    after = out.split("4 is not a legal action now", 1)[1].splitlines()[1]
    assert after.startswith("legal actions:") and "4" not in after.split(":")[1].split()


@pytest.mark.parametrize("typed", ["", "q\n", "0\nq\n"])
def test_the_end_of_the_input_or_q_quits_cleanly(
    tictactoe_run, typed: str, monkeypatch, capsys
) -> None:
    status, out = play_typed(tictactoe_run, typed, "cpu", "--seed", "1",
                             monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert status == 0
    moves = 0 if typed in ("", "q\n") else 2  # your move 0, then cpu's
    # (after the prompt, on its line: typed at a terminal, q and Enter end that line)
    assert out.strip().splitlines()[-1].endswith(f"you vs cpu: you quit after {moves} moves")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["left-0009"], "unknown player 'left-0009'"),
        (["minimax", "--rules", "seed"], "--rules is for Pong"),
        (["nash:left"], "has no snapshots of both roles"),
    ],
)
def test_bad_play_input_in_a_game_run_is_one_line(
    tictactoe_run, args: list[str], message: str, capsys
) -> None:
    assert main(["play", *args, "--run", str(tictactoe_run)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_board_without_one_action_per_cell_and_a_flat_observation() -> None:
    from league.games.play import board_text

    board = np.zeros((2, 3, 2))
    board[1, 0, 0] = board[1, 2, 1] = 1
    assert board_text(None, {"observation": board}, False, 3).splitlines()[:3] == [
        "0 1 2",  # one action per column: the columns are numbered
        ". . .",
        "X . O",
    ]
    assert board_text(None, np.array([0, 1, 0]), False, 2) == "observation: [0 1 0]"
