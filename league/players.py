"""Naming a player: one string for a snapshot, a snapshot file, a scripted policy or your own bot.

Wherever the arena (``pit``, ``play``) names a player, :func:`resolve_player` accepts:

- a snapshot id of the run given with ``--run``: ``left-0007``;
- a path to a snapshot file of any run: ``runs/a/snapshots/right-0012.npz`` (or its ``.json``,
  its stem, or the SB3 ``.zip``, for which the weights-only ``.npz``/``.json`` next to it are used
  when present);
- a scripted policy: ``cpu``, ``random``, ``still``;
- a reference bot of :mod:`envs.bots`: ``follower``, ``interceptor``, ``edge``, ``delayed``,
  ``noisy`` (what ``pong-league gauntlet`` plays against);
- your own policy: ``py:MODULE:ATTR`` or ``py:path/to/file.py:ATTR``, where ``ATTR`` is a class
  or factory called with the game's :class:`~envs.rules.Rules` that returns an object with
  ``act(obs) -> actions`` (see ``scripts/example_bot.py``);
- the league's answer, ``nash:left`` or ``nash:right`` (with ``--run``): the role's snapshots
  mixed by their weights in the Nash equilibrium of the run's meta-game, one snapshot drawn per
  game (per training episode for ``exploit``);
- a role's last main agents as one, ``ensemble:left`` or ``ensemble:right`` (with ``--run``, or
  ``ensemble:left@RUN_DIR``): the greedy action of the mean action values of the role's last 3
  trained main snapshots (``ensemble:left:5`` for the last 5; DQN and QR-DQN runs).

Names and snapshot ids are matched in any case (``CPU``, ``LEFT-0007``). Every way of failing
(unknown id, corrupt file, a network for another observation size, a bad ``py:`` spec) is a
:class:`~league.errors.LeagueError` with one line saying what to do, and a near miss is named
("did you mean left-0007?").
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from envs.bots import BOTS, TRAINING_BOTS
from envs.engine import CPU, DOWN, STAY, UP
from envs.observation import FRAME_SIZE
from envs.rules import Rules
from envs.rules import rules as envs_rules
from envs.scripted import SCRIPTED, Policy, scripted
from league.errors import LeagueError, did_you_mean
from league.policies import MeanValues, NumpyPolicy
from league.store import LeagueStore

PY_PREFIX = "py:"
NASH_PREFIX = "nash:"
ENSEMBLE_PREFIX = "ensemble:"
ENSEMBLE_SIZE = 3  # the mains an ensemble averages unless its spec says (ensemble:left:5)
SNAPSHOT_SUFFIXES = (".npz", ".json", ".zip")
ALLOWED = (STAY, UP, DOWN, CPU)
_BOTS = {**BOTS, **TRAINING_BOTS}  # the gauntlet's reference bots, the sparring partner
_WORDS = [*SCRIPTED, *_BOTS]  # the players named by a word
_NAMED = ", ".join(_WORDS)
_FORMS = (
    f"a player is a snapshot id (with --run RUN_DIR), a snapshot file (.npz, .json or .zip), "
    f"one of {_NAMED}, your bot as py:MODULE:ATTR or py:path/to/file.py:ATTR, nash:left / "
    "nash:right (with --run), or ensemble:left / ensemble:right (with --run, or @RUN_DIR)"
)
# The module of an SB3 zip's policy class names its algorithm (``data`` JSON, ``policy_class``).
_ALGO_BY_POLICY_MODULE = (
    ("sb3_contrib.qrdqn", "qrdqn"),
    ("stable_baselines3.dqn", "dqn"),
    ("stable_baselines3.common.policies", "ppo"),
    ("stable_baselines3.ppo", "ppo"),
)


@dataclass(frozen=True)
class Player:
    """A resolved player: what to call it and what plays for it.

    :param id: the display name: the snapshot id, ``run/stem`` of a snapshot file from another
        run, the scripted policy's or bot's name, or the ``py:`` spec.
    :param policy: the policy (``act(obs) -> actions`` on batches).
    :param snapshot_id: the snapshot id when the player is a snapshot of the ``--run`` given,
        else ``None``; only such players' results go into that run's database.
    :param mixture: for a mixed player (``nash:left``), its members as (snapshot id, policy,
        weight); ``policy`` is then its heaviest member, for uses that need one policy.
    :param role: the role a player of several snapshots plays (``nash:left``,
        ``ensemble:right``); ``None`` for the others, whose role, if any, their id says.
    """

    id: str
    policy: Policy
    snapshot_id: str | None = None
    mixture: tuple[tuple[str, Policy, float], ...] = ()
    role: str | None = None

    def policies(self, games: int, seed: int) -> list[Policy]:
        """The policy of each of ``games`` games: a mixture draws one member per game from a
        Generator seeded ``seed``; any other player plays every game itself."""
        if not self.mixture:
            return [self.policy] * games
        picks = self._draw(np.random.default_rng(seed), games)
        return [self.mixture[k][1] for k in picks]

    def sample(self, rng: np.random.Generator) -> tuple[str, Policy]:
        """``(id, policy)`` for one training episode: a mixture's member drawn by ``rng``."""
        if not self.mixture:
            return self.id, self.policy
        member_id, policy, _ = self.mixture[int(self._draw(rng, 1)[0])]
        return member_id, policy

    def _draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        weights = np.array([w for _, _, w in self.mixture], dtype=np.float64)
        return rng.choice(len(self.mixture), size=n, p=weights / weights.sum())


