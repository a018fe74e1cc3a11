"""NAWQ-SR's offline algorithms (workloads/nawqsr/algorithms.py, spec §4.2-§4.4, §4.6) on
hand-written quality functions whose right answers are derived in the comments: no training,
no model."""
import os
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "workloads"))

from nawqsr import algorithms as A  # noqa: E402

OPS = [10, 50, 50, 5, 30]
P8 = [0.02, 0.05, 0.20, 0.04, 0.04]  # dB lost by a layer at 8 bit (static range)


def additive_q(p8=P8, p16=None, dre_keeps=0.1, ref=30.0):
    """q = ref - sum of per-layer losses: p8[l] at 8 bit (x dre_keeps with DRE), p16[l] at 16, 0 at 32."""
    p16 = p16 or [0.0] * len(p8)

    def q(bits, dre):
        dre = dre or [False] * len(bits)
        loss = 0.0
        for l, b in enumerate(bits):
            if b == 8:
                loss += p8[l] * (dre_keeps if dre[l] else 1.0)
            elif b == 16:
                loss += p16[l]
        return ref - loss
    return q


def test_wlopt_visits_heaviest_first_ties_in_network_order_and_accepts_within_eps():
    # order by ops, largest first, ties in network order: 1 (50), 2 (50), 4 (30), 0 (10), 3 (5)
    assert A.visiting_order(OPS) == [1, 2, 4, 0, 3]
    # q_ref = 30 (all 16). Cumulative loss of the accepted layers, eps = 0.1:
    #   1: 0.05 <= 0.1 accept | 2: 0.05 + 0.20 = 0.25 reject | 4: 0.05 + 0.04 = 0.09 accept
    #   0: 0.09 + 0.02 = 0.11 reject | 3: 0.09 + 0.04 = 0.13 reject
    res = A.wlopt(A.CountingQuality(additive_q()), OPS, eps=0.1)
    assert [(l, ok) for l, _, ok in res.trace] == [(1, True), (2, False), (4, True), (0, False), (3, False)]
    assert res.bits == [16, 8, 16, 16, 8]
    assert res.q_ref == 30.0 and res.evals == 6  # q_ref + one evaluation per layer
    # BOPs: all-16 = 2 * 145 = 290; result = 2 * (10 + 50 + 5) + (50 + 30) = 210
    assert A.bops(res.bits, OPS) == 210
    assert A.bops_reduction(res.bits, OPS) == pytest.approx(290 / 210)


def test_wlopt_reference_is_all_a16w8_not_fp32():
    # every layer loses 0.3 dB at 16 bit too: q_ref = 30 - 1.5 = 28.5; demotions are measured
    # from 28.5, so the same two layers are accepted as above
    q = additive_q(p16=[0.3] * 5)
    res = A.wlopt(q, OPS, eps=0.1)
    assert res.q_ref == pytest.approx(28.5)
    # layer 1 at 8: 30 - (0.3 * 4 + 0.05) = 28.75 -> a gain of 0.25 over 28.5: accepted, and so on
    assert res.bits == [8, 8, 8, 8, 8]  # each 8-bit layer loses less (p8 < 0.3) than at 16
    # (against an FP32 reference of 30 every demotion would be 1.25+ dB short: all would stay 16)


def test_lra_drops_from_the_weights_only_model_and_sorted_order():
    # q0 = q(all 32) = 30; drop[l] = 30 - q(all 16, l at 8) = p8[l] + 0.01 * 4 (the other four at 16)
    q0, drops, order = A.lra(additive_q(p16=[0.01] * 5), 5)
    assert q0 == 30.0
    assert drops == pytest.approx([p + 0.04 for p in P8])
    # by drop, largest first; layers 3 and 4 tie (0.08) and stay in network order
    assert order == [2, 1, 3, 4, 0]


DROPS = [0.1, 0.4, -0.2, 0.3, 0.0]
ORDER = [1, 3, 0, 4, 2]  # drops descending (negative last)


