"""Player kinds on toy tables: whom each learner faces, when an exploiter is frozen and reset."""

from __future__ import annotations

import numpy as np
import pytest

from league.agents import (
    LEAGUE_EXPLOITER,
    MAIN,
    MAIN_EXPLOITER,
    Matchmaking,
    Payoff,
    PoolEntry,
    exploiter_ready,
    opponents_of,
    resets_after_freeze,
)

POOL = [
    PoolEntry("right-0000"),
    PoolEntry("right-0002"),
    PoolEntry("right-0002-me", MAIN_EXPLOITER),
    PoolEntry("right-0004"),
    PoolEntry("right-0004-le", LEAGUE_EXPLOITER),
]
SETTINGS = Matchmaking(cpu_share=0.1, latest_share=0.2, verification_share=0.15)


def payoff(rates: dict[str, float], games: int = 10) -> Payoff:
    p = Payoff(decay=1.0)
    for opponent, rate in rates.items():
        p.add(opponent, rate * games, games)
    return p


def test_payoff_decays_old_games() -> None:
    p = Payoff(decay=0.5)
    p.add("a", 0.0, 1)  # a loss, then a win: the win weighs twice the loss
    p.add("a", 1.0, 1)
    assert p.win_rate("a") == pytest.approx(2 / 3)
    batch, single = Payoff(decay=0.9), Payoff(decay=0.9)
    batch.add("a", 2.0, 3)  # three games at once decay like three games one after the other
    for _ in range(3):
        single.add("a", 2.0 / 3)
    assert batch.record["a"] == pytest.approx(single.record["a"])
    assert np.isnan(p.win_rate("never played"))
    assert Payoff.from_dict(p.to_dict()) == p


def test_main_agent_plays_its_own_past_by_pfsp_with_its_share() -> None:
    own = ["left-0001", "left-0003"]
    rates = {e.id: 1.0 for e in POOL} | {"left-0001": 1.0, "left-0003": 0.5}
    m = Matchmaking(cpu_share=0.1, latest_share=0.2, verification_share=0.15, past_self_share=0.2)
    dist = opponents_of(MAIN, POOL, payoff(rates), m, own)
    assert sum(dist.values()) == pytest.approx(1.0)
    # Hard PFSP over its own snapshots: all of the share to the one it does not always beat.
    assert dist["left-0003"] == pytest.approx(0.2)
    assert "left-0001" not in dist
    never = opponents_of(MAIN, POOL, payoff({}), m, own)  # never played: equal weights
    assert never["left-0001"] == pytest.approx(never["left-0003"]) == pytest.approx(0.1)
    # Without own snapshots the share goes to the scheme over the pool, and exploiters never
    # see their own role.
    alone = opponents_of(MAIN, POOL, payoff(rates), m)
    assert sum(alone.values()) == pytest.approx(1.0)
    assert not any(k.startswith("left") for k in alone)
    for kind in (MAIN_EXPLOITER, LEAGUE_EXPLOITER):
        assert not any(k.startswith("left") for k in opponents_of(kind, POOL, payoff({}), m, own))


def test_main_agent_shares_cpu_self_play_verification_and_pfsp() -> None:
    rates = {
        "right-0000": 1.0,
        "right-0002": 0.5,
        "right-0002-me": 0.25,
        "right-0004": 0.5,
        "right-0004-le": 0.75,
    }
    dist = opponents_of(MAIN, POOL, payoff(rates), SETTINGS)
    assert sum(dist.values()) == pytest.approx(1.0)
    assert dist["cpu"] == pytest.approx(0.1)
    # PFSP hard (1 - p)^2 over the pool: 0, .25, .5625, .25, .0625 (sum 1.125) of 0.55.
    rest = 0.55 / 1.125
    assert "right-0000" not in dist  # always beaten: never drawn by the hard weighting
    # Verification: the only exploiter not beaten yet is right-0002-me, it takes the whole share.
    assert dist["right-0002-me"] == pytest.approx(0.5625 * rest + 0.15)
    # Self-play: the newest main snapshot gets the latest share on top of its PFSP mass.
    assert dist["right-0004"] == pytest.approx(0.25 * rest + 0.2)
    assert dist["right-0004-le"] == pytest.approx(0.0625 * rest)


