# Copyright (c) tstkd_plugin contributors.
"""Test helper: a spawned gloo rank computing DIST on its half batch."""
import torch

from tstkd_plugin.losses import DISTKDLoss  # applies the compat fixes


def two_rank_dist(rank: int, port: int, out: str) -> None:
    """One of 2 gloo ranks: DIST on its half of a fixed batch."""
    from datetime import timedelta

    import torch.distributed as dist
    dist.init_process_group(
        'gloo',
        init_method=f'tcp://127.0.0.1:{port}',
        rank=rank,
        world_size=2,
        timeout=timedelta(seconds=120))
    torch.manual_seed(0)
    student, teacher = torch.randn(8, 10), torch.randn(8, 10)
    results = {}
    for gather in (False, True):
        local = student[rank * 4:(rank + 1) * 4].clone().requires_grad_()
        loss = DISTKDLoss(
            tau=1, gather_rows=gather)(local, teacher[rank * 4:(rank + 1) * 4])
        loss.backward()
        results[gather] = (loss.item(), local.grad.clone())
    torch.save(results, f'{out}/rank{rank}.pth')
    # torch 2.1: a rank that destroys its gloo group while the other is
    # still in its last collective was seen to hang in the full suite
    dist.barrier()
    dist.destroy_process_group()
