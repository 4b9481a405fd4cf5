"""Frozen snapshots of learned policies that act with numpy alone.

A snapshot is two files next to each other: ``<stem>.npz`` holds the float32 weights
(``w0, b0, w1, b1, ...``, each weight in ``torch.nn.Linear`` layout ``(out, in)``) and
``<stem>.json`` describes the network::

    {"format_version": 1, "algo": "qrdqn", "obs_dim": 24, "n_actions": 3, "n_quantiles": 200,
     "layers": [{"weight": "w0", "bias": "b0", "in_features": 24, "out_features": 32,
                 "activation": "relu"}, ...]}

A learner with ``features = "intercept"`` adds ``"features": {"kind": "intercept", "court":
[...]}``: the snapshot appends :func:`envs.features.intercept_features` of each observation (the
court geometry given) before its first layer, whose ``in_features`` is then ``obs_dim + 4``.

Loading never unpickles anything (``np.load(..., allow_pickle=False)``) and never imports torch,
so arena workers can play thousands of snapshots cheaply. Only exporting needs torch and SB3.
"""

from __future__ import annotations

import json
import math
import os
import uuid
import zipfile
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from league.errors import LeagueError

if TYPE_CHECKING:
    from stable_baselines3.common.base_class import BaseAlgorithm

FORMAT_VERSION = 1
ALGOS = ("dqn", "qrdqn", "ppo", "maskable_ppo")
ACTIVATIONS = ("relu", "tanh", "identity")
UNSUPPORTED = "only MLP policies with discrete actions (dqn, qrdqn, ppo, maskable_ppo) export"


_ZERO = np.float32(0.0)  # a float32 scalar spares np.maximum a cast on every call


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, _ZERO, out=x)


def _tanh(x: np.ndarray) -> np.ndarray:
    return np.tanh(x, out=x)


# identity maps to None so act() skips the call instead of paying for a no-op function.
_ACTIVATION_FNS: dict[str, Callable[[np.ndarray], np.ndarray] | None] = {
    "relu": _relu,
    "tanh": _tanh,
    "identity": None,
}


