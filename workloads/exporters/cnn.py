"""CNN operator lists, built the way torchvision builds the models.

ResNet follows torchvision.models.resnet (v1.5: the stride of a bottleneck stage sits on its
3x3 conv), MobileNetV2 follows torchvision.models.mobilenetv2. Operator names are the
torchvision module paths of the Conv2d / Linear modules (conv1, layer1.0.conv2,
layer2.0.downsample.0, features.3.conv.1.0, classifier.1, ...), so a layer of the trace can
be matched with the module it came from.

Inference modelling: BatchNorm is folded into the preceding convolution (no operator), a ReLU
(or ReLU6) that directly follows a conv+BN is fused into the conv as `activation: relu`, and
the ReLU after a ResNet residual add is its own `activation` operator (the trace schema has
no fused activation on `elementwise`).
"""


class Net:
    """Records operators while tracking the activation shape (channels, h, w), like a
    forward pass with a batch of `batch` images."""

    def __init__(self, batch):
        self.batch = batch
        self.layers = []

    def conv(self, name, x, out_channels, kernel, stride=1, padding=0, act=None):
        c, h, w = x
        op = {"name": name, "op": "conv2d", "in_channels": c, "out_channels": out_channels,
              "batch": self.batch, "in_h": h, "in_w": w, "kernel_h": kernel, "kernel_w": kernel,
              "stride": stride, "padding": padding}
        if act:
            op["activation"] = act
        self.layers.append(op)
        return out_channels, _out(h, kernel, stride, padding), _out(w, kernel, stride, padding)

    def depthwise(self, name, x, kernel, stride=1, padding=0, act=None):
        c, h, w = x
        op = {"name": name, "op": "depthwise_conv2d", "channels": c, "batch": self.batch,
              "in_h": h, "in_w": w, "kernel_h": kernel, "kernel_w": kernel,
              "stride": stride, "padding": padding}
        if act:
            op["activation"] = act
        self.layers.append(op)
        return c, _out(h, kernel, stride, padding), _out(w, kernel, stride, padding)

    def pool(self, name, x, kind, kernel=1, stride=1, padding=0):
        c, h, w = x
        op = {"name": name, "op": "pool", "kind": kind, "channels": c, "batch": self.batch,
              "in_h": h, "in_w": w}
        if kind == "global_avg":
            self.layers.append(op)
            return c, 1, 1
        op.update({"kernel_h": kernel, "kernel_w": kernel, "stride": stride, "padding": padding})
        self.layers.append(op)
        return c, _out(h, kernel, stride, padding), _out(w, kernel, stride, padding)

    def add(self, name, a, b):
        if a != b:
            raise ValueError("%s: residual shapes differ: %s vs %s" % (name, a, b))
        self.layers.append({"name": name, "op": "elementwise", "fn": "add",
                            "elements": self.batch * a[0] * a[1] * a[2]})
        return a

    def relu(self, name, x):
        self.layers.append({"name": name, "op": "activation", "fn": "relu",
                            "elements": self.batch * x[0] * x[1] * x[2]})
        return x

    def linear(self, name, in_features, out_features):
        """nn.Linear on the flattened (batch, in_features) activations: a GEMM, m = batch."""
        self.layers.append({"name": name, "op": "gemm", "m": self.batch, "k": in_features,
                            "n": out_features, "b_operand": "weight"})
        return out_features


def _out(size, kernel, stride, padding, dilation=1):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


# --- ResNet (torchvision.models.resnet) ---------------------------------------------------

RESNET_SPECS = {  # arch: (block, blocks per stage), as in torchvision's resnetNN() functions
    "resnet18": ("basic", [2, 2, 2, 2]),
    "resnet34": ("basic", [3, 4, 6, 3]),
    "resnet50": ("bottleneck", [3, 4, 6, 3]),
    "resnet101": ("bottleneck", [3, 4, 23, 3]),
    "resnet152": ("bottleneck", [3, 8, 36, 3]),
}
EXPANSION = {"basic": 1, "bottleneck": 4}


