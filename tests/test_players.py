"""Naming players: snapshot ids, snapshot files, scripted policies, py: bots, and every bad case."""

from __future__ import annotations

import json
import shutil
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest
from tiny_league import mains_run, tiny_league

from envs.rules import rules
from envs.scripted import RandomPolicy, ScriptedCPU, StillPolicy
from league.errors import LeagueError
from league.players import game_settings, resolve_player, zip_algo
from league.policies import NumpyPolicy

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_BOT = REPO / "scripts" / "example_bot.py"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_league(tmp_path_factory.mktemp("league"))


@pytest.fixture(scope="module")
def game(run: Path):
    return game_settings(run, None)[0]


def some_obs(n: int = 64, dim: int = 24) -> np.ndarray:
    return np.random.default_rng(0).uniform(-1, 1, (n, dim)).astype(np.float32)


# ------------------------------------------------------------------------ snapshots of a run


def test_a_snapshot_id_of_the_run(run: Path, game) -> None:
    player = resolve_player("left-0001", run, game, 4)
    assert player.id == player.snapshot_id == "left-0001"
    assert isinstance(player.policy, NumpyPolicy) and player.policy.obs_dim == 24


def test_an_unknown_id_lists_the_ids_that_exist(run: Path, game) -> None:
    with pytest.raises(LeagueError, match="unknown snapshot 'left-0099'") as err:
        resolve_player("left-0099", run, game, 4)
    assert "left-0000, right-0000, left-0001" in str(err.value)
    assert "\n" not in str(err.value)


def test_an_id_in_capitals_is_that_snapshot(run: Path, game) -> None:
    player = resolve_player("LEFT-0001", run, game, 4)
    assert player.id == player.snapshot_id == "left-0001"


def test_an_unknown_id_names_a_near_miss_and_the_other_forms(run: Path, game) -> None:
    with pytest.raises(LeagueError) as err:
        resolve_player("rigth-0000", run, game, 4)
    message = str(err.value)
    assert "did you mean right-0000 or" in message  # the closest first
    assert "cpu, random, still" in message and "py:MODULE:ATTR" in message


def test_an_id_without_a_run_says_to_give_one(game) -> None:
    with pytest.raises(LeagueError, match="--run"):
        resolve_player("left-0001", None, game, 4)


def test_an_unknown_player_lists_every_form(game) -> None:
    with pytest.raises(LeagueError) as err:
        resolve_player("folower", None, game, 4)
    message = str(err.value)
    assert message.startswith("unknown player 'folower': did you mean follower?")
    for form in ("--run RUN_DIR", ".npz", "cpu, random, still", "interceptor", "py:MODULE:ATTR"):
        assert form in message
    assert "py:path/to/file.py:ATTR" in message and "\n" not in message


def test_a_run_folder_without_a_database(tmp_path: Path, game) -> None:
    with pytest.raises(LeagueError, match="no league database"):
        resolve_player("left-0001", tmp_path, game, 4)


@pytest.mark.parametrize("name", ["left-0001.npz", "left-0001.json", "left-0001", "left-0001.zip"])
def test_a_file_of_the_run_is_that_snapshot(run: Path, game, name: str) -> None:
    path = run / "snapshots" / name
    player = resolve_player(str(path), run, game, 4)
    assert player.snapshot_id == player.id == "left-0001"
    reference = resolve_player("left-0001", run, game, 4).policy
    np.testing.assert_array_equal(player.policy.act(some_obs()), reference.act(some_obs()))


def test_a_file_of_another_run_is_no_snapshot_of_this_one(run: Path, game, tmp_path: Path) -> None:
    other = tmp_path / "other"
    (other / "snapshots").mkdir(parents=True)
    for ext in ("npz", "json"):
        shutil.copy(run / "snapshots" / f"right-0000.{ext}", other / "snapshots")
    path = other / "snapshots" / "right-0000.npz"
    for run_dir in (None, run):
        player = resolve_player(str(path), run_dir, game, 4)
        assert player.snapshot_id is None
        assert player.id == "other/right-0000"


