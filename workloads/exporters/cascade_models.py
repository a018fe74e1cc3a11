"""The server (heavy) models of the MultiTASC cascades, built the way torchvision builds them.

InceptionV3 follows torchvision.models.inception_v3 (299x299 input, no auxiliary head at
inference); EfficientNet-B3 follows torchvision.models.efficientnet_b3 (width 1.2, depth 1.4,
300x300 input). Same modelling as cnn.py: BatchNorm folded into the convolution, the
activation that follows a conv+BN fused into it (SiLU for EfficientNet, ReLU for Inception).

The trace has one `padding` for both axes. Inception's 1x7 / 7x1 (and 1x3 / 3x1) convolutions
pad only along their long axis, so the exporter pre-applies that padding to the input extent
(in_w + 6 for a 1x7 conv, padding 0): the MACs and the output shape are exact, the input
tensor the trace states is a few columns larger than the real one.
"""
import math

from .cnn import Net, make_divisible


def _conv_rect(net, name, x, out_channels, kh, kw, act="relu"):
    """A kh x kw convolution (stride 1) padded along its long axis only ("same" output)."""
    c, h, w = x
    ph, pw = (kh - 1) // 2, (kw - 1) // 2
    op = {"name": name, "op": "conv2d", "in_channels": c, "out_channels": out_channels,
          "batch": net.batch, "in_h": h + 2 * ph, "in_w": w + 2 * pw, "kernel_h": kh,
          "kernel_w": kw, "stride": 1, "padding": 0, "activation": act}
    net.layers.append(op)
    return out_channels, h, w


def _concat(name, branches):
    c = sum(b[0] for b in branches)
    hw = {(b[1], b[2]) for b in branches}
    if len(hw) != 1:
        raise ValueError("%s: branch shapes differ: %s" % (name, branches))
    h, w = hw.pop()
    return c, h, w


def _inception_a(net, p, x, pool_features):
    b1 = net.conv(p + ".branch1x1.conv", x, 64, 1, act="relu")
    b5 = net.conv(p + ".branch5x5_1.conv", x, 48, 1, act="relu")
    b5 = net.conv(p + ".branch5x5_2.conv", b5, 64, 5, 1, 2, act="relu")
    b3 = net.conv(p + ".branch3x3dbl_1.conv", x, 64, 1, act="relu")
    b3 = net.conv(p + ".branch3x3dbl_2.conv", b3, 96, 3, 1, 1, act="relu")
    b3 = net.conv(p + ".branch3x3dbl_3.conv", b3, 96, 3, 1, 1, act="relu")
    bp = net.pool(p + ".avg_pool", x, "avg", 3, 1, 1)
    bp = net.conv(p + ".branch_pool.conv", bp, pool_features, 1, act="relu")
    return _concat(p, [b1, b5, b3, bp])


def _inception_b(net, p, x):
    b3 = net.conv(p + ".branch3x3.conv", x, 384, 3, 2, act="relu")
    bd = net.conv(p + ".branch3x3dbl_1.conv", x, 64, 1, act="relu")
    bd = net.conv(p + ".branch3x3dbl_2.conv", bd, 96, 3, 1, 1, act="relu")
    bd = net.conv(p + ".branch3x3dbl_3.conv", bd, 96, 3, 2, act="relu")
    bp = net.pool(p + ".max_pool", x, "max", 3, 2)
    return _concat(p, [b3, bd, bp])


def _inception_c(net, p, x, c7):
    b1 = net.conv(p + ".branch1x1.conv", x, 192, 1, act="relu")
    b7 = net.conv(p + ".branch7x7_1.conv", x, c7, 1, act="relu")
    b7 = _conv_rect(net, p + ".branch7x7_2.conv", b7, c7, 1, 7)
    b7 = _conv_rect(net, p + ".branch7x7_3.conv", b7, 192, 7, 1)
    bd = net.conv(p + ".branch7x7dbl_1.conv", x, c7, 1, act="relu")
    bd = _conv_rect(net, p + ".branch7x7dbl_2.conv", bd, c7, 7, 1)
    bd = _conv_rect(net, p + ".branch7x7dbl_3.conv", bd, c7, 1, 7)
    bd = _conv_rect(net, p + ".branch7x7dbl_4.conv", bd, c7, 7, 1)
    bd = _conv_rect(net, p + ".branch7x7dbl_5.conv", bd, 192, 1, 7)
    bp = net.pool(p + ".avg_pool", x, "avg", 3, 1, 1)
    bp = net.conv(p + ".branch_pool.conv", bp, 192, 1, act="relu")
    return _concat(p, [b1, b7, bd, bp])


def _inception_d(net, p, x):
    b3 = net.conv(p + ".branch3x3_1.conv", x, 192, 1, act="relu")
    b3 = net.conv(p + ".branch3x3_2.conv", b3, 320, 3, 2, act="relu")
    b7 = net.conv(p + ".branch7x7x3_1.conv", x, 192, 1, act="relu")
    b7 = _conv_rect(net, p + ".branch7x7x3_2.conv", b7, 192, 1, 7)
    b7 = _conv_rect(net, p + ".branch7x7x3_3.conv", b7, 192, 7, 1)
    b7 = net.conv(p + ".branch7x7x3_4.conv", b7, 192, 3, 2, act="relu")
    bp = net.pool(p + ".max_pool", x, "max", 3, 2)
    return _concat(p, [b3, b7, bp])


