"""Rendering a state row, recording games to mp4/gif, and the window's input, all headless."""

from __future__ import annotations

import math
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
from envs.replay import (  # noqa: E402
    Card,
    Recorder,
    gif_durations,
    gif_frame_stride,
    rounded_delays,
    shown_rows,
)
from envs.rules import Rules, rules  # noqa: E402

STEPS = 120
BAND = Renderer(rules("classic")).band  # the score band's height: the court starts below it


def state_row(
    bx: float = 123.0, by: float = 234.0, ly: float = 50.0, ry: float = 200.0
) -> np.ndarray:
    """A state row with the ball and paddles where the test wants them."""
    row = np.zeros(N_FIELDS)
    row[[BX, BY, LY, RY]] = bx, by, ly, ry
    return row


def paddle_column(frame: np.ndarray, x: int) -> np.ndarray:
    """The court's rows of column ``x`` painted in the paddle colour."""
    return np.flatnonzero((frame[:, x] == PADDLE).all(axis=1)) - BAND


def amber(frame: np.ndarray) -> np.ndarray:
    """Where a frame is ball-coloured; loose bounds survive the mp4's lossy colours."""
    r, g, b = (frame[..., c].astype(int) for c in range(3))
    return (r > 170) & (g > 110) & (b < 100)


def ball_centroid(frame: np.ndarray, reduce: int = 1) -> np.ndarray:
    """(x, y) centre of the ball in court coordinates, from a frame drawn 1/reduce the size."""
    ys, xs = np.nonzero(amber(frame))
    assert xs.size > 50 / reduce**2, "no ball in the frame"
    return np.array([xs.mean() + 0.5, ys.mean() + 0.5]) * reduce - [0.5, BAND + 0.5]


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
    renderer = Renderer(rules(preset))
    frame = renderer.draw(state_row())
    assert renderer.band == BAND == 68  # the score and a name fit: 6 + 39 + 2 + 15 + 6, even
    assert frame.shape == renderer.shape == (400 + BAND, 800, 3)
    assert frame.dtype == np.uint8
    assert frame.flags.writeable


def test_frame_size_follows_the_rules() -> None:
    renderer = Renderer(Rules(width=640.0, height=300.0))
    frame = renderer.draw(state_row(by=150.0))
    assert frame.shape == (300 + renderer.band, 640, 3)
    assert renderer.band % 2 == 0  # H.264's yuv420p needs even sizes


def test_ball_is_where_the_state_says() -> None:
    frame = Renderer(rules("classic")).draw(state_row(bx=123.0, by=234.0))
    y = BAND + 234
    assert tuple(frame[y, 123]) == BALL
    assert tuple(frame[y, 123 + 6]) == BALL  # inside the radius of 8
    assert tuple(frame[y, 123 + 12]) == BACKGROUND  # outside it
    assert tuple(frame[BAND + 380, 600]) == BACKGROUND  # far from everything
    np.testing.assert_allclose(ball_centroid(frame), [123.0, 234.0], atol=1.0)


def test_paddles_are_drawn_at_their_tops() -> None:
    r = rules("classic")
    frame = Renderer(r).draw(state_row(ly=50.0, ry=200.0))
    left_x = round(r.paddle_margin - r.paddle_width / 2)
    right_x = round(r.width - r.paddle_margin + r.paddle_width / 2)
    np.testing.assert_array_equal(paddle_column(frame, left_x), np.arange(50, 120))
    np.testing.assert_array_equal(paddle_column(frame, right_x), np.arange(200, 270))
    # The faces: the left paddle ends at the margin, the right one starts at width - margin.
    assert tuple(frame[BAND + 60, round(r.paddle_margin)]) == BACKGROUND
    assert tuple(frame[BAND + 60, round(r.paddle_margin) - 1]) == PADDLE
    assert tuple(frame[BAND + 210, round(r.width - r.paddle_margin)]) == PADDLE
    assert tuple(frame[BAND + 210, round(r.width - r.paddle_margin) - 1]) == BACKGROUND


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
    assert not (frame[:BAND] == PADDLE).all(axis=2).any()  # nothing of it in the band
    assert paddle_column(frame, 775).size == 62


def test_scores_and_names_are_written_in_the_band_above_the_court() -> None:
    r = rules("classic")
    row = state_row(by=300.0)
    plain = Renderer(r).draw(row)
    scored = row.copy()
    scored[[SCORE_L, SCORE_R]] = 3, 5
    named = Renderer(r, names=("alice", "bob")).draw(scored)
    zero_zero = Renderer(r, names=("alice", "bob")).draw(row)
    band = slice(0, BAND)
    for half in (slice(0, 400), slice(400, 800)):
        assert not np.array_equal(plain[band, half], named[band, half])
        assert not np.array_equal(named[band, half], zero_zero[band, half])
    # The court below the band is the same.
    np.testing.assert_array_equal(plain[BAND:], named[BAND:])


