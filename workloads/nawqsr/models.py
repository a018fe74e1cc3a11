"""PyTorch definitions of the x4 SR models of spec ../shared/papers/nawqsr.md §3 (with §8.7):
TPSR, IMDN (the public x4 model and IMDN-lite, §6: 32 features, 3 IMDBs), MobiSR-RCAN.

Every convolution is an nn.Conv2d (the MeanShifts are frozen 1x1 convolutions, §8.7), so the
convolutions met in forward order (`conv_layers`) are the layers a precision schedule names.
Parameter counts (checked in tests/python/test_nawqsr_models.py): TPSR 61,121, IMDN 715,176,
MobiSR-RCAN 152,498 (§3), IMDN-lite 105,390 (§6 "105K")."""
from collections import OrderedDict

import torch
from torch import nn

RGB_MEAN = (0.4488, 0.4371, 0.4040)  # DIV2K mean, as the public TPSR/RCAN code (inputs in [0, 1])


class MeanShift(nn.Conv2d):
    """x -/+ the dataset mean as a frozen 1x1 convolution (3x3 identity weights, 3 biases)."""

    def __init__(self, sign):
        super().__init__(3, 3, 1)
        with torch.no_grad():
            self.weight.copy_(torch.eye(3).view(3, 3, 1, 1))
            self.bias.copy_(sign * torch.tensor(RGB_MEAN))
        for p in self.parameters():
            p.requires_grad = False


