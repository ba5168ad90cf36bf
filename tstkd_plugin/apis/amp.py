# Copyright (c) tstkd_plugin contributors.
"""``--amp``: every optimizer wrapper of a config becomes an AMP wrapper."""
import logging
from typing import List, Tuple

from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log

from ..algorithms.sokd_distill import SoKDDistill


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


def enable_amp(cfg: Config) -> None:
    """Turn every optimizer wrapper of ``cfg`` into an ``AmpOptimWrapper``
    with a dynamic loss scale (mmengine's wrapper; a wrapper's own
    ``loss_scale`` or ``dtype`` is kept), as ``tools/train.py --amp`` does.

    Raises, naming the key, where AMP cannot be made safe: a wrapper type
    other than ``OptimWrapper``/``AmpOptimWrapper``, and SoKD's unrolled
    search (its second-order step differentiates an unscaled virtual
    update, which half precision would under- or overflow unseen).

    Args:
        cfg (Config): The training config, changed in place.
    """
    search = cfg.model.get('search')
    if search in SoKDDistill.UNROLLED:
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
            wrapper.setdefault('loss_scale', 'dynamic')
