"""LifeLearner's compression pipeline (workloads/exporters/lifelearner.py) against Debian's
python3-faiss product quantiser, bit-exactly, on synthetic sparse latents; and the byte
arithmetic of lifelearner.md §3 and §7.4.

Run: /usr/bin/python3 -m pytest tests/python/test_lifelearner.py
"""
import os
import sys

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "workloads"))
from exporters import lifelearner as ll  # noqa: E402

faiss = pytest.importorskip("faiss", reason="python3-faiss (scripts/install_deps)")


@pytest.mark.parametrize("dataset", sorted(ll.DATASETS))
def test_pq_codes_and_reconstruction_match_faiss_bit_exactly(dataset):
    c = ll.DATASETS[dataset]
    z = ll.synthetic_latents(c["n"], c["density"], 300, seed=3)
    v, _ = ll.fit_nonzeros(z, c["d"])
    pq, cent = ll.train_codebook(v, c["d"], niter=4)
    ours = ll.pq_encode(v, cent)
    theirs = pq.compute_codes(np.ascontiguousarray(v))
    assert np.array_equal(ours, theirs)
    assert np.array_equal(ll.pq_decode(ours, cent), pq.decode(theirs))
    # the whole pipeline: bitmap + codes round trip puts faiss's reconstruction at the mask
    mask, codes = ll.compress(z, cent, c["d"])
    assert mask.shape == (300, c["n"] // 8) and codes.shape == (300, ll.M)
    back = ll.decompress(mask, codes, cent, c["n"])
    assert np.array_equal(back != 0, (z != 0) & (back != 0))  # never a value off the mask
    rec = pq.decode(theirs)
    for r in range(3):
        idx = np.flatnonzero(z[r])[: c["d"]]
        assert np.array_equal(back[r, idx], rec[r, : len(idx)])


def test_sample_and_codebook_bytes():
    # CIFAR: bitmap 4,096 / 8 = 512 B + 32 one-byte codes = 544 B against 4 x 4,096 = 16,384 B
    # dense: 30.1x (lifelearner.md §3 "about 30x")
    assert ll.sample_bytes(4096, 287, 256, "bitmap_pq") == 544
    assert ll.sample_bytes(4096, 287, 256, "dense") == 16384
    assert round(16384 / 544, 1) == 30.1
    # bitmap only: 4 B per non-zero + the bitmap: 287 x 4 + 512 = 1,660 B
    assert ll.sample_bytes(4096, 287, 256, "bitmap") == 1660
    # codebook 4·d·K = 4 x 256 x 256 = 256 KiB, independent of L
    assert ll.codebook_bytes(256) == 256 * 1024
    # §7.4 L1: 100 classes x 30 samples = 1.632 / 6.24 / 0.672 MB
    for ds, want in (("cifar100", 1.632e6), ("miniimagenet", 6.24e6), ("gscv2", 0.672e6)):
        n = ll.DATASETS[ds]["n"]
        assert ll.sample_bytes(n, 0, ll.DATASETS[ds]["d"], "bitmap_pq") * 3000 == pytest.approx(want)


def test_op_counts():
    # PQ encode: d·K = 256 x 256 = 65,536 MACs and M = 32 argmins over K
    assert ll.op_counts(4096, 256) == {"bitmap_pack_compares": 4096, "pq_encode_macs": 65536,
                                       "pq_encode_argmins": 32, "pq_decode_reads": 256}
