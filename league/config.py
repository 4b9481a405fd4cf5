"""League configuration: one frozen dataclass, loaded from TOML over built-in defaults.

Validated once here, at the boundary; the resolved config is saved in the run's database, so a
run can always be understood and resumed from its folder.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from envs.rules import PRESETS, Rules, rules
from league.agents import LEAGUE_EXPLOITER, MAIN_EXPLOITER, Matchmaking
from league.errors import LeagueError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ALGOS = ("dqn", "qrdqn", "ppo", "maskable_ppo")
SCHEMES = ("pfsp", "uniform", "latest")
SCHEDULES = ("alternate", "simultaneous")
OPPONENT_MOVES = ("mixed", "sample", "greedy")
EXPLOITER_INITS = ("fresh", "main")
FEATURE_KINDS = ("none", "intercept")
# What a run saved before a key existed trained with (LeagueConfig.of_run).
SAVED_BEFORE: dict[str, Any] = {"features": "none", "main_gate": None}
WEIGHTINGS = ("hard", "variance")

# Hyper-parameters tuned for this game (coords observations, 24 floats, 3 actions); see README.
ALGO_DEFAULTS: dict[str, dict[str, Any]] = {
    "dqn": {
        "learning_rate": 1e-3,
        "learning_rate_end": 1e-4,
        # About one generation of the learner's own games: older ones were played against
        # another opponent mixture (and by an older self).
        "buffer_size": 100_000,
        "learning_starts": 5_000,
        "batch_size": 64,
        "gamma": 0.99,
        "train_freq": 4,
        "gradient_steps": 1,
        "target_update_interval": 2_000,
        # n-step returns: a miss reaches back to the moves that lost the ball 5x sooner. A
        # learner trained 200k steps against the edge-aimer returns 97% of its balls with 5,
        # 85% with 1 (scripts/bench_defense.py).
        "n_steps": 5,
        "exploration_fraction": 0.3,
        "exploration_initial_eps": 1.0,
        "exploration_final_eps": 0.02,
    },
    "qrdqn": {
        "learning_rate": 1e-3,
        "learning_rate_end": 1e-4,
        # sb3-contrib's 200 quantiles make the quantile loss 64 x 200 x 200 per update: about
        # 400 env steps/s on one core at best; 25 keep it near DQN's speed.
        "n_quantiles": 25,
        "buffer_size": 100_000,
        "learning_starts": 5_000,
        "batch_size": 64,
        "gamma": 0.99,
        "train_freq": 4,
        "gradient_steps": 1,
        "target_update_interval": 2_000,
        "exploration_fraction": 0.3,
        "exploration_final_eps": 0.02,
    },
    "ppo": {
        "learning_rate": 3e-4,
        "learning_rate_end": 3e-4,
        "n_steps": 2048,
        "batch_size": 256,
        "n_epochs": 4,
        "gamma": 0.99,
        "gae_lambda": 0.95,
        "ent_coef": 0.01,
        "clip_range": 0.2,
    },
}
# sb3-contrib's MaskablePPO (a game with illegal moves): PPO's settings.
ALGO_DEFAULTS["maskable_ppo"] = dict(ALGO_DEFAULTS["ppo"])


@dataclass(frozen=True)
class LeagueConfig:
    """Everything a league run needs, with defaults that train in about 7 minutes on 2 cores
    (``--workers 2``; 17 to 30 in one process, as last measured without the features).

    :param preset: ``"league"`` (PFSP over all past snapshots plus the CPU) or ``"article"``
        (naive self-play: each role only meets the other role's latest snapshot, no CPU).
    :param game: ``"pong"`` (the built-in game), a PettingZoo module with an ``env()``
        (``"pettingzoo.classic.tictactoe_v3"``) or ``"py:MODULE:FACTORY"`` (see
        :mod:`league.games`). In a PettingZoo game the left role is its first agent, the right
        role its second, and the "cpu" is random legal moves; ``rules`` and ``frame_stack`` are
        Pong's only.
    :param rules: rules preset name.
    :param rules_overrides: ``Rules`` fields to change, e.g. ``{"points_to_win": 7}``.
    :param train_rules_overrides: ``Rules`` fields changed further in the envs the league's
        learners train in (main agents and exploiters), e.g. ``{"ball_speedup": 1.15}`` for
        rallies that reach fast balls sooner; every evaluation, match and best response plays
        the run's rules. Pong only.
    :param generations: generations to train; generation g trains left if g is odd, else right.
    :param schedule: ``"alternate"``: one generation at a time, each against the other role's
        whole pool. ``"simultaneous"`` (AlphaStar's way): generations 2k - 1 and 2k (left and
        right) train at once, each against the other role's pool as it stood before them.
    :param steps_per_generation: env steps the learner trains in one generation.
    :param algo: ``"dqn"``, ``"qrdqn"`` (sb3-contrib), ``"ppo"`` or ``"maskable_ppo"``
        (sb3-contrib; the default of a PettingZoo game).
    :param matchmaking: ``"pfsp"``, ``"uniform"`` or ``"latest"``.
    :param pfsp_weighting: ``"hard"`` ((1 - p)^k) or ``"variance"`` (p(1 - p)).
    :param pfsp_exponent: k of the hard weighting.
    :param cpu_share: share of the main agent's training episodes against the scripted CPU.
    :param sparring_share: share of the main agent's episodes against the scripted sparring
        partner (Pong's :class:`envs.bots.Sparring`, balls at every angle); 0 (off) by default,
        refused in a PettingZoo game.
    :param latest_share: share of the main agent's episodes against the other role's newest main
        snapshot (self-play).
    :param past_self_share: share of the main agent's episodes against its own role's main
        snapshots, its newest (itself as the generation began) included, by PFSP (hard); any
        snapshot plays either side. It must keep beating what it was, not only the other role.
    :param verification_share: share of the main agent's episodes against the other role's
        exploiter snapshots it does not beat yet.
    :param main_exploiters: main exploiters per role (see :mod:`league.agents`).
    :param league_exploiters: league exploiters per role.
    :param exploiter_steps: env steps each exploiter trains in each generation of its role.
    :param exploiter_max_steps: an exploiter is frozen at the latest after this many steps.
    :param exploiter_win_rate: an exploiter is frozen once it scores this against its target.
    :param league_exploiter_reset: probability that a frozen league exploiter starts afresh.
    :param exploiter_init: what an exploiter starts from, at its first generation and after
        every reset: ``"fresh"`` a new network; ``"main"`` a copy of its own role's newest main
        snapshot (its weights and optimizer, an empty replay buffer), as AlphaStar's exploiters
        restart from the supervised agent: a player of the game from the start, it has only
        to find its target's holes.
    :param restart_exploration_eps: exploration rate at the start of every generation after a
        learner's first (DQN, QR-DQN); it falls to ``exploration_final_eps`` over
        ``exploration_fraction`` of the generation. 0 keeps the final rate.
    :param main_perturb: shrink and perturb (Ash & Adams, 2020) a main agent's network at the
        start of every generation after its first: each weight becomes ``(1 - p) * w + p * w0``
        with ``w0`` the same weight of a newly initialised network, and the optimizer's state
        restarts. A network trained for generations against a moving pool loses some of its
        ability to learn (``scripts/plasticity.py``); mixing in fresh weights restores some of
        it while keeping most of what was learnt. 0 continues unchanged; 1 starts every
        generation from a fresh network (the replay buffer is kept).
    :param main_redo_every: recycle a main agent's dormant units every this many env steps of
        its training (ReDo, :mod:`league.redo`; DQN only); 0: never.
    :param main_redo_tau: a unit is dormant when its mean activation on replayed states is at
        most this share of its layer's mean.
    :param main_gate: keep a main agent's new network only if it does not fall behind its
        predecessor on the pool (the gate of AlphaGo Zero's evaluator): its mean score over the
        other role's snapshots and the CPU, in its evaluation games, may be at most this below
        the role's previous main's on the same opponents; otherwise the generation's snapshot
        is the previous main's network, played again, and the main trains on from it (its
        replay buffer is kept). None (``false`` in TOML; the article preset's): no gate, every
        new network is kept.
    :param restart_learning_rate: learning rate at the start of every generation after a
        learner's first; it falls to ``learning_rate_end`` within the generation. Not set (None):
        the algorithm's ``learning_rate``, as in a learner's first generation.
    :param opponent_moves: how a frozen PPO or MaskablePPO snapshot moves as a main agent's
        training opponent: ``"mixed"`` greedy in half of the episodes (a coin per episode) and
        sampled in the rest, so that the learner meets varied games and also the line the
        snapshot plays in every evaluation; ``"sample"`` draws each move from its policy in
        every episode (as it played while it trained); ``"greedy"`` its most likely move, the
        same line every time in a deterministic game. A DQN snapshot is always greedy, and
        every evaluation (matrix, ``pit``, gauntlet, ``exploit``) plays greedily.
    :param exploiter_opponent_moves: the same for the exploiters' training opponents; greedy
        by default: an exploiter looks for the holes in the line its targets play in
        evaluations, as a best response does.
    :param payoff_decay: weight the past keeps at each new game in a learner's win rates.
    :param eval_games: games the new snapshot plays against each opponent after its generation.
    :param eval_seed: seed of game 0 of every evaluation match (game i uses eval_seed + i).
    :param seed: seed of the learners, their envs and matchmaking.
    :param n_envs: parallel envs per learner (a ``league.learners.SeatVecEnv``).
    :param frame_stack: frames per observation.
    :param net_arch: hidden layer sizes of every learner's network.
    :param features: what a learner's network reads besides the observation: ``"none"``;
        ``"intercept"`` (Pong only) where the ball will meet its paddle, computed from the
        observation (:mod:`envs.features`, the arithmetic of the scripted interceptor). ``None``:
        the game's default, ``"intercept"`` for Pong and ``"none"`` for a PettingZoo game.
    :param hyperparams: per-algorithm SB3 keyword arguments over ``ALGO_DEFAULTS``.
    """

    preset: str = "league"
    game: str = "pong"
    rules: str = "classic"
    rules_overrides: dict[str, Any] = field(default_factory=dict)
    train_rules_overrides: dict[str, Any] = field(default_factory=dict)
    generations: int = 8
    schedule: str = "alternate"
    steps_per_generation: int = 100_000
    algo: str = "dqn"
    matchmaking: str = "pfsp"
    pfsp_weighting: str = "hard"
    pfsp_exponent: float = 2.0
    cpu_share: float = 0.1
    sparring_share: float = 0.0
    latest_share: float = 0.2
    verification_share: float = 0.15
    past_self_share: float = 0.0
    main_exploiters: int = 1
    league_exploiters: int = 1
    exploiter_steps: int = 50_000
    exploiter_max_steps: int = 100_000
    exploiter_win_rate: float = 0.7
    league_exploiter_reset: float = 0.25
    exploiter_init: str = "fresh"
    restart_exploration_eps: float = 0.2
    restart_learning_rate: float | None = None
    main_perturb: float = 0.0
    main_redo_every: int = 0
    main_redo_tau: float = 0.1
    main_gate: float | None = 0.05
    opponent_moves: str = "mixed"
    exploiter_opponent_moves: str = "greedy"
    payoff_decay: float = 0.99
    eval_games: int = 32
    eval_seed: int = 1_000_000
    seed: int = 0
    n_envs: int = 1
    frame_stack: int = 4
    net_arch: tuple[int, ...] = (64, 64)
    features: str | None = None
    hyperparams: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.features is None:  # resolved here, so a run saves what it trained with
            object.__setattr__(self, "features", "intercept" if self.game == "pong" else "none")
        _validate(self)

    def matchmaking_settings(self) -> Matchmaking:
        """What the player kinds read to choose opponents (see :mod:`league.agents`)."""
        return Matchmaking(
            scheme=self.matchmaking,
            weighting=self.pfsp_weighting,
            exponent=self.pfsp_exponent,
            cpu_share=self.cpu_share,
            sparring_share=self.sparring_share,
            latest_share=self.latest_share,
            verification_share=self.verification_share,
            past_self_share=self.past_self_share,
            exploiter_win_rate=self.exploiter_win_rate,
        )

    def exploiter_counts(self) -> dict[str, int]:
        return {MAIN_EXPLOITER: self.main_exploiters, LEAGUE_EXPLOITER: self.league_exploiters}

    def game_rules(self) -> Rules:
        return rules(self.rules, **self.rules_overrides)

    def training_rules(self) -> Rules:
        """The rules of the learners' training envs: the game's, with ``train_rules_overrides``."""
        return rules(self.rules, **{**self.rules_overrides, **self.train_rules_overrides})

    def algo_kwargs(self) -> dict[str, Any]:
        """The SB3 keyword arguments of the algorithm, defaults included, plus our own
        ``learning_rate_end`` (the rate anneals linearly to it within each generation)."""
        return {**ALGO_DEFAULTS[self.algo], **self.hyperparams.get(self.algo, {})}

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["net_arch"] = list(self.net_arch)
        return data

    @classmethod
    def of_run(cls, saved: dict[str, Any], origin: str) -> LeagueConfig:
        """The config a run saved (``config.json``, the database), with the values that keys
        added since had before they existed: a run trains on as it started."""
        return cls.from_dict({**SAVED_BEFORE, **saved}, origin=origin)

    @classmethod
    def from_dict(cls, data: dict[str, Any], origin: str = "config") -> LeagueConfig:
        """Build from plain data (TOML or JSON), naming the first unknown key."""
        known = {f.name for f in fields(cls)}
        for key in data:
            if key not in known and key not in ALGOS:
                raise LeagueError(
                    f"{origin}: unknown key {key!r}; known keys: {', '.join(sorted(known))}"
                )
        values = {k: v for k, v in data.items() if k in known}
        # Shapes are checked here, before they are iterated; values in _validate.
        for algo in ALGOS:
            if algo in data and not isinstance(data[algo], dict):
                raise LeagueError(f"{origin}: [{algo}] must be a table of hyper-parameters")
        tables = values.get("hyperparams", {})
        if not isinstance(tables, dict) or not all(isinstance(t, dict) for t in tables.values()):
            raise LeagueError(f"{origin}: hyperparams must be a table of tables, one per algo")
        if "net_arch" in values and not isinstance(values["net_arch"], (list, tuple)):
            raise LeagueError(f"{origin}: net_arch must be a list of layer sizes")
        hyper = {algo: dict(data[algo]) for algo in ALGOS if algo in data}
        for algo, given in tables.items():
            hyper.setdefault(algo, {}).update(given)
        values["hyperparams"] = hyper
        if "net_arch" in values:
            values["net_arch"] = tuple(values["net_arch"])
        if values.get("main_gate") is False:  # TOML has no null: false turns the gate off
            values["main_gate"] = None
        try:
            return cls(**values)
        except (TypeError, ValueError) as err:
            raise LeagueError(f"{origin}: {err}") from None


PRESET_OVERRIDES: dict[str, dict[str, Any]] = {
    "league": {},
    "article": {
        "matchmaking": "latest",
        "cpu_share": 0.0,
        "sparring_share": 0.0,
        "latest_share": 0.0,
        "verification_share": 0.0,
        "past_self_share": 0.0,
        "main_exploiters": 0,
        "league_exploiters": 0,
        "main_gate": None,
    },
}


def load_config(
    path: Path | None = None, preset: str | None = None, overrides: dict[str, Any] | None = None
) -> LeagueConfig:
    """Defaults, then the preset, then the TOML file, then the CLI overrides.

    :raises LeagueError: unreadable TOML, unknown keys, impossible values.
    """
    data: dict[str, Any] = {}
    if preset is not None:
        if preset not in PRESET_OVERRIDES:
            raise LeagueError(f"unknown preset {preset!r}; choose one of: league, article")
        data.update(PRESET_OVERRIDES[preset], preset=preset)
    if path is not None:
        try:
            data.update(tomllib.loads(Path(path).read_text()))
        except FileNotFoundError:
            raise LeagueError(f"config file {path} does not exist") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            raise LeagueError(f"{path} is not valid TOML: {err}") from None
        if preset is None and "preset" in data:
            data = {**PRESET_OVERRIDES.get(data["preset"], {}), **data}
    data.update({k: v for k, v in (overrides or {}).items() if v is not None})
    if data.get("game", "pong") != "pong":
        data.setdefault("algo", "maskable_ppo")
    return LeagueConfig.from_dict(data, origin=str(path) if path else "config")


def _validate(c: LeagueConfig) -> None:
    def need(ok: bool, name: str, allowed: str) -> None:
        if not ok:
            raise ValueError(f"{name}={getattr(c, name)!r} is invalid: {allowed}")

    need(
        isinstance(c.preset, str) and c.preset in PRESET_OVERRIDES,
        "preset",
        "choose league or article",
    )
    need(isinstance(c.game, str) and c.game.strip() != "", "game", "pong or a PettingZoo env")
    need(
        isinstance(c.rules, str) and c.rules in PRESETS,
        "rules",
        f"choose one of {', '.join(PRESETS)}",
    )
    need(isinstance(c.rules_overrides, dict), "rules_overrides", "a table of Rules fields")
    try:
        c.game_rules()
    except (TypeError, ValueError) as err:
        raise ValueError(f"rules_overrides: {err}") from None
    need(
        isinstance(c.train_rules_overrides, dict),
        "train_rules_overrides",
        "a table of Rules fields",
    )
    need(
        not c.train_rules_overrides or c.game == "pong",
        "train_rules_overrides",
        "Pong's only (a PettingZoo game has no rules to change): remove it",
    )
    try:
        c.training_rules()
    except (TypeError, ValueError) as err:
        raise ValueError(f"train_rules_overrides: {err}") from None
    need(_is_int(c.generations) and c.generations >= 1, "generations", "an integer >= 1")
    need(c.schedule in SCHEDULES, "schedule", f"choose one of {', '.join(SCHEDULES)}")
    need(
        _is_int(c.steps_per_generation) and c.steps_per_generation >= 1,
        "steps_per_generation",
        "an integer >= 1",
    )
    need(c.algo in ALGOS, "algo", f"choose one of {', '.join(ALGOS)}")
    for name in ("opponent_moves", "exploiter_opponent_moves"):
        need(getattr(c, name) in OPPONENT_MOVES, name, f"choose one of {', '.join(OPPONENT_MOVES)}")
    need(
        c.exploiter_init in EXPLOITER_INITS,
        "exploiter_init",
        f"choose one of {', '.join(EXPLOITER_INITS)}",
    )
    need(
        c.algo != "maskable_ppo" or c.game != "pong",
        "algo",
        "maskable_ppo is for games with illegal moves; Pong trains with dqn, qrdqn or ppo",
    )
    need(c.matchmaking in SCHEMES, "matchmaking", f"choose one of {', '.join(SCHEMES)}")
    need(c.pfsp_weighting in WEIGHTINGS, "pfsp_weighting", f"choose one of {', '.join(WEIGHTINGS)}")
    need(_is_number(c.pfsp_exponent) and c.pfsp_exponent >= 0, "pfsp_exponent", "a number >= 0")
    need(_is_number(c.cpu_share) and 0.0 <= c.cpu_share <= 1.0, "cpu_share", "a share in [0, 1]")
    need(
        _is_number(c.latest_share) and 0.0 <= c.latest_share <= 1.0,
        "latest_share",
        "a share in [0, 1]",
    )
    need(
        _is_number(c.verification_share) and 0.0 <= c.verification_share <= 1.0,
        "verification_share",
        "a share in [0, 1]",
    )
    need(
        _is_number(c.past_self_share) and 0.0 <= c.past_self_share <= 1.0,
        "past_self_share",
        "a share in [0, 1]",
    )
    need(
        _is_number(c.sparring_share) and 0.0 <= c.sparring_share <= 1.0,
        "sparring_share",
        "a share in [0, 1]",
    )
    need(
        c.game == "pong" or c.sparring_share == 0.0,
        "sparring_share",
        "0 in a PettingZoo game: only Pong has a sparring partner",
    )
    shares = c.cpu_share + c.sparring_share + c.latest_share
    need(
        shares + c.verification_share + c.past_self_share <= 1.0,
        "latest_share",
        "cpu_share + sparring_share + latest_share + verification_share + past_self_share <= 1",
    )
    for name in ("main_exploiters", "league_exploiters"):
        need(_is_int(getattr(c, name)) and 0 <= getattr(c, name) <= 4, name, "an integer in 0..4")
    need(
        _is_int(c.exploiter_steps) and c.exploiter_steps >= 1, "exploiter_steps", "an integer >= 1"
    )
    need(
        _is_int(c.exploiter_max_steps) and c.exploiter_max_steps >= c.exploiter_steps,
        "exploiter_max_steps",
        "an integer >= exploiter_steps",
    )
    for name in (
        "exploiter_win_rate",
        "league_exploiter_reset",
        "restart_exploration_eps",
        "main_perturb",
    ):
        value = getattr(c, name)
        need(_is_number(value) and 0.0 <= value <= 1.0, name, "a number in [0, 1]")
    need(
        _is_int(c.main_redo_every) and c.main_redo_every >= 0,
        "main_redo_every",
        "an integer >= 0 (env steps between recyclings; 0: off)",
    )
    need(c.main_redo_every == 0 or c.algo == "dqn", "main_redo_every", "0 unless algo is dqn")
    need(_is_number(c.main_redo_tau) and c.main_redo_tau >= 0.0, "main_redo_tau", "a number >= 0")
    need(
        c.main_gate is None or (_is_number(c.main_gate) and 0.0 <= c.main_gate <= 1.0),
        "main_gate",
        "a number in [0, 1], or false for no gate",
    )
    need(
        c.restart_learning_rate is None
        or (_is_number(c.restart_learning_rate) and c.restart_learning_rate > 0.0),
        "restart_learning_rate",
        "a number > 0 (leave it out for the algorithm's learning_rate)",
    )
    need(
        _is_number(c.payoff_decay) and 0.0 < c.payoff_decay <= 1.0,
        "payoff_decay",
        "a number in (0, 1]",
    )
    need(_is_int(c.eval_games) and c.eval_games >= 2, "eval_games", "an integer >= 2")
    need(_is_int(c.eval_seed) and c.eval_seed >= 0, "eval_seed", "an integer >= 0")
    need(_is_int(c.seed) and c.seed >= 0, "seed", "an integer >= 0")
    need(_is_int(c.n_envs) and 1 <= c.n_envs <= 64, "n_envs", "an integer in 1..64")
    need(_is_int(c.frame_stack) and 1 <= c.frame_stack <= 16, "frame_stack", "an integer in 1..16")
    need(
        len(c.net_arch) >= 1 and all(_is_int(n) and n >= 1 for n in c.net_arch),
        "net_arch",
        "a list of positive layer sizes",
    )
    need(c.features in FEATURE_KINDS, "features", f"choose one of {', '.join(FEATURE_KINDS)}")
    need(
        c.features == "none" or c.game == "pong",
        "features",
        "intercept features are Pong's; a PettingZoo game trains on its own observation",
    )
    for algo, given in c.hyperparams.items():
        need(algo in ALGO_DEFAULTS, "hyperparams", f"tables for {', '.join(ALGOS)} only")
        unknown = set(given) - set(ALGO_DEFAULTS[algo]) - _EXTRA_KWARGS[algo]
        if unknown:
            raise ValueError(
                f"[{algo}] unknown hyper-parameter {sorted(unknown)[0]!r}; known: "
                f"{', '.join(sorted(set(ALGO_DEFAULTS[algo]) | _EXTRA_KWARGS[algo]))}"
            )
        for name, value in given.items():
            if name in ALGO_DEFAULTS[algo]:
                allowed = _hyperparam_range(name, ALGO_DEFAULTS[algo][name], value)
                if allowed:
                    raise ValueError(f"[{algo}] {name}={value!r} is invalid: {allowed}")


_UNIT_INTERVAL = {
    "gamma",
    "gae_lambda",
    "exploration_fraction",
    "exploration_initial_eps",
    "exploration_final_eps",
}
_POSITIVE = {"learning_rate", "learning_rate_end", "clip_range"}


def _hyperparam_range(name: str, default: Any, value: Any) -> str | None:
    """What a tuned hyper-parameter allows, or None if ``value`` is allowed.

    Its type is its default's: a count (``batch_size``, ``n_quantiles``, ...) is an integer >= 1
    (``learning_starts`` >= 0); a rate, a share or a coefficient is a number in its range.
    """
    if _is_int(default):
        low = 0 if name == "learning_starts" else 1
        return None if _is_int(value) and value >= low else f"an integer >= {low}"
    if name in _UNIT_INTERVAL:
        return None if _is_number(value) and 0.0 <= value <= 1.0 else "a number in [0, 1]"
    if name in _POSITIVE:
        return None if _is_number(value) and value > 0.0 else "a number > 0"
    return None if _is_number(value) and value >= 0.0 else "a number >= 0"


_EXTRA_KWARGS = {
    "dqn": {"max_grad_norm", "optimize_memory_usage"},
    "qrdqn": {"max_grad_norm", "exploration_initial_eps", "optimize_memory_usage"},
    "ppo": {"max_grad_norm", "vf_coef", "clip_range_vf", "normalize_advantage", "target_kl"},
}
_EXTRA_KWARGS["maskable_ppo"] = _EXTRA_KWARGS["ppo"]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