def test_a_lone_sb3_zip_is_loaded_with_its_algorithm(run: Path, game, tmp_path: Path) -> None:
    lone = tmp_path / "lone.zip"
    shutil.copy(run / "snapshots" / "right-0000.zip", lone)
    assert zip_algo(lone) == "dqn"
    player = resolve_player(str(lone), None, game, 4)
    assert player.id == "lone" and player.snapshot_id is None
    reference = NumpyPolicy.load(run / "snapshots" / "right-0000.npz")
    np.testing.assert_array_equal(player.policy.act(some_obs()), reference.act(some_obs()))


def truncated(source: Path, dest: Path) -> Path:
    data = source.read_bytes()
    dest.write_bytes(data[: len(data) // 2])
    return dest


def test_a_truncated_npz(run: Path, game, tmp_path: Path) -> None:
    shutil.copy(run / "snapshots" / "left-0000.json", tmp_path / "cut.json")
    truncated(run / "snapshots" / "left-0000.npz", tmp_path / "cut.npz")
    with pytest.raises(LeagueError, match="corrupt or truncated"):
        resolve_player(str(tmp_path / "cut.npz"), None, game, 4)


def test_a_truncated_zip(run: Path, game, tmp_path: Path) -> None:
    path = truncated(run / "snapshots" / "left-0000.zip", tmp_path / "cut.zip")
    with pytest.raises(LeagueError, match="corrupt or truncated"):
        resolve_player(str(path), None, game, 4)


def test_a_zip_of_something_else(game, tmp_path: Path) -> None:
    path = tmp_path / "notes.zip"
    path.write_bytes(b"PK not really a zip")
    with pytest.raises(LeagueError, match="not a readable SB3 model zip"):
        resolve_player(str(path), None, game, 4)


def test_a_missing_file(game, tmp_path: Path) -> None:
    with pytest.raises(LeagueError, match="no snapshot file"):
        resolve_player(str(tmp_path / "nope.npz"), None, game, 4)


def test_a_snapshot_for_another_frame_stack(run: Path, game) -> None:
    with pytest.raises(LeagueError, match="observations of 24 floats but this game gives 12"):
        resolve_player("left-0001", run, game, 2)
    with pytest.raises(LeagueError, match="24 floats"):
        resolve_player(str(run / "snapshots" / "left-0001.zip"), None, game, 2)


# ------------------------------------------------------------------------------- scripted


@pytest.mark.parametrize(
    ("name", "kind"), [("cpu", ScriptedCPU), ("random", RandomPolicy), ("still", StillPolicy)]
)
def test_scripted_players(name: str, kind: type, game) -> None:
    player = resolve_player(name, None, game)
    assert player.id == name and player.snapshot_id is None
    assert isinstance(player.policy, kind)
    shouted = resolve_player(name.upper(), None, game)  # `CPU` is the cpu
    assert shouted.id == name and isinstance(shouted.policy, kind)


def test_a_bot_name_in_any_case(game) -> None:
    assert resolve_player("Follower", None, game).id == "follower"


def test_the_random_player_follows_its_seed(game) -> None:
    a = resolve_player("random", None, game, seed=3).policy.act(some_obs())
    b = resolve_player("random", None, game, seed=3).policy.act(some_obs())
    np.testing.assert_array_equal(a, b)


# -------------------------------------------------------------------------------- py: bots


def test_the_example_bot_from_its_file(game) -> None:
    player = resolve_player(f"py:{EXAMPLE_BOT}:Follower", None, game)
    assert player.id == f"py:{EXAMPLE_BOT}:Follower" and player.snapshot_id is None
    obs = np.zeros((3, 24), dtype=np.float32)
    obs[:, -4] = 0.0  # own paddle in the middle
    obs[:, -5] = [-0.9, 0.0, 0.9]  # ball far above, level, far below
    np.testing.assert_array_equal(player.policy.act(obs), [1, 0, 2])


def write_bot(folder: Path, body: str, name: str = "my_bot") -> Path:
    path = folder / f"{name}.py"
    path.write_text(textwrap.dedent(body))
    return path


GOOD_BOT = """
    import numpy as np

    def make(rules):
        return Bot(rules)

    class Bot:
        def __init__(self, rules):
            self.points = rules.points_to_win

        def act(self, obs):
            return np.full(len(obs), 2)

    NOT_CALLABLE = 3

    def no_act(rules):
        return object()

    def broken(rules):
        raise RuntimeError("no luck")

    class WrongShape:
        def __init__(self, rules):
            pass

        def act(self, obs):
            return np.zeros((len(obs), 2), dtype=int)
    """


def test_a_bot_from_a_module_on_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, game
) -> None:
    write_bot(tmp_path, GOOD_BOT, "arena_test_bot")
    monkeypatch.syspath_prepend(str(tmp_path))
    for attr in ("Bot", "make"):
        player = resolve_player(f"py:arena_test_bot:{attr}", None, game)
        np.testing.assert_array_equal(player.policy.act(some_obs(4)), [2, 2, 2, 2])
        assert player.policy.points == game.points_to_win


@pytest.mark.parametrize(
    ("attr", "message"),
    [
        ("Nope", "has no attribute 'Nope'"),
        ("NOT_CALLABLE", "is a int, not a class or factory"),
        ("no_act", "without an act"),
        ("broken", "raised RuntimeError: no luck"),
        ("WrongShape", "must return one integer action"),
    ],
)
def test_bad_bots(tmp_path: Path, game, attr: str, message: str) -> None:
    path = write_bot(tmp_path, GOOD_BOT)
    with pytest.raises(LeagueError, match=message) as err:
        resolve_player(f"py:{path}:{attr}", None, game)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("py:Follower", "write py:MODULE:ATTR"),
        ("py:no_such_module_here:Bot", "no module named 'no_such_module_here'"),
        ("py:missing/bot.py:Bot", "no file missing/bot.py"),
    ],
)
def test_bad_bot_specs(game, spec: str, message: str) -> None:
    with pytest.raises(LeagueError, match=message):
        resolve_player(spec, None, game)


