"""The gauntlet: rows equal to pit matches, intervals and score, the report, and the command."""

from __future__ import annotations

import json

import pytest

from envs.rules import rules
from league.arena import play_match, report, wilson_interval
from league.cli import EXIT_USAGE, main
from league.errors import LeagueError
from league.gauntlet import GAUNTLET, GauntletReport, run_gauntlet
from league.players import resolve_player

# Short games; bot against bot can be endless (neither misses), so cut them at a draw.
GAME = rules("classic", points_to_win=2, max_steps=1500)


def player(name: str):
    return resolve_player(name, None, GAME)


@pytest.fixture(scope="module")
def interceptor() -> GauntletReport:
    return run_gauntlet(player("interceptor"), GAME, games=8, seed=3)


def test_still_loses_every_game() -> None:
    result = run_gauntlet(player("still"), GAME, games=8)
    assert [row.bot for row in result.rows] == list(GAUNTLET)
    for row in result.rows:
        assert (row.games, row.wins, row.draws, row.losses) == (8, 0, 0, 8)
        assert row.win_rate == 0.0 and row.points_against == 2.0
        assert row.ci95 == pytest.approx(wilson_interval(0, 8))
        assert row.training_opponent == (row.bot == "cpu")
    assert result.score == 0.0
    assert result.score_ci95 == pytest.approx(wilson_interval(0, 40))


def test_rows_are_the_pit_matches(interceptor: GauntletReport) -> None:
    target = player("interceptor")
    for row in interceptor.rows:
        bot = player(row.bot)
        pit = report(target, bot, play_match(GAME, target, bot, 8, seed=3), 3, "alternate")
        assert (row.wins, row.draws, row.losses) == (pit.wins, pit.draws, pit.losses)
        assert (row.points_for, row.points_against) == (pit.points_for, pit.points_against)
        assert row.win_rate == pit.win_rate and row.ci95 == pit.ci95


def test_interceptor_beats_the_weak_bots_and_draws_the_walls(interceptor: GauntletReport) -> None:
    rows = {row.bot: row for row in interceptor.rows}
    assert rows["cpu"].win_rate == rows["follower"].win_rate == 1.0
    assert all(row.losses == 0 and row.points_against == 0 for row in interceptor.rows)
    assert rows["delayed"].points_for > 0 and rows["delayed"].win_rate > 0.5
    # Neither interceptor misses: every game runs to max_steps, a draw counted half.
    assert rows["interceptor"].draws == 8 and rows["interceptor"].win_rate == 0.5
    assert rows["interceptor"].ci95 == pytest.approx(wilson_interval(4, 8))
    scored = [rows[name].win_rate for name in GAUNTLET if name != "cpu"]
    assert interceptor.score == pytest.approx(sum(scored) / 5)
    # It misses nothing: every ball that came to it went back.
    assert all(row.returned == 1.0 for row in interceptor.rows)
    low, high = interceptor.score_ci95
    assert low < interceptor.score < high


def test_report_text_and_json(interceptor: GauntletReport) -> None:
    text = interceptor.to_text()
    for name in GAUNTLET:
        assert name in text
    assert "cpu *" in text and "training opponent" in text and "5 bots" in text
    data = json.loads(json.dumps(interceptor.to_dict()))
    assert [row["bot"] for row in data["rows"]] == list(GAUNTLET)
    assert data["scored_bots"] == [name for name in GAUNTLET if name != "cpu"]
    assert data["score"] == pytest.approx(interceptor.score)
    assert data["games_per_bot"] == 8
    assert "returned" in text.splitlines()[1] and data["rows"][0]["returned"] == 1.0


@pytest.mark.parametrize("games", [0, 2, 5, -4])
def test_games_must_balance_sides_and_serves(games: int) -> None:
    with pytest.raises(LeagueError, match="multiple of 4"):
        run_gauntlet(player("still"), GAME, games=games)


def test_negative_seed_is_refused() -> None:
    with pytest.raises(LeagueError, match="--seed"):
        run_gauntlet(player("still"), GAME, games=4, seed=-1)


# ------------------------------------------------------------------------------ the command


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["gauntlet", "nobody"], "unknown player 'nobody'"),
        (["gauntlet", "still", "--games", "0"], "--games 0"),
        (["gauntlet", "still", "--games", "5"], "--games 5"),
        (["gauntlet", "still", "--rules", "nope"], "--rules"),
        (["gauntlet", "py:nowhere.py:Bot"], "bad bot"),
    ],
)
def test_cli_errors_are_one_line(argv: list[str], says: str, capsys: pytest.CaptureFixture) -> None:
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and says in err