def _basic_block(net, p, x, planes, stride):
    out = net.conv(p + ".conv1", x, planes, 3, stride, 1, act="relu")  # conv3x3 + bn1 + relu
    out = net.conv(p + ".conv2", out, planes, 3, 1, 1)                  # conv3x3 + bn2
    return _residual(net, p, x, out, planes, stride)


def _bottleneck(net, p, x, planes, stride):
    width = planes  # planes * (base_width / 64) * groups, with base_width 64 and groups 1
    out = net.conv(p + ".conv1", x, width, 1, act="relu")                 # conv1x1 + bn1 + relu
    out = net.conv(p + ".conv2", out, width, 3, stride, 1, act="relu")    # conv3x3 (stride) + bn2
    out = net.conv(p + ".conv3", out, planes * 4, 1)                      # conv1x1 + bn3
    return _residual(net, p, x, out, planes * 4, stride)


def _residual(net, p, x, out, out_channels, stride):
    identity = x
    if stride != 1 or x[0] != out_channels:  # _make_layer's downsample: conv1x1 + bn
        identity = net.conv(p + ".downsample.0", x, out_channels, 1, stride)
    out = net.add(p + ".add", out, identity)
    return net.relu(p + ".relu", out)


def resnet(arch, batch=1, image_size=224, num_classes=1000):
    """Operator list of torchvision's `arch` (resnet18 ... resnet152)."""
    block, stages = RESNET_SPECS[arch]
    make_block = _basic_block if block == "basic" else _bottleneck
    net = Net(batch)
    x = net.conv("conv1", (3, image_size, image_size), 64, 7, 2, 3, act="relu")
    x = net.pool("maxpool", x, "max", 3, 2, 1)
    for i, (planes, blocks) in enumerate(zip([64, 128, 256, 512], stages)):
        for j in range(blocks):
            stride = 2 if i > 0 and j == 0 else 1
            x = make_block(net, "layer%d.%d" % (i + 1, j), x, planes, stride)
    x = net.pool("avgpool", x, "global_avg")
    net.linear("fc", 512 * EXPANSION[block], num_classes)
    return net.layers


# --- MobileNetV2 (torchvision.models.mobilenetv2) -----------------------------------------

# t (expansion), c (output channels), n (repeats), s (stride of the first repeat)
INVERTED_RESIDUAL_SETTING = [
    (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
    (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
]


def make_divisible(v, divisor=8, min_value=None):
    """torchvision's _make_divisible: round channels to a multiple of `divisor`."""
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def _inverted_residual(net, p, x, oup, stride, expand_ratio):
    hidden = int(round(x[0] * expand_ratio))
    out, i = x, 0
    if expand_ratio != 1:  # pointwise expansion: Conv2dNormActivation (ReLU6)
        out = net.conv("%s.conv.%d.0" % (p, i), out, hidden, 1, act="relu")
        i += 1
    out = net.depthwise("%s.conv.%d.0" % (p, i), out, 3, stride, 1, act="relu")  # dw + ReLU6
    out = net.conv("%s.conv.%d" % (p, i + 1), out, oup, 1)  # pointwise-linear conv (+ BN)
    if stride == 1 and x[0] == oup:
        out = net.add(p + ".add", x, out)
    return out


def mobilenet_v2(batch=1, image_size=224, width_mult=1.0, num_classes=1000):
    """Operator list of torchvision's mobilenet_v2 (round_nearest 8)."""
    net = Net(batch)
    input_channel = make_divisible(32 * width_mult)
    last_channel = make_divisible(1280 * max(1.0, width_mult))
    x = net.conv("features.0.0", (3, image_size, image_size), input_channel, 3, 2, 1, act="relu")
    index = 1
    for t, c, n, s in INVERTED_RESIDUAL_SETTING:
        out_channel = make_divisible(c * width_mult)
        for i in range(n):
            x = _inverted_residual(net, "features.%d" % index, x, out_channel, s if i == 0 else 1, t)
            index += 1
    x = net.conv("features.%d.0" % index, x, last_channel, 1, act="relu")
    x = net.pool("avgpool", x, "global_avg")
    net.linear("classifier.1", last_channel, num_classes)
    return net.layers
