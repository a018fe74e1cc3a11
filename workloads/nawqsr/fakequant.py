"""Fake quantisation of spec ../shared/papers/nawqsr.md §4.1, Eq. (1), on the scheduled layers
(every convolution, in forward order) of a float SR model.

One (b, s, z) per layer, applied to the layer's INPUT activation tensor:
    s = (2^b - 1) / (x_max - x_min),  z = round(s * x_min),
    x_q = clamp(round(s * x - z), 0, 2^b - 1),  x ~ (x_q + z) / s.
Static layers take (x_min, x_max) over the whole calibration set (float activations, 8-bit
weights); DRE layers take them from the current input. b = 32 means the input stays float
(the FP32 / FP32W8 rows). Weights are 8-bit per-tensor asymmetric (Eq. (1) on the weight
tensor, b = 8); biases stay float (32-bit accumulators). round() is torch.round (half to even).
"""
import copy

import torch

from . import models

FLOAT_BITS = 32  # "no activation quantisation": the paper's FP32 activations


def eq1_params(lo, hi, bits):
    """(s, z) of Eq. (1) for the range [lo, hi] at `bits`; a zero-width range is widened to 1e-8
    so that s stays finite (the tensor is then constant and is reproduced to within 1e-8)."""
    span = max(float(hi) - float(lo), 1e-8)
    s = (2.0**bits - 1.0) / span
    return s, float(round(s * float(lo)))


def quantise(x, s, z, bits):
    """x_q of Eq. (1): the integer code, clamped to [0, 2^b - 1] (the clamp is ours, §4.1 [I])."""
    return torch.clamp(torch.round(s * x - z), 0.0, 2.0**bits - 1.0)


def dequantise(xq, s, z):
    return (xq + z) / s


def fake_quant(x, lo, hi, bits):
    """x quantised with Eq. (1) on [lo, hi] at `bits` and mapped back to reals."""
    s, z = eq1_params(lo, hi, bits)
    return dequantise(quantise(x, s, z, bits), s, z)


def quantise_weights(model, bits=8):
    """A copy of `model` whose convolution weights are fake-quantised per tensor (Eq. (1) on the
    weight tensor's own min/max)."""
    m = copy.deepcopy(model)
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, torch.nn.Conv2d):
                w = mod.weight
                w.copy_(fake_quant(w, w.min().item(), w.max().item(), bits))
    return m


class FakeQuantModel:
    """A float model with 8-bit weights and a per-layer activation configuration.

    `layers` are the scheduled layers: every convolution in forward order (models.conv_layers).
    configure(bits, dre) sets each layer's input width (8, 16 or FLOAT_BITS) and whether its
    range is estimated per input (DRE); calibrate(inputs) records the static ranges."""

    def __init__(self, model, weight_bits=8):
        self.float_model = model.eval()
        self.model = (quantise_weights(model, weight_bits) if weight_bits else copy.deepcopy(model)).eval()
        self.layers = models.conv_layers(self.model)
        self.n = len(self.layers)
        self.ranges = None  # [(lo, hi)] per layer, from calibrate()
        self.bits = [FLOAT_BITS] * self.n
        self.dre = [False] * self.n
        self._handles = [mod.register_forward_pre_hook(self._hook(i)) for i, (_, mod, _) in enumerate(self.layers)]
        self._recording = None

    def _hook(self, i):
        def pre(_mod, inputs):
            x = inputs[0]
            if self._recording is not None:
                lo, hi = x.min().item(), x.max().item()
                old = self._recording[i]
                self._recording[i] = (lo, hi) if old is None else (min(old[0], lo), max(old[1], hi))
                return None
            b = self.bits[i]
            if b >= FLOAT_BITS:
                return None
            lo, hi = (x.min().item(), x.max().item()) if self.dre[i] else self.ranges[i]
            return (fake_quant(x, lo, hi, b),)

        return pre

    def calibrate(self, inputs):
        """Static (x_min, x_max) of every layer's input over all of `inputs` (LR tensors 1x3xHxW),
        with float activations and the quantised weights."""
        self._recording = [None] * self.n
        try:
            with torch.no_grad():
                for x in inputs:
                    self.model(x)
            self.ranges = list(self._recording)
        finally:
            self._recording = None

    def configure(self, bits, dre=None):
        bits = list(bits)
        dre = [False] * self.n if dre is None else list(dre)
        if len(bits) != self.n or len(dre) != self.n:
            raise ValueError(f"configuration of {len(bits)} bit widths / {len(dre)} DRE flags for {self.n} layers")
        bad = [b for b in bits if b not in (8, 16, FLOAT_BITS)]
        if bad:
            raise ValueError(f"activation widths must be 8, 16 or {FLOAT_BITS}, got {bad[0]}")
        if any(b < FLOAT_BITS and not d for b, d in zip(bits, dre)) and self.ranges is None:
            raise RuntimeError("static layers need calibrate() first")
        self.bits, self.dre = bits, [bool(d) for d in dre]

    def __call__(self, x):
        with torch.no_grad():
            return self.model(x)
