"""Tests of the model importers (workloads/exporters/onnx_import.py, torch_import.py).

Run: /usr/bin/python3 -m pytest tests/python/test_import.py
Needs python3-onnx (and python3-torch, python3-torchvision for the torchvision models; they
are skipped without them). The CLI check uses $NPUSIM_CLI (default: <repo>/build/npusim).
"""
import json
import os
import subprocess
import sys

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "workloads"))
from exporters import op_math  # noqa: E402

onnx = pytest.importorskip("onnx")
import numpy as np  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from exporters import onnx_import  # noqa: E402
from exporters.onnx_import import ModelImportError  # noqa: E402

PYTHON = sys.executable
EXPORT = os.path.join(REPO, "workloads", "exporters", "export.py")
CLI = os.environ.get("NPUSIM_CLI", os.path.join(REPO, "build", "npusim"))


def shipped(name):
    with open(os.path.join(REPO, "workloads", "cnn", name + ".yaml")) as f:
        return yaml.safe_load(f)["models"][0]


def totals(model):
    return op_math.model_macs(model), op_math.model_bytes(model)


def bits_of(model, op):
    own = op.get("precision") or {}
    return {k: own.get(k) or model["precision"][k] for k in ("activation", "weight", "output")}


def save(tmp_path, graph, name="m.onnx", opset=13):
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    path = str(tmp_path / name)
    onnx.save(m, path)
    return path


def imported(path, **kw):
    return yaml.safe_load(onnx_import.import_file(path, **kw))["models"][0]


# --- a small hand-built quantized graph ------------------------------------------------

def qdq_graph(batch=1):
    """x -Q(int8)-DQ-> Conv(W: int8 initializer, half zero, through DQ) -> Relu -Q(uint8)-DQ->
    GlobalAveragePool -> Flatten -> Gemm (float32 weight) -> y."""
    w = np.zeros((8, 4, 3, 3), dtype=np.int8)
    w[:4] = 3  # output channels 0-3 non-zero: density 4*4*9 / (8*4*9) = 0.5
    b = np.arange(80, dtype=np.float32).reshape(8, 10)
    b[0, :] = 0.0  # 10 of 80 zero: density 70/80 = 0.875
    inits = [numpy_helper.from_array(w, "w_q"), numpy_helper.from_array(b, "fc_w"),
             numpy_helper.from_array(np.float32(0.1), "s"),
             numpy_helper.from_array(np.int8(0), "zp_i8"), numpy_helper.from_array(np.uint8(0), "zp_u8")]
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "s", "zp_i8"], ["xq"], name="q_in"),
        helper.make_node("DequantizeLinear", ["xq", "s", "zp_i8"], ["xd"], name="dq_in"),
        helper.make_node("DequantizeLinear", ["w_q", "s", "zp_i8"], ["wd"], name="dq_w"),
        helper.make_node("Conv", ["xd", "wd"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"], name="relu"),
        helper.make_node("QuantizeLinear", ["r", "s", "zp_u8"], ["rq"], name="q_r"),
        helper.make_node("DequantizeLinear", ["rq", "s", "zp_u8"], ["rd"], name="dq_r"),
        helper.make_node("GlobalAveragePool", ["rd"], ["p"], name="pool"),
        helper.make_node("Flatten", ["p"], ["f"], name="flat"),
        helper.make_node("Gemm", ["f", "fc_w"], ["y"], name="fc"),
    ]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 4, 8, 8])
    return helper.make_graph(nodes, "qdq", [x],
                             [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, 10])], inits)


