"""Numpy snapshots act exactly like the SB3 models they froze, and bad files fail clearly."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium import spaces
from sb3_contrib import QRDQN
from stable_baselines3 import A2C, DQN, PPO
from stable_baselines3.common.base_class import BaseAlgorithm

import league.policies as policies
from envs.features import FEATURES, court_vector
from envs.rules import rules
from league.errors import LeagueError
from league.features import extractor_kwargs
from league.policies import NumpyPolicy, export_numpy_policy

torch.set_num_threads(1)

OBS_DIM = 24
N_ACTIONS = 3
ALGOS = {"dqn": DQN, "qrdqn": QRDQN, "ppo": PPO}


class FlatEnv(gym.Env):
    """Random 24-float observations, no reward: only the spaces matter here.

    :param action_space: the action space to declare (Discrete(3) unless a test needs another).
    :param observation_space: the observation space to declare.
    """

    def __init__(
        self,
        action_space: spaces.Space | None = None,
        observation_space: spaces.Space | None = None,
    ) -> None:
        self.observation_space = observation_space or spaces.Box(-1, 1, (OBS_DIM,), np.float32)
        self.action_space = action_space or spaces.Discrete(N_ACTIONS)

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[Any, dict]:
        super().reset(seed=seed)
        return self.observation_space.sample(), {}

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict]:
        return self.observation_space.sample(), float(self.np_random.normal()), False, False, {}


def make_model(
    algo: str, activation: type[torch.nn.Module] | None = None, features: str = "none"
) -> BaseAlgorithm:
    """A tiny model with net_arch [32, 16] whose weights are perturbed so argmax varies."""
    policy_kwargs: dict[str, Any] = {
        "net_arch": [32, 16],
        **extractor_kwargs(features, court_vector(rules("classic"))),
    }
    if activation is not None:
        policy_kwargs["activation_fn"] = activation
    kwargs: dict[str, Any] = {"seed": 0, "device": "cpu", "policy_kwargs": policy_kwargs}
    if algo == "ppo":
        kwargs.update(n_steps=64, batch_size=32, n_epochs=2)
    else:
        kwargs.update(buffer_size=1000, learning_starts=64, train_freq=4)
    if algo == "qrdqn":
        policy_kwargs["n_quantiles"] = 7  # not the default 200: the export must read it
    model = ALGOS[algo]("MlpPolicy", FlatEnv(), **kwargs)
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for param in model.policy.parameters():
            param.add_(torch.randn(param.shape, generator=generator) * 0.5)
    return model


def random_obs(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, (n, OBS_DIM)).astype(np.float32)


def assert_acts_like(policy: NumpyPolicy, model: BaseAlgorithm) -> None:
    obs = random_obs(512)
    actions = policy.act(obs)
    assert actions.dtype == np.int64
    assert actions.shape == (512,)
    np.testing.assert_array_equal(actions, model.predict(obs, deterministic=True)[0])
    np.testing.assert_array_equal(policy.act(obs.astype(np.float64)), actions)
    assert len(np.unique(actions)) > 1, "weights too flat to test the argmax"
    single = policy.act(obs[7])
    assert single.shape == (1,)
    assert single[0] == model.predict(obs[7], deterministic=True)[0]


@pytest.fixture(scope="module")
def dqn_model() -> BaseAlgorithm:
    return make_model("dqn")


@pytest.fixture
def snapshot(tmp_path: Path, dqn_model: BaseAlgorithm) -> Path:
    """The stem of an exported DQN snapshot, as the store would name it."""
    stem = tmp_path / "snapshots" / "left-0003"
    export_numpy_policy(dqn_model, stem)
    return stem


@pytest.mark.parametrize("algo", sorted(ALGOS))
@pytest.mark.parametrize("activation", [None, torch.nn.Tanh, torch.nn.ReLU])
def test_exported_policy_matches_predict(
    algo: str, activation: type[torch.nn.Module] | None, tmp_path: Path
) -> None:
    model = make_model(algo, activation)
    export_numpy_policy(model, tmp_path / "policy")
    policy = NumpyPolicy.load(tmp_path / "policy.npz")
    assert_acts_like(policy, model)
    assert (policy.algo, policy.obs_dim, policy.n_actions) == (algo, OBS_DIM, N_ACTIONS)
    # SB3 defaults differ (ReLU for the DQNs, Tanh for PPO): the export must read the modules.
    default = "tanh" if algo == "ppo" else "relu"
    expected = {None: default, torch.nn.Tanh: "tanh", torch.nn.ReLU: "relu"}[activation]
    layers = policy.description["layers"]
    assert [layer["activation"] for layer in layers] == [expected, expected, "identity"]
    assert [layer["out_features"] for layer in layers][:2] == [32, 16]
    if algo == "qrdqn":
        assert policy.description["n_quantiles"] == 7
        assert layers[-1]["out_features"] == 7 * N_ACTIONS


@pytest.mark.parametrize("algo", sorted(ALGOS))
def test_a_snapshot_with_intercept_features_acts_like_its_model(algo: str, tmp_path: Path) -> None:
    model = make_model(algo, features="intercept")
    model.learn(total_timesteps=300)
    export_numpy_policy(model, tmp_path / "policy")
    policy = NumpyPolicy.load(tmp_path / "policy")
    assert_acts_like(policy, model)
    assert policy.obs_dim == OBS_DIM  # what it is fed; the features are its own arithmetic
    assert policy.description["layers"][0]["in_features"] == OBS_DIM + FEATURES
    assert policy.description["features"] == {
        "kind": "intercept",
        "court": court_vector(rules("classic")),
    }
    # The same weights without the features would act otherwise: they are not decoration.
    plain = {k: v for k, v in policy.description.items() if k != "features"}
    plain["obs_dim"] = OBS_DIM + FEATURES
    arrays = dict(np.load(tmp_path / "policy.npz"))
    obs = random_obs(512)
    blind = NumpyPolicy(plain, arrays, "test").act(np.concatenate([obs, 0 * obs[:, :FEATURES]], 1))
    assert (blind != policy.act(obs)).any()


@pytest.mark.parametrize("algo", sorted(ALGOS))
def test_trained_model_matches_predict(algo: str) -> None:
    model = make_model(algo)
    model.learn(total_timesteps=300)
    assert_acts_like(NumpyPolicy.from_model(model), model)


def test_from_model_equals_load_and_is_frozen(snapshot: Path, dqn_model: BaseAlgorithm) -> None:
    loaded = NumpyPolicy.load(snapshot)
    in_memory = NumpyPolicy.from_model(dqn_model)
    assert loaded.description == in_memory.description
    obs = random_obs(256, seed=3)
    np.testing.assert_array_equal(loaded.act(obs), in_memory.act(obs))
    model = make_model("dqn")
    frozen = NumpyPolicy.from_model(model)
    before = frozen.act(obs)
    with torch.no_grad():
        for param in model.policy.parameters():
            param.mul_(-1.0)
    np.testing.assert_array_equal(frozen.act(obs), before)


def test_a_loaded_snapshot_is_an_env_opponent(snapshot: Path) -> None:
    """What the README shows for using a snapshot outside pong-league."""
    import envs

    policy = NumpyPolicy.load(snapshot.with_suffix(".npz"))
    env = gym.make(envs.ENV_ID, role="right", opponent=policy)
    obs, info = env.reset(seed=0)
    for _ in range(50):
        obs, _, terminated, truncated, info = env.step(int(policy.act(obs)[0]))
        assert not (terminated or truncated)
    assert obs.shape == (OBS_DIM,) and info["opponent_id"] == "opponent"


def test_a_snapshot_zip_loads_with_plain_sb3(tmp_path: Path, dqn_model: BaseAlgorithm) -> None:
    dqn_model.save(tmp_path / "left-0003.zip")
    model = DQN.load(tmp_path / "left-0003.zip", device="cpu")
    obs = random_obs(8)
    np.testing.assert_array_equal(
        model.predict(obs, deterministic=True)[0], dqn_model.predict(obs, deterministic=True)[0]
    )


def test_load_accepts_npz_json_or_stem(snapshot: Path) -> None:
    obs = random_obs(64)
    expected = NumpyPolicy.load(snapshot).act(obs)
    for path in (snapshot.with_suffix(".npz"), snapshot.with_suffix(".json"), str(snapshot)):
        np.testing.assert_array_equal(NumpyPolicy.load(path).act(obs), expected)


def test_export_writes_exactly_two_complete_files(snapshot: Path) -> None:
    assert sorted(p.name for p in snapshot.parent.iterdir()) == ["left-0003.json", "left-0003.npz"]
    description = json.loads(snapshot.with_suffix(".json").read_text())
    assert description["format_version"] == policies.FORMAT_VERSION
    with np.load(snapshot.with_suffix(".npz"), allow_pickle=False) as npz:
        assert sorted(npz.files) == ["b0", "b1", "b2", "w0", "w1", "w2"]
        assert all(npz[name].dtype == np.float32 for name in npz.files)
        assert npz["w0"].shape == (32, OBS_DIM)


def test_failed_export_leaves_old_files_and_no_temp_files(
    snapshot: Path, dqn_model: BaseAlgorithm, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = snapshot.with_suffix(".npz").read_bytes()

    def broken_write(file: Any, arrays: dict[str, np.ndarray]) -> None:
        file.write(b"half an archive")
        raise OSError("disk full")

    monkeypatch.setattr(policies, "write_npz", broken_write)
    with pytest.raises(OSError, match="disk full"):
        export_numpy_policy(dqn_model, snapshot)
    assert snapshot.with_suffix(".npz").read_bytes() == old
    assert sorted(p.name for p in snapshot.parent.iterdir()) == ["left-0003.json", "left-0003.npz"]


def test_equal_weights_are_written_as_equal_bytes_whenever_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io
    import time

    arrays = {"w0": np.arange(12, dtype=np.float32).reshape(3, 4), "b0": np.ones(3, np.float32)}
    first = io.BytesIO()
    policies.write_npz(first, arrays)
    # np.savez would stamp each entry with the clock: an hour later its bytes would differ.
    monkeypatch.setattr(time, "time", lambda: 4_000_000_000.0)
    later = io.BytesIO()
    policies.write_npz(later, arrays)
    assert first.getvalue() == later.getvalue()
    with np.load(io.BytesIO(later.getvalue())) as data:
        assert set(data.files) == {"w0", "b0"}
        assert all(
            np.array_equal(data[k], v) and data[k].dtype == v.dtype for k, v in arrays.items()
        )


def _truncate(stem: Path) -> str:
    npz = stem.with_suffix(".npz")
    npz.write_bytes(npz.read_bytes()[: npz.stat().st_size // 2])
    return "left-0003.npz"


def _garbage(stem: Path) -> str:
    stem.with_suffix(".npz").write_bytes(np.random.default_rng(0).bytes(2000))
    return "left-0003.npz"


def _npy_not_npz(stem: Path) -> str:
    with stem.with_suffix(".npz").open("wb") as file:
        np.save(file, np.zeros(3, dtype=np.float32))
    return "left-0003.npz"


def _missing_json(stem: Path) -> str:
    stem.with_suffix(".json").unlink()
    return "left-0003.json"


def _missing_npz(stem: Path) -> str:
    stem.with_suffix(".npz").unlink()
    return "left-0003.npz"


def _bad_json(stem: Path) -> str:
    stem.with_suffix(".json").write_text('{"format_version": 1, "algo": ')
    return "left-0003.json"


def _edit_json(stem: Path, edit: Any) -> None:
    path = stem.with_suffix(".json")
    description = json.loads(path.read_text())
    edit(description)
    path.write_text(json.dumps(description))


def _wrong_layer_shape(stem: Path) -> str:
    _edit_json(stem, lambda d: d["layers"][0].update(out_features=33))
    return "left-0003"


def _wrong_obs_dim(stem: Path) -> str:
    _edit_json(stem, lambda d: d.update(obs_dim=25))
    return "left-0003"


def _wrong_n_actions(stem: Path) -> str:
    _edit_json(stem, lambda d: d.update(n_actions=4))
    return "left-0003"


def _unknown_version(stem: Path) -> str:
    _edit_json(stem, lambda d: d.update(format_version=99))
    return "left-0003.json"


def _missing_key(stem: Path) -> str:
    _edit_json(stem, lambda d: d.pop("layers"))
    return "left-0003.json"


def _unknown_activation(stem: Path) -> str:
    _edit_json(stem, lambda d: d["layers"][0].update(activation="gelu"))
    return "left-0003.json"


def _nan_weight(stem: Path) -> str:
    path = stem.with_suffix(".npz")
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    arrays["w1"][0, 0] = np.nan
    np.savez(path, **arrays)
    return "left-0003.npz"


def _unknown_features(stem: Path) -> str:
    _edit_json(stem, lambda d: d.update(features={"kind": "meet", "court": []}))
    return "left-0003.json"


def _short_court(stem: Path) -> str:
    _edit_json(stem, lambda d: d.update(features={"kind": "intercept", "court": [1.0, 2.0]}))
    return "left-0003.json"


def _missing_array(stem: Path) -> str:
    path = stem.with_suffix(".npz")
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files if name != "b2"}
    np.savez(path, **arrays)
    return "left-0003.npz"


@pytest.mark.parametrize(
    "damage",
    [
        _truncate,
        _garbage,
        _npy_not_npz,
        _missing_json,
        _missing_npz,
        _bad_json,
        _wrong_layer_shape,
        _wrong_obs_dim,
        _wrong_n_actions,
        _unknown_version,
        _missing_key,
        _unknown_activation,
        _nan_weight,
        _unknown_features,
        _short_court,
        _missing_array,
    ],
)
def test_damaged_snapshot_raises_league_error_naming_the_file(snapshot: Path, damage: Any) -> None:
    file_name = damage(snapshot)
    with pytest.raises(LeagueError) as excinfo:
        NumpyPolicy.load(snapshot)
    message = str(excinfo.value)
    assert file_name in message
    assert "\n" not in message
    assert "re-export" in message


_UNPICKLED: list[bool] = []


def _tripwire() -> str:
    _UNPICKLED.append(True)
    return "unpickled"


class _Tripwire:
    """Records in _UNPICKLED if anything ever unpickles it."""

    def __reduce__(self) -> tuple[Any, tuple]:
        return _tripwire, ()


def test_object_array_is_rejected_not_unpickled(
    snapshot: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = snapshot.with_suffix(".npz")
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    arrays["b0"] = np.array([_Tripwire()] * 32, dtype=object)
    np.savez(path, **arrays)
    assert zipfile.is_zipfile(path)
    calls: list[dict[str, Any]] = []
    real_load = np.load

    def spy_load(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(policies.np, "load", spy_load)
    with pytest.raises(LeagueError, match="left-0003.npz is corrupt"):
        NumpyPolicy.load(path)
    assert _UNPICKLED == []
    assert calls == [{"allow_pickle": False}]


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(
            lambda: DQN(
                "CnnPolicy",
                FlatEnv(observation_space=spaces.Box(0, 255, (36, 36, 1), np.uint8)),
                buffer_size=10,
                device="cpu",
            ),
            id="cnn",
        ),
        pytest.param(
            lambda: PPO("MlpPolicy", FlatEnv(action_space=spaces.Box(-1, 1, (2,))), device="cpu"),
            id="box-actions",
        ),
        pytest.param(lambda: A2C("MlpPolicy", FlatEnv(), device="cpu"), id="a2c"),
        pytest.param(
            lambda: PPO("MlpPolicy", FlatEnv(observation_space=spaces.Discrete(5)), device="cpu"),
            id="discrete-obs",
        ),
    ],
)
def test_unsupported_models_are_rejected(build: Any, tmp_path: Path) -> None:
    model = build()
    with pytest.raises(LeagueError, match="only MLP policies with discrete actions"):
        export_numpy_policy(model, tmp_path / "policy")
    with pytest.raises(LeagueError, match="only MLP policies with discrete actions"):
        NumpyPolicy.from_model(model)
    assert list(tmp_path.iterdir()) == []


def test_act_rejects_wrong_observation_width(snapshot: Path) -> None:
    policy = NumpyPolicy.load(snapshot)
    with pytest.raises(ValueError, match="24"):
        policy.act(np.zeros((4, OBS_DIM + 1), dtype=np.float32))


def test_sample_draws_a_ppo_snapshots_moves_from_its_policy() -> None:
    model = make_model("ppo")
    policy = NumpyPolicy.from_model(model)
    assert policy.stochastic
    obs = np.repeat(random_obs(1, seed=4), 40_000, axis=0)
    with torch.no_grad():
        dist = model.policy.get_distribution(torch.as_tensor(obs[:1]))
        probs = dist.distribution.probs.numpy()[0]
    drawn = policy.sample(obs, np.random.default_rng(0))
    assert drawn.dtype == np.int64 and drawn.shape == (40_000,)
    freq = np.bincount(drawn, minlength=N_ACTIONS) / len(drawn)
    np.testing.assert_allclose(freq, probs, atol=0.01)
    # A seed fixes the draws; an illegal move is never drawn, the rest keep their proportions.
    np.testing.assert_array_equal(policy.sample(obs, np.random.default_rng(0)), drawn)
    mask = np.ones((len(obs), N_ACTIONS), dtype=bool)
    mask[:, int(probs.argmax())] = False
    masked = policy.sample(obs, np.random.default_rng(1), mask)
    freq = np.bincount(masked, minlength=N_ACTIONS) / len(masked)
    legal = np.where(mask[0], probs, 0.0)
    np.testing.assert_allclose(freq, legal / legal.sum(), atol=0.01)
    assert freq[int(probs.argmax())] == 0.0


def test_a_value_network_samples_its_greedy_move(dqn_model: BaseAlgorithm) -> None:
    policy = NumpyPolicy.from_model(dqn_model)
    obs = random_obs(256)
    assert not policy.stochastic
    np.testing.assert_array_equal(policy.sample(obs, np.random.default_rng(0)), policy.act(obs))


def distinct_dqns(n: int, features: str = "none") -> list[NumpyPolicy]:
    """``n`` DQN snapshots of one shape and different weights."""
    snapshots = []
    for k in range(n):
        model = make_model("dqn", features=features)
        generator = torch.Generator().manual_seed(100 + k)
        with torch.no_grad():
            for param in model.policy.parameters():
                param.add_(torch.randn(param.shape, generator=generator))
        snapshots.append(NumpyPolicy.from_model(model))
    return snapshots


@pytest.mark.parametrize("features", ["none", "intercept", "mixed"])
def test_an_ensemble_acts_on_its_members_mean_q_values_and_masks_alike(features: str) -> None:
    from league.policies import MeanValues

    if features == "mixed":  # members that read different inputs
        members = distinct_dqns(2) + distinct_dqns(1, features="intercept")
    else:
        members = distinct_dqns(3, features=features)
    obs = random_obs(256, seed=5)
    values = [m._outputs(obs, None) for m in members]
    mean = MeanValues(members)
    np.testing.assert_array_equal(mean.act(obs), (sum(values) / 3).argmax(axis=1))
    # Where the members disagree the mean is no member's own choice on every observation.
    assert any((mean.act(obs) != m.act(obs)).any() for m in members)
    assert not mean.stochastic and (mean.obs_dim, mean.n_actions) == (OBS_DIM, N_ACTIONS)
    np.testing.assert_array_equal(MeanValues(members[:1]).act(obs), members[0].act(obs))
    mask = np.ones((256, N_ACTIONS), dtype=bool)
    mask[:, int(mean.act(obs[:1])[0])] = False  # the first observation's choice, forbidden
    masked = mean.act(obs, mask)
    assert masked[0] != mean.act(obs[:1])[0]
    assert mask[np.arange(256), masked].all()


def test_an_ensemble_takes_value_networks_of_one_size_only() -> None:
    from league.policies import MeanValues

    dqn = distinct_dqns(1)[0]
    with pytest.raises(ValueError, match="at least one member"):
        MeanValues([])
    with pytest.raises(ValueError, match="DQN or QR-DQN snapshots only"):
        MeanValues([dqn, NumpyPolicy.from_model(make_model("ppo"))])
    four = DQN("MlpPolicy", FlatEnv(action_space=spaces.Discrete(4)), seed=0, device="cpu")
    with pytest.raises(ValueError, match="different observations or actions"):
        MeanValues([dqn, NumpyPolicy.from_model(four)])
    assert MeanValues([dqn, NumpyPolicy.from_model(make_model("qrdqn"))]).n_actions == N_ACTIONS
