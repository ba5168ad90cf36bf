# Copyright (c) tstkd_plugin contributors.
"""The CIFAR-100 teacher-student zoo of the distillation papers' largest
tables (CRD's definitions), registered into mmpretrain's model registry as
backbones: each returns a one-tuple with its last feature map, for
mmpretrain's ``GlobalAveragePooling`` neck and ``LinearClsHead``."""
from .mobilenet_v2_cifar import MobileNetV2CIFAR
from .resnet_cifar_crd import ResNetCIFARCRD
from .shufflenet_v1_cifar import ShuffleNetV1CIFAR
from .shufflenet_v2_cifar import ShuffleNetV2CIFAR
from .vgg_cifar import VGGCIFAR
from .wide_resnet_cifar import WideResNetCIFAR

__all__ = [
    'MobileNetV2CIFAR', 'ResNetCIFARCRD', 'ShuffleNetV1CIFAR',
    'ShuffleNetV2CIFAR', 'VGGCIFAR', 'WideResNetCIFAR'
]
