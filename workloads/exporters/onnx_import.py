"""ONNX model -> npusim trace (schema v1).

The graph is checked (onnx.checker), its shapes are inferred (onnx.shape_inference, strict),
and each node becomes a trace operator (see docs/import.md for the table):

- Conv -> conv2d / depthwise_conv2d (group == channels == outputs) / grouped conv2d; Gemm and
  MatMul -> gemm (a constant right operand is the weight, a runtime one `b_operand: activation`);
  QLinearConv / QLinearMatMul likewise.
- BatchNormalization right after a Conv is folded into it; elsewhere it is a `norm`.
- Relu / Sigmoid / Tanh / Clip(min 0) directly after a conv or gemm whose output nobody else
  reads is fused as its `activation`; otherwise it is a stand-alone `activation` operator.
- Add / Mul -> elementwise; MaxPool / AveragePool / GlobalAveragePool / GlobalMaxPool -> pool;
  Softmax -> softmax.
- Flatten, Reshape, Squeeze, Unsqueeze, Identity, Dropout move no data on an NPU: no operator,
  listed in the notes. QuantizeLinear / DequantizeLinear only carry precision: an operand read
  through a DequantizeLinear has the width of the quantized tensor, an output only read by a
  QuantizeLinear has the width of the quantized type.

Widths of float tensors are their element type's (float32: 32 bits) unless `float_bits` says
how the float model is deployed (8: as int8, like the shipped traces). Static weight sparsity
is the fraction of zero weights (quantized: equal to the zero point) of each initializer.

Every node the importer cannot map is collected, and the import fails with one error that
names all of them (op type and node name) — nothing is dropped silently — unless
`skip_unsupported` is set, in which case they are skipped and listed in the notes.
"""
import hashlib
import os
import re
import warnings
from collections import Counter

from exporters import emit, op_math
from exporters.onnx_graph import (LAYOUT_NOOPS, Graph, ModelImportError, Unsupported, attr,
                                  numel, trace_names, window)

QDQ = {"QuantizeLinear", "DequantizeLinear"}  # precision annotations: no operator
ACTIVATIONS = {"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Clip": "relu", "Exp": "exp"}
FUSABLE_FN = {"relu", "sigmoid", "tanh"}  # fused `activation` values the schema accepts here
FUSE_INTO = {"conv2d", "depthwise_conv2d", "gemm"}


def _onnx():
    try:
        import onnx
        import onnx.numpy_helper
        import onnx.shape_inference
    except ImportError as e:
        raise ModelImportError("the ONNX importer needs the onnx package "
                               "(Debian: apt-get install python3-onnx; see scripts/install_deps): %s" % e)
    return onnx


def load(path):
    """(ModelProto, sha256) of an ONNX file; every failure is a ModelImportError. `render`
    checks it and infers its shapes."""
    onnx = _onnx()
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise ModelImportError("%s: cannot read: %s" % (path, e.strerror or e))
    try:
        with warnings.catch_warnings():  # a partial parse only warns: make it the error it is
            warnings.simplefilter("error")
            model = onnx.load_model_from_string(data)
    except Exception as e:  # protobuf DecodeError, RuntimeWarning and friends
        raise ModelImportError("%s: not an ONNX model (protobuf parse failed: %s)" % (path, e))
    if not model.graph.node:
        raise ModelImportError("%s: not an ONNX model (no graph nodes; %d bytes read)" % (path, len(data)))
    return model, hashlib.sha256(data).hexdigest()


def infer(model, where="<model>"):
    """Check the model and infer its shapes (strict). The checker and shape inference copy the
    whole model, weights included; large initializers stand in as graph inputs of the same type
    and shape meanwhile (shapes are all that inference needs of them), which makes importing
    ResNet-18 about 2 s faster."""
    onnx = _onnx()
    big = [t for t in model.graph.initializer if numel(t.dims) > 64]
    light = onnx.ModelProto()
    light.CopyFrom(model)
    light.graph.ClearField("initializer")
    light.graph.initializer.extend(t for t in model.graph.initializer if numel(t.dims) <= 64)
    light.graph.input.extend(onnx.helper.make_tensor_value_info(t.name, t.data_type, list(t.dims))
                             for t in big)
    try:
        onnx.checker.check_model(light)
    except Exception as e:
        raise ModelImportError("%s: invalid ONNX model: %s" % (where, str(e).strip().splitlines()[0]))
    try:
        inferred = onnx.shape_inference.infer_shapes(light, strict_mode=True)
    except Exception as e:
        raise ModelImportError("%s: shape inference failed: %s" % (where, str(e).strip().splitlines()[-1]))
    del inferred.graph.input[len(inferred.graph.input) - len(big):]
    inferred.graph.initializer.extend(big)
    return inferred