def test_cli_prints_json(capsys: pytest.CaptureFixture) -> None:
    assert main(["gauntlet", "still", "--games", "4", "--seed", "1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["target"] == "still" and data["seed"] == 1 and data["score"] == 0.0
    assert [row["games"] for row in data["rows"]] == [4] * len(GAUNTLET)


def test_cli_help_explains_the_gauntlet(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["gauntlet", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "training pool" in out and "examples:" in out and "pong-league gauntlet" in out


# ------------------------------------------------------------- a run of a PettingZoo game

TICTACTOE = "pettingzoo.classic.tictactoe_v3"


def game_run(tmp_path, game: str):  # -> Path: a run folder of ``game`` without snapshots
    from league.config import load_config
    from league.store import LeagueStore

    run = tmp_path / game.rsplit(".", 1)[-1]
    run.mkdir()
    LeagueStore.create(run, load_config(None, None, {"game": game}).to_dict()).close()
    return run


def test_a_tictactoe_runs_gauntlet_is_random_moves_and_minimax(tmp_path, capsys) -> None:
    run = str(game_run(tmp_path, TICTACTOE))
    assert main(["gauntlet", "minimax", "--run", run, "--games", "40", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["game"] == TICTACTOE and data["games_per_bot"] == 40
    rows = {row["bot"]: row for row in data["rows"]}
    assert list(rows) == ["random", "minimax"]
    assert rows["random"]["training_opponent"] and not rows["minimax"]["training_opponent"]
    # Perfect play never loses, in either seat; against itself every game is a draw.
    assert rows["random"]["losses"] == 0 and rows["random"]["wins"] > 20
    assert rows["minimax"]["draws"] == 40 and rows["minimax"]["win_rate"] == 0.5
    assert data["scored_bots"] == ["minimax"] and data["score"] == 0.5
    assert data["score_ci95"] == pytest.approx(wilson_interval(20, 40))
    assert all(row["returned"] is None for row in data["rows"])  # no balls in tic-tac-toe


def test_a_game_runs_gauntlet_rows_are_the_pit_matches(tmp_path, capsys) -> None:
    from league.arena import pit

    run = game_run(tmp_path, TICTACTOE)
    assert main(["gauntlet", "random", "--run", str(run), "--games", "12", "--seed", "3"]) == 0
    text = capsys.readouterr().out
    assert f"gauntlet of random in {TICTACTOE}: 12 games per bot" in text
    assert (
        "seats alternate" in text and "random *" in text and "mean over the 1 bot outside" in text
    )
    assert (
        main(["gauntlet", "random", "--run", str(run), "--games", "12", "--seed", "3", "--json"])
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    for row in data["rows"]:
        match = pit("random", row["bot"], run, games=12, seed=3)
        assert (row["wins"], row["draws"], row["losses"]) == (match.wins, match.draws, match.losses)
        assert row["win_rate"] == match.win_rate and row["ci95"] == list(match.ci95)
    assert data["rows"][1]["wins"] == 0  # random moves never beat minimax


def test_a_game_with_random_moves_alone_scores_them(tmp_path, capsys) -> None:
    run = str(game_run(tmp_path, "pettingzoo.classic.rps_v2"))
    assert main(["gauntlet", "random", "--run", run, "--games", "8", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [row["bot"] for row in data["rows"]] == data["scored_bots"] == ["random"]
    assert data["score"] == data["rows"][0]["win_rate"]
    assert main(["gauntlet", "random", "--run", run, "--games", "8"]) == 0
    assert "in the score as the only bot" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["minimx"], "did you mean minimax?"),
        (["minimax", "--games", "6"], "--games 6"),
        (["minimax", "--rules", "classic"], "no Pong rules"),
        (["minimax", "--seed", "-1"], "--seed -1"),
        (["left-0009"], "unknown player 'left-0009'"),
    ],
)
def test_a_game_runs_gauntlet_refuses_bad_input_in_one_line(
    argv: list[str], says: str, tmp_path, capsys
) -> None:
    run = str(game_run(tmp_path, TICTACTOE))
    assert main(["gauntlet", *argv, "--run", run]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and says in err


def test_minimax_is_no_player_of_other_games(tmp_path, capsys) -> None:
    run = str(game_run(tmp_path, "pettingzoo.classic.rps_v2"))
    assert main(["gauntlet", "minimax", "--run", run, "--games", "4"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "unknown player 'minimax'" in err