def test_quantized_graph_precisions_and_sparsity(tmp_path):
    m = imported(save(tmp_path, qdq_graph()))
    ops = {op["name"]: op for op in m["layers"]}
    assert list(ops) == ["conv", "pool", "fc"]  # Q/DQ, Relu (fused), Flatten leave no operator
    assert ops["conv"]["op"] == "conv2d" and ops["conv"]["activation"] == "relu"
    # conv reads int8 x and int8 W (both through DequantizeLinear); its output is only read by a
    # QuantizeLinear to uint8: 8 bits everywhere.
    assert bits_of(m, ops["conv"]) == {"activation": 8, "weight": 8, "output": 8}
    assert ops["conv"]["sparsity"] == {"density": 0.5, "pattern": "unstructured"}
    # the pool reads the uint8 tensor through its DequantizeLinear and writes float32
    assert bits_of(m, ops["pool"])["activation"] == 8 and bits_of(m, ops["pool"])["output"] == 32
    assert bits_of(m, ops["fc"]) == {"activation": 32, "weight": 32, "output": 32}
    assert ops["fc"]["sparsity"]["density"] == 0.875
    assert (ops["fc"]["m"], ops["fc"]["k"], ops["fc"]["n"]) == (1, 8, 10)
    # --float-precision models float tensors as deployed narrower: fc becomes 16-bit
    m16 = imported(save(tmp_path, qdq_graph()), float_bits=16)
    assert bits_of(m16, {o["name"]: o for o in m16["layers"]}["fc"]) == \
        {"activation": 16, "weight": 16, "output": 16}


def test_symbolic_batch_needs_and_takes_an_input_shape(tmp_path):
    path = save(tmp_path, qdq_graph(batch="N"))
    with pytest.raises(ModelImportError, match=r"node conv \(Conv\): shape of tensor xd is not known.*"
                                               r"\[None, 4, 8, 8\].*give the input shape"):
        onnx_import.import_file(path)
    m = imported(path, input_shape=[2, 4, 8, 8])
    assert m["batch"] == 2
    assert [(op["name"], op.get("batch", op.get("m"))) for op in m["layers"]] == \
        [("conv", 2), ("pool", 2), ("fc", 2)]
    r = run_export("import-onnx", path, "--input", "2,4,8")
    assert r.returncode == 2 and "input x has 4 dims, --input gives 3" in r.stderr


def test_docs_show_what_the_importer_writes(tmp_path):
    """docs/import.md's quantized example is this file's qdq_graph, and its table of the
    torchvision models gives the shipped traces' counts (which the imports must match)."""
    with open(os.path.join(REPO, "docs", "import.md")) as f:
        doc = f.read()
    text = onnx_import.import_file(save(tmp_path, qdq_graph(), name="qdq_example.onnx"))
    for line in text.splitlines():
        if not line.startswith("#") and "sha256" not in line:
            assert line.strip() in doc, line
    for trace in ("resnet18", "mobilenetv2"):
        model = shipped(trace)
        macs, b = totals(model)
        row = "| {} | {:,} | {:,} | {:,} | {:,} |".format(len(model["layers"]), macs, b["weight"],
                                                        b["input"], b["output"])
        assert row in doc, row