def test_dre_selection_on_given_drops():
    # squares in ORDER: 0.16, 0.09, 0.01, 0.0, 0.04 -> E = 0.16, 0.25, 0.26, 0.26, 0.30
    # E / E[last] = 0.533, 0.833, 0.867, 0.867, 1.0
    assert A.dre_select(DROPS, ORDER, 0.125) == []
    assert A.dre_select(DROPS, ORDER, 0.125, include_crossing=True) == [1]
    assert A.dre_select(DROPS, ORDER, 0.5) == []
    assert A.dre_select(DROPS, ORDER, 0.75) == [1]
    assert A.dre_select(DROPS, ORDER, 0.75, include_crossing=True) == [1, 3]
    assert A.dre_select(DROPS, ORDER, 0.87) == [0, 1, 3, 4]
    assert A.dre_select(DROPS, ORDER, 1.0) == [0, 1, 2, 3, 4]  # K = 1: every layer (RCAN, §4.4)


def test_dre_selection_guards_zero_energy():
    assert A.dre_select([0.0, 0.0, 0.0], [0, 1, 2], 1.0) == []
    assert A.dre_select([], [], 0.5) == []


def test_k_grid_picks_the_smallest_k_meeting_the_target():
    # bits all 8; DRE keeps 10% of a layer's loss. Static loss = sum(P8) = 0.35 dB.
    # drops = P8 -> order [2, 1, 3, 4, 0]; squares 0.04, 0.0025, 0.0016, 0.0016, 0.0004 (sum 0.0461)
    # E/E_last = 0.868, 0.922, 0.957, 0.991, 1.0.  K <= 0.75: no layer -> 30 - 0.35 = 29.65
    # K = 1: all layers -> loss 0.035 -> 29.965 >= target 30 - eps 0.1 -> K = 1
    q = A.CountingQuality(additive_q())
    order = sorted(range(5), key=lambda l: -P8[l])
    k, layers, met, rows = A.choose_k(q, [8] * 5, P8, order, target=30.0, eps=0.1)
    assert (k, layers, met) == (1.0, [0, 1, 2, 3, 4], True)
    assert [r[1] for r in rows] == [0, 0, 0, 0, 5]
    assert rows[0][2] == pytest.approx(29.65) and rows[-1][2] == pytest.approx(29.965)
    # an unreachable target: the best K (highest PSNR) is returned with met = False
    k, _, met, _ = A.choose_k(q, [8] * 5, P8, order, target=31.0, eps=0.1)
    assert (k, met) == (1.0, False)


def test_random_dre_is_seeded_and_non_empty():
    a = A.random_dre(20, 3)
    assert a == A.random_dre(20, 3) and 1 <= len(a) <= 20 and a == sorted(set(a))
    assert any(A.random_dre(20, s) != a for s in range(4, 10))


def test_sa_one_free_layer():
    # one layer that loses nothing at 8 bit: evaluation 1 = all-16 (q_ref), evaluation 2 = the flip
    # to 8 bit, normalised cost 0.5 <= 1.0 -> accepted; the budget (2) is then spent
    best, calls = A.simulated_annealing(additive_q(p8=[0.0]), [10], eps=0.1, budget=2, seed=0)
    assert best == [8] and calls == 2


def test_sa_and_ga_respect_eps_and_budget_and_are_seeded():
    q = additive_q()
    for search in (A.simulated_annealing, A.genetic):
        best, calls = search(q, OPS, eps=0.1, budget=6, seed=1)
        assert calls <= 6
        assert q([16] * 5, None) - q(best, None) <= 0.1  # feasible
        assert search(q, OPS, eps=0.1, budget=6, seed=1) == (best, calls)


def test_ga_finds_the_only_feasible_demotion():
    # two layers: layer 0 is free at 8 bit, layer 1 loses 0.5 dB > eps -> the optimum is [8, 16]
    best, calls = A.genetic(additive_q(p8=[0.0, 0.5]), [10, 10], eps=0.1, budget=4, seed=0)
    assert best == [8, 16] and calls <= 4
