"""Who the learner plays next: latest, uniform or prioritized fictitious self-play (PFSP)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

CPU = "cpu"
SPARRING = "sparring"  # the scripted sparring partner (envs.bots.Sparring)
SCHEMES = ("latest", "uniform", "pfsp")
WEIGHTINGS = ("hard", "variance")


def pfsp_weights(
    win_rates: np.ndarray | Sequence[float], weighting: str = "hard", exponent: float = 2.0
) -> np.ndarray:
    """AlphaStar's PFSP: how often to pick each opponent, given the learner's win rate p on it.

    ``"hard"`` weights (1 - p) ** exponent, so the opponents the learner loses to come up most;
    ``"variance"`` weights p * (1 - p), so the even matches (p near 0.5) come up most. An opponent
    never played (NaN) counts as p = 0.5. If every weight is 0 (the learner always beats
    everyone), the answer is uniform rather than undefined.

    :param win_rates: the learner's score in [0, 1] against each opponent, NaN if never played.
    :param weighting: ``"hard"`` or ``"variance"``.
    :param exponent: the power of ``"hard"`` (0 gives uniform); unused by ``"variance"``.
    :return: probabilities in the order of ``win_rates``, summing to 1 (empty for no opponents).
    :raises ValueError: for an unknown weighting, a negative exponent or a rate outside [0, 1].
    """
    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting must be one of {', '.join(WEIGHTINGS)}, got {weighting!r}")
    if not (math.isfinite(exponent) and exponent >= 0):
        raise ValueError(f"exponent must be a finite number >= 0, got {exponent}")
    p = np.asarray(win_rates, dtype=np.float64)
    if p.ndim != 1:
        raise ValueError(f"win_rates must be 1-D, got shape {p.shape}")
    p = np.where(np.isnan(p), 0.5, p)
    if np.any((p < 0.0) | (p > 1.0)):
        raise ValueError("win_rates must be in [0, 1] (or NaN for never played)")
    if p.size == 0:
        return p
    weights = (1.0 - p) ** exponent if weighting == "hard" else p * (1.0 - p)
    total = weights.sum()
    if total <= 0.0:
        return np.full(p.size, 1.0 / p.size)
    return weights / total


def _check_share(name: str, value: float) -> None:
    if not (0.0 <= value <= 1.0):
        raise ValueError(f"{name} must be in [0, 1], got {value}")


def opponent_distribution(
    scheme: str,
    opponents: Sequence[str],
    learner_win_rates: np.ndarray | Sequence[float] | None,
    cpu_share: float = 0.0,
    latest_share: float = 0.0,
    weighting: str = "hard",
    exponent: float = 2.0,
) -> dict[str, float]:
    """The probability of each opponent for the learner's next training episode.

    The scheme spreads the snapshot mass: ``"latest"`` all on the newest snapshot, ``"uniform"``
    evenly, ``"pfsp"`` by :func:`pfsp_weights`. On top of it a share ``cpu_share`` of episodes
    goes to the scripted CPU and a share ``latest_share`` to the newest snapshot::

        final = cpu_share * [cpu] + latest_share * [newest] + (1 - both shares) * scheme

    With no opponents yet, every episode goes to the CPU.

    :param scheme: ``"latest"``, ``"uniform"`` or ``"pfsp"``.
    :param opponents: the other role's snapshot ids, oldest first; never ``"cpu"``.
    :param learner_win_rates: the learner's score against each opponent (NaN if never played),
        in the order of ``opponents``; needed by ``"pfsp"`` only, may be None otherwise.
    :param cpu_share: share of episodes against the CPU.
    :param latest_share: share of episodes against the newest snapshot, on top of the scheme.
    :param weighting: PFSP weighting, see :func:`pfsp_weights`.
    :param exponent: PFSP exponent, see :func:`pfsp_weights`.
    :return: opponent id -> probability, only ids with probability > 0, values summing to 1.
    :raises ValueError: naming the argument that is invalid.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}, got {scheme!r}")
    _check_share("cpu_share", cpu_share)
    _check_share("latest_share", latest_share)
    if cpu_share + latest_share > 1.0 + 1e-12:
        raise ValueError(f"cpu_share + latest_share must be <= 1, got {cpu_share} + {latest_share}")
    opponents = list(opponents)
    if CPU in opponents:
        raise ValueError(f"opponents must not include {CPU!r}; give the CPU's share as cpu_share")
    if len(set(opponents)) != len(opponents):
        raise ValueError("opponents lists a snapshot id more than once")
    if learner_win_rates is not None and len(learner_win_rates) != len(opponents):
        raise ValueError(
            f"learner_win_rates has {len(learner_win_rates)} entries for {len(opponents)} opponents"
        )
    if not opponents:
        return {CPU: 1.0}

    if scheme == "latest":
        spread = np.zeros(len(opponents))
        spread[-1] = 1.0
    elif scheme == "uniform":
        spread = np.full(len(opponents), 1.0 / len(opponents))
    else:
        if learner_win_rates is None:
            raise ValueError('learner_win_rates is required by scheme "pfsp"')
        spread = pfsp_weights(learner_win_rates, weighting=weighting, exponent=exponent)

    mass = max(0.0, 1.0 - cpu_share - latest_share) * spread
    mass[-1] += latest_share
    distribution = {
        opponent: float(m) for opponent, m in zip(opponents, mass, strict=True) if m > 0.0
    }
    if cpu_share > 0.0:
        distribution[CPU] = cpu_share
    total = sum(distribution.values())
    return {opponent: m / total for opponent, m in distribution.items()}


