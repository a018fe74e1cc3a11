"""Precision schedules computed here, written through the exporter's contract
(workloads/exporters/sr_models.py write_schedule / read_schedule, docs/mobile_npu.md
"Schedule files") into workloads/nawqsr/schedules/<model>_<variant>.yaml, so the simulator
runs exactly the (act_bits, dre) the offline algorithms chose.

IMDN: the proxy experiments train IMDN-lite (spec §6: the full model is too slow to train on a
shared CPU). Its schedule is mapped onto the full IMDN by layer role (ADAPTER, ours): fea_conv,
c, LR_conv and upsampler.conv map to themselves and full block Bi takes lite block
B(ceil(i * lite_blocks / 6)); the provenance says so."""
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from exporters import sr_models  # noqa: E402

SCHEDULE_DIR = os.path.join(HERE, "schedules")


def map_lite_to_imdn(lite_names, values, full_blocks=6):
    """Per-layer `values` of IMDN-lite (layers `lite_names`) mapped onto the full IMDN's scheduled
    layers by role; returns the list in sr_models.scheduled_layers("imdn") order."""
    by_name = dict(zip(lite_names, values))
    lite_blocks = max(int(n.split(".")[0][1:]) for n in lite_names if n.startswith("B"))
    out = []
    for layer in sr_models.scheduled_layers("imdn"):
        name = layer["name"]
        if name.startswith("B"):
            block, rest = name.split(".", 1)
            j = math.ceil(int(block[1:]) * lite_blocks / full_blocks)
            name = "B%d.%s" % (j, rest)
        out.append(by_name[name])
    return out


def write(model, variant, bits, dre, provenance, out_dir=SCHEDULE_DIR):
    """Write <out_dir>/<model>_<variant>.yaml (target npu, pixel-shuffle rewrite, as NAWQ-SR runs)
    and read it back through the exporter's reader (which checks the layer list). Returns the path."""
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "%s_%s.yaml" % (model, variant))
    sr_models.write_schedule(path, model, variant, "npu", bits, dre, provenance, pixel_shuffle="rewrite")
    doc = sr_models.read_schedule(path)
    assert [l["act_bits"] for l in doc["layers"]] == [int(b) for b in bits]
    return path
