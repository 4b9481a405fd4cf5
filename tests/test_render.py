"""Rendering a state row, recording games to mp4/gif, and the window's input, all headless."""

from __future__ import annotations

import os

# Before anything imports pygame: no window may appear, whatever display the machine has.
os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

from pathlib import Path  # noqa: E402

import imageio.v2 as imageio  # noqa: E402
import numpy as np  # noqa: E402
import pygame  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from envs import replay  # noqa: E402
from envs.engine import BX, BY, CPU, LY, N_FIELDS, RY, SCORE_L, SCORE_R, UP, Engine  # noqa: E402
from envs.render import BACKGROUND, BALL, PADDLE, Renderer, Window, prepare_sdl  # noqa: E402
from envs.replay import Recorder, gif_durations, gif_frame_stride  # noqa: E402
from envs.rules import Rules, rules  # noqa: E402

STEPS = 120


def state_row(
    bx: float = 123.0, by: float = 234.0, ly: float = 50.0, ry: float = 200.0
) -> np.ndarray:
    """A state row with the ball and paddles where the test wants them."""
    row = np.zeros(N_FIELDS)
    row[[BX, BY, LY, RY]] = bx, by, ly, ry
    return row


def paddle_column(frame: np.ndarray, x: int) -> np.ndarray:
    """The rows of column ``x`` painted in the paddle colour."""
    return np.flatnonzero((frame[:, x] == PADDLE).all(axis=1))


def ball_centroid(frame: np.ndarray) -> np.ndarray:
    """(x, y) centre of the amber pixels; loose bounds survive the mp4's lossy colours."""
    r, g, b = (frame[..., c].astype(int) for c in range(3))
    ys, xs = np.nonzero((r > 170) & (g > 110) & (b < 100))
    assert xs.size > 50, "no ball in the frame"
    return np.array([xs.mean(), ys.mean()])


@pytest.fixture(scope="module")
def game_rows() -> np.ndarray:
    """A real classic game, scripted CPU against scripted CPU: the reset row and STEPS-1 steps."""
    engine = Engine(rules("classic"), batch_size=1, seed=3)
    engine.reset()
    actions = np.full((1, 2), CPU, dtype=np.int64)
    rows = [engine.state[0].copy()]
    for _ in range(STEPS - 1):
        engine.step(actions)
        rows.append(engine.state[0].copy())
    return np.array(rows)


@pytest.mark.parametrize("preset", ["classic", "seed"])
def test_frame_shape_and_dtype(preset: str) -> None:
    frame = Renderer(rules(preset)).draw(state_row())
    assert frame.shape == (400, 800, 3)
    assert frame.dtype == np.uint8
    assert frame.flags.writeable


def test_frame_size_follows_the_rules() -> None:
    frame = Renderer(Rules(width=640.0, height=300.0)).draw(state_row(by=150.0))
    assert frame.shape == (300, 640, 3)


def test_ball_is_where_the_state_says() -> None:
    frame = Renderer(rules("classic")).draw(state_row(bx=123.0, by=234.0))
    assert tuple(frame[234, 123]) == BALL
    assert tuple(frame[234, 123 + 6]) == BALL  # inside the radius of 8
    assert tuple(frame[234, 123 + 12]) == BACKGROUND  # outside it
    assert tuple(frame[380, 600]) == BACKGROUND  # far from everything
    np.testing.assert_allclose(ball_centroid(frame), [123.0, 234.0], atol=1.0)


def test_paddles_are_drawn_at_their_tops() -> None:
    r = rules("classic")
    frame = Renderer(r).draw(state_row(ly=50.0, ry=200.0))
    left_x = round(r.paddle_margin - r.paddle_width / 2)
    right_x = round(r.width - r.paddle_margin + r.paddle_width / 2)
    np.testing.assert_array_equal(paddle_column(frame, left_x), np.arange(50, 120))
    np.testing.assert_array_equal(paddle_column(frame, right_x), np.arange(200, 270))
    # The faces: the left paddle ends at the margin, the right one starts at width - margin.
    assert tuple(frame[60, round(r.paddle_margin)]) == BACKGROUND
    assert tuple(frame[60, round(r.paddle_margin) - 1]) == PADDLE
    assert tuple(frame[210, round(r.width - r.paddle_margin)]) == PADDLE
    assert tuple(frame[210, round(r.width - r.paddle_margin) - 1]) == BACKGROUND