def _ids_and_probabilities(distribution: Mapping[str, float]) -> tuple[list[str], np.ndarray]:
    ids = list(distribution)
    probabilities = np.array([distribution[i] for i in ids], dtype=np.float64)
    if not ids:
        raise ValueError("distribution is empty: there is no opponent to sample")
    if not np.all(np.isfinite(probabilities)) or np.any(probabilities < 0.0):
        raise ValueError("distribution must hold finite, non-negative probabilities")
    total = probabilities.sum()
    if total <= 0.0:
        raise ValueError("distribution must give some opponent a positive probability")
    return ids, probabilities / total


def sample_opponent(distribution: Mapping[str, float], rng: np.random.Generator) -> str:
    """Draw one opponent id from ``distribution`` (renormalised, so rounding does not matter).

    :param distribution: opponent id -> probability, e.g. from :func:`opponent_distribution`.
    :param rng: the only source of randomness, so a seeded run replays exactly.
    :return: the drawn id.
    :raises ValueError: if the distribution is empty, negative or all zero.
    """
    ids, probabilities = _ids_and_probabilities(distribution)
    return ids[int(rng.choice(len(ids), p=probabilities))]


class OpponentSampler:
    """Draws opponent ids from a fixed distribution with its own Generator.

    Draws one at a time match :func:`sample_opponent` with an equally seeded Generator.

    :param distribution: opponent id -> probability, e.g. from :func:`opponent_distribution`.
    :param rng: the Generator to draw from.
    :raises ValueError: if the distribution is empty, negative or all zero.
    """

    def __init__(self, distribution: Mapping[str, float], rng: np.random.Generator) -> None:
        self._ids, self._probabilities = _ids_and_probabilities(distribution)
        self._rng = rng

    @property
    def distribution(self) -> dict[str, float]:
        """The normalised distribution drawn from."""
        return {i: float(p) for i, p in zip(self._ids, self._probabilities, strict=True)}

    def sample(self) -> str:
        """Draw one opponent id.

        :return: the drawn id.
        """
        return self._ids[int(self._rng.choice(len(self._ids), p=self._probabilities))]

    def sample_many(self, n: int) -> list[str]:
        """Draw ``n`` opponent ids at once, e.g. one per parallel env.

        :param n: how many ids to draw (>= 0).
        :return: the drawn ids.
        """
        picks = self._rng.choice(len(self._ids), size=n, p=self._probabilities)
        return [self._ids[int(i)] for i in picks]
