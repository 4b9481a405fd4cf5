"""The league's player kinds, after AlphaStar and DI-engine: whom each learner faces, and when an
exploiter is frozen.

Per role the league trains one **main agent** and, optionally, **main exploiters** and **league
exploiters** (``LeagueConfig.main_exploiters`` / ``league_exploiters``):

- the main agent plays the other role's whole pool (mains and exploiters) by PFSP, plus a
  self-play share against the other role's newest main, a verification share against the other
  role's exploiters it does not beat yet, a share against its own role's main snapshots (it must
  keep beating what it was), a share against the scripted CPU and one against the scripted
  sparring partner (balls at every angle: see :class:`envs.bots.Sparring`);
- a main exploiter plays only the other role's newest main, or, while it cannot win against it,
  that main's recent snapshots by PFSP (a curriculum); it is frozen when it wins
  ``exploiter_win_rate`` of its games against that main, or at its step cap, and then starts
  afresh;
- a league exploiter plays the other role's whole pool by PFSP; it is frozen when it beats
  ``exploiter_win_rate`` of that pool, or at its step cap, and starts afresh with probability
  ``league_exploiter_reset``.

Everything here is a pure decision over ids and win rates; :mod:`league.trainer` trains, evaluates
and records. Win rates come from a :class:`Payoff`: the learner's decayed record against each
opponent, fed by evaluation games and by the outcome of every training episode as it ends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from league.matchmaking import CPU, SPARRING, opponent_distribution, pfsp_weights

MAIN = "main"
MAIN_EXPLOITER = "main_exploiter"
LEAGUE_EXPLOITER = "league_exploiter"
KINDS = (MAIN, MAIN_EXPLOITER, LEAGUE_EXPLOITER)
SUFFIX = {MAIN: "", MAIN_EXPLOITER: "me", LEAGUE_EXPLOITER: "le"}
# A main exploiter that scores less than this against the newest main trains on its history.
CURRICULUM_BELOW = 0.2
CURRICULUM_SNAPSHOTS = 4


@dataclass(frozen=True)
class PoolEntry:
    """A frozen snapshot of the other role, as matchmaking sees it.

    :param id: the snapshot id.
    :param kind: the kind of learner it was frozen from (one of ``KINDS``).
    """

    id: str
    kind: str = MAIN


def snapshot_id(role: str, generation: int, kind: str = MAIN, index: int = 0) -> str:
    """``left-0005`` for a main agent, ``left-0005-me`` / ``left-0005-le1`` for exploiters."""
    base = f"{role}-{generation:04d}"
    if kind == MAIN:
        return base
    return f"{base}-{SUFFIX[kind]}{index or ''}"


@dataclass(frozen=True)
class Slot:
    """One learner of the league: a role, a kind and an index among that role's kind.

    :param role: ``"left"`` or ``"right"``.
    :param kind: one of :data:`league.agents.KINDS`.
    :param index: 0 for the first of its kind in the role.
    """

    role: str
    kind: str
    index: int = 0

    @property
    def name(self) -> str:
        return f"{self.role}:{self.kind}:{self.index}"

    @property
    def number(self) -> int:
        """A small distinct number per slot of a role, for seeds."""
        return {MAIN: 0, MAIN_EXPLOITER: 1, LEAGUE_EXPLOITER: 5}[self.kind] + self.index


@dataclass
class Payoff:
    """A learner's decayed record against each opponent: DI-engine's shared payoff, per learner.

    Every game (an evaluation game or a training episode) first multiplies the record against
    that opponent by ``decay``, then adds the game's score (1 win, 0.5 draw, 0 loss), so recent
    games count most and a win rate follows the learner as it learns during a generation.

    :param decay: weight kept by the past at each new game, in (0, 1].
    :param record: opponent -> [decayed score, decayed games].
    """

    decay: float = 0.99
    record: dict[str, list[float]] = field(default_factory=dict)

    def add(self, opponent: str, score: float, games: int = 1) -> None:
        """Add ``games`` games worth ``score`` points in all (each one decays the past)."""
        if games <= 0:
            return
        old = self.record.get(opponent, [0.0, 0.0])
        # The games of one batch arrive together: each one decays what came before it.
        keep = self.decay**games
        mean = score / games
        added = sum(self.decay**k for k in range(games))
        self.record[opponent] = [old[0] * keep + mean * added, old[1] * keep + added]

    def win_rate(self, opponent: str) -> float:
        """The decayed score against ``opponent``, NaN if never played."""
        score, games = self.record.get(opponent, (0.0, 0.0))
        return score / games if games > 0 else float("nan")

    def win_rates(self, opponents: Sequence[str]) -> np.ndarray:
        return np.array([self.win_rate(o) for o in opponents], dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        return {"decay": self.decay, "record": {k: list(v) for k, v in self.record.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Payoff:
        return cls(
            float(data["decay"]), {k: [float(x) for x in v] for k, v in data["record"].items()}
        )


@dataclass(frozen=True)
class Matchmaking:
    """The settings every player kind reads (a view of :class:`~league.config.LeagueConfig`).

    :param scheme: the main agent's spread over the pool: ``pfsp``, ``uniform`` or ``latest``.
    :param weighting: PFSP weighting, ``hard`` or ``variance``.
    :param exponent: PFSP exponent of ``hard``.
    :param cpu_share: main agent's share of episodes against the scripted CPU.
    :param sparring_share: main agent's share against the scripted sparring partner.
    :param latest_share: main agent's self-play share against the other role's newest main.
    :param verification_share: main agent's share against the exploiters it does not beat.
    :param past_self_share: main agent's share against its own role's main snapshots.
    :param exploiter_win_rate: the score at which an exploiter is frozen.
    """

    scheme: str = "pfsp"
    weighting: str = "hard"
    exponent: float = 2.0
    cpu_share: float = 0.0
    sparring_share: float = 0.0
    latest_share: float = 0.0
    verification_share: float = 0.0
    past_self_share: float = 0.0
    exploiter_win_rate: float = 0.7


def newest_main(pool: Sequence[PoolEntry]) -> str:
    """The id of the newest main snapshot in the pool (the pool always holds generation 0's)."""
    mains = [e.id for e in pool if e.kind == MAIN]
    if not mains:
        raise ValueError("the pool holds no main snapshot")
    return mains[-1]


def main_agent_opponents(
    pool: Sequence[PoolEntry], payoff: Payoff, m: Matchmaking, own: Sequence[str] = ()
) -> dict[str, float]:
    """The main agent's opponent distribution.

    ``cpu_share`` to the CPU, ``sparring_share`` to the sparring partner, ``latest_share`` to
    the newest main (self-play),
    ``verification_share`` by PFSP (hard) over the exploiters it scores below 0.5 against (to
    the pool when there is none), ``past_self_share`` by PFSP (hard) over ``own`` (its own
    role's main snapshots; to the pool when there is none), the rest by ``scheme`` over the
    whole pool (``latest``: the newest main only).
    """
    ids = [e.id for e in pool]
    rates = payoff.win_rates(ids)
    latest = newest_main(pool)
    if m.scheme == "latest":  # the newest main, not an exploiter frozen beside it
        spread = {latest: 1.0}
    else:
        spread = opponent_distribution(
            m.scheme, ids, rates, weighting=m.weighting, exponent=m.exponent
        )
    rest = 1.0 - m.cpu_share - m.sparring_share - m.latest_share
    rest -= m.verification_share + m.past_self_share
    if own:
        past = pfsp_weights(payoff.win_rates(own), "hard", m.exponent)
        past_targets = dict(zip(own, past.tolist(), strict=True))
    else:  # a role with no snapshot yet: the share goes to the scheme
        past_targets = spread
    masses = {k: v * rest for k, v in spread.items()}
    unbeaten = [
        (e.id, r) for e, r in zip(pool, rates, strict=True) if e.kind != MAIN and not r >= 0.5
    ]
    if unbeaten:
        verify = pfsp_weights([r for _, r in unbeaten], "hard", m.exponent)
        targets = dict(zip([i for i, _ in unbeaten], verify.tolist(), strict=True))
    else:  # nothing to verify against: the share goes to the scheme
        targets = spread
    for k, v in targets.items():
        masses[k] = masses.get(k, 0.0) + m.verification_share * v
    for k, v in past_targets.items():
        masses[k] = masses.get(k, 0.0) + m.past_self_share * v
    masses[latest] = masses.get(latest, 0.0) + m.latest_share
    masses[CPU] = m.cpu_share
    masses[SPARRING] = m.sparring_share
    return _normalised(masses)


def main_exploiter_opponents(
    pool: Sequence[PoolEntry], payoff: Payoff, m: Matchmaking, own: Sequence[str] = ()
) -> dict[str, float]:
    """The newest main only; its recent snapshots by PFSP (variance) while the exploiter scores
    below ``CURRICULUM_BELOW`` against it."""
    latest = newest_main(pool)
    if not payoff.win_rate(latest) < CURRICULUM_BELOW:  # NaN (never played) counts as able
        return {latest: 1.0}
    recent = [e.id for e in pool if e.kind == MAIN][-CURRICULUM_SNAPSHOTS:]
    weights = pfsp_weights(payoff.win_rates(recent), "variance")
    return _normalised(dict(zip(recent, weights.tolist(), strict=True)))


def league_exploiter_opponents(
    pool: Sequence[PoolEntry], payoff: Payoff, m: Matchmaking, own: Sequence[str] = ()
) -> dict[str, float]:
    """The whole pool by PFSP (the main agent's weighting), no CPU, no self-play share."""
    ids = [e.id for e in pool]
    weights = pfsp_weights(payoff.win_rates(ids), m.weighting, m.exponent)
    return _normalised(dict(zip(ids, weights.tolist(), strict=True)))


OPPONENTS = {
    MAIN: main_agent_opponents,
    MAIN_EXPLOITER: main_exploiter_opponents,
    LEAGUE_EXPLOITER: league_exploiter_opponents,
}


def opponents_of(
    kind: str, pool: Sequence[PoolEntry], payoff: Payoff, m: Matchmaking, own: Sequence[str] = ()
) -> dict[str, float]:
    """The opponent distribution of a learner of ``kind`` (see the module docstring).

    :param own: the main snapshots of the learner's own role (read by the main agent only).
    """
    return OPPONENTS[kind](pool, payoff, m, own)


def exploiter_ready(
    kind: str,
    pool: Sequence[PoolEntry],
    scores: Mapping[str, float],
    steps: int,
    max_steps: int,
    m: Matchmaking,
) -> bool:
    """Whether an exploiter is frozen now.

    :param scores: its score against each snapshot of the pool in its latest evaluation.
    :param steps: env steps it trained since it was (re)started.
    :param max_steps: its step cap.
    """
    if kind == MAIN:
        raise ValueError("a main agent is frozen every generation, not by this rule")
    if steps >= max_steps:
        return True
    if kind == MAIN_EXPLOITER:
        return scores.get(newest_main(pool), 0.0) >= m.exploiter_win_rate
    beaten = [scores.get(e.id, 0.0) > 0.5 for e in pool]
    return bool(beaten) and float(np.mean(beaten)) >= m.exploiter_win_rate


def resets_after_freeze(kind: str, reset_probability: float, rng: np.random.Generator) -> bool:
    """A main exploiter always starts afresh; a league exploiter with ``reset_probability``."""
    if kind == MAIN_EXPLOITER:
        return True
    return bool(rng.random() < reset_probability)


def _normalised(masses: dict[str, float]) -> dict[str, float]:
    kept = {k: float(v) for k, v in masses.items() if v > 0.0}
    total = sum(kept.values())
    if total <= 0.0:
        raise ValueError("no opponent has a positive probability")
    return {k: v / total for k, v in kept.items()}
