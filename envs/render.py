"""Drawing the game with pygame, apart from the physics: a state row in, pixels out.

:class:`Renderer` paints one game's state row (see ``envs.engine``) onto an off-screen surface
and returns it as an RGB array: the court, with the score and the players' names in a band above
it, where the ball never goes. It needs no display, so replays and ``rgb_array`` rendering work
on a headless machine; it also draws the title cards shown between the games of a replay, with
a :class:`CardPainter`, which draws them at any size (a PettingZoo env's frames).
:class:`Window` shows the same drawing in a real window and reads the keyboard, for watching a
game live and, later, for playing against a snapshot.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# pygame prints a banner when imported unless told not to; setdefault keeps a user's own choice.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
import pygame  # noqa: E402

from envs.engine import BX, BY, DOWN, LY, N_FIELDS, RY, SCORE_L, SCORE_R, STAY, UP  # noqa: E402
from envs.rules import Rules  # noqa: E402

BACKGROUND = (12, 14, 20)
BAND = (26, 29, 38)  # the score band above the court
CENTRE_LINE = (70, 74, 86)
PADDLE = (235, 235, 235)
# The ball has a colour of its own (nothing else is amber), so it can be found in a frame.
BALL = (255, 196, 0)
SCORE = (200, 203, 210)
NAME = (130, 134, 146)
TITLE = (240, 240, 240)

SEATS = ("left", "right")  # the sides a card names by default: Pong's
DASH = 12  # centre-line dash length and gap, pixels
MARGIN = 6  # pixels above the score and below the names, in the band
UP_KEYS = (pygame.K_w, pygame.K_UP)
DOWN_KEYS = (pygame.K_s, pygame.K_DOWN)


def prepare_sdl() -> bool:
    """Fall back to SDL's dummy video and audio drivers when there is no display to use.

    Call before ``pygame.display.init``. It changes nothing when a display is set, when
    ``SDL_VIDEODRIVER`` is already chosen, or off Linux/BSD (macOS and Windows have a display
    without a ``DISPLAY`` variable), so a real window is never broken.

    :return: whether the dummy drivers were chosen.
    """
    has_display = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    x11_platform = sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd"))
    if has_display or "SDL_VIDEODRIVER" in os.environ or not x11_platform:
        return False
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    return True


def _span(a: float, b: float) -> tuple[int, int]:
    """Pixel start and length of the interval [a, b), rounding both ends the same way."""
    start = round(a)
    return start, max(round(b) - start, 1)


def _fit(font: pygame.font.Font, text: str, width: int) -> str:
    """``text``, shortened with ".." until it fits in ``width`` pixels."""
    if font.size(text)[0] <= width:
        return text
    while text and font.size(text + "..")[0] > width:
        text = text[:-1]
    return text + ".."


class Renderer:
    """Draws a game's state row as an RGB image: the court, and above it a band with the score.

    The band holds each side's points and, under them, the player's name; the court below it is
    where the ball and the paddles are drawn, clipped to it, so the ball never hides the score.
    Everything that does not move (background, band, centre line, names) is drawn once into a
    backdrop, and score digits are rendered once per value, so a frame is one blit, a few
    rectangles and a circle.

    :param rules: the rules; the court size in pixels and the paddle and ball sizes come from them.
    :param names: the left and the right player's names, written under their scores.
    :param reduce: :meth:`draw` and :meth:`card` return images 1/reduce as wide and as high as
        the drawing (each pixel the mean of the block it covers): 2 for a GIF's half size.
    """

    def __init__(self, rules: Rules, names: tuple[str, str] | None = None, reduce: int = 1) -> None:
        if reduce < 1:
            raise ValueError(f"reduce={reduce} must be >= 1")
        pygame.font.init()  # fonts need no display, so neither does the renderer
        self.rules = rules
        self.names = names
        self.reduce = reduce
        self._score_font, self._line_font, self._name_font = _fonts(rules.height)
        score_h, name_h = self._score_font.get_height(), self._name_font.get_height()
        self._name_top = MARGIN + score_h + 2
        # Even, so that a frame of an even court stays even (H.264's yuv420p needs even sizes).
        self.band = 2 * math.ceil((self._name_top + name_h + MARGIN) / 2)
        """Height of the score band: the court starts this many pixels from the top."""
        width, height = round(rules.width), round(rules.height)
        self.size = (width, self.band + height)
        self._surface = pygame.Surface(self.size)
        self._court = pygame.Rect(0, self.band, width, height)
        self._backdrop = self._draw_backdrop()
        self._digits: dict[int, pygame.Surface] = {}
        self._cards = CardPainter(self.size, rules.height, reduce, surface=self._surface)
        w, pw, margin = rules.width, rules.paddle_width, rules.paddle_margin
        self._left_x = _span(margin - pw, margin)
        self._right_x = _span(w - margin, w - margin + pw)

    @property
    def shape(self) -> tuple[int, int, int]:
        """The shape of a frame :meth:`draw` returns: (height, width, 3), the band included."""
        return (self.size[1] // self.reduce, self.size[0] // self.reduce, 3)

    def _draw_backdrop(self) -> pygame.Surface:
        backdrop = pygame.Surface(self.size)
        backdrop.fill(BACKGROUND)
        w = self.size[0]
        backdrop.fill(BAND, pygame.Rect(0, 0, w, self.band))
        x = w // 2 - 1
        for y in range(self._court.top + DASH // 2, self._court.bottom, 2 * DASH):
            backdrop.fill(CENTRE_LINE, pygame.Rect(x, y, 2, DASH).clip(self._court))
        if self.names is not None:
            for name, centre in zip(self.names, (w / 4, 3 * w / 4), strict=True):
                text = _fit(self._name_font, name, w // 2 - 20)
                label = self._name_font.render(text, True, NAME)
                backdrop.blit(label, label.get_rect(midtop=(round(centre), self._name_top)))
        return backdrop

    def _digit(self, score: int) -> pygame.Surface:
        if score not in self._digits:
            self._digits[score] = self._score_font.render(str(score), True, SCORE)
        return self._digits[score]

    def paint(self, row: np.ndarray) -> pygame.Surface:
        """Draw ``row`` on the renderer's own surface and return it.

        The surface is reused: it holds this frame only until the next call.

        :param row: one game's state row, shape (N_FIELDS,).
        :return: the drawn surface: the band, then the court.
        """
        if row.ndim != 1 or row.shape[0] < N_FIELDS:
            raise ValueError(f"expected one state row of {N_FIELDS} fields, got shape {row.shape}")
        r = self.rules
        s = self._surface
        s.blit(self._backdrop, (0, 0))
        w, top = self.size[0], self._court.top
        for col, centre in ((SCORE_L, w / 4), (SCORE_R, 3 * w / 4)):
            digit = self._digit(int(row[col]))
            s.blit(digit, digit.get_rect(midtop=(round(centre), MARGIN)))
        for (x, width), y_top, height in (
            (self._left_x, row[LY], r.left_height),
            (self._right_x, row[RY], r.right_height),
        ):
            y, tall = _span(top + y_top, top + y_top + height)
            # Clipped here: fill() moves a rect that starts above the surface down into it
            # instead of cutting it, and the seed CPU may stand a move outside the court.
            s.fill(PADDLE, pygame.Rect(x, y, width, tall).clip(self._court))
        # The ball last, over the centre line, and clipped to the court: never over the band.
        s.set_clip(self._court)
        centre = (round(row[BX]), top + round(row[BY]))
        pygame.draw.circle(s, BALL, centre, round(r.ball_radius))
        s.set_clip(None)
        return s

    def draw(self, row: np.ndarray) -> np.ndarray:
        """Draw ``row`` and return it as a new image.

        :param row: one game's state row, shape (N_FIELDS,).
        :return: an RGB uint8 array of shape :attr:`shape`, rows top to bottom; the court's
            point (x, y) is pixel ``[band + y, x]`` (divided by ``reduce``).
        """
        return self._array(self.paint(row))

    def card(
        self,
        title: str,
        lines: Sequence[str] = (),
        sides: tuple[str, str] | None = None,
        seats: tuple[str, str] = SEATS,
    ) -> np.ndarray:
        """A title card the size of a frame, for between the games of a replay (see
        :meth:`CardPainter.card`).

        :return: an RGB uint8 array of shape :attr:`shape`.
        """
        return self._cards.card(title, lines, sides, seats)

    def _array(self, surface: pygame.Surface) -> np.ndarray:
        return _to_array(surface, self.shape, self.reduce)


class CardPainter:
    """Draws title cards of any size: a Pong frame's, or the frames a PettingZoo env renders.

    :param size: the card's (width, height) in pixels, before ``reduce``.
    :param text_height: the height the text is scaled to (a Pong court's height; a frame's).
    :param reduce: cards are returned 1/reduce as wide and as high as drawn.
    :param surface: a surface of ``size`` to draw on (a renderer shares its own), else a new one.
    """

    def __init__(
        self,
        size: tuple[int, int],
        text_height: float,
        reduce: int = 1,
        surface: pygame.Surface | None = None,
    ) -> None:
        if reduce < 1:
            raise ValueError(f"reduce={reduce} must be >= 1")
        pygame.font.init()
        self.size = size
        self.reduce = reduce
        self.shape = (size[1] // reduce, size[0] // reduce, 3)
        """The shape of a card :meth:`card` returns: (height, width, 3)."""
        self._surface = surface if surface is not None else pygame.Surface(size)
        self._title_font, self._line_font, self._name_font = _fonts(text_height)

    def card(
        self,
        title: str,
        lines: Sequence[str] = (),
        sides: tuple[str, str] | None = None,
        seats: tuple[str, str] = SEATS,
    ) -> np.ndarray:
        """A title card.

        :param title: the first line, large (e.g. ``"game 2 of 3"``).
        :param lines: lines under it, centred: the first one medium, the others small.
        :param sides: who plays each seat: each name in its own half, under its seat's name.
        :param seats: the seats' names (Pong's ``left`` and ``right``; an env's agents).
        :return: an RGB uint8 array of shape :attr:`shape`.
        """
        s = self._surface
        s.fill(BACKGROUND)
        w, h = self.size
        fit = w - 40
        y = round(h * 0.14)
        fonts = [self._title_font, self._line_font] + [self._name_font] * len(lines)
        colours = [TITLE, SCORE] + [NAME] * len(lines)
        for text, font, colour in zip((title, *lines), fonts, colours, strict=False):
            label = font.render(_fit(font, text, fit), True, colour)
            s.blit(label, label.get_rect(midtop=(w // 2, y)))
            y += font.get_height() + 8
        if sides is not None:
            y = max(y + 16, round(h * 0.62))
            for seat, name, centre in zip(seats, sides, (w / 4, 3 * w / 4), strict=True):
                label = self._name_font.render(_fit(self._name_font, seat, w // 2 - 20), True, NAME)
                s.blit(label, label.get_rect(midtop=(round(centre), y)))
                text = _fit(self._line_font, name, w // 2 - 20)
                label = self._line_font.render(text, True, PADDLE)
                s.blit(label, label.get_rect(midtop=(round(centre), y + label.get_height())))
            s.fill(CENTRE_LINE, pygame.Rect(w // 2 - 1, y, 2, 2 * self._line_font.get_height()))
        return _to_array(s, self.shape, self.reduce)


def _fonts(height: float) -> tuple[pygame.font.Font, pygame.font.Font, pygame.font.Font]:
    """The large (score, title), medium (line) and small (name) fonts for a drawing this high."""
    return (
        pygame.font.Font(None, max(round(height / 7), 12)),
        pygame.font.Font(None, max(round(height / 11), 11)),
        pygame.font.Font(None, max(round(height / 18), 10)),
    )


def _to_array(surface: pygame.Surface, shape: tuple[int, int, int], reduce: int) -> np.ndarray:
    """``surface`` as an RGB uint8 array of ``shape``, each pixel the mean of its block."""
    if reduce > 1:
        # smoothscale averages the pixels a shrunk pixel covers; it is 3x faster than
        # reducing the array with Pillow, which converts it to its own layout and back.
        surface = pygame.transform.smoothscale(surface, shape[1::-1])
    # tobytes gives the rows in image order in one call; a bytearray keeps the array writable.
    data = bytearray(pygame.image.tobytes(surface, "RGB"))
    return np.frombuffer(data, dtype=np.uint8).reshape(shape)


@dataclass(frozen=True)
class WindowInput:
    """What the player did since the last :meth:`Window.poll`.

    :param quit: the window was closed or Escape pressed (stays true from then on).
    :param pause_toggled: Space was pressed an odd number of times.
    :param up: an up key (W or the up arrow) is held.
    :param down: a down key (S or the down arrow) is held.
    """

    quit: bool
    pause_toggled: bool
    up: bool
    down: bool

    @property
    def action(self) -> int:
        """The paddle action the held keys ask for (``STAY`` when both or neither)."""
        if self.up == self.down:
            return STAY
        return UP if self.up else DOWN


class Window:
    """A pygame window that shows game states and reads the keyboard.

    Held keys are tracked from key events rather than ``pygame.key.get_pressed`` so that
    posted events (tests, scripted input) count like real ones; they are all released when
    the window loses focus, so a key let go elsewhere does not stay held.

    :param rules: the rules; the window is the size of the court.
    :param names: the left and the right player's names.
    :param fps: frames per second :meth:`show` is held to; 0 for as fast as possible.
    :param title: the window's title.
    """

    def __init__(
        self,
        rules: Rules,
        names: tuple[str, str] | None = None,
        fps: int = 60,
        title: str = "pong-league",
    ) -> None:
        if fps < 0:
            raise ValueError(f"fps={fps} must be >= 0 (0 for no limit)")
        prepare_sdl()
        pygame.display.init()
        self.renderer = Renderer(rules, names)
        self.fps = fps
        self._screen = pygame.display.set_mode(self.renderer.size)
        pygame.display.set_caption(title)
        self._clock = pygame.time.Clock()
        self._held: set[int] = set()
        self._quit = False
        self._pause_presses = 0

    def _pump(self) -> None:
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                self._quit = True
            elif event.type == pygame.KEYDOWN:
                if event.key == pygame.K_ESCAPE:
                    self._quit = True
                elif event.key == pygame.K_SPACE:
                    self._pause_presses += 1
                self._held.add(event.key)
            elif event.type == pygame.KEYUP:
                self._held.discard(event.key)
            elif event.type == pygame.WINDOWFOCUSLOST:
                self._held.clear()

    def poll(self) -> WindowInput:
        """Read the events that arrived since the last call (or :meth:`show`).

        :return: the player's input; Space presses are counted until this call reads them.
        """
        self._pump()
        toggled = self._pause_presses % 2 == 1
        self._pause_presses = 0
        return WindowInput(
            quit=self._quit,
            pause_toggled=toggled,
            up=any(key in self._held for key in UP_KEYS),
            down=any(key in self._held for key in DOWN_KEYS),
        )

    def show(self, row: np.ndarray) -> bool:
        """Draw ``row``, show it, wait for the frame's turn at ``fps`` and read the events.

        :param row: one game's state row.
        :return: False once the window was closed or Escape pressed, else True.
        """
        self._screen.blit(self.renderer.paint(row), (0, 0))
        pygame.display.flip()
        self._clock.tick(self.fps)
        self._pump()
        return not self._quit

    def close(self) -> None:
        """Close the window (the font module stays up for other renderers)."""
        pygame.display.quit()

    def __enter__(self) -> Window:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
