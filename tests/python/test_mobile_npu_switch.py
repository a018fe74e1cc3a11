"""docs/mobile_npu.md, "Why the partition switch stays a fixed 40 us": on the SDM865-like preset no
state the model holds takes the measured 39.25 us to move, so the switch is the spec's fixed
default. Checks the arithmetic against the preset."""
import os

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
UNITS = {"KiB": 1024, "MiB": 1024**2, "GB/s": 1e9, "us": 1e-6, "GHz": 1e9}


def value(text):
    for unit, scale in UNITS.items():
        if str(text).endswith(unit):
            return float(str(text)[:-len(unit)]) * scale
    raise ValueError(text)


def test_switch_exceeds_any_modelled_reconfiguration_on_the_sdm865():
    with open(os.path.join(REPO, "hw_configs", "mobile_npu", "sdm865_like.yaml")) as f:
        hw = yaml.safe_load(f)
    switch = value(hw["partition_switch"])
    assert abs(switch - 40e-6) < 1e-12  # the spec's fixed default (measured 39.25 us)
    drain = hw["tensor"]["pipeline_depth"] / value(hw["clock"])  # 16 cycles at 1 GHz = 16 ns
    assert abs(drain - 16e-9) < 1e-18
    sram, bw = value(hw["sram"]["capacity"]), value(hw["dram"]["channel_bandwidth"])
    flush_and_refill = 2 * sram / bw  # 2 x 262,144 B / 20 GB/s = 26.2144 us
    assert abs(flush_and_refill - 26.2144e-6) < 1e-12
    assert drain < flush_and_refill < 39.25e-6 <= switch
