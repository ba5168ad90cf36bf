# Copyright (c) tstkd_plugin contributors.
from .augment_ops import AUGMENT_OPS, AugmentOp
from .learnable_augment import LearnableAugment

__all__ = ['AUGMENT_OPS', 'AugmentOp', 'LearnableAugment']
