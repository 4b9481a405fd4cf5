"""The project's exceptions: each carries a message a user can act on."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class LeagueError(Exception):
    """A problem the user can fix (bad config, unknown id, corrupt file).

    The CLI prints its message as one line and exits with status 2.
    """


def close_matches(word: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """The candidates closest to ``word``, closest first, ignoring case (``LEFT-0007``).

    :param word: what the user typed.
    :param candidates: the names that exist.
    :param n: at most this many.
    :return: the close ones; empty when none is close.
    """
    by_lower = {c.lower(): c for c in candidates}
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=n, cutoff=0.6)
    return [by_lower[c] for c in close]


def did_you_mean(word: str, candidates: Iterable[str], n: int = 3) -> str:
    """``"did you mean left-0007?"`` for a near miss among ``candidates``, else ``""``.

    :param word: what the user typed.
    :param candidates: the names that exist.
    :param n: at most this many suggestions, closest first.
    :return: the phrase, or an empty string when nothing is close.
    """
    close = close_matches(word, candidates, n)
    return f"did you mean {' or '.join(close)}?" if close else ""
