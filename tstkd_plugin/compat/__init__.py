# Copyright (c) tstkd_plugin contributors.
"""Fixes for the upstream incompatibilities of the supported stacks.

Each fix is applied on ``import tstkd_plugin`` and is a no-op where upstream
is already fine: mmrazor importable on torch >= 2.1, one restricted way to
load checkpoints on every torch (and mmengine checkpoints loadable by a plain
``torch.load`` on torch >= 2.6), resume that names and steps over a damaged
checkpoint, multi-process training on CPU, mmpretrain next to transformers 5,
``package::config`` paths of
editable installs, and atomic checkpoint writes. See
docs/en/notes/compatibility.md.
"""
from .atomic_checkpoint import patch_atomic_checkpoint_save
from .checkpoint import (CheckpointLoadError, allow_safe_checkpoint_globals,
                         checkpoints_trusted, load_checkpoint_file,
                         patch_checkpoint_loader, trusted_checkpoints)
from .distributed import (cpu_model_wrapper_cfg, distributed_on_cpu,
                          patch_cpu_distributed_init)
from .mmpretrain_multimodal import patch_mmpretrain_multimodal
from .mmrazor_import import patch_mmrazor_import
from .package_path import patch_editable_package_path
from .restricted_pickle import history_buffer_getattr
from .resume import patch_load_or_resume


def apply_all() -> None:
    """Apply every fix; safe to call more than once."""
    patch_mmrazor_import()
    patch_mmpretrain_multimodal()
    allow_safe_checkpoint_globals()
    patch_checkpoint_loader()
    patch_load_or_resume()
    patch_cpu_distributed_init()
    patch_editable_package_path()
    patch_atomic_checkpoint_save()


__all__ = [
    'apply_all', 'patch_mmrazor_import', 'patch_mmpretrain_multimodal',
    'allow_safe_checkpoint_globals', 'CheckpointLoadError',
    'checkpoints_trusted', 'load_checkpoint_file', 'patch_checkpoint_loader',
    'patch_load_or_resume', 'history_buffer_getattr', 'trusted_checkpoints',
    'patch_cpu_distributed_init', 'cpu_model_wrapper_cfg',
    'distributed_on_cpu', 'patch_editable_package_path',
    'patch_atomic_checkpoint_save'
]
