"""Quality functions q(bits, dre) -> PSNR (dB, Y, shaved) of a fake-quant model on a set of
LR/HR pairs: what the algorithms of algorithms.py search over. A PROXY of the paper's PSNR
(Debian sample images, short training: spec ../shared/papers/nawqsr.md §6)."""
from . import data
from .fakequant import FLOAT_BITS, FakeQuantModel


PATCH, HALO = 32, 4  # the codec's LR patch and halo (§4.5; MobiSR's 90x160 + 4, scaled to the crops)


class SRQuality:
    """Mean PSNR over `pairs` [(lr, hr)] of `fq` (a calibrated FakeQuantModel) configured with
    (bits, dre). By default every image runs whole (the "whole-frame" run of §7.4), so a DRE
    layer's range is its own image's. With `patch`, each image runs as the codec runs it: patches
    of patch x patch LR pixels plus a `halo`, one inference each (DRE per patch), the HR interiors
    stitched, PSNR over the whole image (about 7x the cost on the 64x64 LR test crops)."""

    def __init__(self, fq, pairs, patch=None, halo=HALO):
        self.fq, self.pairs, self.patch, self.halo = fq, list(pairs), patch, halo

    def __call__(self, bits, dre=None):
        per = self.per_image(bits, dre)
        return sum(per) / len(per)

    def per_image(self, bits, dre=None):
        self.fq.configure(bits, dre)
        if self.patch is None:
            return [data.psnr_y(self.fq(lr), hr) for lr, hr in self.pairs]
        return [data.psnr_y(data.run_tiled(self.fq, lr, self.patch, self.halo), hr) for lr, hr in self.pairs]


def calibration_inputs(pairs, patch=None, halo=HALO):
    """What static ranges are taken over: the calibration LR images, or their halo'd patches."""
    if patch is None:
        return [lr for lr, _ in pairs]
    out = []
    for lr, _ in pairs:
        for (it, ib, il, ir), _ in data.tiles(lr.shape[-2], lr.shape[-1], patch, halo):
            out.append(lr[..., it:ib, il:ir])
    return out


def float_psnr(model, pairs):
    """PSNR of the float model itself (the FP32 row)."""
    fq = FakeQuantModel(model, weight_bits=None)
    return SRQuality(fq, pairs)([FLOAT_BITS] * fq.n)
