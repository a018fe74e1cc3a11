"""scripts/reproduce/_nawqsr_computed.py: the computed schedules it runs are valid schedule files of
the three Table 4 models (one entry per scheduled layer, as the exporter reads them), and its
summary counts their 16-bit and DRE layers."""
import os
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "workloads"))
sys.path.insert(0, os.path.join(REPO, "scripts", "reproduce"))

from exporters import sr_models  # noqa: E402


@pytest.mark.parametrize("model", ["tpsr", "imdn", "rcan"])
def test_computed_schedules_are_valid_and_counted(model):
    import _nawqsr_computed
    doc = sr_models.read_schedule(str(_nawqsr_computed.path(model)))  # raises on a layer mismatch
    assert doc["model"] == model and doc["target"] == "npu"
    wide, dre, layers, status = _nawqsr_computed.summary(model)
    assert layers == len(sr_models.scheduled_layers(model))
    assert wide == sum(1 for la in doc["layers"] if la["act_bits"] == 16)
    assert dre == sum(1 for la in doc["layers"] if la["dre"] is True)
    assert "computed" in status  # not the exporter's assumed schedule