def test_main_agent_meets_the_sparring_partner_with_its_share_and_no_exploiter_does() -> None:
    rates = {e.id: 0.5 for e in POOL}
    sparring = Matchmaking(cpu_share=0.1, sparring_share=0.25, latest_share=0.2)
    dist = opponents_of(MAIN, POOL, payoff(rates), sparring)
    assert dist["sparring"] == pytest.approx(0.25) and dist["cpu"] == pytest.approx(0.1)
    # The rest, 0.45, by PFSP over the pool (all even: 0.09 each), the newest main + 0.2.
    assert dist["right-0000"] == pytest.approx(0.09)
    assert dist["right-0004"] == pytest.approx(0.09 + 0.2)
    assert "sparring" not in opponents_of(MAIN, POOL, payoff(rates), SETTINGS)
    for kind in (MAIN_EXPLOITER, LEAGUE_EXPLOITER):
        assert "sparring" not in opponents_of(kind, POOL, payoff(rates), sparring)


def test_main_agent_without_exploiters_to_verify_spreads_that_share_by_pfsp() -> None:
    rates = {e.id: 0.5 for e in POOL} | {"right-0002-me": 0.9, "right-0004-le": 0.6}
    dist = opponents_of(MAIN, POOL, payoff(rates), SETTINGS)
    assert sum(dist.values()) == pytest.approx(1.0)
    assert dist["cpu"] == pytest.approx(0.1)
    # .25 .25 .01 .25 .16 over 0.92 for 0.55 + 0.15
    assert dist["right-0000"] == pytest.approx(0.25 / 0.92 * 0.70)
    assert dist["right-0004"] == pytest.approx(0.25 / 0.92 * 0.70 + 0.2)


def test_article_preset_main_agent_meets_only_the_newest_main() -> None:
    naive = Matchmaking(scheme="latest")
    assert opponents_of(MAIN, POOL, Payoff(), naive) == {"right-0004": 1.0}


def test_main_exploiter_targets_the_newest_main_with_a_curriculum() -> None:
    # Able to win (or never played): only the newest main.
    assert opponents_of(MAIN_EXPLOITER, POOL, Payoff(), SETTINGS) == {"right-0004": 1.0}
    able = payoff({"right-0004": 0.3})
    assert opponents_of(MAIN_EXPLOITER, POOL, able, SETTINGS) == {"right-0004": 1.0}
    # Losing nearly everything: that main's recent snapshots by PFSP variance, no exploiters.
    lost = payoff({"right-0004": 0.1, "right-0002": 0.5, "right-0000": 0.9})
    dist = opponents_of(MAIN_EXPLOITER, POOL, lost, SETTINGS)
    assert set(dist) == {"right-0000", "right-0002", "right-0004"}
    assert dist["right-0002"] == pytest.approx(0.25 / (0.09 + 0.25 + 0.09))


def test_league_exploiter_uses_pfsp_over_the_whole_pool_without_cpu() -> None:
    rates = {e.id: 0.5 for e in POOL} | {"right-0000": 1.0}
    dist = opponents_of(LEAGUE_EXPLOITER, POOL, payoff(rates), SETTINGS)
    assert "cpu" not in dist and "right-0000" not in dist
    assert set(dist) == {e.id for e in POOL[1:]}
    assert all(v == pytest.approx(0.25) for v in dist.values())


def test_main_exploiter_frozen_when_it_beats_the_newest_main_or_at_its_cap() -> None:
    settings = Matchmaking(exploiter_win_rate=0.7)
    beats_old = {"right-0000": 1.0, "right-0002": 1.0, "right-0004": 0.6}
    assert not exploiter_ready(MAIN_EXPLOITER, POOL, beats_old, 10, 100, settings)
    assert exploiter_ready(MAIN_EXPLOITER, POOL, {"right-0004": 0.7}, 10, 100, settings)
    assert exploiter_ready(MAIN_EXPLOITER, POOL, {"right-0004": 0.0}, 100, 100, settings)


def test_league_exploiter_frozen_when_it_beats_most_of_the_pool() -> None:
    settings = Matchmaking(exploiter_win_rate=0.7)
    four_of_five = {e.id: 0.9 for e in POOL[:4]} | {"right-0004-le": 0.5}
    assert exploiter_ready(LEAGUE_EXPLOITER, POOL, four_of_five, 10, 100, settings)
    three_of_five = {e.id: 0.9 for e in POOL[:3]}
    assert not exploiter_ready(LEAGUE_EXPLOITER, POOL, three_of_five, 10, 100, settings)
    with pytest.raises(ValueError, match="main agent"):
        exploiter_ready(MAIN, POOL, four_of_five, 10, 100, settings)


def test_reset_rules() -> None:
    rng = np.random.default_rng(0)
    assert all(resets_after_freeze(MAIN_EXPLOITER, 0.0, rng) for _ in range(20))
    draws = [resets_after_freeze(LEAGUE_EXPLOITER, 0.25, rng) for _ in range(4000)]
    assert 0.22 < np.mean(draws) < 0.28
    assert not any(resets_after_freeze(LEAGUE_EXPLOITER, 0.0, rng) for _ in range(20))