def resolve_player(
    spec: str,
    run_dir: Path | str | None,
    rules: Rules,
    frame_stack: int = 4,
    seed: int | None = None,
) -> Player:
    """The player named by ``spec`` (see the module docstring for the forms it takes).

    :param spec: what the user typed.
    :param run_dir: the run whose snapshot ids ``spec`` may name; ``None`` without ``--run``.
    :param rules: the rules of the game; ``py:`` factories are called with them.
    :param frame_stack: frames per observation: a snapshot must take ``6 * frame_stack`` inputs.
    :param seed: seed of the ``random`` policy, so matches against it are reproducible.
    :return: the player.
    :raises LeagueError: if ``spec`` names nothing that can play, with what does exist.
    """
    spec = spec.strip()
    if not spec:
        raise LeagueError(f"empty player name: give a snapshot id, a file, {_NAMED} or a py: bot")
    if spec.startswith(PY_PREFIX):
        return Player(spec, load_bot(spec, rules, frame_stack))
    word = spec.lower()  # `CPU` is the cpu
    if word.startswith(NASH_PREFIX):
        return nash_player(word[len(NASH_PREFIX) :], run_dir, FRAME_SIZE * frame_stack)
    if word.startswith(ENSEMBLE_PREFIX):
        return ensemble_player(spec[len(ENSEMBLE_PREFIX) :], run_dir, FRAME_SIZE * frame_stack)
    if word in SCRIPTED:
        return Player(word, scripted(word, rules, seed=seed))
    if word in _BOTS:
        return Player(word, _BOTS[word](rules))
    obs_dim = FRAME_SIZE * frame_stack
    path = Path(spec)
    if _looks_like_path(spec) or path.exists():
        policy = load_snapshot_file(path, obs_dim)
        sid = _snapshot_id_of_file(path, run_dir) if run_dir is not None else None
        return Player(sid or _file_display_name(path), policy, sid)
    if run_dir is None:
        hint = did_you_mean(spec, _WORDS)
        raise LeagueError(
            f"unknown player {spec!r}: {hint + ' ' if hint else ''}It names no file, and there "
            f"is no --run RUN_DIR to look a snapshot id up in; {_FORMS}"
        )
    with LeagueStore.open(Path(run_dir), readonly=True) as store:
        ids = {s.id.lower(): s.id for s in store.snapshots()}
        try:
            record = store.snapshot(ids.get(word, spec))  # `LEFT-0007` is left-0007
        except LeagueError as err:  # it lists the known ids and a near miss
            raise LeagueError(f"{err}; {_FORMS}") from None
        npz = store.resolve(record.npz_path)
    return Player(record.id, _checked_obs_dim(NumpyPolicy.load(npz), obs_dim, npz), record.id)


def nash_player(role: str, run_dir: Path | str | None, obs_dim: int) -> Player:
    """``nash:ROLE``: the role's snapshots mixed by their Nash weights in the run's meta-game
    (:func:`league.report.nash_weights`, the weights ``matrix`` and ``ls`` show).

    :raises LeagueError: a role other than left or right, no ``--run``, or a run without
        snapshots of both roles.
    """
    from league.report import LeagueView, nash_weights

    if role not in ("left", "right"):
        raise LeagueError(f"nash:{role}: write nash:left or nash:right")
    if run_dir is None:
        raise LeagueError(f"nash:{role} mixes a run's snapshots: give the run with --run RUN_DIR")
    view = LeagueView.read(run_dir)
    left, right, value = nash_weights(view)
    if value is None:
        raise LeagueError(f"nash:{role}: {run_dir} has no snapshots of both roles yet")
    by_id = {s.id: s for s in view.snapshots}
    members = []
    for sid, weight in (left if role == "left" else right).items():
        if weight > 1e-9:
            npz = Path(run_dir) / by_id[sid].npz_path
            members.append((sid, _checked_obs_dim(NumpyPolicy.load(npz), obs_dim, npz), weight))
    heaviest = max(members, key=lambda member: member[2])
    return Player(f"nash:{role}", heaviest[1], None, tuple(members), role=role)


