# Copyright (c) tstkd_plugin contributors.
"""Test helper: each rank writes a digest of its model's weights."""
import hashlib
import os.path as osp

from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS


@HOOKS.register_module()
class RankDigestHook(Hook):
    """Write ``digest_rank<r>.txt`` with a hash of every parameter.

    Buffers (BN statistics) are left out: they are per rank by design.

    Args:
        out_dir (str): Folder for the digest files.
    """

    def __init__(self, out_dir: str) -> None:
        self.out_dir = out_dir

    def after_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        h = hashlib.sha256()
        for name, value in sorted(model.named_parameters()):
            h.update(name.encode())
            h.update(value.detach().cpu().numpy().tobytes())
        with open(osp.join(self.out_dir, f'digest_rank{get_rank()}.txt'),
                  'w') as f:
            f.write(h.hexdigest())
