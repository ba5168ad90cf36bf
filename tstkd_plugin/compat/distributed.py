# Copyright (c) tstkd_plugin contributors.
"""Multi-process training on CPU with the ``pytorch`` launcher (gloo).

mmengine 0.10.7's ``init_dist('pytorch')`` always calls
``torch.cuda.set_device``, which fails with "Found no NVIDIA driver" on a CPU
machine. Where no accelerator is available, the process group is initialised
with gloo instead and the device is left alone; anywhere else mmengine's own
function runs unchanged. DDP on CPU also needs ``device_ids=None``:
:func:`cpu_model_wrapper_cfg` gives the model-wrapper config for that.
"""
import functools
import os
from typing import Callable, Optional

import torch.distributed as torch_dist

_PATCH_MARK = '_tstkd_cpu_fallback'


def accelerator_available() -> bool:
    from mmengine.device import (is_cuda_available, is_mlu_available,
                                 is_musa_available, is_npu_available)
    return (is_cuda_available() or is_npu_available() or is_mlu_available()
            or is_musa_available())


def _with_cpu_fallback(upstream: Callable) -> Callable:

    @functools.wraps(upstream)
    def init_dist_pytorch(backend: str,
                          init_backend: str = 'torch',
                          **kwargs) -> None:
        if accelerator_available() or init_backend != 'torch':
            return upstream(backend, init_backend=init_backend, **kwargs)
        # nccl needs a GPU; gloo is torch's CPU backend.
        torch_dist.init_process_group(
            backend='gloo',
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']),
            **kwargs)

    setattr(init_dist_pytorch, _PATCH_MARK, True)
    return init_dist_pytorch


def patch_cpu_distributed_init() -> bool:
    """Let ``mmengine.dist.init_dist('pytorch')`` fall back to gloo on CPU.

    Returns:
        bool: Whether the patch was installed now.
    """
    from mmengine.dist import utils as dist_utils
    if getattr(dist_utils._init_dist_pytorch, _PATCH_MARK, False):
        return False
    dist_utils._init_dist_pytorch = _with_cpu_fallback(
        dist_utils._init_dist_pytorch)
    return True


def cpu_model_wrapper_cfg(model_wrapper_cfg: Optional[dict]) -> dict:
    """The model-wrapper config for DDP on CPU.

    mmengine passes ``device_ids=[LOCAL_RANK]`` to DDP by default, which DDP
    rejects for CPU modules; ``device_ids=None`` is what it expects there.
    Like mmengine's own default wrapper, buffers are not broadcast.

    Args:
        model_wrapper_cfg (dict, optional): The config's own wrapper config.
    """
    cfg = dict(model_wrapper_cfg or dict(type='MMDistributedDataParallel'))
    cfg.setdefault('device_ids', None)
    cfg.setdefault('broadcast_buffers', False)
    return cfg


def distributed_on_cpu(launcher: str) -> bool:
    """Whether a run with this launcher is multi-process on CPU."""
    return launcher != 'none' and not accelerator_available()
