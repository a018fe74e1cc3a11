"""CPU and GPU energy of the mobile NPU's runs (docs/mobile_npu.md, hw_configs/energy/mobile_npu_45nm*.yaml):
the accelerator reports the CPU's and GPU's busy nanoseconds, priced at the tables' active power
(5 W / 4 W on the SDM865-like preset, 6 W / 5 W on the SDM888-like one). Needs the npusim module."""
import os

import pytest

npusim = pytest.importorskip("npusim")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SR = os.path.join(REPO, "workloads", "sr")
PHONES = {"sdm865_like": (5e-9, 4e-9), "sdm888_like": (6e-9, 5e-9)}  # J per ns: CPU, GPU


def run(phone, schedule):
    hw = os.path.join(REPO, "hw_configs", "mobile_npu", phone + ".yaml")
    return npusim.run(hw, os.path.join(SR, "tpsr_720p_2x2.yaml"),
                      {"workload.models.0.sr.schedule": "schedules/" + schedule})


def actions(stats):
    (shell,) = [c for c in stats["energy"]["components"] if c["type"] == "mobile_npu"]
    return shell["actions"]


@pytest.mark.parametrize("phone", sorted(PHONES))
def test_baselines_pay_the_engines_active_power(phone):
    cpu_j, gpu_j = PHONES[phone]
    s = run(phone, "tpsr_fp32_cpu.yaml")
    cyc = s["mobile_npu"]["cycles_by_unit"]
    # the clock is 1 GHz: one cycle of the FP32 roofline is one ns of the CPU at 32 bits ("wide")
    a = actions(s)["cpu_active_ns"]
    assert a["count"] == cyc["cpu.wide"] and a["energy_each_j"] == pytest.approx(cpu_j)
    assert a["energy_j"] == pytest.approx(cyc["cpu.wide"] * cpu_j)
    assert "gpu_active_ns" not in actions(s)  # zero counts are left out
    g = actions(run(phone, "tpsr_fp16_gpu.yaml"))["gpu_active_ns"]
    assert g["energy_each_j"] == pytest.approx(gpu_j) and g["energy_j"] == pytest.approx(g["count"] * gpu_j)


def test_fallbacks_pay_the_cpu_and_nawq_sr_does_not():
    s = run("sdm865_like", "tpsr_int8_npu.yaml")
    cyc = s["mobile_npu"]["cycles_by_unit"]
    fb = sum(v for k, v in cyc.items() if k.startswith("cpu_fallback."))
    assert fb > 0 and actions(s)["cpu_active_ns"]["count"] == fb
    assert actions(run("sdm865_like", "tpsr_nawq_sr_b100.yaml")) == {}  # rank-4 rewrite: no CPU
