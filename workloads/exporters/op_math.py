"""Operation counts of trace operators, with the formulas of sim/workload/op_math.cpp.

Works on operator dicts as they appear in a trace (missing keys take the schema defaults), so
it can count MACs of a trace loaded with yaml.safe_load as well as of a builder's output.
"""

# Defaults of the geometry fields (sim/workload/op_tables.cpp).
_DEFAULTS = {"batch": 1, "stride": 1, "padding": 0, "dilation": 1, "groups": 1,
             "kernel_h": 1, "kernel_w": 1, "kv_heads": 0}


def _get(op, key):
    if key in op:
        return op[key]
    if key in _DEFAULTS:
        return _DEFAULTS[key]
    raise KeyError("operator %s (%s) has no `%s`" % (op.get("name"), op.get("op"), key))


def conv_output(op):
    """Output (h, w) of conv2d / depthwise_conv2d / pool (ConvOutput in op_math.cpp)."""
    if op["op"] == "pool" and op["kind"] == "global_avg":
        return 1, 1
    g = lambda k: _get(op, k)  # noqa: E731
    eff_h = g("dilation") * (g("kernel_h") - 1) + 1  # pool has no dilation key: 1
    eff_w = g("dilation") * (g("kernel_w") - 1) + 1
    ph, pw = g("in_h") + 2 * g("padding"), g("in_w") + 2 * g("padding")
    if eff_h > ph or eff_w > pw:
        raise ValueError("operator %s: window does not fit the padded input" % op["name"])
    return (ph - eff_h) // g("stride") + 1, (pw - eff_w) // g("stride") + 1


def op_macs(op):
    """Multiply-accumulates of one operator (0 for vector-unit operators)."""
    g = lambda k: _get(op, k)  # noqa: E731
    kind = op["op"]
    if kind == "gemm":
        return g("m") * g("k") * g("n")
    if kind == "gemv":
        return g("k") * g("n")
    if kind == "conv2d":
        oh, ow = conv_output(op)
        return (g("in_channels") // g("groups")) * g("kernel_h") * g("kernel_w") \
            * g("batch") * g("out_channels") * oh * ow
    if kind == "depthwise_conv2d":
        oh, ow = conv_output(op)
        return g("batch") * g("channels") * oh * ow * g("kernel_h") * g("kernel_w")
    if kind == "attention":
        # Q.K^T and P.V; the causal mask is not exploited (as in the simulator).
        return 2 * g("heads") * g("q_len") * g("kv_len") * g("head_dim") * g("batch")
    return 0


def model_macs(model):
    """Total MACs of one model entry (a dict with `layers`)."""
    return sum(op_macs(op) for op in model["layers"])


def tensor_sizes(op):
    """(input, weight, output) element counts, as tensor_sizes in op_math.cpp."""
    g = lambda k: _get(op, k)  # noqa: E731
    kind = op["op"]
    if kind == "gemm":
        inp, kn = g("m") * g("k"), g("k") * g("n")
        if op.get("b_operand", "weight") == "weight":
            return inp, kn, g("m") * g("n")
        return inp + kn, 0, g("m") * g("n")
    if kind == "gemv":
        return g("k"), g("k") * g("n"), g("n")
    if kind in ("conv2d", "depthwise_conv2d", "pool"):
        oh, ow = conv_output(op)
        c_in = g("in_channels") if kind == "conv2d" else g("channels")
        c_out = g("out_channels") if kind == "conv2d" else g("channels")
        weight = {"conv2d": lambda: c_out * (c_in // g("groups")) * g("kernel_h") * g("kernel_w"),
                  "depthwise_conv2d": lambda: c_in * g("kernel_h") * g("kernel_w"),
                  "pool": lambda: 0}[kind]()
        return g("batch") * c_in * g("in_h") * g("in_w"), weight, g("batch") * c_out * oh * ow
    if kind == "elementwise":
        return 2 * g("elements"), 0, g("elements")
    if kind in ("norm", "softmax"):
        return g("rows") * g("cols"), 0, g("rows") * g("cols")
    if kind == "activation":
        return g("elements"), 0, g("elements")
    raise KeyError("operator %s: no tensor sizes for op %s" % (op.get("name"), kind))


def bytes_for(elements, bits):
    """ceil(elements x bits / 8)."""
    return (elements * bits + 7) // 8


def model_bytes(model):
    """{input, weight, output} bytes of one model entry, each operator at its own widths
    (an operator-level width of 0 or none inherits the model's)."""
    total = {"input": 0, "weight": 0, "output": 0}
    base = model.get("precision") or {}
    for op in model["layers"]:
        own = op.get("precision") or {}
        bits = {k: own.get(k) or base.get(k, 8) for k in ("activation", "weight", "output")}
        inp, weight, out = tensor_sizes(op)
        total["input"] += bytes_for(inp, bits["activation"])
        total["weight"] += bytes_for(weight, bits["weight"])
        total["output"] += bytes_for(out, bits["output"])
    return total
