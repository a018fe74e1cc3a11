"""Golden regression: every shipped hardware preset runs its family's workloads and must
reproduce the recorded metrics within the tolerance of tests/golden/pairs.yaml. A failure means
a timing model changed; if the change is intended, run scripts/refresh_golden.py."""
import json
import os
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import golden  # noqa: E402

npusim = pytest.importorskip("npusim", reason="the npusim module is not on PYTHONPATH (build/python)")

with open(golden.GOLDEN_FILE) as f:
    RECORDED = json.load(f)["results"]
TOLERANCE = golden.spec()["tolerance"]


def test_every_pair_is_recorded():
    missing = [golden.key(h, w) for h, w in golden.pairs() if golden.key(h, w) not in RECORDED]
    assert not missing, "pairs without golden values (run scripts/refresh_golden.py): " + ", ".join(missing)


@pytest.mark.parametrize("hw,workload", golden.pairs(), ids=[golden.key(h, w) for h, w in golden.pairs()])
def test_matches_golden(hw, workload):
    expected = RECORDED.get(golden.key(hw, workload))
    if expected is None:
        pytest.fail("no golden values; run scripts/refresh_golden.py")
    got = golden.measure(npusim, hw, workload)
    for metric, want in expected.items():
        assert got[metric] == pytest.approx(want, rel=TOLERANCE, abs=1e-12), metric
