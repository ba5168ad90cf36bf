# Copyright (c) tstkd_plugin contributors.
"""Make ``import mmpretrain.models`` work next to transformers 5.

mmpretrain 1.2.0 (its last release) imports its multimodal models (BLIP,
BLIP-2, Flamingo, ...) whenever ``transformers>=4.28`` is installed. Their
modules import transformers helpers inside a bare ``try``/``except`` that
leaves ``PreTrainedModel`` as ``None`` where an import fails, and then
subclass it: with transformers 5, which no longer has
``modeling_utils.apply_chunking_to_forward`` and its neighbours, ``import
mmpretrain.models`` raises ``TypeError: NoneType takes no arguments`` and no
config builds. No upstream issue or fix exists (mmpretrain is unmaintained).

Where those helpers cannot be imported, mmpretrain is told that its
multimodal dependencies are missing (``WITH_MULTIMODAL = False``): it then
registers its own placeholders, which raise mmpretrain's "install
mmpretrain[multimodal]" error when one of those models is built, and every
other model imports as usual. Where the helpers exist (transformers 4.28 to
4.5x) or transformers is absent, nothing is changed.
"""
import importlib.metadata
import sys

from mmengine.utils import digit_version

# What mmpretrain's BLIP language model imports from transformers; the
# other multimodal models import less.
_MODELING_UTILS_NAMES = ('PreTrainedModel', 'apply_chunking_to_forward',
                         'find_pruneable_heads_and_indices',
                         'prune_linear_layer')


def multimodal_importable() -> bool:
    """Whether transformers has what mmpretrain's multimodal models import.

    transformers 5 has not (decided without importing it: on a torch it
    does not support, its import prints warnings); a 4.x is imported, as
    mmpretrain would.
    """
    try:
        version = importlib.metadata.version('transformers')
    except importlib.metadata.PackageNotFoundError:
        return False
    if digit_version(version) >= digit_version('5.0.0'):
        return False
    try:
        from transformers import modeling_utils
    except Exception:  # as mmpretrain's own guard: any failure counts
        return False
    return all(hasattr(modeling_utils, name) for name in _MODELING_UTILS_NAMES)


def patch_mmpretrain_multimodal() -> bool:
    """Turn mmpretrain's multimodal models into its placeholders where
    transformers cannot serve them.

    Returns:
        bool: Whether mmpretrain's switch was turned off here.
    """
    try:
        from mmpretrain.utils import dependency
    except ImportError:  # no mmpretrain: nothing to fix
        return False
    if not dependency.WITH_MULTIMODAL:
        return False
    if 'mmpretrain.models' in sys.modules:
        # too late to change what it imported; it imported, so it works
        return False
    if multimodal_importable():
        return False
    dependency.WITH_MULTIMODAL = False
    return True