class NumpyPolicy:
    """A greedy discrete-action MLP policy evaluated with numpy matmuls.

    Build one with :meth:`load` (from snapshot files) or :meth:`from_model` (from a live
    SB3 model); both validate the network the same way.

    :param description: the network description (the JSON dict, see the module docstring).
    :param arrays: the weights named in ``description["layers"]``.
    :param source: what the network came from, used in error messages (a file name).
    """

    def __init__(self, description: dict[str, Any], arrays: dict[str, np.ndarray], source: str):
        _validate_description(description, source)
        self.description = description
        self.algo: str = description["algo"]
        self.obs_dim: int = description["obs_dim"]
        self.n_actions: int = description["n_actions"]
        # Where the ball will meet the player, appended before the first layer (a snapshot of a
        # learner with features = "intercept"; see league.features).
        self._extend: Callable[[np.ndarray], np.ndarray] | None = None
        if "features" in description:
            from envs.bots import Court
            from envs.features import with_intercept_features

            court = Court(*description["features"]["court"])
            self._extend = partial(with_intercept_features, court=court)
        layers = _validated_layers(description, arrays, source)
        if self.algo == "qrdqn":
            layers[-1] = _fold_quantile_mean(*layers[-1][:2], description["n_quantiles"])
        # (in, out) contiguous weights make act() one plain matmul per layer.
        self._layers = tuple(
            (np.ascontiguousarray(w.T), b, _ACTIVATION_FNS[act]) for w, b, act in layers
        )

    @classmethod
    def load(cls, path: Path | str) -> NumpyPolicy:
        """Load a snapshot exported by :func:`export_numpy_policy`.

        :param path: the ``.npz`` file, the ``.json`` file or their common stem.
        :return: the policy.
        :raises LeagueError: if a file is missing, corrupt, or describes an inconsistent network.
        """
        npz_path, json_path = _snapshot_paths(Path(path))
        description = _read_description(json_path)
        arrays = _read_arrays(npz_path)
        return cls(description, arrays, source=f"{npz_path} (described by {json_path.name})")

    @classmethod
    def from_model(cls, model: BaseAlgorithm) -> NumpyPolicy:
        """Freeze a live DQN, QRDQN or PPO model in memory, exactly as an export would.

        :param model: an SB3 ``DQN``/``PPO`` or sb3-contrib ``QRDQN`` with an ``MlpPolicy``.
        :return: the policy (later training of ``model`` does not change it).
        :raises LeagueError: if the model cannot be exported.
        """
        description, arrays = describe_model(model)
        return cls(description, arrays, source=f"{type(model).__name__} model")

    def act(self, obs: np.ndarray, action_mask: np.ndarray | None = None) -> np.ndarray:
        """Greedy actions for a batch of observations.

        :param obs: observations of shape ``(B, obs_dim)``, or ``(obs_dim,)`` for one.
        :param action_mask: in a game with illegal moves, ``(B, n_actions)`` booleans: the
            greedy action among the legal ones (MaskablePPO's own rule).
        :return: int64 actions of shape ``(B,)`` (``(1,)`` for a single observation).
        """
        return self._outputs(obs, action_mask).argmax(axis=1).astype(np.int64, copy=False)

    @property
    def stochastic(self) -> bool:
        """Whether the network's outputs are action logits (PPO, MaskablePPO) that
        :meth:`sample` draws from; a DQN's are values, with no distribution to draw from."""
        return self.algo in ("ppo", "maskable_ppo")

    def sample(
        self, obs: np.ndarray, rng: np.random.Generator, action_mask: np.ndarray | None = None
    ) -> np.ndarray:
        """Actions drawn from the policy's distribution (softmax of its logits over the legal
        actions), as PPO draws its moves while it trains; greedy for a value network.

        :param obs: observations of shape ``(B, obs_dim)``, or ``(obs_dim,)`` for one.
        :param rng: the Generator that draws (one uniform per observation).
        :param action_mask: ``(B, n_actions)`` booleans of the legal actions, or ``None``.
        :return: int64 actions of shape ``(B,)``.
        """
        x = self._outputs(obs, action_mask)
        if not self.stochastic:
            return x.argmax(axis=1).astype(np.int64, copy=False)
        x = np.exp(x - x.max(axis=1, keepdims=True))  # an illegal action's -inf gives 0
        cdf = np.cumsum(x, axis=1)
        u = rng.random(len(x)) * cdf[:, -1]
        picks = (cdf <= u[:, None]).sum(axis=1)  # the first action whose cdf passes u
        return np.minimum(picks, x.shape[1] - 1).astype(np.int64)

    def hidden(self, obs: np.ndarray) -> list[np.ndarray]:
        """The activations of each hidden layer, ``(B, units)`` each, for a batch of
        observations (what a dormant unit is measured on: one that no observation activates)."""
        x = self._inputs(obs)
        out = []
        for weight, bias, activation in self._layers[:-1]:
            x = np.dot(x, weight) + bias
            if activation is not None:
                activation(x)
            out.append(x)
        return out

    def _inputs(self, obs: np.ndarray) -> np.ndarray:
        """The first layer's inputs: the observations, with the features where it reads them."""
        x = np.asarray(obs, dtype=np.float32)
        if x.ndim == 1:
            x = x.reshape(1, -1)
        if x.ndim != 2 or x.shape[1] != self.obs_dim:
            raise ValueError(f"expected observations of shape (B, {self.obs_dim}), got {x.shape}")
        if self._extend is not None:
            x = self._extend(x)
        return x

    def _outputs(self, obs: np.ndarray, action_mask: np.ndarray | None) -> np.ndarray:
        """The network's outputs, -inf at illegal actions."""
        return self._forward(self._inputs(obs), action_mask)

    def _forward(self, x: np.ndarray, action_mask: np.ndarray | None) -> np.ndarray:
        """The outputs for first-layer inputs ``x`` (:meth:`_inputs`), which it leaves as
        they are, so that networks reading the same inputs share them."""
        for weight, bias, activation in self._layers:
            x = np.dot(x, weight)  # same as `x @ weight` for 2-D, with less call overhead
            x += bias
            if activation is not None:
                activation(x)
        if action_mask is not None:
            x = np.where(np.asarray(action_mask, dtype=bool).reshape(x.shape), x, -np.inf)
        return x


