# Copyright (c) tstkd_plugin contributors.
"""``--amp``: every optimizer wrapper of a config becomes an AMP wrapper
(bfloat16 where the GPU has it, else float16 with a dynamic loss scale)."""
import logging
from typing import List, Tuple

import torch
from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log

from ..algorithms.parts import UNROLLED


def optim_wrapper_cfgs(cfg: Config) -> List[Tuple[str, ConfigDict]]:
    """The config's optimizer-wrapper configs with their keys: the one
    ``optim_wrapper``, or each child of an optimizer-wrapper dict (a dict
    without ``optimizer`` whose dict values are wrappers, as mmrazor's
    ``SeparateOptimWrapperConstructor`` and ``SoKDOptimWrapperConstructor``
    build them)."""
    optim_wrapper = cfg.optim_wrapper
    if 'optimizer' in optim_wrapper:
        return [('optim_wrapper', optim_wrapper)]
    children = [(f'optim_wrapper.{key}', child)
                for key, child in optim_wrapper.items()
                if isinstance(child, dict)]
    for key, child in children:
        if 'optimizer' not in child:
            raise ValueError(f'--amp: {key} has no optimizer; expected an '
                             'optimizer wrapper config')
    return children


AMP_DTYPES = ('auto', 'bfloat16', 'float16')


def amp_dtype(dtype: str = 'auto') -> str:
    """The half-precision type of ``--amp``: ``'auto'`` is bfloat16 (the
    range of float32: no loss scale, no overflow) unless the GPU has none
    (before Ampere), then float16 with a dynamic loss scale."""
    if dtype not in AMP_DTYPES:
        raise ValueError(f'--amp-dtype: expected one of {AMP_DTYPES}, got '
                         f'{dtype!r}')
    if dtype != 'auto':
        return dtype
    if torch.cuda.is_available() and not torch.cuda.is_bf16_supported():
        return 'float16'
    return 'bfloat16'


def enable_amp(cfg: Config, dtype: str = 'auto') -> None:
    """Turn every optimizer wrapper of ``cfg`` into mmengine's
    ``AmpOptimWrapper``, as ``tools/train.py --amp [--amp-dtype]`` does: in
    bfloat16 without a loss scale, or in float16 with a dynamic one
    (:func:`amp_dtype` decides ``'auto'``). A wrapper's own ``dtype`` and
    ``loss_scale`` are kept.

    Raises, naming the key, where AMP cannot be made safe: a wrapper type
    other than ``OptimWrapper``/``AmpOptimWrapper``, and SoKD's unrolled
    search (its second-order step differentiates an unscaled virtual
    update, which half precision would under- or overflow unseen).

    Args:
        cfg (Config): The training config, changed in place.
        dtype (str): ``'auto'``, ``'bfloat16'`` or ``'float16'``.
            Defaults to ``'auto'``.
    """
    dtype = amp_dtype(dtype)
    search = cfg.model.get('search')
    if search in UNROLLED:
        raise ValueError(
            f'--amp: model.search={search!r} differentiates through a '
            "virtual student step, which is not safe in half precision; "
            "use model.search='first_order' or train without --amp")
    for key, wrapper in optim_wrapper_cfgs(cfg):
        wrapper_type = wrapper.get('type', 'OptimWrapper')
        if wrapper_type == 'AmpOptimWrapper':
            print_log(
                f'--amp: {key} is already an AmpOptimWrapper',
                logger='current',
                level=logging.WARNING)
        elif wrapper_type != 'OptimWrapper':
            raise ValueError(
                f'--amp: {key}.type is {wrapper_type!r}; expected '
                "'OptimWrapper' (or 'AmpOptimWrapper')")
        else:
            wrapper.type = 'AmpOptimWrapper'
            wrapper.setdefault('dtype', dtype)
            # bfloat16 has float32's exponent: nothing to scale
            wrapper.setdefault(
                'loss_scale',
                'dynamic' if wrapper.dtype == 'float16' else dict(
                    enabled=False))
