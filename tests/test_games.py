"""PettingZoo games as league games: the seat env, seeded games, reference players, bad games."""

from __future__ import annotations

import functools
import warnings
from pathlib import Path

import numpy as np
import pytest
from gymnasium import spaces
from gymnasium.utils.env_checker import check_env
from pettingzoo import ParallelEnv
from tiny_league import database

from envs.rules import rules
from league.errors import LeagueError
from league.games import load_game
from league.games.pettingzoo import PettingZooGame, SeatEnv, play_games
from league.games.reference import RandomLegal, TicTacToeMinimax, best_moves

TICTACTOE = "pettingzoo.classic.tictactoe_v3"
GAMES = [TICTACTOE, "pettingzoo.classic.connect_four_v3", "pettingzoo.classic.rps_v2"]


def random_opponent(game: PettingZooGame):  # -> an opponent sampler
    def sample(rng: np.random.Generator) -> tuple[str, RandomLegal]:
        return "random", RandomLegal(game.action_space.n, seed=int(rng.integers(2**31)))

    return sample


@functools.cache
def game(name: str) -> PettingZooGame:
    return load_game(name)


@pytest.mark.parametrize("name", GAMES)
@pytest.mark.parametrize("seat", [0, 1])
def test_a_seat_of_every_game_passes_gymnasiums_checker(name: str, seat: int) -> None:
    env = SeatEnv(game(name), seat, random_opponent(game(name)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the checker's warnings (unbounded spaces...) fail it
        check_env(env, skip_render_check=True)


@pytest.mark.parametrize("name", GAMES)
def test_a_seat_plays_to_the_end_and_reports_the_outcome_like_pong(name: str) -> None:
    g = game(name)
    outcomes = set()
    for seed in range(12):
        env = SeatEnv(g, seed % 2, random_opponent(g))
        obs, info = env.reset(seed=seed)
        assert info == {"opponent_id": "random", "score": (0, 0)}
        rng, total, done = np.random.default_rng(seed), 0.0, False
        while not done:
            assert obs.shape == g.observation_space.shape and obs.dtype == np.float32
            legal = np.flatnonzero(env.action_masks())
            obs, reward, terminated, truncated, info = env.step(int(rng.choice(legal)))
            total += reward
            done = terminated or truncated
        won, lost = info["score"]
        assert (won, lost) == (int(total > 0), int(total < 0))
        outcomes.add((won, lost))
    assert {(1, 0), (0, 1)} <= outcomes  # random players win and lose


def test_the_seat_env_is_reproducible_from_its_seed() -> None:
    g = game("pettingzoo.classic.connect_four_v3")

    def trajectory(seed: int) -> list[tuple[bytes, float]]:
        env = SeatEnv(g, 1, random_opponent(g))
        obs, _ = env.reset(seed=seed)
        steps, done = [(obs.tobytes(), 0.0)], False
        while not done:
            obs, reward, terminated, truncated, _ = env.step(int(np.argmax(env.action_masks())))
            steps.append((obs.tobytes(), reward))
            done = terminated or truncated
        return steps

    assert trajectory(5) == trajectory(5)
    assert trajectory(5) != trajectory(6)


def test_minimax_never_loses_at_tictactoe() -> None:
    g = game(TICTACTOE)
    n = 150
    first = play_games(g, [TicTacToeMinimax(1)] * n, [RandomLegal(9, 2)] * n, range(n))
    second = play_games(g, [RandomLegal(9, 3)] * n, [TicTacToeMinimax(4)] * n, range(n))
    assert first.right_won.sum() == 0 and second.left_won.sum() == 0
    assert first.left_won.sum() > 0.9 * n and second.right_won.sum() > 0.5 * n
    perfect = play_games(g, [TicTacToeMinimax(5)] * 40, [TicTacToeMinimax(6)] * 40, range(40))
    assert not perfect.terminated.any(), "perfect play is a draw"


def test_minimax_takes_a_win_and_blocks_a_loss() -> None:
    x = lambda *cells: sum(1 << c for c in cells)  # noqa: E731
    assert best_moves(x(0, 1), x(3, 4)) == (2,)  # complete the top row
    assert best_moves(x(0, 8), x(3, 4)) == (5,)  # block the middle row


def test_random_legal_plays_only_legal_moves() -> None:
    masks = np.array([[0, 0, 1, 0, 1], [1, 0, 0, 0, 0]], dtype=bool)
    player = RandomLegal(5, seed=0)
    moves = np.array([player.act(np.zeros((2, 3)), masks) for _ in range(200)])
    assert set(moves[:, 0]) == {2, 4} and set(moves[:, 1]) == {0}


def test_games_are_seeded_and_drawn_games_are_not_terminated() -> None:
    g = game(TICTACTOE)
    play = lambda: play_games(g, [RandomLegal(9, 7)] * 60, [RandomLegal(9, 8)] * 60, range(60))  # noqa: E731
    a, b = play(), play()
    for field in ("left_points", "right_points", "steps", "terminated"):
        assert np.array_equal(getattr(a, field), getattr(b, field))
    assert a.left_won.sum() + a.right_won.sum() + (~a.terminated).sum() == 60
    assert (a.steps[a.terminated] >= 5).all()  # no game ends before a line of three can exist


def test_a_parallel_env_plays_through_the_same_path() -> None:
    g = load_game("py:pettingzoo.classic.rps_v2:parallel_env")
    out = play_games(g, [RandomLegal(3, 1)] * 100, [RandomLegal(3, 2)] * 100, range(100))
    assert out.left_won.sum() > 20 and out.right_won.sum() > 20


class _Coins(ParallelEnv):
    """Each agent says 0 or 1 once; everyone gets the same reward (not zero-sum)."""

    metadata = {"name": "coins"}

    def __init__(self, agents: int = 2, reward: float = 1.0) -> None:
        self.possible_agents = [f"p{i}" for i in range(agents)]
        self.reward = reward

    def observation_space(self, agent: str) -> spaces.Space:
        return spaces.Discrete(2)

    def action_space(self, agent: str) -> spaces.Space:
        return spaces.Discrete(2)

    def reset(self, seed: int | None = None, options: dict | None = None):
        self.agents = list(self.possible_agents)
        return {a: 0 for a in self.agents}, {a: {} for a in self.agents}

    def step(self, actions: dict):
        done = {a: True for a in self.agents}
        rewards = {a: self.reward for a in self.agents}
        obs, infos = {a: 0 for a in self.agents}, {a: {} for a in self.agents}
        self.agents = []
        return obs, rewards, done, {a: False for a in done}, infos


def three_players() -> _Coins:
    return _Coins(agents=3)


def everyone_wins() -> _Coins:
    return _Coins(agents=2, reward=1.0)


def test_bad_games_are_refused_with_one_line() -> None:
    here = Path(__file__).resolve()
    cases = {
        "pettingzoo.classic.no_such_game_v9": "cannot be found|no module named",
        "py:nope": "write py:MODULE:FACTORY",
        "py:pettingzoo.classic.rps_v2:no_factory": "has no function no_factory()",
        f"py:{here}:three_players": "needs two agents, this env has 3",
    }
    for name, message in cases.items():
        with pytest.raises(LeagueError, match=message) as err:
            load_game(name)
        assert "\n" not in str(err.value)
    with pytest.raises(LeagueError, match="not zero-sum") as err:
        load_game(f"py:{here}:everyone_wins")  # checked on a few games before any run is made
    assert "\n" not in str(err.value)


@pytest.mark.slow
def test_maskable_ppo_trains_on_a_seat_and_never_plays_an_illegal_move() -> None:
    from sb3_contrib import MaskablePPO

    g = game(TICTACTOE)
    env = SeatEnv(g, 0, random_opponent(g))
    model = MaskablePPO("MlpPolicy", env, n_steps=256, batch_size=64, seed=0, device="cpu")
    model.learn(1024)
    obs, _ = env.reset(seed=1)
    for _ in range(200):
        mask = env.action_masks()
        action, _ = model.predict(obs, action_masks=mask, deterministic=False)
        assert mask[int(action)]
        obs, _, terminated, truncated, _ = env.step(int(action))
        if terminated or truncated:
            obs, _ = env.reset()


def test_a_maskable_ppo_snapshot_plays_as_the_model_does_and_only_legal_moves() -> None:
    from sb3_contrib import MaskablePPO

    from league.policies import NumpyPolicy

    g = game(TICTACTOE)
    model = MaskablePPO("MlpPolicy", SeatEnv(g, 0, random_opponent(g)), seed=3, device="cpu")
    policy = NumpyPolicy.from_model(model)
    rng = np.random.default_rng(0)
    obs = rng.integers(0, 2, size=(64, 18)).astype(np.float32)
    masks = rng.random((64, 9)) < 0.4
    masks[np.arange(64), rng.integers(0, 9, 64)] = True  # at least one legal move
    expected, _ = model.predict(obs, action_masks=masks, deterministic=True)
    actions = policy.act(obs, masks)
    assert np.array_equal(actions, expected)
    assert masks[np.arange(64), actions].all()


@pytest.fixture(scope="module")
def tictactoe_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny tic-tac-toe league trained through the CLI, once for this module."""
    from league.cli import main

    tmp = tmp_path_factory.mktemp("tictactoe")
    config = tmp / "tiny.toml"
    config.write_text(
        "generations = 2\nsteps_per_generation = 512\nexploiter_steps = 256\n"
        "exploiter_max_steps = 512\neval_games = 8\n[maskable_ppo]\nn_steps = 128\n"
        "batch_size = 64\n"
    )
    run = tmp / "run"
    args = ["train", "--game", TICTACTOE, "--config", str(config), "--run-dir", str(run)]
    assert main([*args, "--no-progress"]) == 0
    return run


@pytest.mark.slow
def test_a_tictactoe_league_trains_through_the_cli(tictactoe_run: Path) -> None:
    from league.policies import NumpyPolicy
    from league.store import LeagueStore

    run = tictactoe_run
    with LeagueStore.open(run, readonly=True) as store:
        assert store.config()["game"] == TICTACTOE and store.config()["algo"] == "maskable_ppo"
        assert store.last_generation() == 2
        ids = [s.id for s in store.snapshots()]
        assert {"left-0001", "right-0002"} <= set(ids)
        results = store.results()
        assert all(r.games == 8 for r in results)
        cpu = next(r for r in results if (r.a, r.b) == ("right-0002", "cpu"))
        snapshot = store.snapshot("right-0002")
    # The right role is the second agent: its snapshot plays seat 1 against random legal moves,
    # as the evaluation did, and a game is never ended by an illegal move.
    policy = NumpyPolicy.load(run / snapshot.npz_path)
    g = game(TICTACTOE)
    baseline = g.baseline(np.random.default_rng(1_000_000))
    (again,) = g.evaluate(("right-0002", policy), 1, [("cpu", baseline)], 8, 1_000_000)
    assert again == cpu
    out = play_games(g, [RandomLegal(9, 5)] * 50, [policy] * 50, range(50))
    assert (out.steps[out.terminated] >= 5).all()


@pytest.mark.slow
def test_pit_plays_a_tictactoe_run_with_seats_alternating(tictactoe_run: Path, capsys) -> None:
    from league.arena import pit
    from league.cli import main

    report = pit("minimax", "left-0001", tictactoe_run, games=40, seed=3)
    assert report.losses == 0 and report.games == 40  # perfect play never loses, in either seat
    mixed = pit("nash:right", "random", tictactoe_run, games=40, seed=3)
    assert mixed.wins + mixed.losses + mixed.draws == 40
    assert "not asked" in (mixed.not_recorded or "")
    with pytest.raises(LeagueError, match="nash:right and random are no snapshot"):
        pit("nash:right", "random", tictactoe_run, games=40, seed=3, record=True)
    capsys.readouterr()
    run = str(tictactoe_run)
    assert main(["pit", "left-0001", "minimx", "--run", run]) == 2
    assert main(["pit", "left-0001", "random", "--run", run, "--video", "no/such/x.mp4"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "did you mean minimax?" in err[0] and "does not exist" in err[1]
    # An ensemble averages action values: a MaskablePPO run's mains have none, said in one line.
    assert main(["pit", "ensemble:left:1", "random", "--run", run]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "DQN or QR-DQN snapshots only" in err
    assert "mains are maskable_ppo" in err


@pytest.mark.slow
def test_play_a_snapshot_and_the_nash_mixture_of_a_run_in_the_terminal(
    tictactoe_run: Path, monkeypatch, capsys
) -> None:
    import io

    from league.cli import main

    capsys.readouterr()
    for opponent in ("right-0002", "nash:left"):
        side = "left" if opponent.startswith("right") else "right"  # the snapshot's own seat
        monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{k}\n" for k in range(9))))
        args = ["play", opponent, "--run", str(tictactoe_run), "--side", side, "--seed", "4"]
        assert main(args) == 0
        out = capsys.readouterr().out
        assert f"{opponent} plays" in out
        last = out.strip().splitlines()[-1]
        assert last.startswith("you ") and f"{opponent}" in last and "after" in last


def test_a_bad_game_is_refused_before_anything_is_written(tmp_path: Path, capsys) -> None:
    from league.cli import main

    run = tmp_path / "run"
    assert main(["train", "--game", "pettingzoo.classic.no_such_v1", "--run-dir", str(run)]) == 2
    assert main(["train", "--algo", "maskable_ppo", "--run-dir", str(run)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "bad game" in err[0] and "maskable_ppo is for games" in err[1]
    assert not run.exists()


def test_the_readme_example_game_passes_pettingzoos_api_test_and_plays() -> None:
    from pettingzoo.test import api_test

    from league.players import import_user_module

    example = Path(__file__).resolve().parent.parent / "scripts" / "example_game.py"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        api_test(import_user_module("example", str(example)).env(), num_cycles=50)
    g = load_game(f"py:{example}:env")
    assert g.agents == ("first", "second") and g.masked and g.action_space.n == 2

    class Perfect:  # leave a total of 1, 4, 7 or 10: the first player then always wins
        def act(self, obs: np.ndarray, action_mask: np.ndarray | None = None) -> np.ndarray:
            total = obs.argmax(axis=1)
            return np.where((total + 1) % 3 == 1, 0, 1)

    out = play_games(g, [Perfect()] * 100, [RandomLegal(2, 9)] * 100, range(100))
    assert out.left_won.all()


@pytest.mark.slow
def test_exploit_trains_a_best_response_in_the_other_seat_of_a_game(
    tictactoe_run: Path, tmp_path: Path
) -> None:
    import shutil

    from league.exploit import measure_exploitability
    from league.store import LeagueStore

    run = Path(shutil.copytree(tictactoe_run, tmp_path / "run"))
    report = measure_exploitability("right-0002", run, steps=1024, games=40, progress=False)
    assert report.role == "left" and report.game == TICTACTOE and report.algo == "maskable_ppo"
    (result,) = report.results
    assert result.wins + result.losses + result.draws == 40
    assert "in the left role's seat" in report.to_text()
    with LeagueStore.open(run, readonly=True) as store:
        (stored,) = store.exploits("right-0002")
        assert (stored.wins, stored.games) == (result.wins, 40)
    # A greedy best response against a greedy target plays the same game every time.
    assert 40 in (result.wins, result.losses, result.draws)
    mixed = measure_exploitability("nash:left", run, steps=512, games=8, progress=False)
    assert mixed.role == "right"


# ------------------------------------------------------ Pong through the PettingZoo adapter

# Short games that end by points; max_steps set, so both paths cut a game at the same step.
PONG_RULES = rules("classic", points_to_win=2, max_steps=3000)


@functools.cache
def _pong_players() -> dict:
    """The scripted CPU and two snapshot-like policies (untrained SB3 models, frozen)."""
    from stable_baselines3 import DQN

    from envs.scripted import ScriptedCPU
    from envs.single import PongVsOpponent
    from league.policies import NumpyPolicy

    def frozen(seed: int) -> NumpyPolicy:
        model = DQN(
            "MlpPolicy",
            PongVsOpponent(PONG_RULES),
            policy_kwargs={"net_arch": [16, 16]},
            buffer_size=100,
            seed=seed,
            device="cpu",
        )
        return NumpyPolicy.from_model(model)

    return {"cpu": ScriptedCPU(PONG_RULES), "a": frozen(0), "b": frozen(1)}


def _pong_duel_game(game_rules) -> PettingZooGame:
    from envs.duel import PongDuel

    return PettingZooGame(
        lambda: PongDuel(game_rules, frame_stack=4),
        "pong-duel",
        reset_options=lambda i: {"first_serve": i % 2},  # as league.evaluation serves game i
    )


@pytest.mark.parametrize("side", [0, 1])
def test_pong_duel_through_the_adapter_gives_the_built_in_pongs_results(side: int) -> None:
    """``PongDuel`` played through :class:`PettingZooGame` replays the built-in evaluation.

    What lines up: game i is seeded ``seed + i`` in both and serves its first ball to ``i % 2``
    (``PongDuel``'s ``first_serve`` reset option, given by the game's ``reset_options``); both
    stack 4 mirrored coords frames per side, and the scripted CPU and snapshots play through
    the same ``act(obs)``. So every game has the same winner, and the same length: the adapter
    counts moves, two per Pong step (one per agent).

    What cannot line up, and is not asserted: points. The adapter knows a PettingZoo game only
    by its rewards, so its outcome is 1 point to the winner, not the score (Pong's 2-1 is the
    adapter's 1-0); wins, losses and draws are the same.
    """
    from league.evaluation import play_games as play_pong
    from league.games.pong import PongGame

    game_rules = PONG_RULES
    players = _pong_players()
    pong, duel = PongGame(game_rules, frame_stack=4), _pong_duel_game(game_rules)
    opponents = [(name, players[name]) for name in ("cpu", "b")]
    built_in = pong.evaluate(("a", players["a"]), side, opponents, 8, seed=5)
    adapted = duel.evaluate(("a", players["a"]), side, opponents, 8, seed=5)
    for ours, theirs in zip(built_in, adapted, strict=True):
        assert (ours.a, ours.b, ours.seed) == (theirs.a, theirs.b, theirs.seed)
        assert (ours.wins, ours.losses, ours.draws) == (theirs.wins, theirs.losses, theirs.draws)
        assert theirs.steps == 2 * ours.steps
    assert built_in[0].losses > built_in[0].wins  # the untrained snapshot loses to the CPU
    # Game by game, each pairing, with both serves and both sides winning somewhere.
    left, right = [players["a"], players["cpu"]] * 4, [players["b"], players["a"]] * 4
    seeds, serves = range(20, 28), [i % 2 for i in range(8)]
    ours = play_pong(game_rules, left, right, seeds, 4, first_serve=serves)
    theirs = play_games(duel, left, right, seeds, [{"first_serve": s} for s in serves])
    assert ours.terminated.all() and ours.left_won.any() and ours.right_won.any()
    assert np.array_equal(ours.left_won, theirs.left_won)
    assert np.array_equal(ours.right_won, theirs.right_won)
    assert np.array_equal(theirs.steps, 2 * ours.steps)


def test_a_pong_game_cut_at_max_steps_is_a_draw_only_on_the_built_in_path() -> None:
    """The one outcome that differs: a game truncated at ``max_steps`` with one side ahead.

    Pong's evaluation calls every truncated game a draw; the adapter gives it to the higher sum
    of rewards, because a PettingZoo game may end by truncation as its normal end (``rps_v2``
    ends at ``max_cycles``). Games that end by points (the test above) agree exactly.
    """
    from league.evaluation import play_games as play_pong

    game_rules = PONG_RULES.replace(max_steps=150)
    players = _pong_players()
    n = 12
    left, right = [players["a"]] * n, [players["cpu"]] * n
    serves = [i % 2 for i in range(n)]
    ours = play_pong(game_rules, left, right, range(n), 4, first_serve=serves)
    theirs = play_games(
        _pong_duel_game(game_rules), left, right, range(n), [{"first_serve": s} for s in serves]
    )
    cut = ~ours.terminated
    ahead = cut & (ours.left_points != ours.right_points)
    assert ahead.any() and ours.terminated.any()  # both kinds of game happen here
    assert np.array_equal(
        theirs.right_won[ahead], ours.right_points[ahead] > ours.left_points[ahead]
    )
    assert np.array_equal(
        theirs.left_won[ahead], ours.left_points[ahead] > ours.right_points[ahead]
    )
    level = ~ahead
    assert np.array_equal(theirs.left_won[level], ours.left_won[level])
    assert np.array_equal(theirs.right_won[level], ours.right_won[level])
    assert np.array_equal(theirs.steps, 2 * ours.steps)


@pytest.mark.slow
def test_gauntlet_plays_a_tictactoe_snapshot_against_the_reference_players(
    tictactoe_run: Path, capsys
) -> None:
    import json

    from league.arena import pit
    from league.cli import main

    run = str(tictactoe_run)
    for target in ("left-0001", "nash:right"):
        assert main(["gauntlet", target, "--run", run, "--games", "40", "--json"]) == 0
        data = json.loads(capsys.readouterr().out)
        assert data["target"] == target and [r["bot"] for r in data["rows"]] == [
            "random",
            "minimax",
        ]
        for row in data["rows"]:
            match = pit(target, row["bot"], tictactoe_run, games=40, seed=0)
            assert (row["wins"], row["draws"], row["losses"]) == (
                match.wins,
                match.draws,
                match.losses,
            )
        assert data["rows"][1]["wins"] == 0  # nobody beats perfect play
        assert data["score"] == data["rows"][1]["win_rate"]  # random moves are the league's cpu


# ------------------------------------------------------------------------- pit --video


def bare_run(tmp_path: Path, game_name: str) -> Path:
    """A run of ``game_name`` without snapshots: enough for pit between reference players."""
    from league.store import LeagueStore

    run = tmp_path / "run"
    LeagueStore.create(run, {"game": game_name}).close()
    return run


def test_filmed_games_are_the_games_played() -> None:
    g = game(TICTACTOE)
    n, seeds = 6, range(40, 46)
    play = lambda **kw: play_games(g, [RandomLegal(9, 1)] * n, [RandomLegal(9, 2)] * n, seeds, **kw)  # noqa: E731
    frames: dict[int, list[np.ndarray]] = {}
    filmed = play(filmed=2, on_frame=lambda i, f: frames.setdefault(i, []).append(f))
    plain = play()
    for field in ("left_points", "right_points", "steps", "terminated"):
        assert np.array_equal(getattr(filmed, field), getattr(plain, field))
    assert sorted(frames) == [0, 1]
    for i in (0, 1):
        assert len(frames[i]) == plain.steps[i] + 1  # the empty board, then one per move
        assert frames[i][0].ndim == 3 and frames[i][0].shape[2] == 3
        moved = [
            np.abs(a.astype(int) - b).sum() > 0
            for a, b in zip(frames[i][:-1], frames[i][1:], strict=True)
        ]
        assert all(moved)  # every move changes the picture


def _pit_video(run: Path, video: Path, games: int, shown: int, capsys) -> tuple[dict, dict]:
    """The JSON reports of one pit with a video and the same pit without."""
    import json

    from league.cli import main

    base = ["pit", "minimax", "random", "--run", str(run), "--games", str(games), "--seed", "7"]
    assert main([*base, "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert main([*base, "--video", str(video), "--video-games", str(shown), "--json"]) == 0
    return json.loads(capsys.readouterr().out), plain


def _positions(run: Path, shown: int) -> int:
    """Positions (one per move, plus the empty board) in the first games of minimax vs random
    from seed 7: the first ``shown`` games of the match, played again as a match of their own."""
    from league.arena import pit

    report = pit("minimax", "random", run, games=shown, seed=7)
    return round(report.mean_length * shown) + shown


def test_pit_films_a_tictactoe_match_as_an_mp4(tmp_path: Path, capsys) -> None:
    import imageio.v2 as imageio

    from envs.replay import CARD_SECONDS, STILL_FPS
    from league.arena import GAME_MOVE_SECONDS, VIDEO_SPEED

    run, video = bare_run(tmp_path, TICTACTOE), tmp_path / "ttt.mp4"
    filmed, plain = _pit_video(run, video, games=6, shown=2, capsys=capsys)
    assert filmed["video"] == str(video)
    for key in ("wins", "losses", "draws", "mean_length"):
        assert filmed[key] == plain[key]  # filming changes nothing in the match
    positions = _positions(run, 2)
    card = round(CARD_SECONDS * STILL_FPS)
    move = round(GAME_MOVE_SECONDS / VIDEO_SPEED * STILL_FPS)
    last = round((GAME_MOVE_SECONDS / VIDEO_SPEED + CARD_SECONDS) * STILL_FPS)
    expected = 3 * card + (positions - 2) * move + 2 * last  # 3 cards: before each game, at the end
    with imageio.get_reader(video, format="FFMPEG") as reader:
        frames = [frame.astype(np.int16) for frame in reader]
    assert len(frames) == expected
    assert frames[0].shape == (1000, 1000, 3)
    changes = sum(np.abs(a - b).mean() > 1 for a, b in zip(frames[:-1], frames[1:], strict=True))
    # Every move changes the board; the cards come and go: 3 cards around 2 games.
    assert changes >= positions - 2 + 4
    assert np.abs(frames[0] - frames[card]).mean() > 5  # the first card, then the empty board


def test_pit_films_a_tictactoe_match_as_a_gif(tmp_path: Path, capsys) -> None:
    import imageio.v2 as imageio

    run, video = bare_run(tmp_path, TICTACTOE), tmp_path / "ttt.gif"
    filmed, _ = _pit_video(run, video, games=4, shown=3, capsys=capsys)
    assert filmed["video"] == str(video) and video.read_bytes()[:6] == b"GIF89a"
    frames = imageio.mimread(video)
    assert len(frames) == _positions(run, 3) + 4  # one frame per position and per card
    assert frames[0].shape[:2] == (500, 500)  # half size, as Pong's GIFs
    # Each frame differs from the one before: a move, or a card.
    assert all((a != b).any() for a, b in zip(frames[:-1], frames[1:], strict=True))


def test_a_video_of_a_game_that_cannot_render_is_refused_before_play(
    tmp_path: Path, capsys
) -> None:
    from league.cli import main

    example = Path(__file__).resolve().parent.parent / "scripts" / "example_game.py"
    run = bare_run(tmp_path, f"py:{example}:env")
    video = tmp_path / "race.mp4"
    assert main(["pit", "random", "cpu", "--run", str(run), "--video", str(video)]) == 2
    err = capsys.readouterr().err
    assert "cannot draw rgb_array frames" in err and err.count("\n") == 1
    assert not video.exists()
    assert main(["pit", "random", "cpu", "--run", str(run), "--games", "4"]) == 0  # it plays
    with pytest.raises(LeagueError, match="render modes: none"):
        load_game(f"py:{example}:env").check_renders()
    assert game(TICTACTOE).check_renders() == (1000, 1000)


# ------------------------------------------------------------------------- pit --record


def _linear_snapshot(folder: Path, sid: str, obs_dim: int, seed: int) -> None:
    """A one-layer maskable_ppo snapshot of random weights (greedy legal moves), untrained."""
    import json

    from league.policies import FORMAT_VERSION, write_npz

    rng = np.random.default_rng(seed)
    layer = {"weight": "w0", "bias": "b0", "in_features": obs_dim, "out_features": 9}
    description = {
        "format_version": FORMAT_VERSION,
        "algo": "maskable_ppo",
        "obs_dim": obs_dim,
        "n_actions": 9,
        "layers": [{**layer, "activation": "identity"}],
    }
    arrays = {
        "w0": rng.normal(size=(9, obs_dim)).astype(np.float32),
        "b0": rng.normal(size=9).astype(np.float32),
    }
    with open(folder / f"{sid}.npz", "wb") as f:
        write_npz(f, arrays)
    (folder / f"{sid}.json").write_text(json.dumps(description))
    (folder / f"{sid}.zip").write_bytes(b"")  # the store asks for the file, pit never reads it


@pytest.fixture
def snapshot_run(tmp_path: Path) -> Path:
    """A tic-tac-toe run with snapshots left-0000, left-0001 and right-0000, and no training."""
    from league.store import LeagueStore, SnapshotRecord

    run = tmp_path / "run"
    (run / "snapshots").mkdir(parents=True)
    obs_dim = game(TICTACTOE).observation_space.shape[0]
    records = []
    for k, sid in enumerate(("left-0000", "left-0001", "right-0000")):
        _linear_snapshot(run / "snapshots", sid, obs_dim, seed=k)
        role = sid.split("-")[0]
        records.append(
            SnapshotRecord(sid, role, 0, 0, f"snapshots/{sid}.zip", f"snapshots/{sid}.npz")
        )
    with LeagueStore.create(run, {"game": TICTACTOE}) as store:
        store.add_snapshots(records)
    return run


def test_pit_records_a_balanced_tictactoe_match_as_pong_does(snapshot_run: Path, capsys) -> None:
    import json

    from league.arena import pit
    from league.cli import main
    from league.games.arena import play_game_match, resolve_game_player
    from league.store import LeagueStore

    run = str(snapshot_run)
    before = database(snapshot_run)
    args = ["pit", "right-0000", "left-0001", "--run", run, "--games", "6", "--seed", "4"]
    assert main([*args, "--record", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["recorded_in"] == str(snapshot_run / "league.sqlite")
    assert report["not_recorded"] is None and database(snapshot_run) != before
    with LeagueStore.open(snapshot_run, readonly=True) as store:
        stored = store.results(source="pit")
        assert store.results(source="league") == []
    # A as a, one row per seat A took (the first seat first), as Pong's pit stores them.
    assert [(r.a, r.b, r.games, r.seed) for r in stored] == [
        ("right-0000", "left-0001", 3, 4),
        ("right-0000", "left-0001", 3, 4),
    ]
    assert sum(r.wins for r in stored) == report["wins"]
    assert sum(r.losses for r in stored) == report["losses"]
    # Each row is the games of its seat, played again on their own: A first in games 0, 2, 4.
    g = game(TICTACTOE)
    a = resolve_game_player("right-0000", snapshot_run, g, 4)
    b = resolve_game_player("left-0001", snapshot_run, g, 5)
    outcomes, _ = play_game_match(g, a, b, 4, np.arange(6) % 2 == 0)
    first = outcomes.rows(np.array([0, 2, 4]))
    assert stored[0].wins == int(first.left_won.sum())
    assert stored[0].losses == int(first.right_won.sum())
    assert stored[0].draws == int((~first.terminated).sum())
    # The matrix sees them as it sees Pong's: 6 games in the cell of left-0001 and right-0000.
    assert main(["matrix", run, "--json"]) == 0
    matrix = json.loads(capsys.readouterr().out)
    row, col = matrix["rows"].index("left-0001"), matrix["cols"].index("right-0000")
    assert matrix["games"][row][col] == 6
    left_score = (report["losses"] + report["draws"] / 2) / 6  # the row's (left's) score
    assert matrix["scores"][row][col] == pytest.approx(left_score)
    assert matrix["games"][matrix["rows"].index("left-0000")][col] == 0
    # The ratings learn from them: the one who scored more is rated higher.
    ratings = matrix["ratings"]
    assert (ratings["right-0000"] > ratings["left-0001"]) == (report["win_rate"] > 0.5)
    assert ratings["right-0000"] != ratings["left-0001"]
    assert main(["ls", run, "--json"]) == 0  # and `ls` shows the same ratings
    listed = {s["id"]: s["rating"] for s in json.loads(capsys.readouterr().out)["snapshots"]}
    assert listed["right-0000"] == pytest.approx(ratings["right-0000"])
    assert listed["left-0000"] is None  # it played no game
    # The same match again adds to the same cell.
    assert pit("left-0001", "right-0000", snapshot_run, games=4, record=True).recorded_in
    with LeagueStore.open(snapshot_run, readonly=True) as store:
        assert sum(r.games for r in store.results(source="pit")) == 10


@pytest.mark.parametrize(
    ("a", "b", "extra", "reason"),
    [
        ("left-0000", "right-0000", ["--games", "5"], "seat (needs --sides alternate and an even"),
        ("left-0000", "right-0000", ["--sides", "fixed"], "got --sides fixed, 4 games"),
        ("left-0000", "minimax", [], "minimax is no snapshot of"),
        ("nash:left", "right-0000", [], "nash:left is no snapshot of"),
        ("left-0000", "left-0001", [], "both are left snapshots"),
    ],
)
def test_pit_refuses_to_record_other_tictactoe_matches_in_one_line(
    snapshot_run: Path, capsys, a: str, b: str, extra: list[str], reason: str
) -> None:
    from league.cli import main

    before = database(snapshot_run)
    args = ["pit", a, b, "--run", str(snapshot_run), "--games", "4", *extra, "--record"]
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert "results not recorded: " in err and reason in err
    assert database(snapshot_run) == before


ANSI_RACE = """
import sys

sys.path.insert(0, {scripts!r})
from example_game import RaceToTen


class AnsiRace(RaceToTen):
    metadata = {{"name": "ansi_race_v0", "render_modes": ["ansi"]}}

    def __init__(self, render_mode=None):
        super().__init__()
        self.render_mode = render_mode

    def render(self):
        return f"race board: total {{self.total}} of 10"


def env(render_mode=None):
    return AnsiRace(render_mode)
"""


def test_play_prints_the_envs_own_ansi_board_when_it_has_one(tmp_path: Path) -> None:
    import io

    from league.games.play import play_game
    from league.players import Player

    module = tmp_path / "ansi_race.py"
    scripts = str(Path(__file__).resolve().parent.parent / "scripts")
    module.write_text(ANSI_RACE.format(scripts=scripts))
    game = load_game(f"py:{module}:env")
    out = io.StringIO()
    result = play_game(
        game, Player("random", RandomLegal(2, 0)), stdin=io.StringIO("0\n" * 10), stdout=out
    )
    text = out.getvalue()
    assert result.finished
    # Before each of your moves and at the end: the env's render, not a drawing of the planes.
    assert text.count("race board: total ") >= 3 and "race board: total 10 of 10" in text
    assert "plane 0" not in text


@pytest.mark.parametrize("moves", ["sample", "greedy", "mixed"])
def test_a_ppo_snapshot_as_training_opponent_samples_its_moves(moves: str) -> None:
    from league.config import LeagueConfig
    from league.hosts import LearnerHost
    from league.learners import make_vec_env, new_learner
    from league.policies import NumpyPolicy, SampledMoves

    config = LeagueConfig(game=TICTACTOE, algo="maskable_ppo", net_arch=(16,))
    g = game(TICTACTOE)
    model = new_learner(config, make_vec_env(config, "left", random_opponent(g), 0, g), 0, None)
    snapshot = NumpyPolicy.from_model(model)

    def openings(seed: int) -> list[tuple[bytes, bool]]:
        """In each of 40 games: the board the second seat first sees (the snapshot's opening)
        and whether the snapshot drew its moves from its policy."""
        host = LearnerHost(config)
        policies = {"left-0001": snapshot}
        env = host._env("right", lambda: {"left-0001": 1.0}, seed, policies, moves)
        seat = env.envs[0].unwrapped
        return [
            (env.reset()[0].tobytes(), isinstance(seat.opponent, SampledMoves)) for _ in range(40)
        ]

    games = openings(0)
    assert openings(0) == games  # the env's seed fixes the draws
    sampled = [opening for opening, drawn in games if drawn]
    greedy = [opening for opening, drawn in games if not drawn]
    # Sampled in every game, in none, or (mixed) in about half: 40 coin flips.
    assert len(sampled) == {"sample": 40, "greedy": 0}.get(moves, len(sampled))
    assert moves != "mixed" or 10 <= len(sampled) <= 30
    # Greedy, a snapshot opens every game the same way; sampled, it varies its openings.
    assert len(set(greedy)) <= 1 and (len(set(sampled)) > 3) == (moves != "greedy")


def test_main_agents_and_exploiters_meet_snapshots_moving_as_configured() -> None:
    from league.agents import KINDS, MAIN
    from league.config import LeagueConfig
    from league.hosts import opponent_moves

    default = LeagueConfig(game=TICTACTOE, algo="maskable_ppo")
    # By default a main agent meets varied games and the greedy line; exploiters the line.
    assert {k: opponent_moves(default, k) for k in KINDS} == {
        k: "mixed" if k == MAIN else "greedy" for k in KINDS
    }
    moves = {"opponent_moves": "greedy", "exploiter_opponent_moves": "sample"}
    config = LeagueConfig(game=TICTACTOE, algo="maskable_ppo", **moves)
    assert {k: opponent_moves(config, k) for k in KINDS} == {
        k: "greedy" if k == MAIN else "sample" for k in KINDS
    }
