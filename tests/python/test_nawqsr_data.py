"""Proxy data and metric of the NAWQ-SR quality experiments (workloads/nawqsr/data.py, spec §6,
§3 "PSNR/SSIM convention")."""
import math
import os
import sys

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skimage")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "workloads"))

from nawqsr import data  # noqa: E402


def test_psnr_on_y_with_shave():
    # every RGB channel one 8-bit step above: Y differs by (65.481 + 128.553 + 24.966) / 255 = 219 / 255
    hr = torch.full((1, 3, 16, 16), 128 / 255)
    sr = torch.full((1, 3, 16, 16), 129 / 255)
    assert data.psnr_y(sr, hr) == pytest.approx(20 * math.log10(255 / (219 / 255)), abs=1e-3)  # 49.45 dB
    # the 4-pixel border is shaved: damage there is not counted
    sr2 = hr.clone()
    sr2[..., :4, :] = 0.0
    assert data.psnr_y(sr2, hr) == pytest.approx(10 * math.log10(255**2 / 1e-12))  # MSE 0, floored at 1e-12


def test_downscale_is_x4_and_keeps_a_flat_image():
    x = torch.full((1, 3, 64, 48), 0.25)
    lr = data.downscale(x, 4)
    assert tuple(lr.shape) == (1, 3, 16, 12)
    assert torch.allclose(lr, torch.full_like(lr, 0.25), atol=1e-6)


def test_split_is_seeded_70_30_with_calibration_from_test():
    names = ["skimage:" + n for n in ("astronaut", "chelsea", "coffee", "rocket", "grass", "gravel",
                                      "motorcycle_left", "motorcycle_right", "hubble_deep_field", "retina")]
    a = data.Dataset(0, names=names, max_side=64, test_side=64)
    b = data.Dataset(0, names=names, max_side=64, test_side=64)
    assert (a.train_names, a.test_names, a.cal_names) == (b.train_names, b.test_names, b.cal_names)
    assert len(a.train_names) == 7 and len(a.test_names) == 3  # round(0.7 * 10)
    assert len(a.cal_names) == 1 and set(a.cal_names) <= set(a.test_names)  # ceil(10% of 3)
    lr, hr = a.test[a.test_names[0]]
    assert tuple(hr.shape[-2:]) == (64, 64) and tuple(lr.shape[-2:]) == (16, 16)
    lr_b, hr_b = next(a.batches(1, batch=2, lr_patch=8, seed=3))
    assert tuple(lr_b.shape) == (2, 3, 8, 8) and tuple(hr_b.shape) == (2, 3, 32, 32)


def test_tiles_cover_the_image_once_and_stitching_is_exact_for_a_local_op():
    # 13 x 10 LR, 5-pixel patches: rows 0, 5, 10 x cols 0, 5 -> 6 patches
    t = data.tiles(13, 10, 5, 2)
    assert len(t) == 6
    # the last row's patch: interior rows 10..13, with a 2-px halo above only -> input rows 8..13
    assert t[4] == ((8, 13, 0, 7), (2, 5, 0, 5))
    lr = torch.rand(1, 3, 13, 10)

    def up(x):  # a per-pixel x4 op: patches stitched must equal the whole-image result
        return x.repeat_interleave(4, -1).repeat_interleave(4, -2)
    assert torch.equal(data.run_tiled(up, lr, 5, 2), up(lr))