def test_quantized_sparse_import_runs_on_the_generic_npu(tmp_path):
    """The simulator accepts what the importer writes: per-operator widths and densities."""
    if not os.path.exists(CLI):
        pytest.skip("npusim CLI not built at %s" % CLI)
    out = tmp_path / "qdq.yaml"
    out.write_text(onnx_import.import_file(save(tmp_path, qdq_graph())))
    hw = os.path.join(REPO, "hw_configs", "generic_npu", "edge_32x32.yaml")
    r = subprocess.run([CLI, "run", "--hw", hw, "--workload", str(out), "--out", str(tmp_path / "run"),
                        "--quiet"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_vector_operators_and_a_runtime_matmul(tmp_path):
    """BatchNorm without a conv before it is a `norm`; a ReLU after it stays an operator; a
    MatMul of two runtime tensors has `b_operand: activation`."""
    c = lambda v: numpy_helper.from_array(np.full(4, v, np.float32))  # noqa: E731
    inits = [numpy_helper.from_array(np.ones((36, 5), np.float32), "w")]
    for i, name in enumerate(("scale", "bias", "mean", "var")):
        t = c(1.0 + i)
        t.name = name
        inits.append(t)
    nodes = [
        helper.make_node("BatchNormalization", ["x", "scale", "bias", "mean", "var"], ["b"], name="bn"),
        helper.make_node("Relu", ["b"], ["r"], name="relu"),
        helper.make_node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Reshape", ["p", "shape"], ["f"], name="reshape"),
        helper.make_node("MatMul", ["f", "w"], ["l"], name="fc"),
        helper.make_node("Softmax", ["l"], ["y"], name="softmax"),
        helper.make_node("MatMul", ["f", "ft"], ["g"], name="gram"),
    ]
    inits.append(numpy_helper.from_array(np.array([1, 36], np.int64), "shape"))
    g = helper.make_graph(nodes, "vec", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 6, 6]),
                                         helper.make_tensor_value_info("ft", TensorProto.FLOAT, [36, 3])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 5]),
                           helper.make_tensor_value_info("g", TensorProto.FLOAT, [1, 3])], inits)
    m = imported(save(tmp_path, g))
    got = [{k: v for k, v in op.items() if k != "precision"} for op in m["layers"]]
    assert got == [
        {"name": "bn", "op": "norm", "kind": "batchnorm", "rows": 36, "cols": 4},  # 1 x 6 x 6 rows
        {"name": "relu", "op": "activation", "fn": "relu", "elements": 144},
        {"name": "pool", "op": "pool", "kind": "max", "channels": 4, "batch": 1, "in_h": 6, "in_w": 6,
         "kernel_h": 2, "kernel_w": 2, "stride": 2, "padding": 0},
        {"name": "fc", "op": "gemm", "m": 1, "k": 36, "n": 5, "b_operand": "weight"},
        {"name": "softmax", "op": "softmax", "rows": 1, "cols": 5},
        {"name": "gram", "op": "gemm", "m": 1, "k": 36, "n": 3, "b_operand": "activation"},
    ]
    assert m["precision"] == {"activation": 32, "weight": 32, "output": 32}


def test_qlinear_conv_widths_and_zero_point_sparsity(tmp_path):
    w = np.full((3, 2, 1, 1), 5, dtype=np.int8)
    w[0] = 7  # output channel 0 equals its zero point 7: 2 of 6 weights are "zero"
    zp_w = np.array([7, 0, 0], dtype=np.int8)
    inits = [numpy_helper.from_array(w, "w"), numpy_helper.from_array(np.float32(0.5), "s"),
             numpy_helper.from_array(np.uint8(128), "zp_x"), numpy_helper.from_array(zp_w, "zp_w"),
             numpy_helper.from_array(np.array([0.5, 0.5, 0.5], dtype=np.float32), "s_w"),
             numpy_helper.from_array(np.int8(0), "zp_y")]
    node = helper.make_node("QLinearConv", ["x", "s", "zp_x", "w", "s_w", "zp_w", "s", "zp_y"], ["y"],
                            name="qconv")
    x = helper.make_tensor_value_info("x", TensorProto.UINT8, [2, 2, 4, 4])
    g = helper.make_graph([node], "qlinear", [x],
                          [helper.make_tensor_value_info("y", TensorProto.INT8, [2, 3, 4, 4])], inits)
    m = imported(save(tmp_path, g))
    (op,) = m["layers"]
    assert (op["op"], op["batch"], op["in_channels"], op["out_channels"]) == ("conv2d", 2, 2, 3)
    assert bits_of(m, op) == {"activation": 8, "weight": 8, "output": 8}
    assert op["sparsity"]["density"] == round(4 / 6, 6)


# --- errors ------------------------------------------------------------------------------

def run_export(*args):
    return subprocess.run([PYTHON, EXPORT] + [str(a) for a in args], capture_output=True, text=True)


def test_malformed_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"this is not a protobuf \xff\xfe\x00\x01")
    with pytest.raises(ModelImportError, match="bad.onnx: not an ONNX model"):
        onnx_import.import_file(str(bad))
    r = run_export("import-onnx", bad)
    assert r.returncode == 2, r.stderr
    assert "error" in r.stderr and "bad.onnx: not an ONNX model" in r.stderr
    r = run_export("import-onnx", tmp_path / "missing.onnx")
    assert r.returncode == 2 and "cannot read" in r.stderr


