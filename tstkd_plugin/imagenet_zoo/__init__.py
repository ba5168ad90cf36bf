# Copyright (c) tstkd_plugin contributors.
"""ImageNet networks of the distillation papers that mmpretrain lacks,
registered into mmpretrain's model registry as backbones."""
from .mobilenet_v1 import MobileNetV1

__all__ = ['MobileNetV1']