class MeanValues:
    """Value networks that act as one: the greedy action of their mean action values.

    How ``ensemble:left`` plays (:func:`league.players.ensemble_player`): a main's last few
    snapshots, each with holes of its own, averaged so that a ball one of them misplays is
    played as the others would. Only DQN and QR-DQN snapshots (action values of one scale);
    PPO's logits are no values to average.

    :param members: the snapshots, at least one, all value networks of one observation size.
    :raises ValueError: no members, a PPO member, or members of different sizes.
    """

    def __init__(self, members: Sequence[NumpyPolicy]) -> None:
        if not members:
            raise ValueError("an ensemble needs at least one member")
        if any(m.stochastic for m in members):
            raise ValueError("an ensemble averages action values: DQN or QR-DQN snapshots only")
        if len({(m.obs_dim, m.n_actions) for m in members}) > 1:
            raise ValueError("ensemble members take different observations or actions")
        self.members = tuple(members)
        self.obs_dim = members[0].obs_dim
        self.n_actions = members[0].n_actions
        # A league's mains all read the same features: computed once a move, not once a member.
        features = members[0].description.get("features")
        self._same_inputs = all(m.description.get("features") == features for m in members)

    @property
    def stochastic(self) -> bool:
        """Never: the mean of action values is acted on greedily."""
        return False

    def act(self, obs: np.ndarray, action_mask: np.ndarray | None = None) -> np.ndarray:
        """Greedy actions of the members' mean action values, for a batch of observations
        (shapes as :meth:`NumpyPolicy.act`)."""
        if self._same_inputs:
            x = self.members[0]._inputs(obs)
            values = [member._forward(x, action_mask) for member in self.members]
        else:
            values = [member._outputs(obs, action_mask) for member in self.members]
        return np.sum(values, axis=0).argmax(axis=1).astype(np.int64, copy=False)


class SampledMoves:
    """A snapshot that draws its moves from its policy with ``rng`` (:meth:`NumpyPolicy.sample`):
    how a PPO snapshot plays as a training opponent under ``opponent_moves = "sample"``, and in
    half of the episodes under ``"mixed"``.

    :param policy: the snapshot.
    :param rng: the Generator that draws its moves (the env's own, so a seed fixes them).
    """

    def __init__(self, policy: NumpyPolicy, rng: np.random.Generator) -> None:
        self.policy = policy
        self.rng = rng

    def act(self, obs: np.ndarray, action_mask: np.ndarray | None = None) -> np.ndarray:
        return self.policy.sample(obs, self.rng, action_mask)


def export_numpy_policy(model: BaseAlgorithm, path: Path) -> None:
    """Write ``path.with_suffix(".npz")`` then ``path.with_suffix(".json")``, each atomically.

    The JSON is written last, so a snapshot whose JSON exists has its weights complete.

    :param model: an SB3 ``DQN``/``PPO`` or sb3-contrib ``QRDQN`` with an ``MlpPolicy``.
    :param path: where to write; the suffix, if any, is replaced.
    :raises LeagueError: if the model cannot be exported.
    """
    write_numpy_policy(path, *describe_model(model))


