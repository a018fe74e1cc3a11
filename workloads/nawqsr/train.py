"""Short seeded training of the proxy SR models (spec ../shared/papers/nawqsr.md §6): L1 loss,
Adam (0.9, 0.999, 1e-8), batches of 8 random 32x32 LR patches with flips/rot90, one CPU thread.
A few hundred steps give a PROXY model (above an untrained one, below the paper's weights);
the spec's own recipe (lr 1e-4, 300 epochs of DIV2K) is out of reach on a shared CPU."""
import os
import time

import torch

from . import models


def train(name, dataset, steps, seed=0, lr=1e-3, batch=8, lr_patch=32, cache_dir=None, log=None):
    """The model `name` after `steps` Adam steps from seed `seed`; (model, CPU seconds the training
    took). With cache_dir, the weights and that time are kept in <cache_dir>/<name>_s<steps>_seed<seed>.pt
    and reused."""
    torch.manual_seed(seed)
    model = models.build(name, seed)
    path = os.path.join(cache_dir, f"{name}_s{steps}_seed{seed}.pt") if cache_dir else None
    if path and os.path.exists(path):
        saved = torch.load(path)
        model.load_state_dict(saved["state"])
        return model.eval(), saved["cpu_s"]
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr, betas=(0.9, 0.999), eps=1e-8)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[int(steps * 2 / 3)], gamma=0.5)
    t0 = time.process_time()
    model.train()
    for i, (lr_x, hr) in enumerate(dataset.batches(steps, batch, lr_patch, seed)):
        loss = torch.nn.functional.l1_loss(model(lr_x), hr)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if log and (i % 50 == 0 or i == steps - 1):
            log(f"{name} step {i + 1}/{steps} L1 {loss.item():.4f}")
    spent = time.process_time() - t0
    model.eval()
    if path:
        os.makedirs(cache_dir, exist_ok=True)
        torch.save({"state": model.state_dict(), "cpu_s": spent}, path)
    return model, spent
