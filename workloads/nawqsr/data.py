"""Proxy SR data from Debian packages (spec ../shared/papers/nawqsr.md §6 "Quality proxies"):
python3-skimage's sample images and opencv-doc's examples/data, HR crops, LR by antialiased
bicubic x4, a seeded ~70/30 train/test split, calibration = 10% of the test images (at least 1),
and PSNR on Y (BT.601) with a `scale`-pixel shave. Every image here is a PROXY for
DIV2K/Set5/Set14/B100/Urban100, which Debian does not ship."""
import math
import os
import random

import numpy as np
import torch
import torch.nn.functional as F

OPENCV_DATA = "/usr/share/doc/opencv-doc/examples/data"
SKIMAGE_NAMES = ("astronaut", "chelsea", "coffee", "rocket", "motorcycle_left", "motorcycle_right",
                 "hubble_deep_field", "grass", "gravel", "retina")
OPENCV_NAMES = ("baboon.jpg", "fruits.jpg", "building.jpg", "butterfly.jpg", "messi5.jpg", "home.jpg", "aero1.jpg",
                "aero3.jpg", "aloeL.jpg", "aloeR.jpg", "leuvenA.jpg", "leuvenB.jpg", "graf1.png", "graf3.png",
                "board.jpg", "orange.jpg", "squirrel_cls.jpg", "rubberwhale1.png", "rubberwhale2.png",
                "basketball1.png", "basketball2.png", "smarties.png")
SCALE = 4


def _skimage(name):
    import skimage.data as d
    if name.startswith("motorcycle_"):
        left, right, _ = d.stereo_motorcycle()
        return left if name.endswith("left") else right
    return getattr(d, name)()


def _opencv(name):
    from PIL import Image
    with Image.open(os.path.join(OPENCV_DATA, name)) as im:
        return np.asarray(im.convert("RGB"))


def _to_tensor(a):
    if a.ndim == 2:
        a = np.stack([a] * 3, axis=-1)
    return torch.from_numpy(np.array(a[..., :3], dtype=np.uint8, copy=True)).permute(2, 0, 1).float().unsqueeze(0) / 255.0


def downscale(x, factor):
    """Antialiased bicubic downscale by an integer factor (PyTorch's a = -0.5 cubic with the
    kernel widened by the factor, as MATLAB's imresize does)."""
    h, w = x.shape[-2] // factor, x.shape[-1] // factor
    return F.interpolate(x, size=(h, w), mode="bicubic", align_corners=False, antialias=True).clamp(0.0, 1.0)


def available():
    """The names of the §6 images present on this machine (skimage ones always; opencv-doc's if installed)."""
    names = ["skimage:" + n for n in SKIMAGE_NAMES]
    names += ["opencv:" + n for n in OPENCV_NAMES if os.path.exists(os.path.join(OPENCV_DATA, n))]
    return names


def load_hr(name, max_side=512):
    """HR image in [0, 1], 1x3xHxW: JPEGs halved first (to hide blocking, §6), then cropped at
    the centre to at most max_side and to a multiple of SCALE."""
    src, n = name.split(":", 1)
    x = _to_tensor(_skimage(n) if src == "skimage" else _opencv(n))
    if n.lower().endswith(".jpg") or src == "skimage" and n in ("chelsea", "coffee", "rocket", "hubble_deep_field",
                                                                "retina", "motorcycle_left", "motorcycle_right"):
        x = downscale(x, 2)
    h = min(x.shape[-2], max_side) // SCALE * SCALE
    w = min(x.shape[-1], max_side) // SCALE * SCALE
    top, left = (x.shape[-2] - h) // 2, (x.shape[-1] - w) // 2
    return x[..., top:top + h, left:left + w].contiguous()


class Dataset:
    """HR/LR pairs split ~70/30 with `seed`; cal = the first ceil(cal_frac) of a shuffled test list
    (spec: 10%)."""

    def __init__(self, seed=0, names=None, max_side=512, test_side=192, cal_frac=0.1):
        names = sorted(names or available())
        rng = random.Random(seed)
        rng.shuffle(names)
        n_train = round(0.7 * len(names))
        self.train_names, self.test_names = sorted(names[:n_train]), sorted(names[n_train:])
        shuffled = list(self.test_names)
        rng.shuffle(shuffled)
        self.cal_names = sorted(shuffled[:max(1, math.ceil(cal_frac * len(shuffled)))])
        self.train_hr = [load_hr(n, max_side) for n in self.train_names]
        # test/cal images: a centre crop of test_side HR pixels keeps every evaluation cheap
        self.test = {n: self._pair(load_hr(n, test_side)) for n in self.test_names}
        self.cal = [self.test[n] for n in self.cal_names]

    @staticmethod
    def _pair(hr):
        return downscale(hr, SCALE), hr

    def batches(self, steps, batch=8, lr_patch=32, seed=0):
        """`steps` seeded training batches (LR, HR) of random lr_patch crops with flips/rot90."""
        rng = np.random.default_rng(seed)
        hp = lr_patch * SCALE
        for _ in range(steps):
            hrs = []
            for _ in range(batch):
                img = self.train_hr[rng.integers(len(self.train_hr))]
                t, l = rng.integers(img.shape[-2] - hp + 1), rng.integers(img.shape[-1] - hp + 1)
                p = img[..., t:t + hp, l:l + hp]
                if rng.integers(2):
                    p = p.flip(-1)
                p = torch.rot90(p, int(rng.integers(4)), dims=(-2, -1))
                hrs.append(p)
            hr = torch.cat(hrs)
            yield downscale(hr, SCALE), hr


def tiles(h, w, patch, halo):
    """The codec's patch grid of an h x w LR image (spec §4.5, §7.4): [(in_box, out_box)] where
    in_box = (top, bottom, left, right) of the LR patch with its halo (clipped at the border) and
    out_box the LR interior it contributes, relative to in_box."""
    out = []
    for t in range(0, h, patch):
        for l in range(0, w, patch):
            b, r = min(t + patch, h), min(l + patch, w)
            it, il, ib, ir = max(0, t - halo), max(0, l - halo), min(h, b + halo), min(w, r + halo)
            out.append(((it, ib, il, ir), (t - it, b - it, l - il, r - il)))
    return out


def run_tiled(fn, lr, patch, halo, scale=SCALE):
    """fn applied to every halo'd patch of lr, the HR interiors stitched into one image."""
    h, w = lr.shape[-2:]
    sr = torch.zeros(lr.shape[0], 3, h * scale, w * scale)
    for (it, ib, il, ir), (ot, ob, ol, orr) in tiles(h, w, patch, halo):
        y = fn(lr[..., it:ib, il:ir])
        sr[..., (it + ot) * scale:(it + ob) * scale, (il + ol) * scale:(il + orr) * scale] = \
            y[..., ot * scale:ob * scale, ol * scale:orr * scale]
    return sr


def y_channel(x):
    """BT.601 luma in [16, 235] of RGB in [0, 1] (MATLAB rgb2ycbcr, as TPSR's evaluation)."""
    return 16.0 + 65.481 * x[:, 0] + 128.553 * x[:, 1] + 24.966 * x[:, 2]


def psnr_y(sr, hr, shave=SCALE):
    """PSNR (dB) on Y with `shave` border pixels removed; sr is clamped and rounded to 8 bit
    first (as a saved image would be)."""
    sr = torch.round(sr.clamp(0.0, 1.0) * 255.0) / 255.0
    d = (y_channel(sr) - y_channel(hr))[..., shave:-shave, shave:-shave]
    mse = float(d.pow(2).mean())
    return 10.0 * math.log10(255.0**2 / max(mse, 1e-12))
