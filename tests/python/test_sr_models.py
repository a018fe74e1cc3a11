"""SR exporter (workloads/exporters/sr_models.py) against spec §3 and the schedule contract.

Run: /usr/bin/python3 -m pytest tests/python/test_sr_models.py
"""
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "workloads"))
from exporters import sr_models as sr  # noqa: E402

# spec §3: parameters (public architectures) and MACs per LR pixel / GMAC at 320x180.
SPEC = {"tpsr": (61121, 62009, 3.57), "imdn": (715176, 709824, 40.9),
        "rcan": (152498, 151065, 8.70)}


@pytest.mark.parametrize("model", sorted(SPEC))
def test_params_and_macs_match_spec(model):
    params, per_px, gmac = SPEC[model]
    assert sr.param_count(model) == params
    layers = sr.scheduled_layers(model)
    assert sum(layer["macs_per_lr_pixel"] for layer in layers) == per_px
    total = sr.total_macs(model, 180, 320)
    # IMDN's channel attention runs on the pooled 1x1 tensor: 6 blocks x (64*4 + 4*64) MACs
    # per image on top of the per-pixel count; the other models' CA adds 30 x (16 + 16).
    extra = {"tpsr": 0, "imdn": 6 * 512, "rcan": 30 * 32}[model]
    assert total == per_px * 320 * 180 + extra
    assert round(total / 1e9, 2 if gmac < 10 else 1) == gmac


def test_compact_models_are_near_mobisr_sizes():
    # MobiSR Table 4: m_clc 30K, m_s2 17K (spec §3); our no-bias reading gives these exactly.
    assert sr.param_count("m_clc") == 30642
    assert sr.param_count("m_s2") == 17842


def test_tpsr_and_rcan_share_the_tail():
    tail = lambda m: [(n["type"], n["in"][0], n["out"][0], n["factor"] if "factor" in n else 0)
                      for n in sr.build_graph(m, 10, 10).nodes[-6:]]
    assert tail("tpsr") == tail("rcan")


def test_pixel_shuffle_is_rank_6_and_shapes_follow():
    g = sr.build_graph("imdn", 20, 30)
    ps = [n for n in g.nodes if n["type"] == "pixel_shuffle"]
    assert len(ps) == 1 and ps[0]["rank"] == 6 and ps[0]["factor"] == 4
    assert ps[0]["in"] == [48, 20, 30] and ps[0]["out"] == [3, 80, 120]
    names = {n["name"] for n in g.nodes}
    for n in g.nodes:  # producers come before their consumers
        assert all(p in names for p in n["producers"])
    order = [n["name"] for n in g.nodes]
    for n in g.nodes:
        assert all(order.index(p) < order.index(n["name"]) for p in n["producers"])


def test_patch_grid_shapes():
    assert sr.patch_shape(180, 320, 2, 2, 4) == (98, 168)
    assert sr.patch_shape(270, 480, 3, 3, 4) == (98, 168)
    assert sr.patch_shape(180, 320, 1, 1, 0) == (180, 320)
    assert sr.patch_shape(240, 426, 1, 3, 0) == (240, 142)


def test_trace_is_valid_yaml_with_sr_section():
    text = sr.render_trace("tpsr", 180, 320, 2, 2, 4, sr.schedule_text("tpsr", "nawq_sr"))
    doc = yaml.safe_load(text)
    m = doc["models"][0]
    assert m["sr"]["grid"] == {"rows": 2, "cols": 2, "halo": 4}
    assert m["sr"]["nodes"][0]["type"] == "patch_split"
    assert m["sr"]["nodes"][-1]["type"] == "stitch"
    assert len(m["sr"]["schedule"]["layers"]) == len(sr.scheduled_layers("tpsr"))
    conv_macs = sum(n["macs"] for n in m["sr"]["nodes"])
    assert conv_macs == sr.total_macs("tpsr", 98, 168)


@pytest.mark.parametrize("variant", sr.VARIANTS)
@pytest.mark.parametrize("model", sr.MODELS)
def test_schedule_round_trip(tmp_path, model, variant):
    target, bits, dre, prov, extra = sr.variant_schedule(model, variant, seed=3)
    path = sr.write_schedule(tmp_path / "s.yaml", model, variant, target, bits, dre, prov, **extra)
    doc = sr.read_schedule(path)
    assert doc["model"] == model and doc["target"] == target
    assert [layer["act_bits"] for layer in doc["layers"]] == bits
    assert [layer["dre"] for layer in doc["layers"]] == dre


def test_schedule_rules():
    n = len(sr.scheduled_layers("rcan"))
    _, bits, dre, prov, _ = sr.variant_schedule("rcan", "nawq_sr")
    assert bits == [8] * n and dre == [True] * n  # spec: RCAN all INT8, DRE on every layer
    assert prov["algorithm"] == sr.ASSUMED
    _, bits, _, _, _ = sr.variant_schedule("tpsr", "nawq_sr")
    layers = sr.scheduled_layers("tpsr")
    share = sum(l["macs_per_lr_pixel"] for l, b in zip(layers, bits) if b == 16) / 62009
    assert 0 < share <= 0.020
    _, bits_u, _, _, _ = sr.variant_schedule("tpsr", "nawq_sr", dataset="u100")
    share_u = sum(l["macs_per_lr_pixel"] for l, b in zip(layers, bits_u) if b == 16) / 62009
    assert share < share_u <= 0.093
    a = sr.variant_schedule("imdn", "rand_dre", seed=1)[2]
    assert a == sr.variant_schedule("imdn", "rand_dre", seed=1)[2]
    assert a != sr.variant_schedule("imdn", "rand_dre", seed=2)[2]


def test_schedule_with_wrong_layer_count_is_refused(tmp_path):
    with pytest.raises(ValueError, match="scheduled layers"):
        sr.write_schedule(tmp_path / "s.yaml", "tpsr", "x", "npu", [8], [False], {})
    path = tmp_path / "t.yaml"
    text = sr.schedule_text("tpsr", "int8_npu").replace("  - {name: head, act_bits: 8, dre: false}\n", "")
    path.write_text(text)
    with pytest.raises(ValueError, match="do not match"):
        sr.read_schedule(path)


def test_committed_sr_files_are_fresh():
    # workloads/sr/ is written by `sr_models.py commit`; a stale file fails here.
    for rel, text in sr.committed().items():
        path = Path(__file__).resolve().parents[2] / "workloads" / rel
        assert path.read_text() == text, "%s is stale: run %s" % (rel, sr.COMMIT_COMMAND)
