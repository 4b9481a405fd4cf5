"""The league config: defaults, TOML over defaults, CLI overrides over TOML, presets, the
round trip through plain data, and every rejected config naming what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envs.rules import rules
from league.config import ALGO_DEFAULTS, LeagueConfig, load_config
from league.errors import LeagueError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "league.toml"
    path.write_text(text)
    return path


def test_defaults_are_valid() -> None:
    config = LeagueConfig()
    assert load_config() == config
    assert config.preset == "league"
    assert config.game_rules() == rules("classic")
    assert config.algo_kwargs() == ALGO_DEFAULTS["dqn"]
    assert config.cpu_share + config.latest_share <= 1.0


@pytest.mark.parametrize("algo", sorted(ALGO_DEFAULTS))
def test_every_algo_has_valid_defaults(algo: str) -> None:
    game = "pettingzoo.classic.tictactoe_v3" if algo == "maskable_ppo" else "pong"
    assert LeagueConfig(algo=algo, game=game).algo_kwargs() == ALGO_DEFAULTS[algo]


def test_a_pettingzoo_game_defaults_to_maskable_ppo_and_pong_refuses_it() -> None:
    assert load_config(overrides={"game": "pettingzoo.classic.rps_v2"}).algo == "maskable_ppo"
    assert load_config(overrides={"game": "pettingzoo.classic.rps_v2", "algo": "ppo"}).algo == "ppo"
    assert load_config().algo == "dqn"
    with pytest.raises(LeagueError, match="maskable_ppo is for games with illegal moves"):
        load_config(overrides={"algo": "maskable_ppo"})


def test_toml_overrides_defaults_and_reaches_algo_kwargs(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
generations = 3
steps_per_generation = 2000
net_arch = [32]

[rules_overrides]
points_to_win = 5

[dqn]
learning_rate = 5e-4
batch_size = 32

[ppo]
n_steps = 128
""",
    )
    config = load_config(path)
    assert config.generations == 3
    assert config.steps_per_generation == 2000
    assert config.net_arch == (32,)
    assert config.game_rules() == rules("classic", points_to_win=5)
    kwargs = config.algo_kwargs()
    assert kwargs["learning_rate"] == 5e-4
    assert kwargs["batch_size"] == 32
    assert kwargs["gamma"] == ALGO_DEFAULTS["dqn"]["gamma"]  # untouched defaults stay
    assert kwargs["n_steps"] == 5  # DQN's own 5-step returns: [ppo]'s 128 is not given to dqn
    assert config.hyperparams["ppo"] == {"n_steps": 128}
    assert config.matchmaking == LeagueConfig().matchmaking  # keys not in the file: defaults


def test_overrides_beat_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, 'generations = 3\nalgo = "ppo"\nseed = 7\n')
    config = load_config(path, overrides={"generations": 9, "algo": "qrdqn", "seed": None})
    assert config.generations == 9
    assert config.algo == "qrdqn"
    assert config.seed == 7  # None means "not given on the command line"


def test_article_preset() -> None:
    config = load_config(preset="article")
    assert config.preset == "article"
    assert config.matchmaking == "latest"
    assert config.cpu_share == 0.0


def test_article_preset_named_in_the_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, 'preset = "article"\n'))
    assert (config.preset, config.matchmaking, config.cpu_share) == ("article", "latest", 0.0)


def test_to_dict_from_dict_round_trip() -> None:
    config = LeagueConfig(
        preset="article",
        rules="seed",
        rules_overrides={"points_to_win": 5},
        generations=2,
        algo="ppo",
        matchmaking="uniform",
        cpu_share=0.1,
        net_arch=(32, 16),
        hyperparams={"ppo": {"n_steps": 256}, "dqn": {"learning_rate": 1e-4}},
    )
    assert LeagueConfig.from_dict(config.to_dict()) == config
    # The run folder stores it as JSON: the round trip survives that too.
    assert LeagueConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


