"""The win-rate heatmap: image size and colours, the PNG file and the TensorBoard logging."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFont

from league import heatmap
from league.heatmap import (
    NAN_GREY,
    heatmap_image,
    log_heatmap,
    markdown_table,
    save_heatmap,
    score_colour,
    text_colour,
)
from league.matrix import WinRateMatrix


def synthetic(n_rows: int, n_cols: int, seed: int = 0) -> WinRateMatrix:
    """A matrix with league-style ids, random scores and one pair that never played."""
    rng = np.random.default_rng(seed)
    scores = rng.random((n_rows, n_cols))
    games = rng.integers(1, 64, (n_rows, n_cols))
    if n_rows and n_cols:
        scores[0, -1], games[0, -1] = np.nan, 0
    rows = tuple(f"left-{i:04d}" for i in range(n_rows))
    cols = tuple(f"right-{i:04d}" for i in range(n_cols - 1)) + ("cpu",) * (n_cols > 0)
    return WinRateMatrix(rows, cols, scores, games)


def count(image: np.ndarray, colour: tuple[int, int, int]) -> int:
    return int(np.all(image == np.array(colour, dtype=np.uint8), axis=-1).sum())


def test_image_is_rgb_uint8() -> None:
    image = heatmap_image(synthetic(3, 4), title="step 100")
    assert image.dtype == np.uint8
    assert image.ndim == 3 and image.shape[2] == 3


def test_image_grows_with_rows_and_cols() -> None:
    shapes = [heatmap_image(synthetic(n, n + 1)).shape for n in (2, 6, 12)]
    assert shapes[0][0] < shapes[1][0] < shapes[2][0]
    assert shapes[0][1] < shapes[1][1] < shapes[2][1]
    few_rows, more_rows = heatmap_image(synthetic(6, 3)), heatmap_image(synthetic(10, 3))
    assert more_rows.shape[0] > few_rows.shape[0] and more_rows.shape[1] == few_rows.shape[1]
    few_cols, more_cols = heatmap_image(synthetic(3, 6)), heatmap_image(synthetic(3, 10))
    assert more_cols.shape[1] > few_cols.shape[1] and more_cols.shape[0] == few_cols.shape[0]


def test_a_long_title_widens_the_image() -> None:
    matrix = synthetic(1, 1)
    assert heatmap_image(matrix, title="x" * 80).shape[1] > heatmap_image(matrix).shape[1]


def test_diverging_scale() -> None:
    red, neutral, blue = score_colour(0.0), score_colour(0.5), score_colour(1.0)
    assert red != blue
    assert red[0] > red[2] and blue[2] > blue[0]
    assert min(neutral) > 230  # even is light, so it reads as "nothing to see"
    assert score_colour(float("nan")) == NAN_GREY
    assert score_colour(-0.5) == red and score_colour(2.0) == blue
    # The numbers stay readable: white on the dark ends, black on the light middle.
    assert text_colour(red) != text_colour(neutral)
    assert text_colour(blue) != text_colour(neutral)


def test_cells_are_coloured_by_score_and_nan_is_grey_without_number() -> None:
    cell = 44
    with_nan = WinRateMatrix(("left-0000",), ("a", "b", "c"), [[1.0, 0.0, np.nan]], [[4, 4, 0]])
    without = WinRateMatrix(("left-0000",), ("a", "b", "c"), [[1.0, 0.0, 1.0]], [[4, 4, 4]])
    image = heatmap_image(with_nan, cell=cell)
    # Most of each cell is its fill colour; the rest is the printed number.
    assert count(image, score_colour(1.0)) > cell * cell // 2
    assert count(image, score_colour(0.0)) > cell * cell // 2
    # (The twin's third cell is blue, not neutral: black anti-aliased text on a light cell can
    # hit the grey exactly.)
    # The NaN cell is the only grey difference (the legend swatch is in both), and all of it
    # is grey: no number drawn on it. The cell is one pixel short of ``cell`` for the grid gap.
    grey_cell = count(image, NAN_GREY) - count(heatmap_image(without, cell=cell), NAN_GREY)
    assert grey_cell == (cell - 1) ** 2


def test_numbers_are_printed_in_cells() -> None:
    matrix = WinRateMatrix(("left-0000",), ("cpu",), [[1.0]], [[4]])
    image = heatmap_image(matrix)
    # White text on the dark blue cell: the only white pixels inside the blue square.
    ys, xs = np.nonzero(np.all(image == np.array(score_colour(1.0), dtype=np.uint8), axis=-1))
    inside = image[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    assert count(inside, (255, 255, 255)) > 10


@pytest.mark.parametrize(("n_rows", "n_cols"), [(0, 0), (1, 1), (30, 31), (40, 40)])
def test_renders_any_size(n_rows: int, n_cols: int) -> None:
    image = heatmap_image(synthetic(n_rows, n_cols), title=f"{n_rows}x{n_cols}")
    assert image.shape[0] > 50 and image.shape[1] > 50
    # Big leagues shrink their cells instead of producing a huge image.
    assert image.shape[0] < 1200 and image.shape[1] < 1300


def test_cell_too_small_is_refused() -> None:
    with pytest.raises(ValueError, match="cell"):
        heatmap_image(synthetic(2, 2), cell=4)


def test_falls_back_to_the_bitmap_font(monkeypatch: pytest.MonkeyPatch) -> None:
    bitmap = ImageFont.load_default_imagefont()

    def no_scalable_font(size: float | None = None) -> ImageFont.ImageFont:
        if size is not None:
            raise OSError("no FreeType")
        return bitmap

    monkeypatch.setattr(heatmap.ImageFont, "load_default", no_scalable_font)
    image = heatmap_image(synthetic(6, 7), title="bitmap font")
    assert image.dtype == np.uint8 and image.shape[0] > 100


def test_save_png_writes_atomically_and_reads_back(tmp_path: Path) -> None:
    matrix = synthetic(6, 7)
    path = save_heatmap(matrix, tmp_path / "win_rate.png", title="step 100")
    assert path == tmp_path / "win_rate.png"
    expected = heatmap_image(matrix, title="step 100")
    with Image.open(path) as png:
        assert png.format == "PNG"
        assert png.size == (expected.shape[1], expected.shape[0])
        assert np.array_equal(np.asarray(png.convert("RGB")), expected)
    assert [p.name for p in tmp_path.iterdir()] == ["win_rate.png"]  # no temp file left


@pytest.mark.parametrize(
    ("name", "magic"),
    [("m.jpg", b"\xff\xd8\xff"), ("m.JPEG", b"\xff\xd8\xff"), ("m.pdf", b"%PDF")],
)
def test_the_suffix_names_the_format(tmp_path: Path, name: str, magic: bytes) -> None:
    path = save_heatmap(synthetic(3, 4), tmp_path / name)
    assert path.read_bytes().startswith(magic)


@pytest.mark.parametrize("name", ["m.svg", "m.gif", "m"])
def test_a_format_pillow_does_not_write_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="cannot write a heatmap"):
        save_heatmap(synthetic(3, 4), tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_markdown_table() -> None:
    matrix = WinRateMatrix(
        ("left-0000", "left-0001"),
        ("right-0000", "cpu"),
        [[0.75, np.nan], [0.5, 1.0]],
        [[32, 0], [4, 2]],
    )
    assert markdown_table(matrix).splitlines() == [
        "| | right-0000 | cpu |",
        "|---|---:|---:|",
        "| left-0000 | 0.75 (32) | — |",
        "| left-0001 | 0.50 (4) | 1.00 (2) |",
    ]


def test_markdown_table_with_ratings_and_nash_weights() -> None:
    matrix = WinRateMatrix(
        ("left-0000", "left-0001"),
        ("right-0000", "cpu"),
        [[0.75, np.nan], [0.5, 1.0]],
        [[32, 0], [4, 2]],
    )
    ratings = {"left-0000": 1012.4, "left-0001": 1230.6, "right-0000": 987.0, "cpu": 1000.0}
    nash = {"left-0000": 0.0, "left-0001": 1.0, "right-0000": 1.0}
    assert markdown_table(matrix, ratings=ratings, nash=nash).splitlines() == [
        "| | right-0000 | cpu | rating | Nash |",
        "|---|---:|---:|---:|---:|",
        "| left-0000 | 0.75 (32) | — | 1012 | 0.00 |",
        "| left-0001 | 0.50 (4) | 1.00 (2) | 1231 | 1.00 |",
        "| *rating* | 987 | 1000 |  |  |",
        "| *Nash* | 1.00 | — |  |  |",
    ]


def test_log_heatmap_writes_image_and_text(tmp_path: Path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from torch.utils.tensorboard import SummaryWriter

    matrix = synthetic(6, 7)
    height, width, _ = heatmap_image(matrix, title="step 7").shape
    writer = SummaryWriter(str(tmp_path))
    try:
        log_heatmap(writer, "league/win_rate", matrix, step=7, title="step 7")
    finally:
        writer.close()

    events = EventAccumulator(str(tmp_path), size_guidance={"images": 0, "tensors": 0})
    events.Reload()
    assert "league/win_rate" in events.Tags()["images"]
    (image,) = events.Images("league/win_rate")
    assert (image.step, image.width, image.height) == (7, width, height)

    text_tags = [t for t in events.Tags()["tensors"] if t.startswith("league/win_rate_table")]
    assert len(text_tags) == 1
    assert events.SummaryMetadata(text_tags[0]).plugin_data.plugin_name == "text"
    (text,) = events.Tensors(text_tags[0])
    assert text.step == 7
    assert text.tensor_proto.string_val[0].decode() == "step 7\n\n" + markdown_table(matrix)