def test_invalid_graph_is_a_clear_error(tmp_path):
    # a Conv reading a tensor nobody produces: the checker rejects it
    node = helper.make_node("Conv", ["nowhere", "w"], ["y"], name="c")
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4, 4])
    g = helper.make_graph([node], "broken", [x],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 4, 4])],
                          [numpy_helper.from_array(np.ones((1, 1, 1, 1), np.float32), "w")])
    with pytest.raises(ModelImportError, match="invalid ONNX model: .*nowhere"):
        onnx_import.import_file(save(tmp_path, g))


def unsupported_graph():
    nodes = [helper.make_node("Relu", ["x"], ["a"], name="ok_relu"),
             helper.make_node("LeakyRelu", ["a"], ["b"], name="leaky"),
             helper.make_node("HardSwish", ["b"], ["y"], name="hswish")]
    vi = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 4]) for n in ("x", "y")]
    return helper.make_graph(nodes, "unsup", vi[:1], vi[1:])


def test_unsupported_operators_are_all_listed(tmp_path):
    path = save(tmp_path, unsupported_graph(), opset=14)
    with pytest.raises(ModelImportError) as e:
        onnx_import.import_file(path)
    msg = str(e.value)
    assert "2 node(s) cannot be imported" in msg
    assert "LeakyRelu (node leaky)" in msg and "HardSwish (node hswish)" in msg
    r = run_export("import-onnx", path)
    assert r.returncode == 2 and "LeakyRelu (node leaky)" in r.stderr and "HardSwish" in r.stderr
    # the explicit fallback: skipped, and said so in the trace header
    text = onnx_import.import_file(path, skip_unsupported=True)
    assert "skipped (unsupported): LeakyRelu (node leaky)" in text
    assert [op["name"] for op in yaml.safe_load(text)["models"][0]["layers"]] == ["ok_relu"]


def test_strided_window_it_cannot_express_is_unsupported(tmp_path):
    node = helper.make_node("MaxPool", ["x"], ["y"], name="mp", kernel_shape=[2, 2], strides=[2, 1])
    g = helper.make_graph([node], "p", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 2, 3])])
    with pytest.raises(ModelImportError, match=r"MaxPool \(node mp\): strides \[2, 1\] differ"):
        onnx_import.import_file(save(tmp_path, g))


# --- torchvision models against the shipped traces --------------------------------------

@pytest.fixture(scope="module")
def torch_import():
    pytest.importorskip("torch")
    pytest.importorskip("torchvision")
    from exporters import torch_import as ti
    return ti


@pytest.fixture(scope="module")
def onnx_files(torch_import, tmp_path_factory):
    """ResNet-18 and MobileNetV2 written as ONNX files by plain torch.onnx.export, without
    constant folding: BatchNorm stays a node, so the importer's own folding is exercised."""
    import torch
    d = tmp_path_factory.mktemp("onnx")
    files = {}
    for arch in ("resnet18", "mobilenet_v2"):
        module = torch_import.build("torchvision:" + arch)
        files[arch] = str(d / (arch + ".onnx"))
        with torch.no_grad():
            torch.onnx.export(module, torch.zeros(1, 3, 224, 224), files[arch], opset_version=13,
                              do_constant_folding=False, training=torch.onnx.TrainingMode.PRESERVE)
    return files


@pytest.fixture(scope="module")
def resnet18_text(onnx_files):
    return onnx_import.import_file(onnx_files["resnet18"], float_bits=8)


@pytest.mark.parametrize("arch,trace", [("resnet18", "resnet18"), ("mobilenet_v2", "mobilenetv2")])
def test_onnx_and_torch_imports_match_the_shipped_trace(arch, trace, onnx_files, torch_import,
                                                        resnet18_text):
    want = shipped(trace)
    text = resnet18_text if arch == "resnet18" else onnx_import.import_file(onnx_files[arch], float_bits=8)
    from_onnx = yaml.safe_load(text)["models"][0]
    from_torch = yaml.safe_load(torch_import.import_spec("torchvision:" + arch, [1, 3, 224, 224],
                                                         float_bits=8))["models"][0]
    for got in (from_onnx, from_torch):
        assert totals(got) == totals(want)
        assert got["precision"] == want["precision"] and got["batch"] == want["batch"]
        assert len(got["layers"]) == len(want["layers"])
    # names are the torchvision module paths, as in the shipped trace (torch.onnx scopes); the
    # ReLU after a residual add is torch's second call of the block's `relu` module
    renamed = {"avgpool": "GlobalAveragePool"} if arch == "mobilenet_v2" else {}
    want_names = [renamed.get(op["name"], op["name"]).replace(".relu", ".relu_1") for op in want["layers"]]
    assert [op["name"] for op in from_torch["layers"]] == want_names