REJECTED = {
    "unknown top-level key": ("bogus = 1\n", ["bogus"]),
    "unknown hyper-parameter": ("[dqn]\nlearning_rat = 0.1\n", ["dqn", "learning_rat"]),
    "generations 0": ("generations = 0\n", ["generations"]),
    "negative steps": ("steps_per_generation = -100\n", ["steps_per_generation"]),
    "cpu_share 1.5": ("cpu_share = 1.5\n", ["cpu_share"]),
    "shares over 1": ("cpu_share = 0.6\nlatest_share = 0.5\n", ["cpu_share", "latest_share"]),
    "algo a2c": ('algo = "a2c"\n', ["algo", "a2c"]),
    "matchmaking nope": ('matchmaking = "nope"\n', ["matchmaking", "nope"]),
    "rules nope": ('rules = "nope"\n', ["rules", "nope"]),
    "bad rules override": ("[rules_overrides]\npaddle_height = 1000\n", ["paddle_height"]),
    "bad train rules override": (
        "[train_rules_overrides]\npaddle_height = 1000\n",
        ["train_rules_overrides", "paddle_height"],
    ),
    "train rules override not a number": (
        '[train_rules_overrides]\nball_speedup = "x"\n',
        ["train_rules_overrides", "ball_speedup", "must be a number"],
    ),
    "rules override not a number": ("[rules_overrides]\nball_speed = true\n", ["ball_speed"]),
    "train rules in a PettingZoo game": (
        'game = "pettingzoo.classic.tictactoe_v3"\n[train_rules_overrides]\nball_speedup = 1.2\n',
        ["train_rules_overrides", "Pong's only"],
    ),
    "n_envs 0": ("n_envs = 0\n", ["n_envs"]),
    "eval_games 1": ("eval_games = 1\n", ["eval_games"]),
    # Wrong types: each once raised a bare TypeError/KeyError (a traceback in the CLI).
    "algo table not a table": ("dqn = 3\n", ["dqn"]),
    "net_arch not a list": ("net_arch = 64\n", ["net_arch"]),
    "share not a number": ('cpu_share = "half"\n', ["cpu_share"]),
    "rules not a name": ('rules = ["classic"]\n', ["rules"]),
    "hyperparams of an unknown algo": ("[hyperparams.a2c]\nn_steps = 8\n", ["hyperparams"]),
    # Hyper-parameter values: once trained a whole generation, then failed (or a traceback).
    "n_quantiles 0": ("[qrdqn]\nn_quantiles = 0\n", ["qrdqn", "n_quantiles", ">= 1"]),
    "batch_size not a count": ('[dqn]\nbatch_size = "x"\n', ["dqn", "batch_size"]),
    "batch_size a float": ("[ppo]\nbatch_size = 64.5\n", ["ppo", "batch_size"]),
    "learning_rate_end 0": ("[dqn]\nlearning_rate_end = 0\n", ["learning_rate_end", "> 0"]),
    "gamma over 1": ("[ppo]\ngamma = 1.5\n", ["ppo", "gamma", "[0, 1]"]),
    "negative ent_coef": ("[ppo]\nent_coef = -0.1\n", ["ent_coef", ">= 0"]),
    "dqn n_steps 0": ("[dqn]\nn_steps = 0\n", ["dqn", "n_steps", ">= 1"]),
    "opponent_moves nope": (
        'opponent_moves = "nope"\n',
        ["opponent_moves", "mixed, sample, greedy"],
    ),
    "exploiter_opponent_moves nope": (
        'exploiter_opponent_moves = "mixd"\n',
        ["exploiter_opponent_moves", "mixed, sample, greedy"],
    ),
    "exploiter_init nope": ('exploiter_init = "newest"\n', ["exploiter_init", "fresh, main"]),
    "features nope": ('features = "meet"\n', ["features", "none, intercept"]),
    "main_perturb 1.5": ("main_perturb = 1.5\n", ["main_perturb", "[0, 1]"]),
    "main_gate -0.1": ("main_gate = -0.1\n", ["main_gate", "[0, 1]"]),
    "main_gate a string": ('main_gate = "on"\n', ["main_gate", "[0, 1]"]),
    "main_gate true": ("main_gate = true\n", ["main_gate", "or false for no gate"]),
    "sparring_share 1.5": ("sparring_share = 1.5\n", ["sparring_share", "[0, 1]"]),
    "shares over 1 with the sparring share": (
        "sparring_share = 0.5\nlatest_share = 0.3\n",
        ["sparring_share + latest_share", "<= 1"],
    ),
    "sparring in a PettingZoo game": (
        'game = "pettingzoo.classic.tictactoe_v3"\nsparring_share = 0.1\n',
        ["sparring_share", "only Pong"],
    ),
    "features of another game": (
        'game = "pettingzoo.classic.tictactoe_v3"\nfeatures = "intercept"\n',
        ["features", "Pong's"],
    ),
}