def test_a_bot_file_that_does_not_compile(tmp_path: Path, game) -> None:
    path = write_bot(tmp_path, "def act(:\n")
    with pytest.raises(LeagueError, match="importing .* failed \\(SyntaxError"):
        resolve_player(f"py:{path}:act", None, game)


# --------------------------------------------------------------------------- game settings


def test_game_settings(run: Path) -> None:
    run_rules, frame_stack = game_settings(run, None)
    assert run_rules.points_to_win == 2 and run_rules.max_steps == 1500 and frame_stack == 4
    assert game_settings(run, "seed")[0] == rules("seed")
    assert game_settings(None, None) == (rules("classic"), 4)
    with pytest.raises(LeagueError, match="--rules: unknown rules preset 'nope'"):
        game_settings(None, "nope")


@pytest.mark.parametrize(
    ("module", "algo"),
    [
        ("stable_baselines3.dqn.policies", "dqn"),
        ("sb3_contrib.qrdqn.policies", "qrdqn"),
        ("stable_baselines3.common.policies", "ppo"),
        ("stable_baselines3.sac.policies", None),
    ],
)
def test_the_algorithm_of_a_zip_comes_from_its_policy_class(
    tmp_path: Path, module: str, algo: str | None
) -> None:
    path = tmp_path / "model.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data", json.dumps({"policy_class": {"__module__": module}}))
    if algo is None:
        with pytest.raises(LeagueError, match="only DQN, QR-DQN and PPO"):
            zip_algo(path)
    else:
        assert zip_algo(path) == algo