class _Importer:
    def __init__(self, model, where, float_bits, skip_unsupported):
        self.g = Graph(model, where)
        self.model, self.where = model, where
        self.float_bits, self.skip = float_bits, skip_unsupported
        self.ops = []         # [op dict, {activation, weight, output} bits, output tensor]
        self.by_output = {}   # tensor -> index in self.ops of the operator that wrote it
        self.notes, self.problems = [], []

    def run(self):
        nodes = [n for n in self.model.graph.node if n.op_type != "Constant"]
        self.names = trace_names(nodes)
        for node in nodes:
            try:
                self.node(node)
            except Unsupported as e:
                self.problems.append("%s (node %s): %s" % (node.op_type, node.name or "?", e))
        if self.problems and not self.skip:
            raise ModelImportError(
                "%s: %d node(s) cannot be imported (nothing is dropped silently; "
                "--skip-unsupported skips them with a note):\n  %s" % (
                    self.where, len(self.problems), "\n  ".join(self.problems)))
        for p in self.problems:
            self.notes.append("skipped (unsupported): " + p)
        if not self.ops:
            raise ModelImportError("%s: the graph has no operator the simulator models" % self.where)
        return self.ops

    # --- dispatch -------------------------------------------------------------------------
    def node(self, n):
        t = n.op_type
        if n.domain not in ("", "ai.onnx"):
            raise Unsupported("operator domain %s is not supported" % n.domain)
        if t in LAYOUT_NOOPS:
            self.alias(n, "layout only: no operator")
        elif t in QDQ:
            self.alias(n, "precision only")
        elif t in ("Conv", "QLinearConv"):
            self.conv(n)
        elif t in ("Gemm", "MatMul", "QLinearMatMul"):
            self.matmul(n)
        elif t == "BatchNormalization":
            self.batchnorm(n)
        elif t in ACTIVATIONS:
            self.activation(n)
        elif t in ("Add", "Mul"):
            self.emit(n, {"op": "elementwise", "fn": t.lower(),
                          "elements": numel(self.g.dims(n.output[0], n))}, n.input[0], None)
        elif t in ("MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool"):
            self.pool(n)
        elif t == "Softmax":
            self.softmax(n)
        else:
            raise Unsupported("no mapping to a trace operator")

    def alias(self, n, why):
        src = n.input[0]
        if src in self.by_output:
            self.by_output[n.output[0]] = self.by_output[src]
        self.notes.append("%s %s: %s" % (n.op_type, n.name or "?", why))

    def emit(self, n, op, act_in, weight_in, sparsity_zp=None):
        g, fb = self.g, self.float_bits
        op = dict({"name": self.names[id(n)]}, **op)
        bits = {"activation": g.bits(act_in, fb), "output": g.out_bits(n.output[0], fb)}
        if weight_in is not None:
            bits["weight"] = g.bits(weight_in, fb)
            density = g.density(weight_in, sparsity_zp)
            if density is not None and density < 1.0:
                op["sparsity"] = {"density": round(density, 6), "pattern": "unstructured"}
        self.by_output[n.output[0]] = len(self.ops)
        self.ops.append([op, bits, n.output[0]])

    # --- operators ------------------------------------------------------------------------
    def conv(self, n):
        g = self.g
        q = n.op_type == "QLinearConv"
        x, w = n.input[0], n.input[3 if q else 1]
        xs, ws = g.dims(x, n), g.dims(w, n)
        if len(xs) != 4:
            raise Unsupported("only 2-D convolutions (NCHW) are modelled, input is %d-D" % len(xs))
        if not g.is_const(w):
            raise Unsupported("the weight %s is not a constant initializer" % w)
        batch, c, h, wd = xs
        m, _, kh, kw = ws
        groups = attr(n, "group", 1)
        stride, pad, dil = window(n, g, x, (kh, kw), n.output[0])
        geo = {"batch": batch, "in_h": h, "in_w": wd, "kernel_h": kh, "kernel_w": kw,
               "stride": stride, "padding": pad}
        if dil != 1:
            geo["dilation"] = dil
        if groups == c and m == c and c > 1:
            op = dict({"op": "depthwise_conv2d", "channels": c}, **geo)
        else:
            op = dict({"op": "conv2d", "in_channels": c, "out_channels": m}, **geo)
            if groups != 1:
                op["groups"] = groups
        zp = g.const.get(n.input[5]) if q else None
        self.emit(n, op, x, w, zp)

    def matmul(self, n):
        g = self.g
        t = n.op_type
        a, b = (n.input[0], n.input[3]) if t == "QLinearMatMul" else (n.input[0], n.input[1])
        ash, bsh = g.dims(a, n), g.dims(b, n)
        if t == "Gemm":
            if attr(n, "transA", 0):
                raise Unsupported("transA=1 (a transposed left operand) is not modelled")
            m, k = ash
            n_ = bsh[0] if attr(n, "transB", 0) else bsh[1]
        else:
            if len(bsh) > 2 and numel(bsh[:-2]) != 1:
                raise Unsupported("a batched right operand %s is not modelled" % bsh)
            m, k, n_ = numel(ash[:-1]), ash[-1], bsh[-1]
        if g.is_const(a) and not g.is_const(b):
            raise Unsupported("a constant left operand with a runtime right operand is not modelled")
        op = {"op": "gemm", "m": m, "k": k, "n": n_}
        if g.is_const(b):
            op["b_operand"] = "weight"
            zp = g.const.get(n.input[5]) if t == "QLinearMatMul" else None
            self.emit(n, op, a, b, zp)
        else:
            op["b_operand"] = "activation"
            self.emit(n, op, a, None)

    def fusable(self, x):
        """Index of the conv/gemm that wrote x when only this node reads x, else None."""
        i = self.by_output.get(x)
        if i is None or self.ops[i][2] != x or len(self.g.consumers.get(x, [])) != 1:
            return None
        if x in self.g.graph_outputs or self.ops[i][0]["op"] not in FUSE_INTO:
            return None
        return i

    def batchnorm(self, n):
        i = self.fusable(n.input[0])
        if i is not None and self.ops[i][0]["op"] in ("conv2d", "depthwise_conv2d") \
                and "activation" not in self.ops[i][0]:
            self.fold(i, n, "BatchNormalization folded into " + self.ops[i][0]["name"])
            return
        s = self.g.dims(n.input[0], n)
        self.emit(n, {"op": "norm", "kind": "batchnorm", "rows": numel(s) // s[1], "cols": s[1]},
                  n.input[0], None)

    def fold(self, i, n, note):
        self.ops[i][2] = n.output[0]
        self.ops[i][1]["output"] = self.g.out_bits(n.output[0], self.float_bits)
        self.by_output[n.output[0]] = i
        self.notes.append(note)

    def activation(self, n):
        fn = ACTIVATIONS[n.op_type]
        if n.op_type == "Clip":
            lo = attr(n, "min")
            if lo is None and len(n.input) > 1 and n.input[1]:
                c = self.g.const.get(n.input[1])
                if c is None:
                    raise Unsupported("a runtime `min` bound is not modelled")
                lo = float(c)
            if lo is None or lo != 0.0:
                raise Unsupported("only Clip with min 0 (ReLU, ReLU6) is modelled; min is %s" % lo)
        i = self.fusable(n.input[0])
        if i is not None and fn in FUSABLE_FN and "activation" not in self.ops[i][0]:
            self.ops[i][0]["activation"] = fn
            self.fold(i, n, "%s %s fused into %s" % (n.op_type, n.name or "?", self.ops[i][0]["name"]))
            return
        self.emit(n, {"op": "activation", "fn": fn, "elements": numel(self.g.dims(n.output[0], n))},
                  n.input[0], None)

    def pool(self, n):
        x = n.input[0]
        s = self.g.dims(x, n)
        if len(s) != 4:
            raise Unsupported("only 2-D pooling (NCHW) is modelled, input is %d-D" % len(s))
        batch, c, h, w = s
        op = {"op": "pool", "channels": c, "batch": batch, "in_h": h, "in_w": w}
        if n.op_type == "GlobalAveragePool":
            op["kind"] = "global_avg"
        elif n.op_type == "GlobalMaxPool":  # a max window over the whole map: the same work
            op.update({"kind": "max", "kernel_h": h, "kernel_w": w, "stride": 1, "padding": 0})
        else:
            kh, kw = attr(n, "kernel_shape")
            stride, pad, dil = window(n, self.g, x, (kh, kw), n.output[0])
            if dil != 1:
                raise Unsupported("dilated pooling is not modelled")
            op.update({"kind": "max" if n.op_type == "MaxPool" else "avg", "kernel_h": kh,
                       "kernel_w": kw, "stride": stride, "padding": pad})
        self.emit(n, op, x, None)

    def softmax(self, n):
        s = self.g.dims(n.input[0], n)
        opset = max([o.version for o in self.model.opset_import if o.domain in ("", "ai.onnx")] or [13])
        axis = attr(n, "axis", -1 if opset >= 13 else 1) % len(s)
        cols = s[axis] if opset >= 13 else numel(s[axis:])
        if opset >= 13 and axis != len(s) - 1:
            raise Unsupported("softmax over axis %d, not the last one, is not modelled" % axis)
        self.emit(n, {"op": "softmax", "rows": numel(s) // cols, "cols": cols}, n.input[0], None)


def _mode(values):
    """Most common value, ties to the first seen (deterministic)."""
    counts = Counter(values)
    best = max(counts.values())
    return next(v for v in values if counts[v] == best)


def to_model(model, name, where, float_bits=None, skip_unsupported=False):
    """(emit.model entry, notes) of an inferred ONNX ModelProto."""
    imp = _Importer(model, where, float_bits, skip_unsupported)
    ops = imp.run()
    default = {}
    for key in ("activation", "weight", "output"):
        vals = [b[key] for _, b, _ in ops if key in b]
        default[key] = _mode(vals) if vals else _mode([b["activation"] for _, b, _ in ops])
    layers = []
    for op, bits, _ in ops:
        diff = {k: v for k, v in bits.items() if v != default[k]}
        if diff:
            op["precision"] = diff
        layers.append(op)
    inputs = [i for i in model.graph.input if i.name not in imp.g.const]
    batch = imp.g.shape.get(inputs[0].name, [1])[0] if inputs else 1
    return emit.model(name, layers, batch=batch or 1, bits=default), imp.notes


def set_input_shape(model, shape, where):
    """Fix the dims of the (single) graph input, e.g. a symbolic batch."""
    consts = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in consts]
    if len(inputs) != 1:
        raise ModelImportError("%s: --input needs a model with one input, this one has %d (%s)" % (
            where, len(inputs), ", ".join(i.name for i in inputs)))
    dims = inputs[0].type.tensor_type.shape.dim
    if len(dims) != len(shape):
        raise ModelImportError("%s: input %s has %d dims, --input gives %d" % (
            where, inputs[0].name, len(dims), len(shape)))
    for d, v in zip(dims, shape):
        d.Clear()
        d.dim_value = v
    del model.graph.value_info[:]  # inferred again from the new input shape


def render(model, name, header, where, float_bits=None, skip_unsupported=False, description=None):
    """Full trace text of a ModelProto (checked and shape-inferred here)."""
    entry, notes = to_model(infer(model, where), name, where, float_bits, skip_unsupported)
    macs = op_math.model_macs(entry)
    lines = list(header) + ["MACs per run: {:,} (batch {})".format(macs, entry["batch"])]
    lines += ["Notes:"] + ["  " + n for n in _summarise(notes)]
    return emit.render(name, description or "imported from " + os.path.basename(where), [entry], lines)


def _summarise(notes):
    """Notes in file order; long runs of the same kind are counted rather than repeated."""
    kinds = Counter(n.split(" ")[0] for n in notes if not n.startswith("skipped"))
    out = []
    for kind, count in kinds.items():
        examples = [n for n in notes if n.split(" ")[0] == kind][:2]
        out.append("%d x %s (e.g. %s)" % (count, kind, "; ".join(examples)))
    out += [n for n in notes if n.startswith("skipped")]
    return out


def import_file(path, name=None, input_shape=None, float_bits=None, skip_unsupported=False,
                header=None):
    """Trace text of an ONNX file."""
    model, digest = load(path)
    if input_shape:
        set_input_shape(model, input_shape, path)
    name = name or re.sub(r"[^A-Za-z0-9_.\-]", "_", os.path.splitext(os.path.basename(path))[0])
    head = list(header or []) + ["Source: %s (sha256 %s)" % (os.path.basename(path), digest)]
    return render(model, name, head, path, float_bits, skip_unsupported)