@pytest.mark.parametrize("names", [None, ("alice", "bob")])
def test_the_ball_never_covers_the_score(names: tuple[str, str] | None) -> None:
    """The ball at the score's own position (the court's y < 0 is the band above it) and at the
    top wall under each score: the band's pixels stay those of a frame without a ball near."""
    renderer = Renderer(rules("classic"), names)
    row = state_row(bx=400.0, by=300.0)
    row[[SCORE_L, SCORE_R]] = 10, 11
    far = renderer.draw(row)
    digit_centre = 6 + 39 // 2 - BAND  # the digits' middle, in court coordinates (< 0)
    for bx in (200.0, 600.0):  # the left and the right score's centres
        for by in (digit_centre, -8.0, 0.0, 8.0):
            row[[BX, BY]] = bx, by
            near = renderer.draw(row)
            np.testing.assert_array_equal(near[:BAND], far[:BAND], f"ball at {bx, by}")
            # Not vacuous: the ball is drawn, in the court, where any of it is inside.
            assert amber(near[BAND:]).any() == (by > -8.0)


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


def read_mp4(path: Path) -> tuple[dict, list[np.ndarray]]:
    with imageio.get_reader(path, format="FFMPEG") as reader:
        # A comprehension, not list(): the reader says its length is inf before decoding.
        return reader.get_meta_data(), [frame for frame in reader]


def gif_delays(path: Path) -> list[int]:
    with Image.open(path) as gif:
        delays = []
        for k in range(gif.n_frames):
            gif.seek(k)
            delays.append(gif.info["duration"])
    return delays


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
            assert frame.shape == (400 + BAND, 800, 3)
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


