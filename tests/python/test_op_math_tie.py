"""The Python exporters' operator maths (workloads/exporters/op_math.py) agree with the
simulator's (sim/workload/op_math.cpp) on every listed operator of every shipped trace."""
import glob
import os
import re
import sys

import pytest
import yaml

npusim = pytest.importorskip("npusim", reason="the npusim module is not on PYTHONPATH (build/python)")

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, ROOT)
from workloads.exporters import op_math  # noqa: E402

def _is_trace(path):  # a workload trace (not a schedule, a sweep or a prediction file)
    text = open(path).read()
    return "layers" in text and re.search(r"^schema_version:", text, re.M) and re.search(r"^models:", text, re.M)


TRACES = sorted(p for p in glob.glob(os.path.join(ROOT, "workloads", "**", "*.yaml"), recursive=True)
                if _is_trace(p))


def test_there_are_traces_with_layers():
    assert len(TRACES) >= 8  # cnn (3), transformer, gemm (6), ...


@pytest.mark.parametrize("path", TRACES, ids=[os.path.relpath(p, ROOT) for p in TRACES])
def test_python_op_math_matches_the_simulator(path):
    with open(path) as f:
        doc = yaml.safe_load(f)
    cpp = {(e["model"], e["name"]): e for e in npusim._op_math(path)}
    compared = 0
    for model in doc.get("models", []):
        for op in model.get("layers", []):
            e = cpp[(model["name"], op["name"])]
            assert op_math.op_macs(op) == e["macs"], op["name"]
            if "conv_output" in e:
                assert tuple(op_math.conv_output(op)) == tuple(e["conv_output"]), op["name"]
            compared += 1
    assert compared == sum(len(m.get("layers", [])) for m in doc.get("models", []))
