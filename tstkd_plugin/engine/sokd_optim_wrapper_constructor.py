# Copyright (c) tstkd_plugin contributors.
from mmengine.optim import OptimWrapperDict
from mmrazor.engine import SeparateOptimWrapperConstructor
from mmrazor.registry import OPTIM_WRAPPER_CONSTRUCTORS
from torch import nn

from ..utils import unwrap

KEYS = ('architecture', 'feature_augment')


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class SoKDOptimWrapperConstructor(SeparateOptimWrapperConstructor):
    """Optimizers for ``SoKDDistill``: ``feature_augment`` for the
    distiller's augmentation policies, ``architecture`` for every other
    trainable parameter of the student and the distiller (its
    connectors/adapters and DAMs), and one per other key naming a child of
    the algorithm (``augmenter`` for ``TSTSoKDDistill``).

    mmrazor's ``SeparateOptimWrapperConstructor`` can only give each
    top-level child of the algorithm its own optimizer, and the policies sit
    inside the distiller. Parameter names keep their prefixes
    (``architecture.``, ``distiller.``), so ``paramwise_cfg`` keys are the
    same as with one optimizer.

    Args:
        optim_wrapper_cfg (dict): ``architecture``, ``feature_augment`` and
            any extra children's keys, each an optim-wrapper config.
        paramwise_cfg: Must be None (set it per optimizer).
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg=None) -> None:
        if not set(KEYS) <= set(optim_wrapper_cfg):
            raise ValueError(
                f'optim_wrapper: SoKDOptimWrapperConstructor needs the keys '
                f'{list(KEYS)} (and one per other child of the algorithm '
                f'with its own optimizer); got {list(optim_wrapper_cfg)}')
        super().__init__(optim_wrapper_cfg, paramwise_cfg)

    def __call__(self, module: nn.Module) -> OptimWrapperDict:
        algorithm = unwrap(module)
        distiller = unwrap(algorithm.distiller)
        if not hasattr(distiller, 'feature_augments'):
            raise ValueError('optim_wrapper.constructor: '
                             'SoKDOptimWrapperConstructor needs '
                             'model.distiller.type SoKDDistiller; got '
                             f'{type(distiller).__name__}')
        others = nn.ModuleDict({
            name: child
            for name, child in distiller.named_children()
            if name != 'feature_augments'
        })
        parts = dict(
            feature_augment=distiller.feature_augments,
            architecture=nn.ModuleDict(
                dict(
                    architecture=unwrap(algorithm.architecture),
                    distiller=others)))
        # the algorithm's own children that may take an optimizer
        children = {
            name: child
            for name, child in algorithm.named_children()
            if name not in ('architecture', 'teacher', 'distiller',
                            'data_preprocessor')
        }
        for key in set(self.constructors) - set(KEYS):
            if key not in children:
                raise ValueError(
                    f'optim_wrapper.{key}: not a child of '
                    f'{type(algorithm).__name__} that takes its own '
                    f'optimizer (expected one of {sorted(children)})')
            parts[key] = unwrap(children[key])
        return OptimWrapperDict(
            **{
                key: constructor(parts[key])
                for key, constructor in self.constructors.items()
            })
