# Copyright (c) tstkd_plugin contributors.
"""The ImageNet networks the plugin adds to mmpretrain."""
import pytest
import torch
from mmpretrain.registry import MODELS


def test_mobilenet_v1_has_the_published_size():
    # Howard et al. 2017, Table 4: 4.2M parameters with a 1000-class head
    model = MODELS.build(
        dict(
            _scope_='mmpretrain',
            type='ImageClassifier',
            backbone=dict(type='MobileNetV1'),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(
                type='LinearClsHead', num_classes=1000, in_channels=1024)))
    total = sum(p.numel() for p in model.parameters())
    assert abs(total / 4.2e6 - 1) <= 0.01, total
    features = model.backbone(torch.randn(1, 3, 224, 224))
    assert [f.shape for f in features] == [(1, 1024, 7, 7)]


def test_mobilenet_v1_stages_and_freezing():
    backbone = MODELS.build(
        dict(
            _scope_='mmpretrain',
            type='MobileNetV1',
            out_indices=(0, 5, 13),
            frozen_stages=1,
            norm_eval=True))
    shapes = [f.shape[1:] for f in backbone(torch.randn(2, 3, 64, 64))]
    assert shapes == [(32, 32, 32), (256, 8, 8), (1024, 2, 2)]
    backbone.train()
    frozen = list(backbone.layers[0].parameters()) + \
        list(backbone.layers[1].parameters())
    assert frozen and not any(p.requires_grad for p in frozen)
    assert all(p.requires_grad for p in backbone.layers[2].parameters())
    assert not any(m.training for m in backbone.modules()
                   if isinstance(m, torch.nn.BatchNorm2d))


@pytest.mark.parametrize('kwargs, key', [
    (dict(out_indices=(14, )), 'out_indices'),
    (dict(frozen_stages=14), 'frozen_stages'),
])
def test_mobilenet_v1_bad_arguments_are_named(kwargs, key):
    with pytest.raises(ValueError, match=key):
        MODELS.build(dict(_scope_='mmpretrain', type='MobileNetV1', **kwargs))