def conv(cin, cout, k, groups=1, bias=True):
    return nn.Conv2d(cin, cout, k, padding=k // 2, groups=groups, bias=bias)


def named(**mods):
    """nn.Sequential whose children carry the exporter's node names (sr_models.py)."""
    return nn.Sequential(OrderedDict(mods))


def conv_prelu(name, cin, cout, k):
    return {name: conv(cin, cout, k), name + "_prelu": nn.PReLU(1)}


def dwsep(ch, k):
    """Depthwise kxk (no bias), PReLU, pointwise 1x1, PReLU (TPSR's DWsep)."""
    return named(dw=conv(ch, ch, k, groups=ch, bias=False), dw_prelu=nn.PReLU(1), pw=conv(ch, ch, 1),
                 pw_prelu=nn.PReLU(1))


def up_tail(nf):
    """TPSR's and MobiSR-RCAN's identical x4 tail: [conv3x3 nf->12, PS(2)] -> [conv3x3 3->12, PS(2)]."""
    return named(conv=conv(nf, 12, 3), ps=nn.PixelShuffle(2)), named(conv=conv(3, 12, 3), ps=nn.PixelShuffle(2))


class TPSR(nn.Module):
    """TPSR_NOGAN x4 (royson/tpsr model.py): 16 features, a 1-parameter PReLU after every
    convolution except the first and the two upsampling ones (§8.7)."""

    def __init__(self, nf=16):
        super().__init__()
        self.sub_mean = MeanShift(-1)
        self.head = conv(3, nf, 3)
        self.a = named(dwsep5=dwsep(nf, 5), **conv_prelu("conv7_1", nf, nf, 7), **conv_prelu("conv7_2", nf, nf, 7))
        self.main = named(**conv_prelu("conv3", nf, nf, 3), **conv_prelu("conv5", nf, nf, 5), dwsep3=dwsep(nf, 3))
        self.side = named(**conv_prelu("conv3_1", nf, nf, 3), **conv_prelu("conv5", nf, nf, 5),
                          **conv_prelu("conv3_2", nf, nf, 3))
        self.skip = named(**conv_prelu("conv7", nf, nf, 7))
        self.sum_prelu = nn.PReLU(1)
        self.up1, self.up2 = up_tail(nf)
        self.add_mean = MeanShift(+1)

    def forward(self, x):
        i = self.head(self.sub_mean(x))
        a = self.a(i)
        y = self.sum_prelu(self.main(a) + self.side(a) + self.skip(i))
        return self.add_mean(self.up2(self.up1(y)))


class CCA(nn.Module):
    """IMDN's contrast-aware channel attention: (per-channel std + mean) -> 1x1 -> ReLU -> 1x1 -> sigmoid."""

    def __init__(self, ch, reduction=16):
        super().__init__()
        self.du1, self.du2 = conv(ch, ch // reduction, 1), conv(ch // reduction, ch, 1)

    def forward(self, x):
        mean = x.mean(dim=(2, 3), keepdim=True)
        std = (x - mean).pow(2).mean(dim=(2, 3), keepdim=True).sqrt()
        return x * torch.sigmoid(self.du2(torch.relu(self.du1(std + mean))))


class IMDB(nn.Module):
    """Information multi-distillation block (Zheng222/IMDN block.py IMDModule)."""

    def __init__(self, nf):
        super().__init__()
        self.d, self.r = nf // 4, nf - nf // 4
        self.c1, self.c2, self.c3 = conv(nf, nf, 3), conv(self.r, nf, 3), conv(self.r, nf, 3)
        self.c4 = conv(self.r, self.d, 3)
        self.act = nn.LeakyReLU(0.05)
        self.cca = CCA(4 * self.d)
        self.c5 = conv(4 * self.d, nf, 1)

    def forward(self, x):
        d1, r1 = torch.split(self.act(self.c1(x)), (self.d, self.r), dim=1)
        d2, r2 = torch.split(self.act(self.c2(r1)), (self.d, self.r), dim=1)
        d3, r3 = torch.split(self.act(self.c3(r2)), (self.d, self.r), dim=1)
        out = torch.cat([d1, d2, d3, self.c4(r3)], dim=1)
        return self.c5(self.cca(out)) + x


class IMDN(nn.Module):
    """IMDN x4 (Zheng222/IMDN architecture.py): nf=64, 6 IMDBs is the public model; IMDN-lite
    (§6) is nf=32, 3 IMDBs. Blocks are B1..Bn as in the exporter."""

    def __init__(self, nf=64, blocks=6):
        super().__init__()
        self.n_blocks = blocks
        self.fea_conv = conv(3, nf, 3)
        for b in range(1, blocks + 1):
            self.add_module("B%d" % b, IMDB(nf))
        self.c = conv(nf * blocks, nf, 1)
        self.c_act = nn.LeakyReLU(0.05)
        self.LR_conv = conv(nf, nf, 3)
        self.upsampler = named(conv=conv(nf, 3 * 16, 3), ps=nn.PixelShuffle(4))

    def forward(self, x):
        f = self.fea_conv(x)
        outs, h = [], f
        for b in range(1, self.n_blocks + 1):
            h = getattr(self, "B%d" % b)(h)
            outs.append(h)
        return self.upsampler(self.LR_conv(self.c_act(self.c(torch.cat(outs, dim=1)))) + f)


class CALayer(nn.Module):
    """RCAN channel attention: avg-pool, 1x1 nf->nf/16, ReLU, 1x1 back, sigmoid, scale."""

    def __init__(self, nf, reduction=16):
        super().__init__()
        self.du1, self.du2 = conv(nf, nf // reduction, 1), conv(nf // reduction, nf, 1)

    def forward(self, x):
        a = x.mean(dim=(2, 3), keepdim=True)
        return x * torch.sigmoid(self.du2(torch.relu(self.du1(a))))


class RCAB(nn.Module):
    def __init__(self, nf):
        super().__init__()
        self.conv1, self.conv2, self.ca = conv(nf, nf, 3), conv(nf, nf, 3), CALayer(nf)

    def forward(self, x):
        return self.ca(self.conv2(torch.relu(self.conv1(x)))) + x


class Residual(nn.Module):
    """Children "0".."n-1" then `conv`, plus the input (a residual group, or the RCAN body)."""

    def __init__(self, children, nf):
        super().__init__()
        for i, c in enumerate(children):
            self.add_module(str(i), c)
        self.n = len(children)
        self.conv = conv(nf, nf, 3)

    def forward(self, x):
        h = x
        for i in range(self.n):
            h = getattr(self, str(i))(h)
        return self.conv(h) + x


class MobiSRRCAN(nn.Module):
    """MobiSR's m_ref (MobiSR §4.2, Fig. 6): RCAN with 3 groups x 10 RCABs of 16 features and
    TPSR's tail (5x fewer channels, last convolution removed). Names as the exporter's
    (body.<group>.<rcab>.conv1, body.<group>.conv, body.conv)."""

    def __init__(self, nf=16, groups=3, n_rcab=10):
        super().__init__()
        self.sub_mean = MeanShift(-1)
        self.head = conv(3, nf, 3)
        self.body = Residual([Residual([RCAB(nf) for _ in range(n_rcab)], nf) for _ in range(groups)], nf)
        self.up1, self.up2 = up_tail(nf)
        self.add_mean = MeanShift(+1)

    def forward(self, x):
        return self.add_mean(self.up2(self.up1(self.body(self.head(self.sub_mean(x))))))


BUILDERS = {
    "tpsr": TPSR,
    "imdn": IMDN,
    "imdn_lite": lambda: IMDN(nf=32, blocks=3),
    "rcan": MobiSRRCAN,
}
# the exporter's graph (workloads/exporters/sr_models.py) each model's schedule is written for
EXPORTER_MODEL = {"tpsr": "tpsr", "imdn": "imdn", "rcan": "rcan"}


def build(name, seed=0):
    """The model `name` (a key of BUILDERS) with weights initialised from `seed`."""
    torch.manual_seed(seed)
    return BUILDERS[name]()


def conv_layers(model, lr_hw=(16, 16)):
    """[(module name, module, info)] of every nn.Conv2d in the order a forward pass meets it,
    where info = {in_ch, out_ch, kernel, groups, out_hw, macs}; macs are for an LR input of lr_hw."""
    seen, order = {}, []
    names = {m: n for n, m in model.named_modules()}

    def hook(mod, _inp, out):
        if mod not in seen:
            seen[mod] = out.shape[-2:]
            order.append(mod)

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    try:
        with torch.no_grad():
            model(torch.zeros(1, 3, *lr_hw))
    finally:
        for h in handles:
            h.remove()
    out = []
    for m in order:
        oh, ow = int(seen[m][0]), int(seen[m][1])
        k = m.kernel_size[0]
        macs = oh * ow * m.out_channels * (m.in_channels // m.groups) * k * k
        out.append((names[m], m, {"in_ch": m.in_channels, "out_ch": m.out_channels, "kernel": k, "groups": m.groups,
                                  "out_hw": (oh, ow), "macs": macs}))
    return out