def test_gif_is_half_size_and_keeps_every_other_frame_in_real_time(
    game_rows: np.ndarray, tmp_path: Path
) -> None:
    recorder = Recorder(rules("classic"))
    recorder.add_game(game_rows)
    path = recorder.save(str(tmp_path / "game.gif"), fps=60)
    assert gif_frame_stride(60) == 2
    frames = imageio.mimread(path)
    assert len(frames) == STEPS // 2 == recorder.frame_count(path)
    assert all(frame.shape[:2] == (200 + BAND // 2, 400) for frame in frames)
    # Rows 0, 2, ..., 116 and the last one (the final point), found at twice the pixel size.
    for k, row in ((0, 0), (1, 2), (-1, -1)):
        centre = ball_centroid(frames[k][..., :3], reduce=2)
        np.testing.assert_allclose(centre, game_rows[row, [BX, BY]], atol=1.0)
    assert sum(gif_delays(path)) == 1000 * STEPS // 60  # plays in real time
    assert set(gif_delays(path)) <= {30, 40}


def test_a_reduced_frame_is_the_mean_of_the_full_ones_blocks() -> None:
    row = state_row(bx=321.0, by=123.0)
    full = Renderer(rules("classic"), ("alice", "bob")).draw(row).astype(float)
    half = Renderer(rules("classic"), ("alice", "bob"), reduce=2).draw(row)
    assert half.shape == (234, 400, 3)
    blocks = full.reshape(234, 2, 400, 2, 3).mean(axis=(1, 3))
    assert np.abs(half - blocks).max() <= 1.0


@pytest.mark.parametrize(
    ("rows", "step", "shown"),
    [
        (10, 1, range(10)),
        (10, 2, [0, 2, 4, 6, 9]),  # the last frame shows the last row: the final point
        (10, 2.5, [0, 2, 5, 9]),
        (11, 2.5, [0, 2, 5, 7, 10]),
        (9, 3, [0, 3, 8]),
        (3, 0.5, [0, 0, 1, 1, 2, 2]),  # slower than real time: rows shown twice
        (5, 100, [4]),
        (0, 2, []),
    ],
)
def test_shown_rows(rows: int, step: float, shown: list[int]) -> None:
    assert shown_rows(rows, step).tolist() == list(shown)


@pytest.mark.parametrize("speed", [1, 2, 2.5, 4])
def test_speed_drops_frames(game_rows: np.ndarray, tmp_path: Path, speed: float) -> None:
    recorder = Recorder(rules("classic"))
    recorder.add_game(game_rows)
    mp4 = recorder.save(tmp_path / "fast.mp4", speed=speed)
    gif = recorder.save(tmp_path / "fast.gif", speed=speed)
    meta, frames = read_mp4(mp4)
    assert meta["fps"] == 60  # the frame rate stays; fewer frames are shown
    assert len(frames) == math.ceil(STEPS / speed) == recorder.frame_count(mp4, speed=speed)
    for k in (1, 5, 9):  # frame k shows row k * speed, rounded down
        row = game_rows[int(k * speed)]
        np.testing.assert_allclose(ball_centroid(frames[k]), row[[BX, BY]], atol=2.0)
    gif_frames = imageio.mimread(gif)  # a GIF frame stands for 2 rows of play at speed 1
    expected = math.ceil(STEPS / (2 * speed))
    assert len(gif_frames) == expected == recorder.frame_count(gif, speed=speed)
    # Both play STEPS / 60 / speed seconds, to within the last frame's rounding.
    assert abs(len(frames) / 60 - STEPS / 60 / speed) < 1 / 60
    assert abs(sum(gif_delays(gif)) / 1000 - STEPS / 60 / speed) < 1 / 30


def test_cards_between_games(game_rows: np.ndarray, tmp_path: Path) -> None:
    recorder = Recorder(rules("classic"))
    recorder.add_card(Card("game 1 of 2", ("alice 0 - 0 bob",), ("alice", "bob")))
    recorder.add_game(game_rows[:30], ("alice", "bob"))
    recorder.add_card(Card("game 2 of 2", ("alice 1 - 0 bob",), ("bob", "alice"), seconds=0.5))
    recorder.add_game(game_rows[30:60], ("bob", "alice"))
    assert len(recorder) == 60  # the cards are not rows
    _, frames = read_mp4(recorder.save(tmp_path / "two.mp4"))
    assert len(frames) == 60 + 30 + 30 + 30  # a card shows for its seconds at 60 fps
    for k in (0, 59, 90, 119):
        assert not amber(frames[k]).any(), k  # a card: no ball
    for k in (60, 89, 120, 149):
        assert amber(frames[k]).any(), k  # a game
    held = np.abs(frames[0].astype(int) - frames[59]).mean()  # one card for a second
    other = np.abs(frames[0].astype(int) - frames[90]).mean()  # the next card
    assert held < 0.2 < other  # measured: 0.04 and 0.84 (the mp4's noise, new text)
    # A GIF shows a card as one frame lasting its seconds.
    gif = recorder.save(tmp_path / "two.gif")
    assert len(imageio.mimread(gif)) == 1 + 15 + 1 + 15
    assert gif_delays(gif)[0] == 1000 and gif_delays(gif)[16] == 500


def test_a_card_says_who_plays_which_side() -> None:
    renderer = Renderer(rules("classic"))
    card = renderer.card("game 2 of 3", ("alice 1 - 0 bob", "games won so far"), ("bob", "alice"))
    swapped = renderer.card(
        "game 2 of 3", ("alice 1 - 0 bob", "games won so far"), ("alice", "bob")
    )
    assert card.shape == renderer.shape
    differs = np.abs(card.astype(int) - swapped).sum(axis=2) > 0
    rows, cols = np.nonzero(differs)
    assert rows.min() > card.shape[0] / 2  # only the names of the sides, in the lower half
    assert cols.min() < 400 < cols.max()  # in both halves


def test_progress_counts_every_frame_written(game_rows: np.ndarray, tmp_path: Path) -> None:
    recorder = Recorder(rules("classic"))
    recorder.add_card(Card("a card"))
    recorder.add_game(game_rows)
    assert recorder.frame_count("p.mp4", speed=2) == 60 + STEPS // 2
    assert recorder.frame_count("p.gif", speed=2) == 1 + STEPS // 4
    for name in ("p.mp4", "p.gif"):
        counted: list[int] = []
        recorder.save(tmp_path / name, speed=2, on_frames=counted.append)
        assert sum(counted) == recorder.frame_count(name, speed=2)


@pytest.mark.parametrize("speed", [0, -1, float("nan"), float("inf")])
def test_bad_speed_is_refused_before_writing(tmp_path: Path, speed: float) -> None:
    recorder = Recorder(rules("classic"))
    recorder.add(state_row())
    with pytest.raises(ValueError, match="speed"):
        recorder.save(tmp_path / "x.mp4", speed=speed)
    assert os.listdir(tmp_path) == []


def test_gif_timing_helpers() -> None:
    assert [gif_frame_stride(fps) for fps in (30, 50, 60, 120)] == [1, 1, 2, 3]
    assert gif_durations(3, 1000 / 30) == [30, 40, 30]
    assert sum(gif_durations(90, 1000 / 30)) == 3000
    assert min(gif_durations(50, 1000 / 40)) >= 20
    assert rounded_delays([1000.0, 1000 / 30, 1000 / 30, 500.0]) == [1000, 30, 40, 500]


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
        assert pygame.display.get_surface().get_size() == (800, 400 + BAND)  # the band above
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
