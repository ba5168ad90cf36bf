# Copyright (c) tstkd_plugin contributors.
"""Checkpoints written to local disk appear whole or not at all.

mmengine writes a local checkpoint in place (``open(path, 'wb')`` then
``torch.save``): a process killed during the write leaves a truncated file
under the final name, which ``--resume path`` or a later overwrite of a file
that ``last_checkpoint`` names then fails on. The fix writes to
``<path>.tmp`` and renames it (``os.replace`` is atomic on POSIX).
"""
import os
import os.path as osp
from typing import Any

_MARK = '_tstkd_atomic'


def patch_atomic_checkpoint_save() -> None:
    """Make mmengine's ``save_checkpoint`` atomic for local paths."""
    from mmengine.runner import checkpoint as checkpoint_module
    from mmengine.runner import runner as runner_module
    original = checkpoint_module.save_checkpoint
    if getattr(original, _MARK, False):
        return

    def save_checkpoint(checkpoint: Any, filename: str, *args, **kwargs):
        if not isinstance(filename, str) or '://' in filename:
            return original(checkpoint, filename, *args, **kwargs)
        partial = filename + '.tmp'
        try:
            original(checkpoint, partial, *args, **kwargs)
            os.replace(partial, filename)
        finally:
            if osp.exists(partial):
                os.remove(partial)

    setattr(save_checkpoint, _MARK, True)
    checkpoint_module.save_checkpoint = save_checkpoint
    runner_module.save_checkpoint = save_checkpoint