def test_float_model_keeps_float32_widths_by_default(onnx_files):
    want_macs, want_bytes = totals(shipped("mobilenetv2"))
    macs, got = totals(imported(onnx_files["mobilenet_v2"]))
    assert macs == want_macs
    assert got == {k: 4 * v for k, v in want_bytes.items()}  # 32-bit vs 8-bit: exactly 4x


def body(text):
    return "".join(line for line in text.splitlines(True) if not line.startswith("#"))


def test_import_is_deterministic_and_runs_on_the_generic_npu(onnx_files, resnet18_text, tmp_path):
    out = tmp_path / "resnet18.yaml"
    r = run_export("import-onnx", onnx_files["resnet18"], "--float-precision", "8", "-o", out)
    assert r.returncode == 0, r.stderr
    # another process, the same file: the same bytes (the header differs only by the command)
    assert body(out.read_text()) == body(resnet18_text)
    if not os.path.exists(CLI):
        pytest.skip("npusim CLI not built at %s" % CLI)
    hw = os.path.join(REPO, "hw_configs", "generic_npu", "edge_32x32.yaml")
    stats = {}
    shipped_trace = os.path.join(REPO, "workloads", "cnn", "resnet18.yaml")
    for key, trace in (("imported", str(out)), ("shipped", shipped_trace)):
        r = subprocess.run([CLI, "run", "--hw", hw, "--workload", trace, "--out", str(tmp_path / key),
                            "--quiet"], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        with open(tmp_path / key / "stats.json") as f:
            stats[key] = json.load(f)
    # the same operators with the same shapes and widths: the same simulated run
    for field in ("total_cycles", "generic_npu", "dram"):
        assert stats["imported"][field] == stats["shipped"][field], field
    assert stats["imported"]["generic_npu"]["macs"] == 1_814_073_344


def test_torch_module_from_a_file_and_its_unsupported_ops(torch_import, tmp_path):
    src = tmp_path / "my_models.py"
    src.write_text("import torch.nn as nn\n"
                   "def good():\n"
                   "    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())\n"
                   "def bad():\n"
                   "    return nn.Sequential(nn.Conv2d(3, 8, 3), nn.LeakyReLU(), nn.Hardswish())\n")
    out = tmp_path / "good.yaml"
    r = run_export("import-torch", "%s:good" % src, "--input", "1,3,8,8", "-o", out)
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    command = "# Command: /usr/bin/python3 workloads/exporters/export.py import-torch %s:good" % src
    assert command + " --input 1,3,8,8" in text
    m = yaml.safe_load(text)["models"][0]
    assert [(op["name"], op["op"], op.get("activation")) for op in m["layers"]] == [("0", "conv2d", "relu")]
    assert op_math.model_macs(m) == 3 * 9 * 8 * 64  # 3 in x 3x3 x 8 out x 8x8 positions
    # the same module and seed: the same bytes (torch.onnx export into a fresh temporary file)
    assert torch_import.import_spec("%s:good" % src, [1, 3, 8, 8]) == \
        torch_import.import_spec("%s:good" % src, [1, 3, 8, 8])
    with pytest.raises(ModelImportError) as e:
        torch_import.import_spec("%s:bad" % src, [1, 3, 8, 8])
    # opset 13 has no HardSwish: torch.onnx writes HardSigmoid x input, and the Mul is mapped
    assert "2 node(s) cannot be imported" in str(e.value)
    for listed in ("LeakyRelu (node /1/LeakyRelu)", "HardSigmoid (node /2/HardSigmoid)"):
        assert listed in str(e.value)
