"""The computed schedules run on the simulator's mobile NPU (workloads/nawqsr/simulate.py): a
schedule without DRE has no DRE time, DRE on every layer costs time. Needs build/npusim."""
import os
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "workloads"))

from exporters import sr_models  # noqa: E402
from nawqsr import simulate  # noqa: E402

NPUSIM = os.path.join(REPO, "build", "npusim")
HW = os.path.join(REPO, "hw_configs", "mobile_npu", "sdm865_like.yaml")


@pytest.mark.skipif(not os.path.exists(NPUSIM), reason="build/npusim not built")
def test_dre_costs_time_on_the_mobile_npu():
    n = len(sr_models.scheduled_layers("tpsr"))
    static = simulate.run_schedule(NPUSIM, HW, "tpsr", [8] * n, [False] * n, "wo_dre")
    dre = simulate.run_schedule(NPUSIM, HW, "tpsr", [8] * n, [True] * n, "all_dre")
    assert static["dre_s"] == 0.0 and static["dre_share"] == 0.0
    assert dre["dre_s"] > 0.0 and dre["frame_s"] > static["frame_s"]