def test_right_paddle_of_its_own_height_is_drawn_taller() -> None:
    r = rules("classic", right_paddle_height=120.0)
    frame = Renderer(r).draw(state_row(ly=50.0, ry=200.0))
    assert paddle_column(frame, 25).size == 70
    assert paddle_column(frame, 775).size == 120


def test_paddle_outside_the_court_is_clipped() -> None:
    # The seed CPU may stand one move (8 px) above or below the court.
    r = rules("seed")
    frame = Renderer(r).draw(state_row(ly=-8.0, ry=r.height - r.paddle_height + 8.0))
    np.testing.assert_array_equal(paddle_column(frame, 25), np.arange(0, 62))
    assert paddle_column(frame, 775).size == 62


def test_scores_and_names_are_written_at_the_top() -> None:
    r = rules("classic")
    row = state_row(by=300.0)
    plain = Renderer(r).draw(row)
    scored = row.copy()
    scored[[SCORE_L, SCORE_R]] = 3, 5
    named = Renderer(r, names=("alice", "bob")).draw(scored)
    zero_zero = Renderer(r, names=("alice", "bob")).draw(row)
    top = slice(0, 100)
    for half in (slice(0, 400), slice(400, 800)):
        assert not np.array_equal(plain[top, half], named[top, half])
        assert not np.array_equal(named[top, half], zero_zero[top, half])
    # Below the text the frames are the same.
    np.testing.assert_array_equal(plain[100:], named[100:])


def test_draw_rejects_a_batch() -> None:
    with pytest.raises(ValueError, match="state row"):
        Renderer(rules("classic")).draw(np.zeros((2, N_FIELDS)))


def test_recorder_keeps_copies(game_rows: np.ndarray) -> None:
    recorder = Recorder(rules("classic"))
    row = game_rows[0].copy()
    recorder.add(row)
    row[BX] = -1.0  # the engine overwrites its state in place
    recorder.add_game(game_rows[1:])
    assert len(recorder) == STEPS
    np.testing.assert_array_equal(recorder.rows, game_rows)
    with pytest.raises(ValueError, match="shape"):
        recorder.add(np.zeros(3))
    with pytest.raises(ValueError, match="shape"):
        recorder.add_game(np.zeros(N_FIELDS))


def test_mp4_decodes_to_the_recorded_frames(game_rows: np.ndarray, tmp_path: Path) -> None:
    recorder = Recorder(rules("classic"), names=("cpu", "cpu"))
    recorder.add_game(game_rows)
    path = recorder.save(tmp_path / "game.mp4")
    assert path == tmp_path / "game.mp4"
    with imageio.get_reader(path, format="FFMPEG") as reader:
        assert reader.get_meta_data()["fps"] == 60
        # Streamed, not listed: the reader's length is unknown (inf) before decoding.
        count, first, last = 0, None, None
        for frame in reader:
            assert frame.shape == (400, 800, 3)
            count += 1
            first = frame if first is None else first
            last = frame
    assert count == STEPS
    assert not np.array_equal(first, last)
    start, end = ball_centroid(first), ball_centroid(last)
    assert np.linalg.norm(end - start) > 20
    np.testing.assert_allclose(start, game_rows[0, [BX, BY]], atol=2.0)
    np.testing.assert_allclose(end, game_rows[-1, [BX, BY]], atol=2.0)
    assert sorted(os.listdir(tmp_path)) == ["game.mp4"]


def test_gif_keeps_every_other_frame_in_real_time(game_rows: np.ndarray, tmp_path: Path) -> None:
    recorder = Recorder(rules("classic"))
    recorder.add_game(game_rows)
    path = recorder.save(str(tmp_path / "game.gif"), fps=60)
    expected = len(range(0, STEPS, gif_frame_stride(60)))
    assert expected == STEPS // 2
    frames = imageio.mimread(path)
    assert len(frames) == expected
    assert all(frame.shape[:2] == (400, 800) for frame in frames)
    np.testing.assert_allclose(ball_centroid(frames[0][..., :3]), game_rows[0, [BX, BY]], atol=1.0)
    np.testing.assert_allclose(
        ball_centroid(frames[-1][..., :3]), game_rows[-2, [BX, BY]], atol=1.0
    )
    with Image.open(path) as gif:
        durations = []
        for k in range(gif.n_frames):
            gif.seek(k)
            durations.append(gif.info["duration"])
    assert sum(durations) == 1000 * STEPS // 60  # plays in real time
    assert set(durations) <= {30, 40}


