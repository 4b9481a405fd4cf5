from collections import Counter

import numpy as np
import pytest

from league.matchmaking import (
    OpponentSampler,
    opponent_distribution,
    pfsp_weights,
    sample_opponent,
)

OPPONENTS = ["right-0000", "right-0002", "right-0004"]


@pytest.mark.parametrize("exponent", [1.0, 2.0, 3.0])
def test_pfsp_hard_prefers_opponents_the_learner_loses_to(exponent: float) -> None:
    p = np.array([0.9, 0.1, 0.5, 0.3])
    w = pfsp_weights(p, "hard", exponent)
    assert w.sum() == pytest.approx(1.0)
    # Lower learner win rate -> strictly higher weight.
    order = np.argsort(p)
    assert np.all(np.diff(w[order]) < 0)
    expected = (1 - p) ** exponent
    np.testing.assert_allclose(w, expected / expected.sum())


def test_pfsp_variance_peaks_at_even_matches() -> None:
    p = np.array([0.0, 0.2, 0.5, 0.8, 1.0])
    w = pfsp_weights(p, "variance")
    assert np.argmax(w) == 2
    assert w[0] == 0.0 and w[4] == 0.0
    assert w[1] == pytest.approx(w[3])
    assert w.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("weighting", ["hard", "variance"])
def test_pfsp_nan_counts_as_even(weighting: str) -> None:
    w = pfsp_weights([np.nan, 0.5, 0.9], weighting)
    assert w[0] == pytest.approx(w[1])


@pytest.mark.parametrize("weighting", ["hard", "variance"])
def test_pfsp_falls_back_to_uniform_when_learner_beats_everyone(weighting: str) -> None:
    np.testing.assert_allclose(pfsp_weights([1.0, 1.0, 1.0], weighting), [1 / 3] * 3)


def test_pfsp_no_opponents() -> None:
    assert pfsp_weights([]).shape == (0,)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"win_rates": [0.5], "weighting": "easy"}, "hard, variance"),
        ({"win_rates": [0.5], "exponent": -1.0}, "exponent"),
        ({"win_rates": [1.2]}, "win_rates"),
        ({"win_rates": [[0.5]]}, "1-D"),
    ],
)
def test_pfsp_invalid_args(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        pfsp_weights(**kwargs)


def test_latest_only_picks_newest() -> None:
    dist = opponent_distribution("latest", OPPONENTS, None)
    assert dist == {"right-0004": 1.0}
    rng = np.random.default_rng(0)
    assert {sample_opponent(dist, rng) for _ in range(1000)} == {"right-0004"}


def test_uniform_scheme() -> None:
    dist = opponent_distribution("uniform", OPPONENTS, None)
    assert dist == pytest.approx(dict.fromkeys(OPPONENTS, 1 / 3))


def test_pfsp_scheme_matches_weights() -> None:
    rates = np.array([0.8, 0.4, np.nan])
    dist = opponent_distribution("pfsp", OPPONENTS, rates, weighting="hard", exponent=2.0)
    expected = pfsp_weights(rates)
    assert [dist[o] for o in OPPONENTS] == pytest.approx(expected.tolist())


def test_shares_combine_as_documented() -> None:
    dist = opponent_distribution("uniform", OPPONENTS, None, cpu_share=0.2, latest_share=0.2)
    # 0.6 spread over three, plus 0.2 on the newest, plus 0.2 on the CPU.
    assert dist == pytest.approx(
        {"right-0000": 0.2, "right-0002": 0.2, "right-0004": 0.4, "cpu": 0.2}
    )
    assert sum(dist.values()) == pytest.approx(1.0)


def test_no_opponents_means_cpu() -> None:
    assert opponent_distribution("pfsp", [], np.array([]), cpu_share=0.1) == {"cpu": 1.0}


def test_cpu_share_is_respected_empirically() -> None:
    dist = opponent_distribution("pfsp", OPPONENTS, np.array([0.2, 0.5, 0.9]), cpu_share=0.3)
    assert dist["cpu"] == pytest.approx(0.3)
    picks = OpponentSampler(dist, np.random.default_rng(1)).sample_many(4000)
    counts = Counter(picks)
    assert counts["cpu"] / 4000 == pytest.approx(0.3, abs=0.03)
    # The learner loses most to right-0000, so it is drawn most among the snapshots.
    assert counts["right-0000"] > counts["right-0002"] > counts["right-0004"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"scheme": "newest"}, "scheme"),
        ({"cpu_share": -0.1}, "cpu_share"),
        ({"cpu_share": 1.5}, "cpu_share"),
        ({"latest_share": 2.0}, "latest_share"),
        ({"cpu_share": 0.6, "latest_share": 0.6}, "cpu_share \\+ latest_share"),
        ({"opponents": ["right-0000", "cpu"]}, "cpu_share"),
        ({"opponents": ["right-0000", "right-0000"]}, "more than once"),
        ({"learner_win_rates": [0.5]}, "learner_win_rates"),
        ({"scheme": "pfsp", "learner_win_rates": None}, "required"),
        ({"scheme": "pfsp", "weighting": "easy"}, "weighting"),
    ],
)
def test_opponent_distribution_invalid_args(kwargs: dict, match: str) -> None:
    args = {"scheme": "uniform", "opponents": ["right-0000", "right-0002"]}
    args["learner_win_rates"] = [0.5, 0.5]
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        opponent_distribution(**args)


def test_sampler_matches_sample_opponent_and_is_reproducible() -> None:
    dist = {"a": 0.5, "b": 0.25, "cpu": 0.25}
    sampler = OpponentSampler(dist, np.random.default_rng(7))
    rng = np.random.default_rng(7)
    assert [sampler.sample() for _ in range(50)] == [sample_opponent(dist, rng) for _ in range(50)]
    assert sampler.distribution == pytest.approx(dist)


def test_sample_opponent_renormalises() -> None:
    rng = np.random.default_rng(0)
    counts = Counter(sample_opponent({"a": 3.0, "b": 1.0}, rng) for _ in range(2000))
    assert counts["a"] / 2000 == pytest.approx(0.75, abs=0.04)


@pytest.mark.parametrize("bad", [{}, {"a": 0.0}, {"a": -0.5, "b": 1.5}, {"a": float("nan")}])
def test_sample_opponent_rejects_bad_distribution(bad: dict) -> None:
    with pytest.raises(ValueError, match="distribution"):
        sample_opponent(bad, np.random.default_rng(0))
