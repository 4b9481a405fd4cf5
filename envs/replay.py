"""Recording games as state rows and saving them as videos (mp4) or animations (gif).

A :class:`Recorder` keeps copies of state rows (16 floats each), not frames, so recording a whole
game costs next to nothing; frames are drawn by the :class:`~envs.render.Renderer` one at a time
while the file is written, so saving never holds the video in memory.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path

import imageio.v2 as imageio
import numpy as np
from PIL import Image

from envs.engine import N_FIELDS
from envs.render import Renderer
from envs.rules import Rules

SUFFIXES = (".mp4", ".gif")
GIF_MAX_FPS = 50  # browsers play a GIF delay under 2/100 s as 1/10 s, so a GIF goes no faster


def gif_frame_stride(fps: int) -> int:
    """Every how many recorded rows a GIF keeps one: the GIF plays at ``fps / stride``.

    GIF delays are whole hundredths of a second and browsers slow anything under 2/100 s down to
    1/10 s, so a 60 fps recording keeps every 2nd row (30 frames a second; half the file).

    :param fps: the recording's frames per second.
    :return: the stride, >= 1.
    """
    return max(1, math.ceil(fps / GIF_MAX_FPS))


def gif_durations(frames: int, interval_ms: float) -> list[int]:
    """Per-frame GIF delays in ms, multiples of 10, whose running sum keeps to real time.

    A fixed delay would be truncated to whole hundredths (33.3 ms -> 30 ms plays 11% fast);
    rounding the frame start times instead alternates 30 and 40 ms and never drifts.

    :param frames: the number of frames.
    :param interval_ms: the true time between frames, in ms.
    :return: ``frames`` delays in ms.
    """
    starts = [10 * round(k * interval_ms / 10) for k in range(frames + 1)]
    return [b - a for a, b in zip(starts, starts[1:], strict=False)]


def temp_path_for(path: Path) -> Path:
    """The name a file is written under before it is renamed onto ``path``.

    Same folder (``os.replace`` is atomic only within one file system), a leading dot so
    listings skip it, and ``path``'s suffix, since the writers pick the format from it.

    :param path: the final path.
    :return: the temporary path for this process.
    """
    return path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix}")


class Recorder:
    """Collects one game's state rows and saves them as a video.

    :param rules: the rules the game was played under (court size, paddle and ball sizes).
    :param names: the left and the right player's names, shown under their scores.
    """

    def __init__(self, rules: Rules, names: tuple[str, str] | None = None) -> None:
        self.rules = rules
        self.names = names
        self._rows: list[np.ndarray] = []

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def rows(self) -> np.ndarray:
        """The recorded rows, shape (len(self), N_FIELDS)."""
        return np.array(self._rows, dtype=np.float64).reshape(len(self._rows), N_FIELDS)

    def add(self, row: np.ndarray) -> None:
        """Keep a copy of one state row (the engine overwrites its state in place).

        :param row: one game's state row, shape (N_FIELDS,).
        """
        row = np.asarray(row, dtype=np.float64)
        if row.shape != (N_FIELDS,):
            raise ValueError(f"expected one state row of shape ({N_FIELDS},), got {row.shape}")
        self._rows.append(row.copy())

    def add_game(self, rows: np.ndarray) -> None:
        """Keep copies of many state rows, in order.

        :param rows: state rows, shape (T, N_FIELDS).
        """
        rows = np.asarray(rows, dtype=np.float64)
        if rows.ndim != 2 or rows.shape[1] != N_FIELDS:
            raise ValueError(f"expected state rows of shape (T, {N_FIELDS}), got {rows.shape}")
        self._rows.extend(rows.copy())

    def _frames(self, stride: int = 1) -> Iterator[np.ndarray]:
        renderer = Renderer(self.rules, self.names)
        for row in self._rows[::stride]:
            yield renderer.draw(row)

    def save(self, path: Path | str, fps: int = 60) -> Path:
        """Render every recorded row and write them to ``path``, chosen by its suffix.

        ``.mp4``: H.264 (libx264, yuv420p) at ``fps``, one frame per row. ``.gif``: every
        :func:`gif_frame_stride`-th row (every 2nd at 60 fps), looping, in real time; Pillow
        merges identical consecutive frames into one longer frame. The file is written under a
        temporary name and renamed, so ``path`` holds its old content or the whole new file,
        and a failure leaves no temporary file behind.

        :param path: the file to write; its folder must exist.
        :param fps: frames (state rows) per second of play.
        :return: ``path`` as a ``Path``.
        :raises ValueError: unsupported suffix, ``fps < 1`` or nothing recorded.
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in SUFFIXES:
            raise ValueError(
                f"cannot save a replay as {path.name!r}: use one of {', '.join(SUFFIXES)}"
            )
        if fps < 1:
            raise ValueError(f"fps={fps} must be >= 1")
        if not self._rows:
            raise ValueError("nothing recorded: add state rows before saving")
        tmp = temp_path_for(path)
        try:
            if suffix == ".mp4":
                self._write_mp4(tmp, fps)
            else:
                self._write_gif(tmp, fps)
            os.replace(tmp, path)
        except BaseException:
            # BaseException too: a Ctrl-C during a long encode must not leave the temp file.
            tmp.unlink(missing_ok=True)
            raise
        return path

    def _write_mp4(self, tmp: Path, fps: int) -> None:
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
            for frame in self._frames():
                writer.append_data(frame)

    def _write_gif(self, tmp: Path, fps: int) -> None:
        # Pillow straight from a generator rather than imageio's writer, which keeps every frame
        # as RGB until it closes; Pillow keeps them palettised (a third of the size).
        stride = gif_frame_stride(fps)
        count = len(range(0, len(self._rows), stride))
        frames = self._frames(stride)
        # The drawing has a fixed set of colours (about 220 with the text's anti-aliasing), so the
        # first frame's palette fits every frame to within a few levels: mapping onto it is 30x
        # faster than Pillow choosing a palette per frame, which took most of the save time.
        first = Image.fromarray(next(frames)).convert("P", palette=Image.Palette.ADAPTIVE)
        rest = (
            Image.fromarray(f).quantize(palette=first, dither=Image.Dither.NONE) for f in frames
        )
        first.save(
            tmp,
            format="GIF",
            save_all=True,
            append_images=rest,
            duration=gif_durations(count, 1000.0 * stride / fps),
            loop=0,
        )
