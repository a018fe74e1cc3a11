"""Latency of the schedules computed here on the simulator's mobile NPU (models/mobile_npu,
hw_configs/mobile_npu/), so that quality (PROXY) and cost come from one configuration: the K
sweep against the simulated DRE share, and NAWQ-SR vs w/o DRE vs RandDRE (spec §5.4: RandDRE
costs 19.5x NAWQ-SR's DRE overhead, INPUT). Runs the `npusim` CLI given by path on a trace made
by the exporter (720p output, 2x2 patches of 90x160 with a 4-pixel halo, as workloads/sr/)."""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from exporters import sr_models  # noqa: E402

LR_H, LR_W, ROWS, COLS, HALO = 180, 320, 2, 2, 4


def run_schedule(npusim, hw, model, bits, dre, label):
    """stats.json of one frame of `model` with (bits, dre) on `hw`: frame seconds and DRE share."""
    with tempfile.TemporaryDirectory() as tmp:
        sched = sr_models.render_schedule(model, label, "npu", bits, dre, {"computed": "nawqsr.simulate"},
                                          pixel_shuffle="rewrite")
        trace = os.path.join(tmp, "trace.yaml")
        with open(trace, "w") as f:
            f.write(sr_models.render_trace(model, LR_H, LR_W, ROWS, COLS, HALO, schedule=sched))
        subprocess.run([npusim, "run", "--hw", hw, "--workload", trace, "--out", os.path.join(tmp, "out"), "--quiet"],
                       check=True, capture_output=True)
        with open(os.path.join(tmp, "out", "stats.json")) as f:
            stats = json.load(f)
    m = stats["mobile_npu"]
    return {"frame_s": m["frame_seconds"], "dre_s": m["dre_seconds"], "dre_share": m["dre_share"],
            "switch_share": m["partition_switch_share"], "simulator": stats.get("simulator")}
