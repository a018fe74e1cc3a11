"""NAWQ-SR's PyTorch models (workloads/nawqsr/models.py) against spec §3 and the exporter's
scheduled layers (workloads/exporters/sr_models.py), and the fake-quant wrapper of §4.1."""
import os
import sys

import pytest

torch = pytest.importorskip("torch")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "workloads"))

from exporters import sr_models  # noqa: E402
from nawqsr import fakequant, models  # noqa: E402

torch.set_num_threads(1)


@pytest.mark.parametrize("name,params", [("tpsr", 61121), ("imdn", 715176), ("rcan", 152498),
                                         ("imdn_lite", 105390)])
def test_parameter_counts_match_spec(name, params):
    # spec §3 "params, our count" (MeanShifts: 12 frozen parameters each, §8.7); IMDN-lite §6 "105K":
    # 896 + 3 * 26,090 + 3,104 + 9,248 + 13,872 = 105,390
    m = models.build(name)
    assert sum(p.numel() for p in m.parameters()) == params


@pytest.mark.parametrize("name", sorted(models.EXPORTER_MODEL))
def test_convolutions_align_with_exporter_scheduled_layers(name):
    """The convolutions met in forward order are the exporter's scheduled layers, one to one:
    name, channels, kernel, groups, and MACs of a 320x180 frame (spec §3: 3.57 / 40.9 / 8.70 GMAC)."""
    ours = models.conv_layers(models.build(name), (180, 320))
    theirs = sr_models.scheduled_layers(models.EXPORTER_MODEL[name], 180, 320)
    assert len(ours) == len(theirs)
    for (mod_name, _, info), ref in zip(ours, theirs):
        assert (mod_name, info["in_ch"], info["out_ch"], info["kernel"], info["groups"], info["macs"]) == (
            ref["name"], ref["in_channels"], ref["out_channels"], ref["kernel"], ref["groups"], ref["macs"])
    gmac = sum(i["macs"] for _, _, i in ours) / 1e9
    assert round(gmac, 2) == {"tpsr": 3.57, "imdn": 40.89, "rcan": 8.70}[name]


def test_eq1_parameters_and_round_trip():
    # [lo, hi] = [-0.5, 2.05] at 8 bit: s = 255 / 2.55 = 100, z = round(100 * -0.5) = -50
    s, z = fakequant.eq1_params(-0.5, 2.05, 8)
    assert s == pytest.approx(100.0) and z == -50.0
    x = torch.tensor([-0.5, 0.0, 1.234, 2.05])
    xq = fakequant.quantise(x, s, z, 8)
    # round(100 x + 50): 0, 50, round(173.4) = 173, 255
    assert xq.tolist() == [0.0, 50.0, 173.0, 255.0]
    # back: (x_q + z) / s = -0.5, 0.0, 1.23, 2.05
    assert fakequant.dequantise(xq, s, z).tolist() == pytest.approx([-0.5, 0.0, 1.23, 2.05])
    # 16 bit inside the range: |error| <= 1 / (2 s) with s = 65535 / 2.55
    y = torch.linspace(-0.5, 2.05, 1001)
    err = (fakequant.fake_quant(y, -0.5, 2.05, 16) - y).abs().max().item()
    assert err <= 2.55 / 65535 / 2 + 1e-7


def test_eq1_clamps_outside_the_range():
    # s = 100, z = -50: x = 3 -> 350 -> clamped to 255 -> 2.05; x = -1 -> 0 -> clamped to 0 -> -0.5
    s, z = fakequant.eq1_params(-0.5, 2.05, 8)
    assert fakequant.quantise(torch.tensor([3.0, -1.0]), s, z, 8).tolist() == [255.0, 0.0]
    assert fakequant.fake_quant(torch.tensor([3.0, -1.0]), -0.5, 2.05, 8).tolist() == pytest.approx([2.05, -0.5])


def test_eq1_constant_tensor_is_reproduced():
    x = torch.full((4,), 0.7)
    assert fakequant.fake_quant(x, 0.7, 0.7, 8).tolist() == pytest.approx([0.7] * 4, abs=1e-6)


def test_weights_are_8_bit_per_tensor():
    m = fakequant.quantise_weights(models.build("tpsr"))
    for mod in m.modules():
        if isinstance(mod, torch.nn.Conv2d):
            assert mod.weight.unique().numel() <= 256


def test_fake_quant_model_static_dre_and_float():
    torch.manual_seed(0)
    fq = fakequant.FakeQuantModel(models.build("tpsr"))
    small, big = torch.rand(1, 3, 12, 12) * 0.2, torch.rand(1, 3, 12, 12)
    fq.calibrate([small])
    n = fq.n
    fq.configure([32] * n)
    ref = fq(big)
    fq.configure([8] * n)
    static = (fq(big) - ref).abs().mean().item()  # big's inputs exceed small's ranges: clamped
    fq.configure([8] * n, [True] * n)
    dre = (fq(big) - ref).abs().mean().item()
    fq.configure([16] * n, [True] * n)
    dre16 = (fq(big) - ref).abs().mean().item()
    assert dre < static and dre16 < dre
    # float activations leave the 8-bit-weight model as it is
    fq.configure([32] * n)
    assert torch.equal(fq(big), fq.model(big))
    with pytest.raises(ValueError, match="17 layers"):
        fq.configure([8] * 3)
    with pytest.raises(ValueError, match="8, 16 or 32"):
        fq.configure([4] * n)
