# Copyright (c) tstkd_plugin contributors.
"""ConvRegConnector: FitNet's regressor, one layer or SoKD's three."""
import pytest
import torch
from mmrazor.registry import MODELS

import tstkd_plugin  # noqa: F401


@pytest.mark.parametrize('num_convs', [1, 3])
def test_maps_a_student_feature_to_the_teachers_shape(num_convs):
    connector = MODELS.build(
        dict(
            type='ConvRegConnector',
            in_channel=32,
            out_channel=96,
            num_convs=num_convs,
            stride=2))
    convs = [m for m in connector.modules() if isinstance(m, torch.nn.Conv2d)]
    norms = [
        m for m in connector.modules() if isinstance(m, torch.nn.BatchNorm2d)
    ]
    assert len(convs) == len(norms) == num_convs
    out = connector(torch.randn(2, 32, 16, 16))
    assert out.shape == (2, 96, 8, 8)
    assert (out >= 0).all()  # each layer ends in a ReLU
    out.mean().backward()
    assert all(c.weight.grad.abs().sum() > 0 for c in convs)


def test_num_convs_below_one_is_refused_by_name():
    with pytest.raises(ValueError, match='num_convs'):
        MODELS.build(
            dict(
                type='ConvRegConnector',
                in_channel=8,
                out_channel=8,
                num_convs=0))


def test_a_transposed_first_layer_doubles_the_size():
    # CRD's regressor for a student map half the teacher's (R50 -> MBv2)
    connector = MODELS.build(
        dict(
            type='ConvRegConnector',
            in_channel=16,
            out_channel=64,
            kernel_size=4,
            stride=2,
            padding=1,
            conv_cfg=dict(type='deconv')))
    assert isinstance(connector.layers[0].conv, torch.nn.ConvTranspose2d)
    assert connector(torch.randn(2, 16, 8, 8)).shape == (2, 64, 16, 16)