def test_the_readme_shows_the_example_bot_as_shipped() -> None:
    code = EXAMPLE_BOT.read_text().split('"""\n', 1)[1].strip()  # after the module docstring
    assert code.startswith("import numpy as np")
    assert code in (REPO / "README.md").read_text()


# ------------------------------------------------------------------------ nash: mixtures


def cyclic_run(source: Path, dest: Path) -> Path:
    """A run whose three left and three right snapshots beat each other in a cycle, as rock,
    paper and scissors do: its Nash mixture gives each a third."""
    from league.results import MatchResult
    from league.store import LeagueStore, SnapshotRecord

    run = dest / "cyclic"
    (run / "snapshots").mkdir(parents=True)
    records = []
    for role in ("left", "right"):
        for i in range(3):
            sid = f"{role}-000{i}"
            for ext in ("zip", "npz", "json"):
                shutil.copy(
                    source / "snapshots" / f"left-0000.{ext}", run / "snapshots" / f"{sid}.{ext}"
                )
            records.append(
                SnapshotRecord(sid, role, 0, 0, f"snapshots/{sid}.zip", f"snapshots/{sid}.npz")
            )
    results = []
    for i in range(3):
        for j in range(3):
            wins = 10 * ((i - j) % 3 == 1)
            losses = 10 * ((j - i) % 3 == 1)
            draws = 10 - wins - losses
            results.append(
                MatchResult(f"left-000{i}", f"right-000{j}", wins, losses, draws, 0, 0, 0, 0)
            )
    with LeagueStore.create(run / "league.sqlite", {"generations": 1}) as store:
        store.add_snapshots(records, {}, results)
    return run


def test_nash_mixes_a_cyclic_league_evenly_and_draws_a_member_per_game(
    run: Path, game, tmp_path: Path
) -> None:
    cyclic = cyclic_run(run, tmp_path)
    player = resolve_player("NASH:left", cyclic, game)
    assert player.id == "nash:left" and player.snapshot_id is None
    assert [m[0] for m in player.mixture] == ["left-0000", "left-0001", "left-0002"]
    assert [m[2] for m in player.mixture] == pytest.approx([1 / 3] * 3, abs=1e-6)
    members = {id(m[1]): m[0] for m in player.mixture}
    drawn = [members[id(p)] for p in player.policies(3000, seed=4)]
    counts = {sid: drawn.count(sid) for sid in ("left-0000", "left-0001", "left-0002")}
    assert all(900 < c < 1100 for c in counts.values()), counts
    assert [id(p) for p in player.policies(50, 4)] == [id(p) for p in player.policies(50, 4)]
    rng = np.random.default_rng(0)
    assert {player.sample(rng)[0] for _ in range(60)} == set(counts)


def test_a_pure_nash_is_its_one_snapshot_and_a_plain_player_plays_every_game(
    run: Path, game
) -> None:
    player = resolve_player("nash:right", run, game)
    assert len(player.mixture) >= 1 and sum(m[2] for m in player.mixture) == pytest.approx(1)
    assert all(m[0].startswith("right-") for m in player.mixture)
    plain = resolve_player("cpu", None, game)
    assert plain.policies(5, 0) == [plain.policy] * 5
    assert plain.sample(np.random.default_rng(0)) == ("cpu", plain.policy)


@pytest.mark.parametrize(
    ("spec", "with_run", "message"),
    [
        ("nash:middle", True, "write nash:left or nash:right"),
        ("nash:left", False, "give the run with --run"),
    ],
)
def test_bad_nash_players(run: Path, game, spec: str, with_run: bool, message: str) -> None:
    with pytest.raises(LeagueError, match=message):
        resolve_player(spec, run if with_run else None, game)


