"""BERT encoder operator lists, from the published configurations.

The layer structure follows the reference implementation (google-research/bert modeling.py,
and Hugging Face BertModel with the same module names): per encoder layer, separate query /
key / value projections, scaled dot-product attention, the attention output projection,
residual add + LayerNorm, the intermediate dense layer with GELU, the output dense layer,
residual add + LayerNorm; then the pooler (dense + tanh on the [CLS] token).

The embedding lookups (word, position, token type) are gathers with no MACs and are not
modelled; neither are the two adds that sum the three embeddings. The embedding stage is
represented by its LayerNorm only.
"""

# Published configurations (bert_config.json of the Google release).
BERT_CONFIGS = {
    "bert-base": {"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
                  "intermediate_size": 3072, "hidden_act": "gelu", "vocab_size": 30522,
                  "max_position_embeddings": 512},
    "bert-large": {"hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16,
                   "intermediate_size": 4096, "hidden_act": "gelu", "vocab_size": 30522,
                   "max_position_embeddings": 512},
}


def _dense(name, tokens, in_features, out_features, act=None):
    op = {"name": name, "op": "gemm", "m": tokens, "k": in_features, "n": out_features,
          "b_operand": "weight"}
    if act:
        op["activation"] = act
    return op


def _layernorm(name, tokens, hidden):
    return {"name": name, "op": "norm", "kind": "layernorm", "rows": tokens, "cols": hidden}


def _add(name, tokens, hidden):
    return {"name": name, "op": "elementwise", "fn": "add", "elements": tokens * hidden}


def bert(arch="bert-base", batch=1, seq_len=128, pooler=True):
    """Operator list of a BERT encoder on `batch` sequences of `seq_len` tokens."""
    cfg = BERT_CONFIGS[arch]
    if seq_len > cfg["max_position_embeddings"]:
        raise ValueError("seq_len %d exceeds max_position_embeddings %d"
                         % (seq_len, cfg["max_position_embeddings"]))
    hidden, heads = cfg["hidden_size"], cfg["num_attention_heads"]
    if hidden % heads:
        raise ValueError("hidden_size is not a multiple of num_attention_heads")
    head_dim, ffn, act = hidden // heads, cfg["intermediate_size"], cfg["hidden_act"]
    tokens = batch * seq_len
    layers = [_layernorm("embeddings.LayerNorm", tokens, hidden)]
    for i in range(cfg["num_hidden_layers"]):
        p = "encoder.layer.%d." % i
        layers += [
            _dense(p + "attention.self.query", tokens, hidden, hidden),
            _dense(p + "attention.self.key", tokens, hidden, hidden),
            _dense(p + "attention.self.value", tokens, hidden, hidden),
            {"name": p + "attention.self.sdpa", "op": "attention", "batch": batch,
             "heads": heads, "kv_heads": heads, "q_len": seq_len, "kv_len": seq_len,
             "head_dim": head_dim, "causal": False},
            _dense(p + "attention.output.dense", tokens, hidden, hidden),
            _add(p + "attention.output.add", tokens, hidden),
            _layernorm(p + "attention.output.LayerNorm", tokens, hidden),
            _dense(p + "intermediate.dense", tokens, hidden, ffn, act=act),
            _dense(p + "output.dense", tokens, ffn, hidden),
            _add(p + "output.add", tokens, hidden),
            _layernorm(p + "output.LayerNorm", tokens, hidden),
        ]
    if pooler:  # BertPooler: dense + tanh on the first token of each sequence
        layers.append(_dense("pooler.dense", batch, hidden, hidden, act="tanh"))
    return layers
