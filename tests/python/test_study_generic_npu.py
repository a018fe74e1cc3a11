"""docs/studies/generic_npu_bw_macs_precision.md is hand-written from its CSV: every number in its
table and prose must be the CSV's (regenerate both with scripts/studies/generic_npu_bw_macs_precision.py
and rewrite the md when the simulator's numbers move). The lane check in the set-up is rerun."""
import csv
import math
import os
import re

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
STEM = os.path.join(ROOT, "docs", "studies", "generic_npu_bw_macs_precision")
BWS, SIZES = (4, 8, 16, 32, 64), (16, 32, 64, 128)


@pytest.fixture(scope="module")
def study():
    with open(STEM + ".csv") as f:
        rows = list(csv.DictReader(f))
    table = {(int(r["array.rows"]), int(r["dram.channel_bandwidth"].removesuffix("GB/s")),
              int(r["workload.models.0.precision.weight"])): r for r in rows}
    assert len(table) == 60 and all(r["status"] == "done" for r in rows)
    with open(STEM + ".md") as f:
        text = f.read()
    lines = {n: next((ln for ln in text.splitlines() if ln.startswith(f"| {n}×{n} (")), "") for n in SIZES}
    return table, rows, " ".join(text.split()), lines  # prose wraps anywhere: compare with single spaces


def val(table, key, n, bw, w):
    return float(table[(n, bw, w)][key])


def test_throughput_table_matches_the_csv(study):
    table, _, _, lines = study
    thr = lambda n, bw, w: val(table, "throughput.value", n, bw, w)  # noqa: E731
    for n in SIZES:
        cells = re.findall(r"([\d.]+) \(([\d.]+) / ([\d.]+)\)", lines[n])
        assert len(cells) == len(BWS), f"row {n}x{n} of the md table: {lines[n]!r}"
        for bw, (w8, r4, r16) in zip(BWS, cells):
            assert w8 == f"{thr(n, bw, 8):.1f}", (n, bw)
            assert r4 == f"{thr(n, bw, 4) / thr(n, bw, 8):.2f}", (n, bw)
            assert r16 == f"{thr(n, bw, 16) / thr(n, bw, 8):.2f}", (n, bw)


