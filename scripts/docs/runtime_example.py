#!/usr/bin/python3
"""Prints the worked example of docs/runtime.md: the shipped two-model request stream
(workloads/requests/resnet50_bert_poisson.yaml) on the 32x32 edge NPU and on two of them
sharing one DRAM, under each scheduler. tests/python/test_requests.py checks that the
section between the markers in docs/runtime.md is exactly this output.

usage: PYTHONPATH=build/python /usr/bin/python3 scripts/docs/runtime_example.py
"""
import os

import npusim

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WL = os.path.join(ROOT, "workloads", "requests", "resnet50_bert_poisson.yaml")
CASES = [
    ("edge_32x32", "hw_configs/generic_npu/edge_32x32.yaml", "fcfs", False),
    ("edge_32x32", "hw_configs/generic_npu/edge_32x32.yaml", "sjf", False),
    ("edge_32x32", "hw_configs/generic_npu/edge_32x32.yaml", "sjf", True),
    ("two_edge_npus", "hw_configs/platform/two_edge_npus.yaml", "fcfs", False),
]


def table():
    lines = ["| hardware | scheduler | ANTT | SLO violations | p95 latency (ms) | makespan (ms) | preemptions |",
             "|---|---|---|---|---|---|---|"]
    for name, hw, scheduler, preemptive in CASES:
        r = npusim.run(os.path.join(ROOT, hw), WL, {"workload.requests.scheduler.type": scheduler,
                                                    "workload.requests.scheduler.preemptive": preemptive}
                       if scheduler == "sjf" else {"workload.requests.scheduler.type": scheduler})["requests"]
        label = scheduler + (" (preemptive)" if preemptive else "")
        lines.append(f"| {name} | {label} | {r['antt']:.3f} | {r['slo_violation_rate'] * 100:.1f} % | "
                     f"{r['latency_s']['p95'] * 1e3:.2f} | {r['makespan_s'] * 1e3:.2f} | {r['preemptions']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(table(), end="")