def test_pit_plays_a_nash_mixture_and_never_records_it(run: Path, tmp_path: Path, capsys) -> None:
    from league.cli import main
    from league.store import LeagueStore

    cyclic = cyclic_run(run, tmp_path)
    args = ["pit", "nash:left", "nash:right", "--run", str(cyclic), "--games", "8", "--record"]
    assert main(args[:-1]) == 0
    assert "nash:left vs nash:right: 8 games" in capsys.readouterr().out
    assert main(args) == 2  # a mixture is no snapshot: refused before play
    out, err = capsys.readouterr()
    assert out == "" and "nash:left and nash:right are no snapshot" in err
    with LeagueStore.open(cyclic, readonly=True) as store:
        assert len(store.results()) == 9


# ------------------------------------------------------------------ ensemble: the last mains


def test_an_ensemble_acts_on_the_mean_values_of_the_roles_last_three_mains(
    run: Path, game, tmp_path: Path
) -> None:
    mains = mains_run(run, tmp_path)
    player = resolve_player("ENSEMBLE:left", mains, game)
    assert (player.id, player.snapshot_id, player.role) == ("ensemble:left:3", None, "left")
    assert player.policy.act(some_obs()).tolist() == [2] * 64  # no member's choice: their mean's
    members = [resolve_player(sid, mains, game).policy for sid in ("left-0003", "left-0005")]
    assert [m.act(some_obs(1))[0] for m in members] == [0, 1]
    one = resolve_player("ensemble:left:1", mains, game)
    assert one.id == "ensemble:left:1" and one.policy.act(some_obs(4)).tolist() == [0] * 4
    two = resolve_player(f"ensemble:left:2@{mains}", None, game)
    assert two.id == "mains-dqn/ensemble:left:2" and two.policy.act(some_obs(4)).tolist() == [1] * 4
    right = resolve_player("ensemble:right", mains, game)
    assert right.role == "right" and right.policy.act(some_obs(4)).tolist() == [2] * 4


@pytest.mark.parametrize(
    ("spec", "with_run", "message"),
    [
        ("ensemble:middle", True, "write ensemble:left or ensemble:right"),
        ("ensemble:left:0", True, "K must be a whole number of mains, 1 or more"),
        ("ensemble:left:two", True, "K must be a whole number of mains, 1 or more"),
        ("ensemble:left", False, "give the run with --run RUN_DIR or as ensemble:left@RUN_DIR"),
        ("ensemble:left@", True, "name the run after the @"),
        ("ensemble:left:5", True, "has 4 trained left main\\(s\\), fewer than 5; ask for "),
        ("ensemble:right:4", True, "has 3 trained right main\\(s\\), fewer than 4"),
    ],
)
def test_bad_ensembles(
    run: Path, game, tmp_path: Path, spec: str, with_run: bool, message: str
) -> None:
    mains = mains_run(run, tmp_path)
    with pytest.raises(LeagueError, match=message) as err:
        resolve_player(spec, mains if with_run else None, game)
    assert "\n" not in str(err.value)


def test_an_ensemble_of_ppo_snapshots_is_refused(run: Path, game, tmp_path: Path) -> None:
    mains = mains_run(run, tmp_path, algo="ppo")
    with pytest.raises(LeagueError, match="DQN or QR-DQN snapshots only; .* mains are ppo"):
        resolve_player("ensemble:left", mains, game)


def test_pit_plays_ensembles_of_two_runs_and_never_records_them(
    run: Path, tmp_path: Path, capsys
) -> None:
    from league.cli import main

    mains = mains_run(run, tmp_path)
    a, b = f"ensemble:left@{mains}", f"ensemble:right:1@{mains}"
    assert main(["pit", a, b, "--games", "4"]) == 0
    assert "mains-dqn/ensemble:left:3 vs mains-dqn/ensemble:right:1: 4 games" in (
        capsys.readouterr().out
    )
    assert main(["pit", "ensemble:left", "cpu", "--run", str(mains), "--record"]) == 2
    assert "ensemble:left:3 and cpu are no snapshot" in capsys.readouterr().err
    assert main(["pit", "ensemble:left:9", "cpu", "--run", str(mains)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "fewer than 9" in err and "Traceback" not in err
