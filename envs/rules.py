"""The rules of the game: one frozen dataclass holding every figure, and named presets.

``seed`` is the article's game exactly as ``docs/SEED_RULES.md`` states it. ``classic`` (the
default) is a game where skill decides: the rebound angle depends on where the ball meets the
paddle and the ball speeds up on every hit, so a paddle that only follows the ball can be beaten by
one that aims with its edge.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

SERVES = ("aim_paddle", "random_angle")
SCORINGS = ("touched", "always")
COLLISIONS = ("discrete", "swept")
PADDLE_BOUNDS = ("skip", "clamp")


@dataclass(frozen=True)
class Rules:
    """Every figure of the game. Lengths are pixels, speeds pixels per step, angles degrees.

    :param width: court width.
    :param height: court height (y grows downward, origin top-left).
    :param paddle_width: paddle thickness.
    :param paddle_height: left paddle height (and the right one's unless ``right_paddle_height``).
    :param paddle_margin: distance from a side wall to that side's paddle face.
    :param paddle_speed: left paddle move per step (and the right one's unless overridden).
    :param right_paddle_height: right paddle height; ``None`` means the same as the left.
    :param right_paddle_speed: right paddle speed; ``None`` means the same as the left.
    :param cpu_speed: move per step of the scripted ball-following CPU.
    :param cpu_loose_bounds: the CPU may stand up to one move outside the court (the article's).
    :param ball_radius: ball radius.
    :param ball_speed: serve speed, and the unit of the velocity observations.
    :param ball_speed_max: speed cap; hits speed the ball up by ``ball_speedup`` up to this.
    :param ball_speedup: factor applied to the ball speed on every paddle hit.
    :param max_bounce_angle: rebound angle (from the horizontal) of a ball that meets the paddle's
        very edge; 0 keeps the angle, as in the article.
    :param bounce_carry: share of the incoming angle kept on a hit (1 = the edge adds to the
        incoming angle, 0 = only where the ball meets the paddle counts).
    :param serve: ``"aim_paddle"`` (from the centre at a random point of a random paddle) or
        ``"random_angle"`` (from the centre to a random side within ``serve_angle``).
    :param serve_angle: largest serve angle from the horizontal for ``"random_angle"``.
    :param paddle_jump: both paddles jump to random integer positions at every serve.
    :param scoring: ``"touched"`` (a miss scores only if the other side touched the ball in the
        rally) or ``"always"``.
    :param collisions: ``"discrete"`` (the article's overlap test after the move) or ``"swept"``
        (along the ball's path, so a fast ball never passes through a paddle or a wall).
    :param paddle_bounds: a move past the court edge is ``"skip"``-ped whole or ``"clamp"``-ed.
    :param points_to_win: points that end a game.
    :param max_steps: steps after which a game is truncated (a draw); ``None`` for no limit.
    :param hit_reward: shaping reward to the paddle that hits the ball.
    """

    width: float = 800.0
    height: float = 400.0
    paddle_width: float = 10.0
    paddle_height: float = 70.0
    paddle_margin: float = 30.0
    paddle_speed: float = 8.0
    right_paddle_height: float | None = None
    right_paddle_speed: float | None = None
    cpu_speed: float = 6.0
    cpu_loose_bounds: bool = False
    ball_radius: float = 8.0
    ball_speed: float = 12.0
    ball_speed_max: float = 24.0
    ball_speedup: float = 1.05
    max_bounce_angle: float = 60.0
    bounce_carry: float = 1.0
    serve: str = "random_angle"
    serve_angle: float = 30.0
    paddle_jump: bool = False
    scoring: str = "always"
    collisions: str = "swept"
    paddle_bounds: str = "clamp"
    points_to_win: int = 11
    max_steps: int | None = 20_000
    hit_reward: float = 0.0

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def left_height(self) -> float:
        return self.paddle_height

    @property
    def right_height(self) -> float:
        return self.paddle_height if self.right_paddle_height is None else self.right_paddle_height

    @property
    def right_speed(self) -> float:
        return self.paddle_speed if self.right_paddle_speed is None else self.right_paddle_speed

    def replace(self, **overrides: Any) -> Rules:
        """A copy with some fields changed, validated like any other."""
        _check_names(overrides)
        return dataclasses.replace(self, **overrides)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def params(self) -> np.ndarray:
        """The rules as the flat float64 vector the compiled engine reads (see ``engine.P_*``)."""
        return np.array(
            [
                self.width,
                self.height,
                self.paddle_width,
                self.paddle_margin,
                self.left_height,
                self.right_height,
                self.paddle_speed,
                self.right_speed,
                self.cpu_speed,
                float(self.cpu_loose_bounds),
                self.ball_radius,
                self.ball_speed,
                self.ball_speed_max,
                self.ball_speedup,
                math.radians(self.max_bounce_angle),
                self.bounce_carry,
                float(SERVES.index(self.serve)),
                math.radians(self.serve_angle),
                float(self.paddle_jump),
                float(SCORINGS.index(self.scoring)),
                float(COLLISIONS.index(self.collisions)),
                float(PADDLE_BOUNDS.index(self.paddle_bounds)),
                float(self.points_to_win),
                float(self.max_steps or 0),
                self.hit_reward,
            ],
            dtype=np.float64,
        )


def rules(name: str = "classic", **overrides: Any) -> Rules:
    """The preset ``name`` with ``overrides`` applied, validated.

    :param name: ``"classic"`` (the default) or ``"seed"`` (the article's game).
    :param overrides: any ``Rules`` field, e.g. ``points_to_win=5``.
    :raises ValueError: unknown preset or field, or a value out of its allowed range.
    """
    if name not in PRESETS:
        raise ValueError(f"unknown rules preset {name!r}; choose one of: {', '.join(PRESETS)}")
    return PRESETS[name].replace(**overrides)


def _check_names(overrides: dict[str, Any]) -> None:
    known = {f.name for f in fields(Rules)}
    for key in overrides:
        if key not in known:
            raise ValueError(
                f"unknown rules field {key!r}; known fields: {', '.join(sorted(known))}"
            )


# What each field's annotation admits (a bool is no number here, though Python's bool is an int).
_KINDS: dict[str, tuple[type, ...]] = {"float": (int, float), "int": (int,), "bool": (bool,)}
_KINDS["str"] = (str,)
_KIND_NAMES = {"float": "a number", "int": "an integer", "bool": "true or false", "str": "a name"}


def _validate(r: Rules) -> None:
    def need(ok: bool, field: str, allowed: str) -> None:
        if not ok:
            raise ValueError(
                f"rules field {field}={getattr(r, field)!r} is out of range: {allowed}"
            )

    for f in fields(Rules):  # types first: a string where a number goes fails here, in one line
        value = getattr(r, f.name)
        kind, _, optional = str(f.type).partition(" | ")
        if value is None and optional:
            continue
        if not isinstance(value, _KINDS[kind]) or (kind != "bool" and isinstance(value, bool)):
            raise ValueError(f"rules field {f.name}={value!r} must be {_KIND_NAMES[kind]}")

    for field in ("width", "height", "paddle_width", "paddle_height", "ball_radius"):
        need(getattr(r, field) > 0, field, "must be > 0")
    for field in ("paddle_speed", "cpu_speed", "ball_speed"):
        need(getattr(r, field) > 0, field, "must be > 0")
    need(r.right_paddle_speed is None or r.right_paddle_speed > 0, "right_paddle_speed", "> 0")
    for field, height in (
        ("paddle_height", r.paddle_height),
        ("right_paddle_height", r.right_height),
    ):
        need(0 < height < r.height, field, f"must be > 0 and < height ({r.height:g})")
    need(
        r.paddle_width <= r.paddle_margin < r.width / 2 - r.ball_radius,
        "paddle_margin",
        f"must be >= paddle_width ({r.paddle_width:g}) and < width/2 - ball_radius",
    )
    need(2 * r.ball_radius < r.height, "ball_radius", f"must be < height/2 ({r.height / 2:g})")
    need(r.ball_speed_max >= r.ball_speed, "ball_speed_max", f">= ball_speed ({r.ball_speed:g})")
    need(r.ball_speedup >= 1.0, "ball_speedup", "must be >= 1")
    need(0.0 <= r.max_bounce_angle < 90.0, "max_bounce_angle", "must be in [0, 90) degrees")
    need(0.0 <= r.bounce_carry <= 1.0, "bounce_carry", "must be in [0, 1]")
    need(0.0 <= r.serve_angle < 90.0, "serve_angle", "must be in [0, 90) degrees")
    need(r.serve in SERVES, "serve", f"one of {', '.join(SERVES)}")
    need(r.scoring in SCORINGS, "scoring", f"one of {', '.join(SCORINGS)}")
    need(r.collisions in COLLISIONS, "collisions", f"one of {', '.join(COLLISIONS)}")
    need(r.paddle_bounds in PADDLE_BOUNDS, "paddle_bounds", f"one of {', '.join(PADDLE_BOUNDS)}")
    need(isinstance(r.points_to_win, int) and r.points_to_win >= 1, "points_to_win", "integer >= 1")
    need(
        r.max_steps is None or (isinstance(r.max_steps, int) and r.max_steps >= 1),
        "max_steps",
        "None or an integer >= 1",
    )
    need(math.isfinite(r.hit_reward), "hit_reward", "must be a finite number")


PRESETS: dict[str, Rules] = {
    "classic": Rules(),
    "seed": Rules(
        cpu_speed=8.0,
        ball_radius=10.0,
        ball_speed=10.0,
        ball_speed_max=10.0,
        ball_speedup=1.0,
        max_bounce_angle=0.0,
        bounce_carry=1.0,
        cpu_loose_bounds=True,
        serve="aim_paddle",
        paddle_jump=True,
        scoring="touched",
        collisions="discrete",
        paddle_bounds="skip",
        points_to_win=21,
        max_steps=None,
    ),
}