def write_numpy_policy(
    path: Path, description: dict[str, Any], arrays: dict[str, np.ndarray]
) -> None:
    """Write a snapshot from its description and weights (:func:`describe_model`'s answer), as
    :func:`export_numpy_policy` does: the ``.npz``, then the ``.json``, each atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(path.with_suffix(".npz"), lambda f: write_npz(f, arrays))
    text = json.dumps(description, indent=2) + "\n"
    _write_atomically(path.with_suffix(".json"), lambda f: f.write(text.encode("utf-8")))


def describe_model(model: BaseAlgorithm) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The network description and float32 weights of a model's greedy-action network.

    :param model: an SB3 ``DQN``/``PPO`` or sb3-contrib ``QRDQN`` with an ``MlpPolicy``.
    :return: the JSON-ready description and the weights it names.
    :raises LeagueError: if the model is not one of those, or its network has other modules.
    """
    # Imported here so that loading snapshots never pays for importing torch.
    from gymnasium import spaces
    from sb3_contrib import QRDQN, MaskablePPO
    from stable_baselines3 import DQN, PPO
    from stable_baselines3.common.preprocessing import is_image_space
    from stable_baselines3.common.torch_layers import FlattenExtractor
    from torch import nn

    from league.features import described_features

    name = type(model).__name__
    extra: dict[str, Any] = {}
    if isinstance(model, DQN):
        algo, net = "dqn", model.policy.q_net
        modules: list[nn.Module] = [net.q_net]
    elif isinstance(model, QRDQN):
        algo, net = "qrdqn", model.policy.quantile_net
        modules = [net.quantile_net]
        extra["n_quantiles"] = int(net.n_quantiles)
    elif isinstance(model, PPO | MaskablePPO):
        algo = "ppo" if isinstance(model, PPO) else "maskable_ppo"
        net = model.policy
        modules = [net.mlp_extractor.policy_net, net.action_net]
    else:
        raise LeagueError(f"cannot export a {name} model: {UNSUPPORTED}")
    obs_space, action_space = model.observation_space, model.action_space
    extractor = net.pi_features_extractor if algo.endswith("ppo") else net.features_extractor
    if not isinstance(action_space, spaces.Discrete) or int(action_space.start) != 0:
        raise LeagueError(f"cannot export {name} with action space {action_space}: {UNSUPPORTED}")
    # A flat float Box is fed to the network unchanged (preprocess_obs only casts to float and
    # Flatten is a no-op on it); anything else would need SB3's preprocessing replicated.
    features = described_features(extractor)
    if (
        (type(extractor) is not FlattenExtractor and features is None)
        or not isinstance(obs_space, spaces.Box)
        or len(obs_space.shape) != 1
        or is_image_space(obs_space)
    ):
        raise LeagueError(
            f"cannot export {name} with {type(extractor).__name__} on observation space "
            f"{obs_space}: {UNSUPPORTED} (flat Box observations)"
        )
    layers = _linear_layers(modules, name)
    arrays: dict[str, np.ndarray] = {}
    layer_specs = []
    for i, (linear, activation) in enumerate(layers):
        weight = linear.weight.detach().cpu().numpy().astype(np.float32)
        bias = (
            np.zeros(linear.out_features, dtype=np.float32)
            if linear.bias is None
            else linear.bias.detach().cpu().numpy().astype(np.float32)
        )
        arrays[f"w{i}"], arrays[f"b{i}"] = weight, bias
        layer_specs.append(
            {
                "weight": f"w{i}",
                "bias": f"b{i}",
                "in_features": int(linear.in_features),
                "out_features": int(linear.out_features),
                "activation": activation,
            }
        )
    description = {
        "format_version": FORMAT_VERSION,
        "algo": algo,
        "obs_dim": int(obs_space.shape[0]),
        "n_actions": int(action_space.n),
        **extra,
        **({"features": features} if features else {}),
        "layers": layer_specs,
    }
    return description, arrays


def _linear_layers(modules: list[Any], name: str) -> list[tuple[Any, str]]:
    """Pair each ``nn.Linear`` in ``modules`` (run in order) with the activation after it."""
    from torch import nn

    known: dict[type, str] = {nn.ReLU: "relu", nn.Tanh: "tanh"}
    flat: list[nn.Module] = []
    stack = list(reversed(modules))
    while stack:
        module = stack.pop()
        if type(module) is nn.Sequential:
            stack.extend(reversed(list(module)))
        elif type(module) is not nn.Identity:
            flat.append(module)
    layers: list[tuple[Any, str]] = []
    for module in flat:
        if type(module) is nn.Linear:
            layers.append((module, "identity"))
        elif type(module) in known and layers and layers[-1][1] == "identity":
            layers[-1] = (layers[-1][0], known[type(module)])
        else:
            raise LeagueError(
                f"cannot export {name}: its network has a {type(module).__name__} module where "
                f"only Linear layers each followed by ReLU or Tanh are supported; {UNSUPPORTED}"
            )
    if not layers or layers[-1][1] != "identity":
        raise LeagueError(f"cannot export {name}: it has no linear output layer; {UNSUPPORTED}")
    return layers