def ensemble_player(spec: str, run_dir: Path | str | None, obs_dim: int) -> Player:
    """``ensemble:ROLE[:K][@RUN_DIR]``: the role's last ``K`` (default 3) trained main
    snapshots of the run, acting on the mean of their action values
    (:class:`~league.policies.MeanValues`). A generation whose main the gate turned down
    registered its predecessor's network again, which then counts twice.

    :param spec: what follows ``ensemble:``, e.g. ``left``, ``right:5`` or ``left@runs/a``.
    :param run_dir: the ``--run``, used when ``spec`` names no run.
    :raises LeagueError: a role other than left or right, a size that is not a positive
        integer, no run, fewer than ``K`` trained mains of the role, or PPO snapshots.
    """
    body, at, run_spec = spec.partition("@")
    role, _, size_spec = body.lower().partition(":")
    named = f"ensemble:{body}"
    if role not in ("left", "right"):
        raise LeagueError(
            f"{named}: write ensemble:left or ensemble:right (then :K for the role's last K "
            "mains, 3 unless given, and @RUN_DIR for a run other than --run)"
        )
    size = ENSEMBLE_SIZE
    if size_spec:
        if not size_spec.isdigit() or int(size_spec) < 1:
            raise LeagueError(f"{named}: K must be a whole number of mains, 1 or more")
        size = int(size_spec)
    if at and not run_spec:
        raise LeagueError(f"{named}@: name the run after the @, e.g. {named}@runs/RUN_DIR")
    run = Path(run_spec) if at else (None if run_dir is None else Path(run_dir))
    if run is None:
        raise LeagueError(
            f"{named} averages a run's mains: give the run with --run RUN_DIR or as {named}@RUN_DIR"
        )
    with LeagueStore.open(run, readonly=True) as store:
        mains = [
            s for s in store.snapshots() if s.kind == "main" and s.role == role and s.generation > 0
        ]
        mains.sort(key=lambda s: s.generation)
        paths = [store.resolve(s.npz_path) for s in mains[-size:]]
    if len(mains) < size:
        raise LeagueError(
            f"{named}: {run} has {len(mains)} trained {role} main(s), fewer than {size}; ask "
            f"for ensemble:{role}:{max(len(mains), 1)} or train the run on"
        )
    members = [_checked_obs_dim(NumpyPolicy.load(path), obs_dim, path) for path in paths]
    try:
        policy = MeanValues(members)
    except ValueError as err:
        raise LeagueError(f"{named}: {err}; {run}'s mains are {members[0].algo}") from None
    shown = f"ensemble:{role}:{size}"
    return Player(shown if not at else f"{run.name}/{shown}", policy, None, role=role)


def game_settings(run_dir: Path | str | None, rules_name: str | None) -> tuple[Rules, int]:
    """The rules and frame stack a match is played with.

    :param run_dir: the ``--run``: its rules (preset and overrides) and frame stack by default.
    :param rules_name: a rules preset that replaces the run's rules (``classic`` without a run).
    :return: ``(rules, frame_stack)``; the frame stack is 4 without a run.
    :raises LeagueError: unknown preset, or a run folder without a readable database.
    """
    frame_stack = 4
    run_rules = None
    if run_dir is not None:
        from league.config import LeagueConfig

        with LeagueStore.open(Path(run_dir), readonly=True) as store:
            config = LeagueConfig.of_run(store.config(), f"{run_dir} config")
        if config.game != "pong":
            raise LeagueError(
                f"{run_dir} is a league of {config.game}, not of Pong: it has no Pong rules "
                "or frame stack"
            )
        frame_stack = config.frame_stack
        run_rules = config.game_rules()
    if rules_name is None:
        return (run_rules or envs_rules("classic")), frame_stack
    try:
        return envs_rules(rules_name), frame_stack
    except ValueError as err:
        raise LeagueError(f"--rules: {err}") from None


def _looks_like_path(spec: str) -> bool:
    return "/" in spec or "\\" in spec or spec.lower().endswith(SNAPSHOT_SUFFIXES)


