"""Tests of the workload exporters and the committed traces (workloads/*/*.yaml).

Run: /usr/bin/python3 -m pytest tests/python/test_exporters.py
The CLI check uses $NPUSIM_CLI (default: <repo>/build/npusim).
"""
import glob
import os
import subprocess
import sys

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "workloads"))
from exporters import catalog  # noqa: E402

PYTHON = sys.executable
EXPORT_ALL = os.path.join(REPO, "workloads", "exporters", "export_all.py")
EXPORT = os.path.join(REPO, "workloads", "exporters", "export.py")
TRACE_DIRS = ["cnn", "transformer", "gemm"]


def committed_files():
    return sorted(os.path.relpath(p, os.path.join(REPO, "workloads"))
                  for d in TRACE_DIRS for p in glob.glob(os.path.join(REPO, "workloads", d, "*.yaml")))


def load(rel):
    with open(os.path.join(REPO, "workloads", rel)) as f:
        return yaml.safe_load(f)


# --- MACs, written independently of the exporters with the formulas of op_math.cpp ---------

def _out(size, kernel, stride, padding, dilation):
    return (size + 2 * padding - (dilation * (kernel - 1) + 1)) // stride + 1


def op_macs(op):
    g = lambda k, d=None: op.get(k, d)  # noqa: E731
    if op["op"] == "gemm":
        return op["m"] * op["k"] * op["n"]
    if op["op"] == "gemv":
        return op["k"] * op["n"]
    if op["op"] in ("conv2d", "depthwise_conv2d"):
        s, p, dil = g("stride", 1), g("padding", 0), g("dilation", 1)
        oh = _out(op["in_h"], op["kernel_h"], s, p, dil)
        ow = _out(op["in_w"], op["kernel_w"], s, p, dil)
        window = op["kernel_h"] * op["kernel_w"] * g("batch", 1) * oh * ow
        if op["op"] == "depthwise_conv2d":
            return op["channels"] * window
        return op["in_channels"] // g("groups", 1) * op["out_channels"] * window
    if op["op"] == "attention":  # Q.K^T and P.V, causal mask not exploited
        return 2 * op["heads"] * op["q_len"] * op["kv_len"] * op["head_dim"] * g("batch", 1)
    return 0  # vector-unit operators


def trace_macs(doc):
    return sum(op_macs(op) for m in doc["models"] for op in m["layers"])


