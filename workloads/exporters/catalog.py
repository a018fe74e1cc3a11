"""What can be exported, with which options, and which traces are committed to the repo."""
from . import bert, cnn, emit, gemm, op_math

INT8 = {"activation": 8, "weight": 8, "output": 8}

# model key: (family, human-readable title)
MODELS = {
    "resnet18": ("cnn", "ResNet-18 (torchvision resnet18)"),
    "resnet34": ("cnn", "ResNet-34 (torchvision resnet34)"),
    "resnet50": ("cnn", "ResNet-50 v1.5 (torchvision resnet50)"),
    "resnet101": ("cnn", "ResNet-101 v1.5 (torchvision resnet101)"),
    "resnet152": ("cnn", "ResNet-152 v1.5 (torchvision resnet152)"),
    "mobilenetv2": ("cnn", "MobileNetV2 (torchvision mobilenet_v2)"),
    "bert-base": ("transformer", "BERT-base encoder (uncased config)"),
    "bert-large": ("transformer", "BERT-large encoder (uncased config)"),
    "gemm": ("gemm", "GEMM micro-benchmark"),
    "gemm-set": ("gemm", "GEMM set: square sizes and real-model shapes"),
}

# Committed traces (path under workloads/, model key, options). export_all.py writes these.
COMMITTED = [
    ("cnn/resnet18.yaml", "resnet18", {}),
    ("cnn/resnet50.yaml", "resnet50", {}),
    ("cnn/mobilenetv2.yaml", "mobilenetv2", {}),
    ("transformer/bert_base_seq128.yaml", "bert-base", {"seq_len": 128}),
    ("transformer/bert_base_seq384.yaml", "bert-base", {"seq_len": 384}),
] + [("gemm/gemm_%d.yaml" % s, "gemm", {"shape": (s, s, s)}) for s in gemm.SQUARE_SIZES] + [
    ("gemm/gemm_set.yaml", "gemm-set", {}),
]


def bits_label(bits):
    a, w, o = bits["activation"], bits["weight"], bits["output"]
    return "int%d" % a if a == w == o else "a%dw%do%d" % (a, w, o)


def default_name(model, batch=1, bits=INT8, seq_len=128, image_size=224, shape=None,
                 pooler=True, width_mult=1.0):
    """Workload name that encodes the options that differ from the defaults."""
    family = MODELS[model][0]
    if model == "gemm":
        m, k, n = shape
        name = "gemm_%d" % m if m == k == n else "gemm_%dx%dx%d" % (m, k, n)
    else:
        name = model.replace("-", "_")
    if family == "transformer":
        name += "_seq%d" % seq_len + ("" if pooler else "_nopooler")
    if family == "cnn" and image_size != 224:
        name += "_%dpx" % image_size
    if model == "mobilenetv2" and width_mult != 1.0:
        name += "_w%g" % width_mult
    if batch != 1:
        name += "_b%d" % batch
    if bits != INT8:
        name += "_" + bits_label(bits)
    return name


def build(model, batch=1, bits=INT8, seq_len=128, image_size=224, shape=None, pooler=True,
          width_mult=1.0, name=None):
    """Returns (workload name, description, [model entries])."""
    family, title = MODELS[model]
    if model.startswith("resnet"):
        layers = cnn.resnet(model, batch, image_size)
        detail = "%dx%d input; BatchNorm folded, ReLU fused into convs" % (image_size, image_size)
    elif model == "mobilenetv2":
        layers = cnn.mobilenet_v2(batch, image_size, width_mult)
        detail = "%dx%d input, width %g; BatchNorm folded, ReLU6 fused into convs as relu" % (
            image_size, image_size, width_mult)
    elif family == "transformer":
        layers = bert.bert(model, batch, seq_len, pooler)
        detail = "sequence length %d%s; embedding gathers not modelled" % (
            seq_len, ", with pooler" if pooler else ", no pooler")
    elif model == "gemm":
        if shape is None:
            raise ValueError("the gemm model needs a shape (m, k, n)")
        m, k, n = shape
        layers = [gemm.gemm_op(default_name("gemm", shape=shape), m, k, n)]
        detail = "(%d x %d) . (%d x %d)" % (m, k, k, n)
    else:
        layers = gemm.gemm_set()
        detail = "%d operators" % len(layers)
    name = name or default_name(model, batch, bits, seq_len, image_size, shape, pooler,
                                width_mult)
    entry = emit.model(name, layers, batch, bits)
    description = "%s, batch %d, %s; %s" % (title, batch, bits_label(bits), detail)
    return name, description, [entry]


def render(model, header, **options):
    """Full trace text of one exported model; `header` lines say how it was generated."""
    name, description, models = build(model, **options)
    macs = sum(op_math.model_macs(m) for m in models)
    lines = list(header) + ["MACs per run: %s (batch %d)" % (format(macs, ","), models[0]["batch"])]
    return emit.render(name, description, models, lines)