@pytest.mark.parametrize("text, names", REJECTED.values(), ids=REJECTED.keys())
def test_rejected_config_names_the_key(tmp_path: Path, text: str, names: list[str]) -> None:
    path = write(tmp_path, text)
    with pytest.raises(LeagueError) as err:
        load_config(path)
    for name in names:
        assert name in str(err.value)
    assert str(path) in str(err.value)  # and says which file


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.toml"
    with pytest.raises(LeagueError, match="missing.toml"):
        load_config(path)


def test_file_that_is_not_toml(tmp_path: Path) -> None:
    path = tmp_path / "garbage.toml"
    path.write_bytes(b"\xff\xfe\x00\x89PNG garbage = = [")
    with pytest.raises(LeagueError, match="garbage.toml"):
        load_config(path)


def test_file_with_toml_syntax_error(tmp_path: Path) -> None:
    with pytest.raises(LeagueError, match="not valid TOML"):
        load_config(write(tmp_path, "generations = = 3\n"))


def test_unknown_preset() -> None:
    with pytest.raises(LeagueError, match="nope"):
        load_config(preset="nope")


def test_rejected_override() -> None:
    with pytest.raises(LeagueError, match="n_envs"):
        load_config(overrides={"n_envs": 0})


def test_features_default_to_the_games_and_an_older_run_keeps_its_own() -> None:
    assert LeagueConfig().features == "intercept"
    assert load_config(overrides={"game": "pettingzoo.classic.rps_v2"}).features == "none"
    assert LeagueConfig.from_dict(LeagueConfig().to_dict()).features == "intercept"
    # A run saved before the key existed trained without them, and resumes without them.
    saved = {k: v for k, v in LeagueConfig().to_dict().items() if k != "features"}
    assert LeagueConfig.of_run(saved, "run config").features == "none"
    assert LeagueConfig.of_run({**saved, "features": "intercept"}, "run").features == "intercept"


def test_the_sparring_share_is_off_by_default_and_reaches_the_matchmaking() -> None:
    assert LeagueConfig().sparring_share == 0.0
    config = load_config(overrides={"sparring_share": 0.2})
    assert config.matchmaking_settings().sparring_share == 0.2
    # Naive self-play meets no scripted player, whatever the defaults say.
    assert load_config(preset="article").sparring_share == 0.0


def test_the_gate_is_on_by_default_off_for_naive_self_play_and_false_turns_it_off(
    tmp_path: Path,
) -> None:
    assert LeagueConfig().main_gate == 0.05
    assert load_config(preset="article").main_gate is None
    assert load_config(write(tmp_path, "main_gate = false\n")).main_gate is None
    assert load_config(write(tmp_path, "main_gate = 0.1\n")).main_gate == 0.1
    # A run saved before the key existed trained without a gate, and resumes without one.
    saved = {k: v for k, v in LeagueConfig().to_dict().items() if k != "main_gate"}
    assert LeagueConfig.of_run(saved, "run config").main_gate is None
    assert LeagueConfig.of_run(LeagueConfig().to_dict(), "run config").main_gate == 0.05