def _inception_e(net, p, x):
    b1 = net.conv(p + ".branch1x1.conv", x, 320, 1, act="relu")
    b3 = net.conv(p + ".branch3x3_1.conv", x, 384, 1, act="relu")
    b3a = _conv_rect(net, p + ".branch3x3_2a.conv", b3, 384, 1, 3)
    b3b = _conv_rect(net, p + ".branch3x3_2b.conv", b3, 384, 3, 1)
    bd = net.conv(p + ".branch3x3dbl_1.conv", x, 448, 1, act="relu")
    bd = net.conv(p + ".branch3x3dbl_2.conv", bd, 384, 3, 1, 1, act="relu")
    bda = _conv_rect(net, p + ".branch3x3dbl_3a.conv", bd, 384, 1, 3)
    bdb = _conv_rect(net, p + ".branch3x3dbl_3b.conv", bd, 384, 3, 1)
    bp = net.pool(p + ".avg_pool", x, "avg", 3, 1, 1)
    bp = net.conv(p + ".branch_pool.conv", bp, 192, 1, act="relu")
    return _concat(p, [b1, b3a, b3b, bda, bdb, bp])


def inception_v3(batch=1, image_size=299, num_classes=1000):
    """Operator list of torchvision's inception_v3 (eval: no AuxLogits, no dropout)."""
    net = Net(batch)
    x = net.conv("Conv2d_1a_3x3.conv", (3, image_size, image_size), 32, 3, 2, act="relu")
    x = net.conv("Conv2d_2a_3x3.conv", x, 32, 3, act="relu")
    x = net.conv("Conv2d_2b_3x3.conv", x, 64, 3, 1, 1, act="relu")
    x = net.pool("maxpool1", x, "max", 3, 2)
    x = net.conv("Conv2d_3b_1x1.conv", x, 80, 1, act="relu")
    x = net.conv("Conv2d_4a_3x3.conv", x, 192, 3, act="relu")
    x = net.pool("maxpool2", x, "max", 3, 2)
    x = _inception_a(net, "Mixed_5b", x, 32)
    x = _inception_a(net, "Mixed_5c", x, 64)
    x = _inception_a(net, "Mixed_5d", x, 64)
    x = _inception_b(net, "Mixed_6a", x)
    for name, c7 in (("Mixed_6b", 128), ("Mixed_6c", 160), ("Mixed_6d", 160), ("Mixed_6e", 192)):
        x = _inception_c(net, name, x, c7)
    x = _inception_d(net, "Mixed_7a", x)
    x = _inception_e(net, "Mixed_7b", x)
    x = _inception_e(net, "Mixed_7c", x)
    x = net.pool("avgpool", x, "global_avg")
    net.linear("fc", x[0], num_classes)
    return net.layers


# EfficientNet-B0's stages: expand ratio, kernel, stride, input, output channels, layers
EFFICIENTNET_STAGES = [
    (1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
    (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1),
]
EFFICIENTNET_SCALING = {"efficientnet_b0": (1.0, 1.0, 224), "efficientnet_b3": (1.2, 1.4, 300)}


def _mbconv(net, p, x, out_channels, expand, kernel, stride):
    """torchvision's MBConv: expand (SiLU), depthwise (SiLU), squeeze-excitation, project."""
    inp = x[0]
    hidden = make_divisible(inp * expand)
    out, i = x, 0
    if hidden != inp:
        out = net.conv("%s.block.%d.0" % (p, i), out, hidden, 1, act="silu")
        i += 1
    out = net.depthwise("%s.block.%d.0" % (p, i), out, kernel, stride, (kernel - 1) // 2,
                        act="silu")
    i += 1
    squeeze = max(1, inp // 4)
    s = net.pool("%s.block.%d.avgpool" % (p, i), out, "global_avg")
    s = net.conv("%s.block.%d.fc1" % (p, i), s, squeeze, 1, act="silu")
    s = net.conv("%s.block.%d.fc2" % (p, i), s, hidden, 1, act="sigmoid")
    net.layers.append({"name": "%s.block.%d.scale" % (p, i), "op": "elementwise", "fn": "mul",
                       "elements": net.batch * out[0] * out[1] * out[2]})
    i += 1
    out = net.conv("%s.block.%d.0" % (p, i), out, out_channels, 1)
    if stride == 1 and inp == out_channels:
        out = net.add(p + ".add", x, out)
    return out


def efficientnet(arch, batch=1, num_classes=1000):
    """Operator list of torchvision's efficientnet_b0 / efficientnet_b3 at their resolution."""
    width, depth, size = EFFICIENTNET_SCALING[arch]
    net = Net(batch)
    x = net.conv("features.0.0", (3, size, size), make_divisible(32 * width), 3, 2, 1, act="silu")
    stage = 1
    for expand, kernel, stride, _, out, layers in EFFICIENTNET_STAGES:
        oc = make_divisible(out * width)
        for j in range(int(math.ceil(layers * depth))):
            x = _mbconv(net, "features.%d.%d" % (stage, j), x, oc, expand, kernel,
                        stride if j == 0 else 1)
        stage += 1
    x = net.conv("features.%d.0" % stage, x, 4 * x[0], 1, act="silu")
    x = net.pool("avgpool", x, "global_avg")
    net.linear("classifier.1", x[0], num_classes)
    return net.layers
