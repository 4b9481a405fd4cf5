"""What a side sees: its own view of the state, mirrored so that every side defends the left goal.

``coords``: per frame 6 floats ``[ball_x, ball_y, own_paddle_y, opponent_paddle_y, ball_vx,
ball_vy]`` with ``x' = 2x/width - 1``, ``y' = 2y/height - 1`` (paddle positions are paddle
centres) and velocities divided by ``ball_speed``. For the right side x and vx are negated, which
is the mirror image: a policy trained on one side plays the other unchanged.

``pixels``: an 84x84 grayscale image of the mirrored court.

The last K frames are stacked oldest first; at reset the stack is filled with the first frame.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from envs.engine import (
    BX,
    BY,
    LY,
    P_BALL_MAX,
    P_BALL_SPEED,
    P_H,
    P_MARGIN,
    P_PH_L,
    P_PH_R,
    P_PW,
    P_R,
    P_W,
    RY,
    VX,
    VY,
)

FRAME_SIZE = 6
PIXELS = 84
LEFT, RIGHT = 0, 1
OBS_MODES = ("coords", "pixels")


@njit(cache=True, error_model="numpy")
def _write_frame(s: np.ndarray, b: int, p: np.ndarray, side: int, out: np.ndarray, o: int) -> None:
    w, h = p[P_W], p[P_H]
    x, vx = s[b, BX], s[b, VX]
    own_y, own_h, opp_y, opp_h = s[b, LY], p[P_PH_L], s[b, RY], p[P_PH_R]
    if side == RIGHT:
        x, vx = w - x, -vx
        own_y, own_h, opp_y, opp_h = opp_y, opp_h, own_y, own_h
    out[o] = 2.0 * x / w - 1.0
    out[o + 1] = 2.0 * s[b, BY] / h - 1.0
    out[o + 2] = 2.0 * (own_y + own_h / 2.0) / h - 1.0
    out[o + 3] = 2.0 * (opp_y + opp_h / 2.0) / h - 1.0
    out[o + 4] = vx / p[P_BALL_SPEED]
    out[o + 5] = s[b, VY] / p[P_BALL_SPEED]


@njit(cache=True, error_model="numpy")
def push_coords(s: np.ndarray, p: np.ndarray, side: int, stack: np.ndarray, fill: bool) -> None:
    """Append each game's newest frame to its row of ``stack`` (B, 6K), dropping the oldest.

    :param fill: write the frame into every slot (at reset) instead of shifting.
    """
    size = stack.shape[1]
    for b in range(s.shape[0]):
        row = stack[b]
        if fill:
            _write_frame(s, b, p, side, row, 0)
            for o in range(FRAME_SIZE, size):
                row[o] = row[o - FRAME_SIZE]
        else:
            for o in range(size - FRAME_SIZE):
                row[o] = row[o + FRAME_SIZE]
            _write_frame(s, b, p, side, row, size - FRAME_SIZE)


@njit(cache=True, error_model="numpy")
def _fill_rect(img: np.ndarray, x0: float, y0: float, x1: float, y1: float, sx: float, sy: float):
    n = img.shape[0]
    # At least one pixel each way, so that a paddle or ball never vanishes when scaled down.
    c0 = min(max(int(x0 * sx), 0), n - 1)
    c1 = min(max(int(x1 * sx), c0 + 1), n)
    r0 = min(max(int(y0 * sy), 0), n - 1)
    r1 = min(max(int(y1 * sy), r0 + 1), n)
    img[r0:r1, c0:c1] = 255


@njit(cache=True, error_model="numpy")
def draw_pixels(s: np.ndarray, b: int, p: np.ndarray, side: int, img: np.ndarray) -> None:
    """Draw game b from ``side``'s mirrored view into the square uint8 image ``img``."""
    w, h, r = p[P_W], p[P_H], p[P_R]
    sx, sy = img.shape[1] / w, img.shape[0] / h
    img[:, :] = 0
    own_y, own_h, opp_y, opp_h = s[b, LY], p[P_PH_L], s[b, RY], p[P_PH_R]
    x = s[b, BX]
    if side == RIGHT:
        x = w - x
        own_y, own_h, opp_y, opp_h = opp_y, opp_h, own_y, own_h
    face = p[P_MARGIN]
    _fill_rect(img, face - p[P_PW], own_y, face, own_y + own_h, sx, sy)
    _fill_rect(img, w - face, opp_y, w - face + p[P_PW], opp_y + opp_h, sx, sy)
    y = s[b, BY]
    _fill_rect(img, x - r, y - r, x + r, y + r, sx, sy)


@njit(cache=True, error_model="numpy")
def push_pixels(s: np.ndarray, p: np.ndarray, side: int, stack: np.ndarray, fill: bool) -> None:
    """Like :func:`push_coords` for a (B, K, 84, 84) uint8 stack of images."""
    k = stack.shape[1]
    for b in range(s.shape[0]):
        if fill:
            draw_pixels(s, b, p, side, stack[b, 0])
            for i in range(1, k):
                stack[b, i] = stack[b, 0]
        else:
            for i in range(k - 1):
                stack[b, i] = stack[b, i + 1]
            draw_pixels(s, b, p, side, stack[b, k - 1])


def coords_bounds(params: np.ndarray, frame_stack: int) -> tuple[np.ndarray, np.ndarray]:
    """Low and high of a coords observation: positions may step a little past the court."""
    v = params[P_BALL_MAX] / params[P_BALL_SPEED]
    high = np.tile(np.array([2.0, 2.0, 2.0, 2.0, v, v], dtype=np.float32), frame_stack)
    return -high, high