def test_gif_timing_helpers() -> None:
    assert [gif_frame_stride(fps) for fps in (30, 50, 60, 120)] == [1, 1, 2, 3]
    assert gif_durations(3, 1000 / 30) == [30, 40, 30]
    assert sum(gif_durations(90, 1000 / 30)) == 3000
    assert min(gif_durations(50, 1000 / 40)) >= 20


@pytest.mark.parametrize("name", ["game.avi", "game", "game.png"])
def test_unsupported_suffix_is_refused(name: str, tmp_path: Path) -> None:
    recorder = Recorder(rules("classic"))
    recorder.add(state_row())
    with pytest.raises(ValueError, match=r"\.mp4, \.gif"):
        recorder.save(tmp_path / name)
    assert os.listdir(tmp_path) == []


def test_empty_recorder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="nothing recorded"):
        Recorder(rules("classic")).save(tmp_path / "empty.mp4")


@pytest.mark.parametrize("suffix", [".mp4", ".gif"])
def test_failed_save_leaves_old_file_and_no_temp(
    suffix: str, game_rows: np.ndarray, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / f"game{suffix}"
    path.write_bytes(b"old")
    draw = Renderer.draw
    calls = 0

    def failing_draw(self: Renderer, row: np.ndarray) -> np.ndarray:
        nonlocal calls
        calls += 1
        if calls > 10:
            raise RuntimeError("renderer broke")
        return draw(self, row)

    monkeypatch.setattr(replay.Renderer, "draw", failing_draw)
    recorder = Recorder(rules("classic"))
    recorder.add_game(game_rows[:40])
    with pytest.raises(RuntimeError, match="renderer broke"):
        recorder.save(path)
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == [path.name]


def test_save_replaces_an_existing_file(game_rows: np.ndarray, tmp_path: Path) -> None:
    path = tmp_path / "game.gif"
    path.write_bytes(b"old")
    recorder = Recorder(rules("classic"))
    recorder.add_game(game_rows[:4])
    recorder.save(path)
    assert len(imageio.mimread(path)) == 2
    assert os.listdir(tmp_path) == ["game.gif"]


def test_prepare_sdl_only_without_a_display(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.delenv("SDL_VIDEODRIVER")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    assert not prepare_sdl()
    assert "SDL_VIDEODRIVER" not in os.environ
    monkeypatch.delenv("DISPLAY")
    assert prepare_sdl()
    assert os.environ["SDL_VIDEODRIVER"] == "dummy"
    monkeypatch.setenv("SDL_VIDEODRIVER", "x11")
    assert not prepare_sdl()  # a driver the user chose is kept
    assert os.environ["SDL_VIDEODRIVER"] == "x11"


def post_key(kind: int, key: int) -> None:
    pygame.event.post(pygame.event.Event(kind, key=key))


@pytest.mark.parametrize(
    "event",
    [
        pygame.event.Event(pygame.QUIT),
        pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE),
    ],
    ids=["quit", "escape"],
)
def test_window_shows_until_closed(event: pygame.event.Event) -> None:
    with Window(rules("classic"), names=("me", "snapshot"), fps=0) as window:
        assert pygame.display.get_surface().get_size() == (800, 400)
        assert window.show(state_row())
        assert window.show(state_row(bx=130.0))
        pygame.event.post(event)
        assert not window.show(state_row(bx=140.0))
        assert window.poll().quit  # stays closed


def test_window_reads_the_keyboard() -> None:
    with Window(rules("classic"), fps=0) as window:
        first = window.poll()
        assert not (first.quit or first.pause_toggled or first.up or first.down)
        post_key(pygame.KEYDOWN, pygame.K_SPACE)
        post_key(pygame.KEYDOWN, pygame.K_w)
        pressed = window.poll()
        assert pressed.pause_toggled and pressed.up and not pressed.down
        assert pressed.action == UP
        assert not window.poll().pause_toggled  # a press toggles once
        post_key(pygame.KEYUP, pygame.K_w)
        post_key(pygame.KEYDOWN, pygame.K_DOWN)
        post_key(pygame.KEYDOWN, pygame.K_SPACE)
        assert window.show(state_row())  # show reads events too; the Space press is kept
        later = window.poll()
        assert later.down and not later.up and later.pause_toggled and not later.quit
