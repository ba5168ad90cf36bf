# Copyright (c) tstkd_plugin contributors.
"""Every patch of upstream code, in one place (checkpoint safety itself is
:mod:`tstkd_plugin.checkpoint_safety`; the patches here route mmengine's
and torch's loading through it).

:func:`apply_upstream_patches` (called once, visibly, by
``tstkd_plugin/__init__.py`` before mmrazor is imported) applies each patch
of :data:`UPSTREAM_PATCHES`; each is a no-op where upstream is already fine
and safe to apply twice. docs/en/notes/compatibility.md describes each with
its test.
"""
from typing import Callable, Tuple

from .atomic_checkpoint import patch_atomic_checkpoint_save
from .auto_scale_lr import fixed_lr_keys, patch_auto_scale_lr
from .checkpoint_loader import (allow_safe_checkpoint_globals,
                                patch_checkpoint_loader)
from .distributed import (cpu_model_wrapper_cfg, distributed_on_cpu,
                          patch_cpu_distributed_init)
from .mmpretrain_multimodal import patch_mmpretrain_multimodal
from .mmrazor_import import patch_mmrazor_import
from .package_path import patch_editable_package_path
from .resume import patch_load_or_resume

# (patch, what it works around: the upstream issue, or why there is none),
# in the order they are applied
UPSTREAM_PATCHES: Tuple[Tuple[Callable, str], ...] = (
    (patch_mmrazor_import, 'mmrazor 1.0.0 fails to import on torch >= 2.1: '
     'open-mmlab/mmrazor#615, #632, #652'),
    (patch_mmpretrain_multimodal, 'mmpretrain 1.2.0 fails to import beside '
     'transformers 5 (no upstream issue: 1.2.0 is its last release)'),
    (allow_safe_checkpoint_globals, 'torch >= 2.6 refuses what mmengine '
     'saves: open-mmlab/mmengine#1655, #1650'),
    (patch_checkpoint_loader, "mmengine's CheckpointLoader unpickles "
     'anything on torch < 2.6 and downloads on every torch (the other side '
     'of open-mmlab/mmengine#1650)'),
    (patch_load_or_resume, 'a truncated checkpoint fails resume without '
     'its name (the symptom of open-mmlab/mmdetection#4835)'),
    (patch_cpu_distributed_init, "mmengine's init_dist('pytorch') calls "
     'torch.cuda.set_device without an accelerator (no upstream issue '
     'found)'),
    (patch_editable_package_path, "mmengine's package::config path of an "
     'editable install (no upstream issue found)'),
    (patch_atomic_checkpoint_save, 'mmengine writes checkpoints in place: '
     'a killed write leaves a truncated file (no upstream issue found)'),
    (patch_auto_scale_lr, "mmengine's auto_scale_lr scales every optimizer "
     "of a dict, TST's and SoKD's augmenters included (mmengine's design, "
     'not a bug: no upstream issue)'),
)


def apply_upstream_patches() -> None:
    """Apply every patch of :data:`UPSTREAM_PATCHES`; safe to call twice."""
    for patch, _ in UPSTREAM_PATCHES:
        patch()


__all__ = [
    'UPSTREAM_PATCHES', 'apply_upstream_patches', 'fixed_lr_keys',
    'patch_auto_scale_lr', 'patch_mmrazor_import',
    'patch_mmpretrain_multimodal', 'allow_safe_checkpoint_globals',
    'patch_checkpoint_loader', 'patch_load_or_resume',
    'patch_cpu_distributed_init', 'cpu_model_wrapper_cfg',
    'distributed_on_cpu', 'patch_editable_package_path',
    'patch_atomic_checkpoint_save'
]
