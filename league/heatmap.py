"""The win-rate matrix as a picture: a PNG for the run folder and an image for TensorBoard.

Drawn with Pillow alone (no matplotlib) so the trainer needs nothing beyond what it already
installs. Rows are the row players (normally left snapshots), columns their opponents; each
cell is coloured on a diverging scale from red (row loses) through a light neutral (even) to
blue (row wins), grey where the pair never played.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from league.files import atomic_write_bytes
from league.matrix import WinRateMatrix

RGB = tuple[int, int, int]
Font = ImageFont.ImageFont | ImageFont.FreeTypeFont

# Anchors of the diverging scale (ColorBrewer RdBu, which stays readable for red-green
# colour-blind readers, unlike red-to-green).
SCALE: tuple[tuple[float, RGB], ...] = (
    (0.0, (178, 24, 43)),
    (0.25, (239, 138, 98)),
    (0.5, (247, 247, 247)),
    (0.75, (103, 169, 207)),
    (1.0, (33, 102, 172)),
)
NAN_GREY: RGB = (170, 170, 170)
BACKGROUND: RGB = (255, 255, 255)
INK: RGB = (30, 30, 30)
MUTED: RGB = (110, 110, 110)

# Above this the cells shrink instead of the image growing, so a 40x40 league still fits a
# TensorBoard panel; below MIN_CELL a cell is no longer a visible square.
MAX_GRID_PX = 880
MIN_CELL = 12
NUMBER_PX = 14
MIN_NUMBER_PX = 8  # smaller cell numbers are unreadable: leave them out
PAD = 10
GAP = 6
LABEL_PX = 13
TITLE_PX = 16
BAR_WIDTH = 16
BAR_MIN_HEIGHT = 120
BAR_TICKS = ((1.0, "1  row wins"), (0.5, "0.5  even"), (0.0, "0  row loses"))
# Half a label of headroom above the bar so the "1" tick label is not cut, and below it a gap
# and the grey "no games" swatch.
BAR_ABOVE, BAR_BELOW = LABEL_PX // 2, 2 * LABEL_PX


def _bar_height(grid_h: int) -> int:
    return max(grid_h - BAR_ABOVE - BAR_BELOW, BAR_MIN_HEIGHT)


class ImageTextWriter(Protocol):
    """The part of ``torch.utils.tensorboard.SummaryWriter`` that :func:`log_heatmap` uses."""

    def add_image(
        self, tag: str, img_tensor: np.ndarray, global_step: int, dataformats: str
    ) -> None:
        """Log an image; see ``SummaryWriter.add_image``."""

    def add_text(self, tag: str, text_string: str, global_step: int) -> None:
        """Log a markdown text; see ``SummaryWriter.add_text``."""


def score_colour(score: float) -> RGB:
    """The cell colour of a score on the diverging scale.

    :param score: the row player's win rate in [0, 1] (clipped), NaN for no games.
    :return: an RGB triple; :data:`NAN_GREY` for NaN.
    """
    if math.isnan(score):
        return NAN_GREY
    score = min(max(score, 0.0), 1.0)
    for (lo, lo_rgb), (hi, hi_rgb) in zip(SCALE, SCALE[1:], strict=False):
        if score <= hi:
            t = (score - lo) / (hi - lo)
            r, g, b = (round(a + t * (b - a)) for a, b in zip(lo_rgb, hi_rgb, strict=True))
            return r, g, b
    return SCALE[-1][1]


def text_colour(background: RGB) -> RGB:
    """Black or white, whichever contrasts more with ``background``.

    :param background: the RGB colour the text is drawn on.
    :return: an RGB triple.
    """
    r, g, b = background
    # Rec. 601 luma: good enough to pick between two extremes.
    return INK if 0.299 * r + 0.587 * g + 0.114 * b > 150 else BACKGROUND


def _font(size: int) -> Font:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError, ImportError):
        # Pillow < 10.1 has no ``size``, and without FreeType only the fixed bitmap font exists.
        return ImageFont.load_default()


def _text_size(font: Font, text: str) -> tuple[int, int]:
    left, top, right, bottom = font.getbbox(text)
    return int(right - left), int(bottom - top)


def _draw_centred(
    draw: ImageDraw.ImageDraw, cx: float, cy: float, text: str, font: Font, fill: RGB
) -> None:
    # By the bounding box rather than ``anchor="mm"``, which the bitmap fallback font rejects.
    left, top, right, bottom = font.getbbox(text)
    draw.text(
        (round(cx - (left + right) / 2), round(cy - (top + bottom) / 2)), text, font=font, fill=fill
    )


def _draw_rotated(
    image: Image.Image, x: int, bottom: int, text: str, font: Font, fill: RGB
) -> None:
    """Draw ``text`` reading bottom to top, its left side at ``x`` and its start at ``bottom``."""
    left, top, right, low = (int(v) for v in font.getbbox(text))
    if right <= left:
        return  # nothing visible, and Pillow cannot rotate an empty image
    mask = Image.new("L", (right - left, low - top), 0)
    ImageDraw.Draw(mask).text((-left, -top), text, font=font, fill=255)
    mask = mask.rotate(90, expand=True)
    image.paste(fill, (x, bottom - mask.height, x + mask.width, bottom), mask)


def _number_font(cell: int) -> Font | None:
    """The largest font whose ``0.00`` fits a cell with a margin, or None if none is readable."""
    for size in range(min(NUMBER_PX, round(cell * 0.42)), MIN_NUMBER_PX - 1, -1):
        font = _font(size)
        width, height = _text_size(font, "0.00")
        if width <= cell - 6 and height <= cell - 4:
            return font
    return None


@dataclass(frozen=True)
class _Layout:
    """Where everything goes, computed once so the drawing functions only draw."""

    cell: int
    label_font: Font
    number_font: Font | None
    title_font: Font
    rotate_cols: bool
    title_h: int
    col_label_h: int
    row_label_w: int
    bar_block_w: int
    width: int
    height: int

    @property
    def grid_x(self) -> int:
        return PAD + self.row_label_w + GAP

    @property
    def grid_y(self) -> int:
        return PAD + self.title_h + self.col_label_h + GAP


def _layout(matrix: WinRateMatrix, title: str, cell: int) -> _Layout:
    n_rows, n_cols = len(matrix.rows), len(matrix.cols)
    cell = max(MIN_CELL, min(cell, MAX_GRID_PX // max(n_rows, n_cols, 1)))
    # Labels must not be taller than the cell they name, or neighbours overlap.
    label_font = _font(min(LABEL_PX, cell - 2))
    title_font, bar_font = _font(TITLE_PX), _font(LABEL_PX)
    col_sizes = [_text_size(label_font, c) for c in matrix.cols] or [(0, 0)]
    rotate_cols = max(w for w, _ in col_sizes) > cell - 4
    col_label_h = max(w if rotate_cols else h for w, h in col_sizes)
    row_label_w = max((_text_size(label_font, r)[0] for r in matrix.rows), default=0)
    title_h = _text_size(title_font, title)[1] + GAP if title else 0
    tick_w = max(_text_size(bar_font, text)[0] for _, text in (*BAR_TICKS, (0, "no games")))
    bar_block_w = BAR_WIDTH + 4 + tick_w
    grid_w, grid_h = n_cols * cell, n_rows * cell
    body_w = PAD + row_label_w + GAP + grid_w + 2 * GAP + bar_block_w + PAD
    title_w = 2 * PAD + _text_size(title_font, title)[0] if title else 0
    body_h = BAR_ABOVE + _bar_height(grid_h) + BAR_BELOW
    return _Layout(
        cell=cell,
        label_font=label_font,
        number_font=_number_font(cell),
        title_font=title_font,
        rotate_cols=rotate_cols,
        title_h=title_h,
        col_label_h=col_label_h,
        row_label_w=row_label_w,
        bar_block_w=bar_block_w,
        width=max(body_w, title_w),
        height=PAD + title_h + col_label_h + GAP + body_h + PAD,
    )


def _draw_labels(image: Image.Image, matrix: WinRateMatrix, lay: _Layout) -> None:
    draw = ImageDraw.Draw(image)
    for j, col in enumerate(matrix.cols):
        cx = lay.grid_x + j * lay.cell + lay.cell / 2
        if lay.rotate_cols:
            _, height = _text_size(lay.label_font, col)
            _draw_rotated(image, round(cx - height / 2), lay.grid_y - GAP, col, lay.label_font, INK)
        else:
            cy = lay.grid_y - GAP - lay.col_label_h / 2
            _draw_centred(draw, cx, cy, col, lay.label_font, INK)
    for i, row in enumerate(matrix.rows):
        width, _ = _text_size(lay.label_font, row)
        cy = lay.grid_y + i * lay.cell + lay.cell / 2
        # Right-aligned against the grid, so every label sits next to its own row.
        _draw_centred(draw, lay.grid_x - GAP - width / 2, cy, row, lay.label_font, INK)


def _draw_cells(draw: ImageDraw.ImageDraw, matrix: WinRateMatrix, lay: _Layout) -> None:
    # A 1-px background gap between cells keeps equal neighbours apart.
    inset = 1 if lay.cell >= 16 else 0
    for i in range(len(matrix.rows)):
        for j in range(len(matrix.cols)):
            score = float(matrix.scores[i, j])
            x0, y0 = lay.grid_x + j * lay.cell, lay.grid_y + i * lay.cell
            colour = score_colour(score)
            draw.rectangle(
                (x0, y0, x0 + lay.cell - 1 - inset, y0 + lay.cell - 1 - inset), fill=colour
            )
            if lay.number_font is not None and not math.isnan(score):
                cx, cy = x0 + (lay.cell - inset) / 2, y0 + (lay.cell - inset) / 2
                _draw_centred(draw, cx, cy, f"{score:.2f}", lay.number_font, text_colour(colour))


def _draw_colour_bar(draw: ImageDraw.ImageDraw, matrix: WinRateMatrix, lay: _Layout) -> None:
    font = _font(LABEL_PX)
    x0 = lay.grid_x + len(matrix.cols) * lay.cell + 2 * GAP
    y0 = lay.grid_y + BAR_ABOVE
    height = _bar_height(len(matrix.rows) * lay.cell)
    for k in range(height):
        draw.line((x0, y0 + k, x0 + BAR_WIDTH - 1, y0 + k), fill=score_colour(1 - k / (height - 1)))
    draw.rectangle((x0, y0, x0 + BAR_WIDTH - 1, y0 + height - 1), outline=MUTED)
    for value, text in BAR_TICKS:
        y = y0 + round((1 - value) * (height - 1))
        draw.line((x0 + BAR_WIDTH, y, x0 + BAR_WIDTH + 3, y), fill=INK)
        _, text_h = _text_size(font, text)
        left, top, _, _ = font.getbbox(text)
        draw.text((x0 + BAR_WIDTH + 6 - left, y - top - text_h // 2), text, font=font, fill=INK)
    y = y0 + height + LABEL_PX
    draw.rectangle((x0, y, x0 + BAR_WIDTH - 1, y + LABEL_PX - 1), fill=NAN_GREY)
    _draw_centred(
        draw,
        x0 + BAR_WIDTH + 6 + _text_size(font, "no games")[0] / 2,
        y + LABEL_PX / 2,
        "no games",
        font,
        MUTED,
    )


def heatmap_image(matrix: WinRateMatrix, title: str = "", cell: int = 44) -> np.ndarray:
    """Draw the matrix as a heatmap: title, column labels on top, row labels left, colour bar.

    Each cell shows the row player's score with two decimals in black or white, whichever
    contrasts with the cell. For big matrices the cells shrink (down to :data:`MIN_CELL`
    pixels) so the grid stays within about :data:`MAX_GRID_PX` pixels, and the numbers are
    left out once they would be too small to read; labels are always drawn. Column labels are
    rotated to read bottom to top when they are wider than a cell.

    :param matrix: the win-rate matrix; 0 rows or columns give an image with no cells.
    :param title: a line drawn above the matrix; nothing is drawn for ``""``.
    :param cell: the largest side of a cell in pixels.
    :return: an RGB image, shape (height, width, 3), dtype uint8.
    :raises ValueError: if ``cell`` is smaller than :data:`MIN_CELL`.
    """
    if cell < MIN_CELL:
        raise ValueError(f"cell must be at least {MIN_CELL} pixels, got {cell}")
    lay = _layout(matrix, title, cell)
    image = Image.new("RGB", (lay.width, lay.height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    if title:
        left, top, _, _ = lay.title_font.getbbox(title)
        draw.text((PAD - left, PAD - top), title, font=lay.title_font, fill=INK)
    _draw_labels(image, matrix, lay)
    _draw_cells(draw, matrix, lay)
    _draw_colour_bar(draw, matrix, lay)
    return np.asarray(image, dtype=np.uint8).copy()


# What a file name's suffix asks for, in Pillow's format names (Pillow draws rasters: no SVG).
IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".pdf": "PDF"}


def save_heatmap(matrix: WinRateMatrix, path: Path, title: str = "") -> Path:
    """Write the heatmap in the format its suffix names, atomically: a reader never sees a
    half-written file.

    :param matrix: the win-rate matrix.
    :param path: the file's path, ending in one of :data:`IMAGE_FORMATS`; its folder must exist.
    :param title: a line drawn above the matrix.
    :return: ``path``.
    :raises ValueError: for a suffix not in :data:`IMAGE_FORMATS`.
    """
    path = Path(path)
    image_format = IMAGE_FORMATS.get(path.suffix.lower())
    if image_format is None:
        raise ValueError(f"cannot write a heatmap as {path.suffix or 'a file without suffix'}")
    buffer = io.BytesIO()
    Image.fromarray(heatmap_image(matrix, title)).save(buffer, format=image_format)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def _escape(text: str) -> str:
    # A "|" in an id would end the markdown cell early.
    return text.replace("|", "\\|")


def markdown_table(
    matrix: WinRateMatrix,
    empty: str = "—",
    ratings: Mapping[str, float] | None = None,
    nash: Mapping[str, float] | None = None,
) -> str:
    """The matrix as a markdown table, cells like ``0.75 (32)``: score and number of games.

    :param matrix: the win-rate matrix.
    :param empty: what a cell with no games (or a player without a rating) shows.
    :param ratings: player -> rating: a column for the rows' and a last row for the columns'.
    :param nash: player -> weight in the Nash equilibrium of the meta-game (0 outside its
        support), shown the same way; players outside the meta-game (the CPU) show ``empty``.
    :return: the table, lines joined by newlines.
    """
    extra = [(name, values) for name, values in (("rating", ratings), ("Nash", nash)) if values]

    def value(values: Mapping[str, float], player: str, name: str) -> str:
        if player not in values:
            return empty
        return f"{values[player]:.0f}" if name == "rating" else f"{values[player]:.2f}"

    lines = [
        "| | " + " | ".join(_escape(c) for c in [*matrix.cols, *(n for n, _ in extra)]) + " |",
        "|---|" + "---:|" * (len(matrix.cols) + len(extra)),
    ]
    for i, row in enumerate(matrix.rows):
        cells = [
            empty if np.isnan(s) else f"{s:.2f} ({g})"
            for s, g in zip(matrix.scores[i], matrix.games[i], strict=True)
        ]
        cells += [value(values, row, name) for name, values in extra]
        lines.append(f"| {_escape(row)} | " + " | ".join(cells) + " |")
    for name, values in extra:
        cells = [value(values, col, name) for col in matrix.cols] + [""] * len(extra)
        lines.append(f"| *{name}* | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def log_heatmap(
    writer: ImageTextWriter,
    tag: str,
    matrix: WinRateMatrix,
    step: int,
    title: str = "",
    ratings: Mapping[str, float] | None = None,
    nash: Mapping[str, float] | None = None,
) -> None:
    """Log the heatmap under ``tag`` and the markdown table under ``tag + "_table"``.

    The table carries the game counts the picture leaves out (and the ratings and Nash weights
    when given), under ``title``; TensorBoard shows it in its Text tab.

    :param writer: a ``torch.utils.tensorboard.SummaryWriter`` (or anything with its
        ``add_image`` and ``add_text``).
    :param tag: the image's tag, e.g. ``"league/win_rate"``.
    :param matrix: the win-rate matrix.
    :param step: the global step to log at.
    :param title: a line drawn above the matrix.
    :param ratings: see :func:`markdown_table`.
    :param nash: see :func:`markdown_table`.
    """
    writer.add_image(tag, heatmap_image(matrix, title), step, dataformats="HWC")
    table = markdown_table(matrix, ratings=ratings, nash=nash)
    writer.add_text(tag + "_table", f"{title}\n\n{table}" if title else table, step)