def bert_macs(seq, layers=12, hidden=768, ffn=3072, heads=12, batch=1, pooler=True):
    """Per layer: Q, K, V, O projections (4 T h^2), FFN (2 T h f) and attention
    (2 heads seq^2 head_dim per sequence), T = batch x seq; plus the pooler (batch h^2)."""
    t = batch * seq
    per_layer = 4 * t * hidden * hidden + 2 * t * hidden * ffn \
        + 2 * heads * seq * seq * (hidden // heads) * batch
    return layers * per_layer + (batch * hidden * hidden if pooler else 0)


# (file, exact MACs derived from the layer definitions, published count or None)
EXPECTED_MACS = [
    # torchvision resnet18, 224x224: convs 1,813,561,344 + fc 512 x 1000 = 1,814,073,344
    # (published: 1.814 GMACs, torchvision's "1.81 GFLOPS").
    ("cnn/resnet18.yaml", 1_814_073_344, 1.814e9),
    # torchvision resnet50 (v1.5): convs 4,087,136,256 + fc 2048 x 1000 = 4,089,184,256
    # (published: 4.09 GMACs).
    ("cnn/resnet50.yaml", 4_089_184_256, 4.09e9),
    # torchvision mobilenet_v2: convs 278,777,856 + depthwise 20,716,416 + fc 1,280,000
    # = 300,774,272 (published: 300.8 MMACs; the paper's "300M multiply-adds").
    ("cnn/mobilenetv2.yaml", 300_774_272, 300.8e6),
    # BERT-base seq 128: 12 x (301,989,888 + 603,979,776 + 25,165,824) + 589,824
    # = 11,174,215,680 (published: ~11.2 GMACs, i.e. ~22.3 GFLOPs).
    ("transformer/bert_base_seq128.yaml", bert_macs(128), 11.2e9),
    # BERT-base seq 384: 12 x (905,969,664 + 1,811,939,328 + 226,492,416) + 589,824.
    ("transformer/bert_base_seq384.yaml", 35_333_406_720, None),
] + [("gemm/gemm_%d.yaml" % s, s ** 3, None) for s in (256, 512, 1024, 2048, 4096)] + [
    # the five squares + 512.768.768 + 128.768.3072 + 128.3072.768 + the three GEMVs
    ("gemm/gemm_set.yaml", sum(s ** 3 for s in (256, 512, 1024, 2048, 4096))
     + 512 * 768 * 768 + 2 * 128 * 768 * 3072 + 4096 * 4096 + 2 * 4096 * 11008, None),
]


def test_expected_values_are_consistent():
    assert bert_macs(128) == 11_174_215_680
    assert bert_macs(384) == 35_333_406_720


@pytest.mark.parametrize("rel,exact,published", EXPECTED_MACS, ids=[e[0] for e in EXPECTED_MACS])
def test_macs_match_published_counts(rel, exact, published):
    macs = trace_macs(load(rel))
    assert macs == exact
    if published is not None:
        assert abs(macs - published) / published < 0.01, (macs, published)


def test_every_committed_trace_has_a_mac_check_and_a_generator():
    assert committed_files() == sorted(e[0] for e in EXPECTED_MACS)
    assert committed_files() == sorted(path for path, _, _ in catalog.COMMITTED)


# --- regeneration --------------------------------------------------------------------------

def test_regeneration_is_byte_identical(tmp_path):
    subprocess.run([PYTHON, EXPORT_ALL, "--out-dir", str(tmp_path)], check=True,
                   stdout=subprocess.DEVNULL)
    for rel in committed_files():
        with open(os.path.join(REPO, "workloads", rel), "rb") as a, open(tmp_path / rel, "rb") as b:
            assert a.read() == b.read(), "%s is stale: run export_all.py" % rel
    check = subprocess.run([PYTHON, EXPORT_ALL, "--check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


@pytest.mark.parametrize("rel", committed_files())
def test_trace_structure(rel):
    with open(os.path.join(REPO, "workloads", rel)) as f:
        first = f.readline()
    assert first.startswith("# Generated by workloads/exporters")
    doc = load(rel)
    assert doc["schema_version"] == 1
    for m in doc["models"]:
        assert m["precision"] == {"activation": 8, "weight": 8, "output": 8}
        names = [op["name"] for op in m["layers"]]
        assert len(names) == len(set(names))


def test_single_export_with_options(tmp_path):
    out = tmp_path / "r18_b4.yaml"
    subprocess.run([PYTHON, EXPORT, "resnet18", "--batch", "4", "--precision", "8,4,8",
                    "-o", str(out)], check=True)
    text = out.read_text()
    assert "# Command: /usr/bin/python3 workloads/exporters/export.py resnet18 --batch 4 " \
           "--precision 8,4,8\n" in text
    doc = yaml.safe_load(text)
    assert doc["name"] == "resnet18_b4_a8w4o8"
    assert doc["models"][0]["batch"] == 4
    assert doc["models"][0]["precision"] == {"activation": 8, "weight": 4, "output": 8}
    assert trace_macs(doc) == 4 * 1_814_073_344
    bert = subprocess.run([PYTHON, EXPORT, "bert-base", "--seq-len", "256", "--batch", "2"],
                          check=True, capture_output=True, text=True).stdout
    assert trace_macs(yaml.safe_load(bert)) == bert_macs(256, batch=2)
    gemv = yaml.safe_load(subprocess.run([PYTHON, EXPORT, "gemm", "--shape", "1,4096,11008"],
                                         check=True, capture_output=True, text=True).stdout)
    assert gemv["models"][0]["layers"] == [{"name": "gemm_1x4096x11008", "op": "gemv",
                                            "k": 4096, "n": 11008}]
    bad = subprocess.run([PYTHON, EXPORT, "gemm", "--batch", "2", "--shape", "8,8,8"],
                         capture_output=True, text=True)
    assert bad.returncode == 2


# --- the simulator accepts every trace -----------------------------------------------------

CLI = os.environ.get("NPUSIM_CLI", os.path.join(REPO, "build", "npusim"))


@pytest.mark.parametrize("rel", committed_files())
def test_trace_validates_with_simulator(rel):
    if not (os.path.isfile(CLI) and os.access(CLI, os.X_OK)):
        pytest.skip("simulator CLI %s not built (set NPUSIM_CLI to a built npusim)" % CLI)
    r = subprocess.run([CLI, "validate", "--hw", "hw_configs/generic_npu/edge_32x32.yaml",
                        "--workload", os.path.join("workloads", rel)],
                       cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


# --- optional: layer shapes against torchvision itself --------------------------------------

@pytest.mark.parametrize("rel,arch", [("cnn/resnet18.yaml", "resnet18"),
                                      ("cnn/resnet50.yaml", "resnet50"),
                                      ("cnn/mobilenetv2.yaml", "mobilenet_v2")])
def test_cnn_layers_match_torchvision(rel, arch):
    torch = pytest.importorskip("torch")
    torchvision = pytest.importorskip("torchvision")
    model = getattr(torchvision.models, arch)().eval()
    seen = []

    def hook(name):
        def record(mod, inputs, _output):
            x = inputs[0].shape
            if isinstance(mod, torch.nn.Linear):
                seen.append((name, "gemm", x[0], mod.in_features, mod.out_features))
            elif mod.groups == mod.in_channels == mod.out_channels and mod.groups > 1:
                seen.append((name, "depthwise_conv2d", mod.in_channels, tuple(x[2:]),
                             mod.kernel_size, mod.stride[0], mod.padding[0]))
            else:
                seen.append((name, "conv2d", mod.in_channels, mod.out_channels, tuple(x[2:]),
                             mod.kernel_size, mod.stride[0], mod.padding[0]))
        return record

    for name, mod in model.named_modules():
        if isinstance(mod, (torch.nn.Conv2d, torch.nn.Linear)):
            mod.register_forward_hook(hook(name))
    with torch.no_grad():
        model(torch.zeros(1, 3, 224, 224))
    ours = []
    for op in load(rel)["models"][0]["layers"]:
        hw, kernel = (op.get("in_h"), op.get("in_w")), (op.get("kernel_h"), op.get("kernel_w"))
        if op["op"] == "gemm":
            ours.append((op["name"], "gemm", op["m"], op["k"], op["n"]))
        elif op["op"] == "depthwise_conv2d":
            ours.append((op["name"], op["op"], op["channels"], hw, kernel, op["stride"],
                         op["padding"]))
        elif op["op"] == "conv2d":
            ours.append((op["name"], op["op"], op["in_channels"], op["out_channels"], hw,
                         kernel, op["stride"], op["padding"]))
    assert ours == seen  # same layers, same shapes, same execution order
