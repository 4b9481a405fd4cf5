"""scripts/misses.py: the points each player concedes, with the ball's speed and the rally."""

from __future__ import annotations

import json

import pytest
from script_loader import load_script

from league.arena import play_match
from league.evaluation import match_result
from league.players import game_settings, resolve_player

misses = load_script("misses")


def test_the_points_conceded_are_the_matchs_points() -> None:
    rules, (follower, cpu) = misses.measure("follower", "cpu", None, games=8, seed=3)
    rules, frame_stack = game_settings(None, None)
    a, b = (
        resolve_player(n, None, rules, frame_stack, seed=s)
        for n, s in (("follower", 3), ("cpu", 4))
    )
    match = play_match(rules, a, b, 8, 3, "alternate", frame_stack)
    result = match_result(a.id, b.id, match.outcomes, match.a_left, 3)
    assert follower.points == result.points_against > 0
    assert cpu.points == result.points_for > 0
    for row in (follower, cpu):
        assert rules.ball_speed - 1e-9 <= row.mean_speed <= rules.ball_speed_max + 1e-9


def test_a_still_paddle_concedes_slow_balls_and_the_interceptor_nothing() -> None:
    rules, (still, interceptor) = misses.measure("still", "interceptor", None, games=8, seed=0)
    assert interceptor.points == 0 and interceptor.mean_speed is None
    assert still.points_per_game == rules.points_to_win  # every game lost 0-11
    # The interceptor hits every ball served to it once; the still paddle never moves to one, so
    # it concedes serves and once-returned balls: speeds of no hit or one, never a long rally.
    assert still.within_one_hit > 0.5 and still.at_max_speed == 0.0
    assert rules.ball_speed <= still.mean_speed <= rules.ball_speed * rules.ball_speedup**2


def test_json_and_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert misses.main(["still", "cpu", "--games", "4", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert [r["player"] for r in answer["rows"]] == ["still", "cpu"]
    assert misses.main(["nope", "cpu"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown player 'nope'" in err
    assert misses.main(["still", "cpu", "--games", "6"]) == 2
    assert "multiple of 4" in capsys.readouterr().err