def _file_display_name(path: Path) -> str:
    """``right-0012`` of ``runs/a/snapshots/right-0012.npz`` is shown as ``a/right-0012``."""
    parent = path.parent
    if parent.name == "snapshots" and parent.parent.name not in ("", ".", ".."):
        return f"{parent.parent.name}/{path.stem}"
    return path.stem


def _snapshot_id_of_file(path: Path, run_dir: Path | str) -> str | None:
    """The id under which ``run_dir`` registered the file at ``path``, if it did."""
    try:
        store = LeagueStore.open(Path(run_dir), readonly=True)
    except LeagueError:
        return None  # the path is fine on its own; a bad --run is reported where it is needed
    target = path.resolve().with_suffix("")
    with store:
        for record in store.snapshots():
            for relative in (record.npz_path, record.zip_path):
                if store.resolve(relative).resolve().with_suffix("") == target:
                    return record.id
    return None


def _checked_obs_dim(policy: NumpyPolicy, obs_dim: int, source: Path) -> NumpyPolicy:
    if policy.obs_dim != obs_dim:
        raise LeagueError(
            f"{source} takes observations of {policy.obs_dim} floats but this game gives "
            f"{obs_dim} ({obs_dim // FRAME_SIZE} frames of {FRAME_SIZE}); play it with the "
            "frame stack it was trained with (--run of its own run)"
        )
    return policy


def load_snapshot_file(path: Path, obs_dim: int) -> NumpyPolicy:
    """A snapshot from its ``.npz``/``.json``/stem, or from an SB3 ``.zip``.

    For a ``.zip`` the weights-only files next to it are used when present (nothing unpickled,
    no torch); otherwise the zip is loaded with its own algorithm class and frozen.

    :param path: the file (or the common stem of ``.npz`` and ``.json``).
    :param obs_dim: the observation size of the game it will play.
    :return: the policy.
    :raises LeagueError: missing, corrupt or truncated file; wrong observation size.
    """
    path = Path(path)
    if path.suffix.lower() == ".zip":
        if path.with_suffix(".npz").is_file() and path.with_suffix(".json").is_file():
            return _checked_obs_dim(NumpyPolicy.load(path), obs_dim, path)
        return _checked_obs_dim(_load_sb3_zip(path), obs_dim, path)
    if path.is_dir():
        raise LeagueError(f"{path} is a folder, not a snapshot file (.npz, .json or .zip)")
    if not path.with_suffix(".npz").is_file() and not path.with_suffix(".json").is_file():
        raise LeagueError(f"no snapshot file {path}: check the path (a .npz, .json or .zip)")
    return _checked_obs_dim(NumpyPolicy.load(path), obs_dim, path)


def zip_algo(path: Path) -> str:
    """The algorithm (``dqn``, ``qrdqn``, ``ppo``) an SB3 zip was saved by, from its ``data``.

    :raises LeagueError: if the file is not a readable SB3 zip of one of those algorithms.
    """
    if not path.is_file():
        raise LeagueError(f"no snapshot file {path}: check the path")
    try:
        with zipfile.ZipFile(path) as archive:
            data = json.loads(archive.read("data"))
        module = data["policy_class"]["__module__"]
    except Exception as exc:  # zipfile, KeyError, JSON and OS errors all mean the same here
        raise LeagueError(
            f"{path} is not a readable SB3 model zip ({type(exc).__name__}): it is corrupt or "
            "truncated; pick another snapshot"
        ) from exc
    for prefix, algo in _ALGO_BY_POLICY_MODULE:
        if str(module).startswith(prefix):
            return algo
    raise LeagueError(f"{path} holds a {module} policy; only DQN, QR-DQN and PPO models play")


def _load_sb3_zip(path: Path) -> NumpyPolicy:
    from league.learners import load_model  # torch and SB3, only for this rare case

    algo = zip_algo(path)
    # Schedules are pickled closures that need not load on another Python; acting needs none.
    custom = {
        "lr_schedule": _zero,
        "exploration_schedule": _zero,
        "clip_range": _zero,
        "learning_rate": 0.0,
    }
    try:
        model = load_model(algo, path, custom)
    except Exception as exc:
        raise LeagueError(
            f"{path} could not be loaded as a {algo} model ({type(exc).__name__}: "
            f"{_first_line(exc)}); it is corrupt or truncated, pick another snapshot"
        ) from exc
    return NumpyPolicy.from_model(model)


def _zero(_: float) -> float:
    return 0.0


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "no message"


