"""Graph helpers of the ONNX importer (onnx_import.py): tensor shapes, element types, constants,
producers and consumers; operand widths through QuantizeLinear / DequantizeLinear; weight
density; 2-D window attributes; trace names from torch.onnx node scopes.
"""
import re
from collections import Counter

_TYPE_BITS = {1: 32, 2: 8, 3: 8, 4: 16, 5: 16, 6: 32, 7: 64, 9: 8, 10: 16, 11: 64, 12: 32,
              13: 64, 16: 16}
_FLOAT_TYPES = {1, 10, 11, 16}  # float, float16, double, bfloat16
LAYOUT_NOOPS = {"Flatten", "Reshape", "Squeeze", "Unsqueeze", "Identity", "Dropout"}


class ModelImportError(ValueError):
    """A model the importer cannot turn into a trace: the message says what and where."""


class Unsupported(Exception):
    """One node the importer cannot map (collected, then reported together)."""


class Graph:
    """Shapes, element types, constants, producers and consumers of the tensors of a graph."""

    def __init__(self, model, where):
        from onnx import numpy_helper
        g = model.graph
        self.where = where
        self.const = {t.name: numpy_helper.to_array(t) for t in g.initializer}
        for node in g.node:
            if node.op_type == "Constant":
                for a in node.attribute:
                    if a.name == "value":
                        self.const[node.output[0]] = numpy_helper.to_array(a.t)
        self.shape, self.etype = {}, {}
        for vi in list(g.input) + list(g.value_info) + list(g.output):
            tt = vi.type.tensor_type
            self.etype[vi.name] = tt.elem_type
            if tt.HasField("shape"):
                dims = [d.dim_value if d.HasField("dim_value") else None for d in tt.shape.dim]
                self.shape[vi.name] = dims
        for name, arr in self.const.items():
            self.shape[name] = list(arr.shape)
        for t in g.initializer:
            self.etype[t.name] = t.data_type
        self.producer, self.consumers = {}, {}
        for node in g.node:
            for o in node.output:
                self.producer[o] = node
            for i in node.input:
                if i:
                    self.consumers.setdefault(i, []).append(node)
        self.graph_outputs = {o.name for o in g.output}

    def dims(self, name, node):
        s = self.shape.get(name)
        if s is None or any(d is None or d < 1 for d in s):
            raise ModelImportError("%s: node %s (%s): shape of tensor %s is not known after shape "
                                   "inference (%s); give the input shape" % (
                                       self.where, node.name or "?", node.op_type, name, s))
        return s

    def source(self, name):
        """(tensor, dequantize node or None) after walking back through layout no-ops and DQ."""
        dq = None
        while name in self.producer:
            p = self.producer[name]
            if p.op_type in LAYOUT_NOOPS or p.op_type == "DequantizeLinear":
                if p.op_type == "DequantizeLinear" and dq is None:
                    dq = p
                name = p.input[0]
                continue
            break
        return name, dq

    def is_const(self, name):
        return self.source(name)[0] in self.const

    def bits(self, name, float_bits):
        """Width of an operand as it is stored: quantized width through a DequantizeLinear."""
        src, dq = self.source(name)
        t = self.etype.get(dq.input[0] if dq is not None else src, 1)
        if t in _FLOAT_TYPES and float_bits:
            return float_bits
        return _TYPE_BITS.get(t, 32)

    def out_bits(self, name, float_bits):
        users = self.consumers.get(name, [])
        if users and all(u.op_type == "QuantizeLinear" for u in users) and name not in self.graph_outputs:
            q = users[0]
            zp_type = self.etype.get(q.input[2], 2) if len(q.input) > 2 and q.input[2] else 2
            return _TYPE_BITS.get(zp_type, 8)
        return self.bits(name, float_bits)

    def density(self, weight, zero_point=None, axis=0):
        """Fraction of non-zero weights (quantized: != zero point), or None when unknown."""
        import numpy as np
        src, dq = self.source(weight)
        if src not in self.const:
            return None
        w = self.const[src]
        if dq is not None and len(dq.input) > 2 and dq.input[2] in self.const:
            zero_point = self.const[dq.input[2]]
            axis = attr(dq, "axis", 1)
        zp = np.asarray(0 if zero_point is None else zero_point)
        if zp.ndim == 1 and zp.size > 1:
            shape = [1] * w.ndim
            shape[axis] = zp.size
            zp = zp.reshape(shape)
        if w.size == 0:
            return None
        return float(np.count_nonzero(w != zp)) / float(w.size)


def attr(node, name, default=None):
    from onnx import helper
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def window(node, g, x_name, kernel, out_name):
    """(stride, padding, dilation) of a 2-D window; square stride and symmetric padding only."""
    strides = list(attr(node, "strides", [1, 1]))
    pads = list(attr(node, "pads", [0, 0, 0, 0]))
    dil = list(attr(node, "dilations", [1, 1]))
    auto = attr(node, "auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    _, _, h, w = g.dims(x_name, node)
    oh, ow = g.dims(out_name, node)[2:]
    if auto in ("SAME_UPPER", "SAME_LOWER", "VALID"):
        ph = max(0, (oh - 1) * strides[0] + dil[0] * (kernel[0] - 1) + 1 - h)
        pw = max(0, (ow - 1) * strides[1] + dil[1] * (kernel[1] - 1) + 1 - w)
        if ph % 2 or pw % 2:
            raise Unsupported("auto_pad %s gives asymmetric padding (%d, %d)" % (auto, ph, pw))
        pads = [ph // 2, pw // 2, ph // 2, pw // 2]
    if attr(node, "ceil_mode", 0):
        raise Unsupported("ceil_mode=1 (the trace rounds output sizes down)")
    if strides[0] != strides[1]:
        raise Unsupported("strides %s differ per axis (the trace has one stride)" % strides)
    if len(set(pads)) != 1:
        raise Unsupported("pads %s are not the same on every side (the trace has one padding)" % pads)
    if dil[0] != dil[1]:
        raise Unsupported("dilations %s differ per axis" % dil)
    return strides[0], pads[0], dil[0]


def numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def _scope(node):
    """Module path of a node named the way torch.onnx names them (/layer1/layer1.0/conv1/Conv)."""
    parts = node.name.strip("/").split("/")
    if not node.name.startswith("/") or len(parts) < 2:
        return None, None
    segs = []  # a child of a Sequential is scoped by its name in the parent: layer1/layer1.0
    for seg in parts[:-1]:
        if segs and seg.startswith(segs[-1] + "."):
            segs[-1] = seg
        else:
            segs.append(seg)
    return ".".join(segs), parts[-1]


def trace_names(nodes):
    """Trace names: torchvision module paths for torch exports (conv1, layer1.0.conv2,
    layer1.0.add), sanitised node names otherwise, made unique with _2, _3 ..."""
    scopes = {n.name: _scope(n) for n in nodes}
    paths = {p for p, _ in scopes.values() if p}
    containers = {q for p in paths for q in paths if p != q and p.startswith(q + ".")}
    names, seen = {}, Counter()
    for i, n in enumerate(nodes):
        path, last = scopes[n.name]
        if path is not None:
            base = path if path not in containers else path + "." + last.lower()
        else:
            base = re.sub(r"[^A-Za-z0-9_.\-]", "_", n.name).strip("_.") or "%s_%d" % (n.op_type.lower(), i)
        seen[base] += 1
        names[id(n)] = base if seen[base] == 1 else "%s_%d" % (base, seen[base])
    return names
