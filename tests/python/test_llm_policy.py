"""A precision policy written in Python drives the LLM NPU step by step."""
import os

import pytest

npusim = pytest.importorskip("npusim", reason="the npusim module is not on PYTHONPATH (build/python)")

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HW = os.path.join(ROOT, "hw_configs", "llm_npu", "pmpd_4k.yaml")


def workload(schedule, gen_len=10):
    return {"schema_version": 1, "name": "policy-test", "models": [{
        "name": "m", "precision": {"activation": 16, "weight": 16, "output": 16, "kv": 16},
        "llm": {"layers": 2, "hidden": 256, "ffn": 512, "heads": 4, "vocab": 1000, "max_context": 512},
        "generation": {"prompt_len": 32, "gen_len": gen_len}, "schedule": schedule}]}


def test_python_policy_is_called_per_step_and_matches_the_static_schedule():
    calls = []

    def policy(step, ctx):
        calls.append((step, ctx["kv_len"], ctx["previous_bits"]))
        return 4 if step < 3 else 3

    py = npusim.run(HW, workload({"type": "python", "prefill_bits": 4}), policy=policy)
    assert [c[0] for c in calls] == list(range(10))
    assert [c[1] for c in calls] == list(range(32, 42))  # the cache grows by one per token
    assert calls[3][2] == 4 and calls[4][2] == 3
    static = npusim.run(HW, workload({"type": "static", "high_bits": 4, "low_bits": 3, "switch_step": 3}))
    assert py["total_cycles"] == static["total_cycles"]
    assert py["llm"]["average_weight_bits_per_token"] == pytest.approx(3.3)


def test_a_policy_that_raises_stops_the_run_with_its_message():
    def policy(step, ctx):
        if step == 5:
            raise ValueError("no bits for you")
        return 3

    with pytest.raises(npusim.WorkloadError, match="raised at decode step 5: ValueError: no bits for you"):
        npusim.run(HW, workload({"type": "python", "prefill_bits": 4}), policy=policy)


def test_a_policy_returning_an_unsupported_width_is_rejected():
    with pytest.raises(npusim.WorkloadError, match="returned 6 bits at decode step 0"):
        npusim.run(HW, workload({"type": "python", "prefill_bits": 4}), policy=lambda s, c: 6)
    with pytest.raises(npusim.WorkloadError, match="must return an int"):
        npusim.run(HW, workload({"type": "python", "prefill_bits": 4}), policy=lambda s, c: "3")


def test_python_schedule_without_a_callable_is_a_clear_error():
    with pytest.raises(npusim.WorkloadError, match="needs a policy callable"):
        npusim.run(HW, workload({"type": "python", "prefill_bits": 4}))