def load_bot(spec: str, rules: Rules, frame_stack: int = 4) -> Policy:
    """Your own policy from ``py:MODULE:ATTR`` or ``py:path/to/file.py:ATTR``.

    ``ATTR`` is called with ``rules``; what it returns must have a callable ``act``, which is
    tried once on a batch of two blank observations so that a broken bot fails here, with its
    name, rather than in the middle of a match.

    :param spec: the spec, ``py:`` included.
    :param rules: the rules of the game.
    :param frame_stack: frames per observation the bot will get.
    :raises LeagueError: no such module, file or attribute; not callable; no working ``act``.
    """
    body = spec[len(PY_PREFIX) :]
    source, sep, attr = body.rpartition(":")
    if not sep or not source or not attr:
        raise LeagueError(
            f"bad bot {spec!r}: write py:MODULE:ATTR or py:path/to/file.py:ATTR "
            "(e.g. py:scripts/example_bot.py:Follower)"
        )
    module = import_user_module(f"bad bot {spec!r}", source)
    if not hasattr(module, attr):
        public = sorted(n for n in vars(module) if not n.startswith("_"))
        raise LeagueError(
            f"bad bot {spec!r}: {source} has no attribute {attr!r} "
            f"(it has: {', '.join(public) or 'nothing public'})"
        )
    factory = getattr(module, attr)
    if not callable(factory):
        raise LeagueError(
            f"bad bot {spec!r}: {attr} is a {type(factory).__name__}, not a class or factory "
            "to call with the rules"
        )
    try:
        bot = factory(rules)
    except Exception as exc:
        raise LeagueError(
            f"bad bot {spec!r}: {attr}(rules) raised {type(exc).__name__}: {_first_line(exc)}"
        ) from exc
    if not callable(getattr(bot, "act", None)):
        raise LeagueError(
            f"bad bot {spec!r}: {attr}(rules) returned a {type(bot).__name__} without an "
            "act(obs) -> actions method"
        )
    _probe(spec, bot, FRAME_SIZE * frame_stack)
    return bot


def _probe(spec: str, bot: Any, obs_dim: int) -> None:
    try:
        actions = np.asarray(bot.act(np.zeros((2, obs_dim), dtype=np.float32)))
    except Exception as exc:
        raise LeagueError(
            f"bad bot {spec!r}: act() on a batch of shape (2, {obs_dim}) raised "
            f"{type(exc).__name__}: {_first_line(exc)}"
        ) from exc
    integers = actions.dtype.kind in "iu"
    if actions.shape != (2,) or not integers or not np.isin(actions, ALLOWED).all():
        raise LeagueError(
            f"bad bot {spec!r}: act() must return one integer action (0 stay, 1 up, 2 down) per "
            f"observation row, got {actions.dtype} of shape {actions.shape} for 2 rows"
        )


def import_user_module(label: str, source: str) -> Any:
    """A user's module by name, or by file path (``path/to/file.py``), as ``py:`` specs give it.

    :param label: how errors begin (``"bad bot 'py:x.py:Bot'"``).
    :raises LeagueError: no such module or file, or importing it failed.
    """
    is_file = source.endswith(".py") or "/" in source or "\\" in source
    try:
        if is_file:
            return _import_file(label, Path(source))
        # Like `python -m`, a module in the current folder is found without installing it.
        if "" not in sys.path and str(Path.cwd()) not in sys.path:
            sys.path.append(str(Path.cwd()))
        return importlib.import_module(source)
    except LeagueError:
        raise
    except ModuleNotFoundError as exc:
        if exc.name is not None and (source == exc.name or source.startswith(exc.name + ".")):
            raise LeagueError(
                f"{label}: no module named {source!r} on the Python path; give a "
                "file instead (py:path/to/file.py:ATTR)"
            ) from None
        raise LeagueError(f"{label}: importing {source} failed: {exc}") from exc
    except Exception as exc:  # a syntax error or a failure inside the user's module
        raise LeagueError(
            f"{label}: importing {source} failed ({type(exc).__name__}: {_first_line(exc)})"
        ) from exc


def _import_file(label: str, path: Path) -> Any:
    if not path.is_file():
        raise LeagueError(f"{label}: no file {path}")
    name = f"pong_league_bot_{abs(hash(str(path.resolve())))}"
    module_spec = importlib.util.spec_from_file_location(name, path)
    if module_spec is None or module_spec.loader is None:
        raise LeagueError(f"{label}: {path} cannot be imported as Python")
    module = importlib.util.module_from_spec(module_spec)
    # Registered before running it, as a normal import does (dataclasses look themselves up).
    sys.modules[name] = module
    try:
        module_spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
