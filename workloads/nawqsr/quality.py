"""Quality functions q(bits, dre) -> PSNR (dB, Y, shaved) of a fake-quant model on a set of
LR/HR pairs: what the algorithms of algorithms.py search over. A PROXY of the paper's PSNR
(Debian sample images, short training: spec ../shared/papers/nawqsr.md §6)."""
from . import data
from .fakequant import FLOAT_BITS, FakeQuantModel


class SRQuality:
    """Mean PSNR over `pairs` [(lr, hr)] of `fq` (a calibrated FakeQuantModel) configured with
    (bits, dre); every image is run on its own, so a DRE layer's range is its own input's."""

    def __init__(self, fq, pairs):
        self.fq, self.pairs = fq, list(pairs)

    def __call__(self, bits, dre=None):
        per = self.per_image(bits, dre)
        return sum(per) / len(per)

    def per_image(self, bits, dre=None):
        self.fq.configure(bits, dre)
        return [data.psnr_y(self.fq(lr), hr) for lr, hr in self.pairs]


def float_psnr(model, pairs):
    """PSNR of the float model itself (the FP32 row)."""
    fq = FakeQuantModel(model, weight_bits=None)
    return SRQuality(fq, pairs)([FLOAT_BITS] * fq.n)
