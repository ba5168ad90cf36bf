# Copyright (c) tstkd_plugin contributors.
from .augment_ops import AUGMENT_OPS, AugmentOp
from .feature_augment import FeatureAugment
from .feature_ops import FEATURE_OPS
from .learnable_augment import AugmentedImages, LearnableAugment
from .target_transforms import (transform_boxes, transform_samples,
                                warp_label_map)

__all__ = [
    'AUGMENT_OPS', 'AugmentOp', 'AugmentedImages', 'FEATURE_OPS',
    'FeatureAugment', 'LearnableAugment', 'transform_boxes',
    'transform_samples', 'warp_label_map'
]