def claims(table, rows):
    """The md's prose, each number formatted from the CSV."""
    thr = lambda n, bw, w: val(table, "throughput.value", n, bw, w)  # noqa: E731
    util = lambda n, bw, w: val(table, "generic_npu.mac_utilisation", n, bw, w)  # noqa: E731
    bwu = lambda n, bw, w: val(table, "dram.bandwidth_utilisation", n, bw, w)  # noqa: E731
    mb = lambda n, bw, w: val(table, "dram.bytes_read", n, bw, w) / 1e6  # noqa: E731
    pct = lambda x: f"{100 * x:.0f} %"  # noqa: E731
    best = max(rows, key=lambda r: float(r["throughput.value"]))
    b = (int(best["array.rows"]), int(best["dram.channel_bandwidth"].removesuffix("GB/s")),
         int(best["workload.models.0.precision.weight"]))
    cut = [1 - mb(n, bw, 4) / mb(n, bw, 8) for n in SIZES for bw in BWS]
    w4 = {(n, bw): thr(n, bw, 4) / thr(n, bw, 8) for n in SIZES for bw in BWS}
    w16 = [thr(n, bw, 16) / thr(n, bw, 8) for n in SIZES for bw in BWS]
    mb16 = [mb(n, bw, 16) for n in SIZES for bw in BWS]
    # Statements the prose makes about orderings, checked as such.
    assert all(thr(64, bw, 8) > thr(128, bw, 8) for bw in (4, 8, 16))
    assert all(thr(128, bw, 8) > thr(64, bw, 8) for bw in (32, 64))
    assert len({f"{mb(64, bw, 8):.1f}" for bw in (4, 8, 16)} | {"64"}) == 2  # the same MB at 4-16 GB/s
    assert len({f"{mb(128, bw, 8):.1f}" for bw in (4, 8, 16)} | {"128"}) == 2
    assert max(w4.values()) == max(w4[(128, 4)], w4[(128, 8)])
    assert all(f"{w4[(16, bw)]:.2f}" == "1.00" for bw in (8, 16, 32, 64))
    assert f"{min(w16):.2f}" == f"{thr(16, 64, 16) / thr(16, 64, 8):.2f}"
    return [
        f"npusim {rows[0]['sim_version']} (the `sim_version` column)",
        f"Best point: {b[0]}×{b[0]}, {b[1]} GB/s, {b[2]}-bit weights: {float(best['throughput.value']):,.0f} "
        f"inferences/s ({float(best['effective_tops']):.1f} effective TOPS, "
        f"{pct(float(best['generic_npu.mac_utilisation']))} MAC utilisation)",
        f"reaches {pct(util(16, 64, 8))} MAC utilisation at 64 GB/s ({thr(16, 64, 8):.0f} inf/s against "
        f"{thr(16, 64, 8) / util(16, 64, 8):.0f} at the ideal 256 GMAC/s) and gains only "
        f"{pct(thr(16, 64, 8) / thr(16, 8, 8) - 1)} from 8 to 64 GB/s",
        f"uses at least {math.floor(100 * min(bwu(128, bw, 8) for bw in (4, 8, 16)))} % of the bandwidth at 4–16 GB/s",
        f"({thr(128, 4, 8):.0f} → {thr(128, 16, 8):.0f} inf/s from 4 to 16 GB/s)",
        f"({thr(128, 32, 8):,.0f} → {thr(128, 64, 8):,.0f} inf/s from 32 to 64 GB/s)",
        f"({thr(64, 4, 8):.0f} vs {thr(128, 4, 8):.0f}, {thr(64, 8, 8):.0f} vs {thr(128, 8, 8):.0f} and "
        f"{thr(64, 16, 8):.0f} vs {thr(128, 16, 8):.0f} inf/s)",
        f"rises from {mb(64, 4, 8):.1f} MB (64×64) to {mb(128, 4, 8):.1f} MB (128×128)",
        f"32 GB/s ({thr(128, 32, 8):,.0f} vs {thr(64, 32, 8):,.0f})",
        f"({thr(32, 16, 8):.0f}, {thr(32, 32, 8):.0f}, {thr(32, 64, 8):.0f} inf/s at 16, 32, 64 GB/s)",
        f"by {100 * min(cut):.0f}–{100 * max(cut):.0f} % ({mb(16, 4, 8):.1f} → {mb(16, 4, 4):.1f} MB at 16×16, "
        f"4 GB/s; {mb(128, 64, 8):.1f} → {mb(128, 64, 4):.1f} MB at 128×128, 64 GB/s)",
        f"worth up to {max(w4.values()):.2f}× on the bandwidth-bound 128×128 array at 4–8 GB/s",
        f"16-bit weights cost {min(w16):.2f}–{max(w16):.2f}×",
        f"({thr(16, 64, 16) / thr(16, 64, 8):.2f}× on the compute-bound 16×16 array)",
        f"grow to {min(mb16):.0f}–{max(mb16):.0f} MB per inference",
        f"from 16×16 ({pct(util(16, 64, 8))}, {thr(16, 64, 8):.0f} inf/s) through 32×32 ({pct(util(32, 64, 8))}, "
        f"{thr(32, 64, 8):.0f}) and 64×64 ({pct(util(64, 64, 8))}, {thr(64, 64, 8):,.0f}) to 128×128 "
        f"({pct(util(128, 64, 8))}, {thr(128, 64, 8):,.0f}), all at 64 GB/s",
        f"buys {pct(thr(128, 64, 8) / thr(64, 64, 8) - 1)} more throughput at the highest bandwidth",
    ]


def test_prose_numbers_match_the_csv(study):
    table, rows, md, _ = study
    missing = [c for c in claims(table, rows) if c not in md]
    assert not missing, "the md does not say (regenerate its numbers from the CSV):\n" + "\n".join(missing)


def test_lane_check_is_current(study):
    npusim = pytest.importorskip("npusim", reason="the npusim module is not on PYTHONPATH (build/python)")
    md = study[2]
    hw = os.path.join(ROOT, "hw_configs", "generic_npu", "edge_32x32.yaml")
    wl = os.path.join(ROOT, "workloads", "cnn", "resnet18.yaml")
    base = {"dram.channels": 1, "dram.channel_bandwidth": "64GB/s", "array.rows": 32, "array.cols": 32,
            "workload.models.0.precision.weight": 4}
    lanes = {n: npusim.run(hw, wl, dict(base, **{"array.max_lanes": n}))["throughput"]["value"] for n in (1, 2, 4)}
    assert len({f"{v:.1f}" for v in lanes.values()}) == 1
    packed = npusim.run(hw, wl, dict(base, **{"array.max_lanes": 2, "workload.models.0.precision.activation": 4}))
    assert f"checked: {lanes[1]:.1f} inf/s with 1, 2 or 4 lanes at 32², 64 GB/s" in md
    assert f"Only W4A4 would pack ({packed['throughput']['value']:.1f} inf/s there with `max_lanes: 2`)" in md