def write_npz(file: Any, arrays: dict[str, np.ndarray]) -> None:
    """``np.savez(file, **arrays)`` without the clock: equal weights give equal bytes.

    ``np.savez`` stamps every zip entry with the time of writing, so two runs that make the
    same snapshot would write different files; a fixed stamp lets a resumed or a parallel run
    be compared with an uninterrupted one byte for byte.
    """
    with zipfile.ZipFile(file, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            with zf.open(info, "w", force_zip64=True) as out:
                np.lib.format.write_array(out, np.asanyarray(array), allow_pickle=False)


def _write_atomically(path: Path, write: Callable[[Any], object]) -> None:
    """Write ``path`` through a temp file in its folder so readers never see a partial file."""
    tmp_path = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    # os.open with 0o666 honours the umask; mkstemp's 0o600 would hide snapshots from teammates.
    fd = os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def _snapshot_paths(path: Path) -> tuple[Path, Path]:
    """The ``(.npz, .json)`` pair for a path to either file or to their stem."""
    # with_suffix on a stem is the rule export uses, so any of the three spellings round-trips.
    return path.with_suffix(".npz"), path.with_suffix(".json")


def _read_description(path: Path) -> dict[str, Any]:
    """Parse the JSON description, turning any failure into a LeagueError naming the file."""
    try:
        description = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LeagueError(f"{path} not found: re-export the snapshot or check the path") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LeagueError(
            f"{path} is not valid JSON ({type(exc).__name__}: {exc}): "
            "re-export it or pick another snapshot"
        ) from exc
    if not isinstance(description, dict):
        raise LeagueError(f"{path} does not hold a JSON object: re-export it")
    _validate_description(description, str(path))
    return description


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    """Read every array of the .npz without unpickling, or raise a LeagueError naming it."""
    if not path.is_file():
        raise LeagueError(f"{path} not found: re-export the snapshot or check the path")
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise ValueError(f"a single {type(loaded).__name__}, not an .npz archive")
        with loaded as npz:
            # Reading each array here (not lazily later) surfaces truncation now.
            return {name: npz[name] for name in npz.files}
    except Exception as exc:  # zipfile, zlib, numpy and OS errors all mean the same to the user
        raise LeagueError(
            f"{path} is corrupt or truncated ({type(exc).__name__}): "
            "re-export it or pick another snapshot"
        ) from exc


def _invalid(source: str, problem: str) -> LeagueError:
    return LeagueError(f"{source}: {problem}; re-export it or pick another snapshot")


def _is_positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _validate_description(description: dict[str, Any], source: str) -> None:
    """Check the description's keys and scalar values (shapes are checked with the arrays)."""
    fail = partial(_invalid, source)

    version = description.get("format_version")
    if version != FORMAT_VERSION:
        raise fail(f"format_version is {version!r}, this program reads {FORMAT_VERSION}")
    if description.get("algo") not in ALGOS:
        raise fail(f"algo is {description.get('algo')!r}, expected one of {', '.join(ALGOS)}")
    keys = ["obs_dim", "n_actions"] + (["n_quantiles"] if description["algo"] == "qrdqn" else [])
    for key in keys:
        if not _is_positive_int(description.get(key)):
            raise fail(f"{key} is {description.get(key)!r}, expected a positive integer")
    if "features" in description:
        _validate_features(description["features"], description["obs_dim"], fail)
    layers = description.get("layers")
    if not isinstance(layers, list) or not layers:
        raise fail("layers is missing or empty")
    for i, layer in enumerate(layers):
        if not isinstance(layer, dict):
            raise fail(f"layer {i} is not an object")
        for key in ("weight", "bias"):
            if not isinstance(layer.get(key), str):
                raise fail(f"layer {i} has no {key} array name")
        for key in ("in_features", "out_features"):
            if not _is_positive_int(layer.get(key)):
                raise fail(f"layer {i} {key} is {layer.get(key)!r}, expected a positive integer")
        if layer.get("activation") not in ACTIVATIONS:
            raise fail(f"layer {i} activation is {layer.get('activation')!r}")
    if layers[-1]["activation"] != "identity":
        raise fail("the output layer must have the identity activation")


def _validate_features(features: object, obs_dim: int, fail: Callable[[str], LeagueError]) -> None:
    """Check a description's ``features`` entry: the intercept features of coords frames."""
    from envs.bots import Court
    from envs.observation import FRAME_SIZE

    if not isinstance(features, dict) or features.get("kind") != "intercept":
        raise fail(f"features is {features!r}, expected {{'kind': 'intercept', 'court': [...]}}")
    court = features.get("court")
    n_fields = len(Court.__dataclass_fields__)
    if (
        not isinstance(court, list)
        or len(court) != n_fields
        or not all(_is_number(v) and math.isfinite(v) for v in court)
    ):
        raise fail(f"features court is {court!r}, expected {n_fields} finite numbers")
    if obs_dim % FRAME_SIZE:
        raise fail(f"intercept features read coords frames of {FRAME_SIZE}, obs_dim is {obs_dim}")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _validated_layers(
    description: dict[str, Any], arrays: dict[str, np.ndarray], source: str
) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """The (weight, bias, activation) layers, checked to chain from obs_dim to the output."""
    fail = partial(_invalid, source)

    n_quantiles = description["n_quantiles"] if description["algo"] == "qrdqn" else 1
    n_out = description["n_actions"] * n_quantiles
    expected_in = description["obs_dim"]
    if "features" in description:
        from envs.features import FEATURES

        expected_in += FEATURES
    layers = []
    for i, spec in enumerate(description["layers"]):
        shapes = {
            spec["weight"]: (spec["out_features"], spec["in_features"]),
            spec["bias"]: (spec["out_features"],),
        }
        for name, shape in shapes.items():
            array = arrays.get(name)
            if array is None:
                raise fail(f"array {name!r} of layer {i} is missing")
            if array.shape != shape:
                raise fail(f"array {name!r} of layer {i} has shape {array.shape}, expected {shape}")
            if array.dtype.kind != "f" or not np.all(np.isfinite(array)):
                raise fail(f"array {name!r} of layer {i} is not finite floats ({array.dtype})")
        if spec["in_features"] != expected_in:
            raise fail(f"layer {i} takes {spec['in_features']} inputs but receives {expected_in}")
        expected_in = spec["out_features"]
        weight = arrays[spec["weight"]].astype(np.float32)
        bias = arrays[spec["bias"]].astype(np.float32)
        layers.append((weight, bias, spec["activation"]))
    if expected_in != n_out:
        raise fail(f"the output layer has {expected_in} outputs, expected {n_out}")
    return layers


def _fold_quantile_mean(
    weight: np.ndarray, bias: np.ndarray, n_quantiles: int
) -> tuple[np.ndarray, np.ndarray, str]:
    """Fold QR-DQN's mean over quantiles into its (linear) output layer.

    sb3-contrib's ``QuantileNetwork.forward`` views the output as ``(B, n_quantiles, n_actions)``
    (quantile-major), so output ``q * n_actions + a`` is quantile ``q`` of action ``a``. The mean
    of a linear layer's outputs is itself a linear layer, n_quantiles times narrower.
    """
    n_actions = weight.shape[0] // n_quantiles
    folded_weight = weight.astype(np.float64).reshape(n_quantiles, n_actions, -1).mean(axis=0)
    folded_bias = bias.astype(np.float64).reshape(n_quantiles, n_actions).mean(axis=0)
    return folded_weight.astype(np.float32), folded_bias.astype(np.float32), "identity"
