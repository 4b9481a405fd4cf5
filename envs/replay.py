"""Recording games as state rows and saving them as videos (mp4) or animations (gif).

A :class:`Recorder` keeps copies of state rows (16 floats each), not frames, so recording a whole
game costs next to nothing; frames are drawn by the :class:`~envs.render.Renderer` one at a time
while the file is written, so saving never holds the video in memory. A recording is a sequence
of games and title :class:`Card` s; it can play faster than real time by dropping rows
(:func:`shown_rows`), and a GIF is drawn at half the size of an mp4. A :class:`Slideshow` is the
same for pictures an env has drawn itself (a board game's positions, one per move), written by
the same :func:`write_frames`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import imageio.v2 as imageio
import numpy as np
from PIL import Image

from envs.engine import N_FIELDS
from envs.render import SEATS, CardPainter, Renderer
from envs.rules import Rules

SUFFIXES = (".mp4", ".gif")
GIF_MAX_FPS = 50  # browsers play a GIF delay under 2/100 s as 1/10 s, so a GIF goes no faster
GIF_REDUCE = 2  # a GIF is drawn at 1/2 the width and height: a quarter of the pixels to encode
CARD_SECONDS = 1.0
STILL_FPS = 10  # an mp4 of still pictures (board positions) needs no more

FrameCallback = Callable[[int], object]
"""Called as frames are written, with how many were written since the last call."""


def gif_frame_stride(fps: int) -> int:
    """Every how many rows of play a GIF frame stands for at speed 1: it plays at ``fps / stride``.

    GIF delays are whole hundredths of a second and browsers slow anything under 2/100 s down to
    1/10 s, so a 60 fps recording keeps every 2nd row (30 frames a second; half the file).

    :param fps: the recording's frames per second.
    :return: the stride, >= 1.
    """
    return max(1, math.ceil(fps / GIF_MAX_FPS))


def rounded_delays(durations_ms: list[float]) -> list[int]:
    """GIF delays in ms, multiples of 10, whose running sum keeps to the true one.

    A fixed delay would be truncated to whole hundredths (33.3 ms -> 30 ms plays 11% fast);
    rounding the frame start times instead alternates 30 and 40 ms and never drifts.

    :param durations_ms: the true duration of each frame.
    :return: one delay per frame.
    """
    starts = [10 * round(t / 10) for t in np.concatenate([[0.0], np.cumsum(durations_ms)])]
    return [b - a for a, b in zip(starts, starts[1:], strict=False)]


def gif_durations(frames: int, interval_ms: float) -> list[int]:
    """Per-frame GIF delays in ms for ``frames`` frames ``interval_ms`` apart (see
    :func:`rounded_delays`)."""
    return rounded_delays([interval_ms] * frames)


def shown_rows(rows: int, step: float) -> np.ndarray:
    """Which of a game's ``rows`` are drawn when every frame advances play by ``step`` rows.

    ``ceil(rows / step)`` frames: frame k shows row ``floor(k * step)`` (a fractional step
    alternates between its neighbours: 2.5 advances 2, 3, 2, 3, ...), except the last frame,
    which shows the game's last row, so that its final point is on screen.

    :param rows: the game's rows.
    :param step: rows of play per frame, > 0 (1: every row).
    :return: the row indices, increasing.
    """
    if not step > 0:
        raise ValueError(f"step={step} must be > 0")
    count = math.ceil(rows / step - 1e-9)  # 1e-9: 10 / (1 / 3) is 30.000000000000004
    shown = np.floor(np.arange(count) * step + 1e-9).astype(np.int64)
    if count:
        shown[-1] = rows - 1
    return shown


def temp_path_for(path: Path) -> Path:
    """The name a file is written under before it is renamed onto ``path``.

    Same folder (``os.replace`` is atomic only within one file system), a leading dot so
    listings skip it, and ``path``'s suffix, since the writers pick the format from it.

    :param path: the final path.
    :return: the temporary path for this process.
    """
    return path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix}")


@dataclass(frozen=True)
class Card:
    """A still title card between games (see :meth:`envs.render.Renderer.card`).

    :param title: the large first line.
    :param lines: lines under it, the first medium, the others small.
    :param sides: the names of who plays left and who plays right next, if any.
    :param seconds: how long it shows, whatever the playback speed.
    :param seats: what the two sides are called on the card (an env's agents, for a
        PettingZoo game).
    """

    title: str
    lines: tuple[str, ...] = ()
    sides: tuple[str, str] | None = None
    seconds: float = CARD_SECONDS
    seats: tuple[str, str] = SEATS


@dataclass(frozen=True)
class _Game:
    start: int  # its first row in the recorder's rows
    end: int
    names: tuple[str, str] | None


@dataclass(frozen=True)
class _Plan:
    """How a file shows a recording.

    :param fps: frames a second of the file.
    :param step: rows of play a frame of a game advances.
    :param reduce: the frames' width and height are divided by this.
    :param still_cards: a card is one long frame (GIF) rather than a frame every 1/fps s.
    """

    fps: float
    step: float
    reduce: int
    still_cards: bool

    @classmethod
    def of(cls, suffix: str, fps: int, speed: float) -> _Plan:
        if suffix == ".gif":
            stride = gif_frame_stride(fps)
            return cls(fps / stride, stride * speed, GIF_REDUCE, still_cards=True)
        return cls(float(fps), speed, 1, still_cards=False)

    def card_frames(self, card: Card) -> int:
        return self.still_frames(card.seconds)

    def still_frames(self, seconds: float) -> int:
        """Frames a still picture shown for ``seconds`` takes."""
        return 1 if self.still_cards else max(1, round(seconds * self.fps))


class Recorder:
    """Collects games' state rows, and title cards between them, and saves them as a video.

    :param rules: the rules the games were played under (court size, paddle and ball sizes).
    :param names: the left and the right player's names, shown under their scores (a game
        added with names of its own shows those).
    """

    def __init__(self, rules: Rules, names: tuple[str, str] | None = None) -> None:
        self.rules = rules
        self.names = names
        self._rows: list[np.ndarray] = []
        self._parts: list[_Game | Card] = []

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def rows(self) -> np.ndarray:
        """The recorded rows of every game, in order, shape (len(self), N_FIELDS)."""
        return np.array(self._rows, dtype=np.float64).reshape(len(self._rows), N_FIELDS)

    @property
    def cards(self) -> list[Card]:
        """The title cards added, in order."""
        return [part for part in self._parts if isinstance(part, Card)]

    def add(self, row: np.ndarray) -> None:
        """Keep a copy of one state row, the next of the game being recorded (the engine
        overwrites its state in place).

        :param row: one game's state row, shape (N_FIELDS,).
        """
        row = np.asarray(row, dtype=np.float64)
        if row.shape != (N_FIELDS,):
            raise ValueError(f"expected one state row of shape ({N_FIELDS},), got {row.shape}")
        last = self._parts[-1] if self._parts else None
        if isinstance(last, _Game) and last.end == len(self._rows):
            self._parts[-1] = _Game(last.start, last.end + 1, last.names)
        else:
            self._parts.append(_Game(len(self._rows), len(self._rows) + 1, self.names))
        self._rows.append(row.copy())

    def add_game(self, rows: np.ndarray, names: tuple[str, str] | None = None) -> None:
        """Keep copies of a game's state rows, in order, as a game of its own.

        :param rows: state rows, shape (T, N_FIELDS).
        :param names: the left and the right player's names in this game (default: the
            recorder's).
        """
        rows = np.asarray(rows, dtype=np.float64)
        if rows.ndim != 2 or rows.shape[1] != N_FIELDS:
            raise ValueError(f"expected state rows of shape (T, {N_FIELDS}), got {rows.shape}")
        start = len(self._rows)
        self._rows.extend(rows.copy())
        self._parts.append(_Game(start, len(self._rows), names if names else self.names))

    def add_card(self, card: Card) -> None:
        """Show ``card`` after what was added so far.

        :param card: the card.
        """
        if not card.seconds > 0:
            raise ValueError(f"a card shows for seconds > 0, got {card.seconds}")
        self._parts.append(card)

    def frame_count(self, path: Path | str, fps: int = 60, speed: float = 1.0) -> int:
        """How many frames :meth:`save` writes to ``path`` (e.g. to size a progress bar).

        Each game shows ``ceil(rows / step)`` frames (:func:`shown_rows`); a card in an mp4
        ``seconds * fps`` frames, in a GIF one long frame.

        :param path: the file name; only its suffix counts.
        :param fps: as for :meth:`save`.
        :param speed: as for :meth:`save`.
        :return: the number of frames.
        """
        return len(self._durations(_Plan.of(Path(path).suffix.lower(), fps, speed)))

    def save(
        self,
        path: Path | str,
        fps: int = 60,
        speed: float = 1.0,
        on_frames: FrameCallback | None = None,
    ) -> Path:
        """Render the recording and write it to ``path``, in the format its suffix names.

        Each frame advances play by ``speed`` rows (rows are dropped, none is blended), so a
        game plays ``speed`` times faster than real time; cards show for their own seconds.
        ``.mp4``: H.264 (libx264, yuv420p) at ``fps`` frames a second, full size. ``.gif``:
        half the width and height, at ``fps / gif_frame_stride(fps)`` frames a second (30 at
        60), looping; a card is one frame. The file is written under a temporary name and
        renamed, so ``path`` holds its old content or the whole new file, and a failure leaves
        no temporary file behind.

        :param path: the file to write; its folder must exist.
        :param fps: rows of play per second of real time (the engine's 60).
        :param speed: the playback speed, > 0: 2 plays twice as fast by drawing every 2nd row.
        :param on_frames: called as frames are written, with how many since the last call.
        :return: ``path`` as a ``Path``.
        :raises ValueError: unsupported suffix, ``fps < 1``, a bad speed or no game recorded.
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if not self._rows:
            raise ValueError("nothing recorded: add state rows before saving")
        _check_save(path, fps, speed)
        plan = _Plan.of(suffix, fps, speed)
        frames = self._frames(plan, on_frames)
        sample = self._sample(plan) if suffix == ".gif" else None
        return write_frames(path, frames, self._durations(plan), plan.fps, sample)

    def _schedule(self, plan: _Plan) -> Iterator[tuple[_Game | Card, np.ndarray]]:
        """Per part: the rows of a game it shows, or a card's frames (as a range)."""
        for part in self._parts:
            if isinstance(part, Card):
                yield part, np.arange(plan.card_frames(part))
            else:
                yield part, part.start + shown_rows(part.end - part.start, plan.step)

    def _durations(self, plan: _Plan) -> list[float]:
        """Every frame's duration in ms, in order."""
        durations: list[float] = []
        for part, shown in self._schedule(plan):
            seconds = part.seconds / len(shown) if isinstance(part, Card) else 1 / plan.fps
            durations += [1000.0 * seconds] * len(shown)
        return durations

    def _frames(self, plan: _Plan, on_frames: FrameCallback | None) -> Iterator[np.ndarray]:
        """Every frame to write, drawn (and reduced) only when it is asked for."""
        renderers: dict[tuple[str, str] | None, Renderer] = {}

        def renderer(names: tuple[str, str] | None) -> Renderer:
            if names not in renderers:
                renderers[names] = Renderer(self.rules, names, plan.reduce)
            return renderers[names]

        for part, shown in self._schedule(plan):
            if isinstance(part, Card):
                card = renderer(None).card(part.title, part.lines, part.sides, part.seats)
                frames: Iterator[np.ndarray] = iter([card] * len(shown))
            else:
                draw = renderer(part.names).draw
                frames = (draw(self._rows[k]) for k in shown)
            for frame in frames:
                yield frame
                if on_frames is not None:
                    on_frames(1)

    def _sample(self, plan: _Plan) -> np.ndarray:
        """A frame of the first game, drawn as the file shows it."""
        game = next(part for part in self._parts if isinstance(part, _Game))
        return Renderer(self.rules, game.names, plan.reduce).draw(self._rows[game.start])


class Slideshow:
    """Still pictures (a board game's positions, one per move) and title cards, as a video.

    What :class:`Recorder` is for Pong's state rows, for frames an env has already drawn (a
    PettingZoo env's ``rgb_array`` renders): each picture shows ``move_seconds`` divided by the
    playback speed, the last of a game :data:`CARD_SECONDS` more so that its end can be read, and
    the cards, drawn at the pictures' size, their own seconds. Saved by the same writers: an
    ``.mp4`` at ``fps`` frames a second (a picture repeated), a ``.gif`` at half size with one
    frame per picture.

    :param move_seconds: how long a picture shows at speed 1.
    """

    def __init__(self, move_seconds: float = 1.0) -> None:
        if not move_seconds > 0:
            raise ValueError(f"move_seconds={move_seconds} must be > 0")
        self.move_seconds = move_seconds
        self._parts: list[list[np.ndarray] | Card] = []
        self._size: tuple[int, int] | None = None  # (width, height) of every picture

    @property
    def cards(self) -> list[Card]:
        """The title cards added, in order."""
        return [part for part in self._parts if isinstance(part, Card)]

    @property
    def games(self) -> list[list[np.ndarray]]:
        """Each game's pictures, in order."""
        return [part for part in self._parts if not isinstance(part, Card)]

    def add_game(self, pictures: list[np.ndarray]) -> None:
        """Show a game's pictures, in order: RGB uint8 arrays (H, W, 3) of one size."""
        if not pictures:
            raise ValueError("a game needs at least one picture")
        for picture in pictures:
            if picture.ndim != 3 or picture.shape[2] != 3 or picture.dtype != np.uint8:
                raise ValueError(
                    f"a picture is an RGB uint8 array (H, W, 3), got {picture.dtype} "
                    f"{picture.shape}"
                )
            size = (picture.shape[1], picture.shape[0])
            if self._size is not None and size != self._size:
                raise ValueError(f"pictures of sizes {self._size} and {size} in one video")
            self._size = size
        self._parts.append(list(pictures))

    def add_card(self, card: Card) -> None:
        """Show ``card`` after what was added so far."""
        if not card.seconds > 0:
            raise ValueError(f"a card shows for seconds > 0, got {card.seconds}")
        self._parts.append(card)

    def frame_count(self, path: Path | str, fps: int = STILL_FPS, speed: float = 1.0) -> int:
        """How many frames :meth:`save` writes to ``path`` (only its suffix counts)."""
        return len(self._durations(_Plan.of(Path(path).suffix.lower(), fps, speed), speed))

    def save(
        self,
        path: Path | str,
        fps: int = STILL_FPS,
        speed: float = 1.0,
        on_frames: FrameCallback | None = None,
    ) -> Path:
        """Draw the cards and write everything to ``path`` (``.mp4`` or ``.gif``), atomically
        as :meth:`Recorder.save` does.

        :raises ValueError: unsupported suffix, ``fps < 1``, a bad speed or no game added.
        """
        path = Path(path)
        if self._size is None:
            raise ValueError("nothing recorded: add a game's pictures before saving")
        _check_save(path, fps, speed)
        plan = _Plan.of(path.suffix.lower(), fps, speed)
        frames = self._frames(plan, speed, on_frames)
        # The palette's sample: a game's first and last positions (a card has neither's colours).
        first = self.games[0]
        sample = np.concatenate([_reduced(first[0], plan.reduce), _reduced(first[-1], plan.reduce)])
        return write_frames(path, frames, self._durations(plan, speed), plan.fps, sample)

    def _schedule(self, speed: float) -> Iterator[tuple[np.ndarray | Card, float]]:
        """Every picture or card, with how long it shows."""
        seconds = self.move_seconds / speed
        for part in self._parts:
            if isinstance(part, Card):
                yield part, part.seconds
                continue
            for k, picture in enumerate(part):
                yield picture, seconds + (CARD_SECONDS if k == len(part) - 1 else 0.0)

    def _durations(self, plan: _Plan, speed: float) -> list[float]:
        durations: list[float] = []
        for _, seconds in self._schedule(speed):
            n = plan.still_frames(seconds)
            durations += [1000.0 * seconds / n] * n
        return durations

    def _frames(
        self, plan: _Plan, speed: float, on_frames: FrameCallback | None
    ) -> Iterator[np.ndarray]:
        assert self._size is not None
        painter = CardPainter(self._size, 0.7 * self._size[1], plan.reduce)
        for part, seconds in self._schedule(speed):
            if isinstance(part, Card):
                frame = painter.card(part.title, part.lines, part.sides, part.seats)
            else:
                frame = _reduced(part, plan.reduce)
            for _ in range(plan.still_frames(seconds)):
                yield frame
                if on_frames is not None:
                    on_frames(1)


def _reduced(picture: np.ndarray, reduce: int) -> np.ndarray:
    """``picture`` 1/reduce as wide and as high, each pixel the mean of its block."""
    if reduce == 1:
        return picture
    h, w = picture.shape[0] // reduce * reduce, picture.shape[1] // reduce * reduce
    # Cut to whole blocks first: the size then matches the cards' (size // reduce).
    return np.asarray(Image.fromarray(np.ascontiguousarray(picture[:h, :w])).reduce(reduce))


def _check_save(path: Path, fps: int, speed: float) -> None:
    if path.suffix.lower() not in SUFFIXES:
        raise ValueError(f"cannot save a replay as {path.name!r}: use one of {', '.join(SUFFIXES)}")
    if fps < 1:
        raise ValueError(f"fps={fps} must be >= 1")
    if not (math.isfinite(speed) and speed > 0):
        raise ValueError(f"speed={speed} must be a number > 0")


def write_frames(
    path: Path,
    frames: Iterator[np.ndarray],
    durations_ms: list[float],
    fps: float,
    palette_sample: np.ndarray | None = None,
) -> Path:
    """Write ``frames`` to ``path``, in the format its suffix names, under a temporary name
    renamed at the end: ``path`` holds its old content or the whole new file, and a failure
    leaves no temporary file behind.

    :param frames: RGB uint8 arrays of one size, drawn as they are asked for.
    :param durations_ms: each frame's duration (a GIF's delays; an mp4 plays at ``fps``).
    :param fps: an mp4's frames a second.
    :param palette_sample: pixels with colours the first frame may lack, for a GIF's palette.
    :return: ``path``.
    """
    tmp = temp_path_for(path)
    try:
        if path.suffix.lower() == ".mp4":
            _write_mp4(tmp, frames, fps)
        else:
            _write_gif(tmp, frames, durations_ms, palette_sample)
        os.replace(tmp, path)
    except BaseException:
        # BaseException too: a Ctrl-C during a long encode must not leave the temp file.
        tmp.unlink(missing_ok=True)
        raise
    return path


def _write_mp4(tmp: Path, frames: Iterator[np.ndarray], fps: float) -> None:
    # macro_block_size=2: yuv420p needs even sizes; an odd court is scaled up by a pixel
    # rather than padded to imageio's default multiple of 16. The veryfast preset encodes
    # these flat frames 40% faster than the default at the same file size.
    with imageio.get_writer(
        tmp,
        format="FFMPEG",
        fps=fps,
        codec="libx264",
        pixelformat="yuv420p",
        macro_block_size=2,
        ffmpeg_log_level="error",
        output_params=["-preset", "veryfast"],
    ) as writer:
        for frame in frames:
            writer.append_data(frame)


def _write_gif(
    tmp: Path,
    frames: Iterator[np.ndarray],
    durations_ms: list[float],
    palette_sample: np.ndarray | None,
) -> None:
    # Pillow straight from a generator rather than imageio's writer, which keeps every frame
    # as RGB until it closes; Pillow keeps them palettised (a third of the size).
    images = (Image.fromarray(f) for f in frames)
    # The drawings have a fixed set of colours (a few hundred with the text's anti-aliasing and
    # the reduction), so one palette fits every frame to within a few levels: mapping onto it
    # is 30x faster than Pillow choosing a palette per frame, which took most of the save time.
    # The palette comes from the first frame (a card, in a match) and the sample together,
    # since a card has no ball or paddle colours.
    first = next(images)
    sample = [np.asarray(first)] + ([] if palette_sample is None else [palette_sample])
    palette = Image.fromarray(np.concatenate(sample))
    palette = palette.convert("P", palette=Image.Palette.ADAPTIVE)
    quantized = (f.quantize(palette=palette, dither=Image.Dither.NONE) for f in images)
    first.quantize(palette=palette, dither=Image.Dither.NONE).save(
        tmp,
        format="GIF",
        save_all=True,
        append_images=quantized,
        duration=rounded_delays(durations_ms),
        loop=0,
    )
