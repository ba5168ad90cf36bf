# Copyright (c) tstkd_plugin contributors.
"""The CIFAR-100 zoo: the backbones' sizes are the published ones."""
import pytest
import torch
from mmpretrain.registry import MODELS

# backbone config -> parameters (millions) of the network with a 100-class
# linear head, as the CIFAR-100 distillation tables give them (CRD and the
# papers after it, two decimals)
PUBLISHED = {
    'ResNet-20': (dict(type='ResNetCIFARCRD', depth=20), 0.28),
    'ResNet-32': (dict(type='ResNetCIFARCRD', depth=32), 0.47),
    'ResNet-56': (dict(type='ResNetCIFARCRD', depth=56), 0.86),
    'ResNet-110': (dict(type='ResNetCIFARCRD', depth=110), 1.74),
    'ResNet-8x4':
    (dict(type='ResNetCIFARCRD', depth=8, widths=(32, 64, 128, 256)), 1.23),
    'ResNet-32x4':
    (dict(type='ResNetCIFARCRD', depth=32, widths=(32, 64, 128, 256)), 7.43),
    'WRN-16-2': (dict(type='WideResNetCIFAR', depth=16, widen_factor=2), 0.70),
    'WRN-40-1': (dict(type='WideResNetCIFAR', depth=40, widen_factor=1), 0.57),
    'WRN-40-2': (dict(type='WideResNetCIFAR', depth=40, widen_factor=2), 2.26),
    'VGG-8': (dict(type='VGGCIFAR', depth=8), 3.96),
    'VGG-13': (dict(type='VGGCIFAR', depth=13), 9.46),
    'MobileNetV2': (dict(type='MobileNetV2CIFAR'), 0.81),
    'ShuffleNetV1': (dict(type='ShuffleNetV1CIFAR'), 0.95),
    'ShuffleNetV2': (dict(type='ShuffleNetV2CIFAR'), 1.36),
}


@pytest.mark.parametrize('name', sorted(PUBLISHED))
def test_parameter_count_matches_the_published_one(name):
    cfg, millions = PUBLISHED[name]
    backbone = MODELS.build(dict(cfg, _scope_='mmpretrain'))
    total = sum(p.numel() for p in backbone.parameters()) + \
        backbone.out_channels * 100 + 100  # the 100-class linear head
    assert abs(total / 1e6 - millions) <= 0.01 * millions, total
    features = backbone(torch.randn(2, 3, 32, 32))
    assert len(features) == 1
    assert features[0].shape[:2] == (2, backbone.out_channels)


def test_bad_depths_are_named():
    for cfg, key in ((dict(type='ResNetCIFARCRD', depth=21), 'depth'),
                     (dict(type='WideResNetCIFAR', depth=15, widen_factor=2),
                      'depth'), (dict(type='VGGCIFAR', depth=9), 'depth')):
        with pytest.raises(ValueError, match=key):
            MODELS.build(dict(cfg, _scope_='mmpretrain'))
