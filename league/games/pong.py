"""The built-in game: Pong, through its batched engine, its single-agent env and the CPU."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from envs.bots import Sparring
from envs.rules import Rules
from envs.scripted import Policy, ScriptedCPU
from envs.single import OpponentSampler, PongVsOpponent
from league.evaluation import evaluate_against
from league.results import MatchResult


class PongGame:
    """Pong under ``rules``, players seeing ``frame_stack`` frames of coords observations.

    The left role is the left paddle; the scripted CPU is the baseline every snapshot meets.
    Seat envs (training) follow ``train_rules`` when given; evaluations always follow ``rules``.
    """

    name = "pong"
    masked = False

    def __init__(
        self, rules: Rules, frame_stack: int = 4, train_rules: Rules | None = None
    ) -> None:
        self.rules = rules
        self.train_rules = rules if train_rules is None else train_rules
        self.frame_stack = frame_stack
        self._cpu = ScriptedCPU(rules)
        self._sparring = Sparring(self.train_rules)

    def seat_env(self, role: str, sampler: OpponentSampler) -> PongVsOpponent:
        """The role's paddle as a Gymnasium env, the other paddle drawn from ``sampler``."""
        return PongVsOpponent(
            self.train_rules, role=role, opponent_sampler=sampler, frame_stack=self.frame_stack
        )

    def baseline(self, rng: np.random.Generator) -> Policy:
        """The CPU (it has no randomness of its own, so ``rng`` is left untouched)."""
        return self._cpu

    def sparring(self, rng: np.random.Generator) -> Policy:
        """The sparring partner, under the training rules (no randomness of its own either)."""
        return self._sparring

    def evaluate(
        self,
        player: tuple[str, Policy],
        side: int,
        opponents: Sequence[tuple[str, Policy]],
        games: int,
        seed: int,
    ) -> list[MatchResult]:
        """See :func:`league.evaluation.evaluate_against` (all games in one batch)."""
        return evaluate_against(self.rules, player, side, opponents, games, seed, self.frame_stack)
