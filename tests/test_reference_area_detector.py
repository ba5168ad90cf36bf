# Copyright (c) tstkd_plugin contributors.
"""SoKD's reference-parity DAM: the reference's box and mask rule."""
import pytest
import torch

from tstkd_plugin.distillers import SoKDDistiller
from tstkd_plugin.modules import ReferenceAreaDetector


def reference_output(heat: torch.Tensor, size: float, offset: float) -> dict:
    b, _, h, w = heat.shape
    return dict(
        heatmap=heat,
        size=torch.full((b, 2, h, w), size),
        offset=torch.full((b, 2, h, w), offset))


def test_boxes_are_truncated_inclusive_clamped_and_summed():
    dam = ReferenceAreaDetector(in_channels=4, feat_channels=4, num_peaks=2)
    heat = torch.zeros(1, 100, 10, 10)
    heat[0, 3, 4, 4] = 5.0
    heat[0, 7, 5, 6] = 4.0
    # centre (4.5, 4.5), side 3: corners 3.0 and 6.0, both rows/columns in
    mask = dam.regions(reference_output(heat, 3.0, 0.5))[0, 0]
    first = torch.zeros(10, 10)
    first[3:7, 3:7] = 1
    second = torch.zeros(10, 10)
    second[4:8, 4:9] = 1  # centre (5.5, 6.5): y 4.0..7.0, x 5.0..8.0
    second[:, 4] = 0
    assert torch.equal(mask, first + second)  # overlaps count twice
    assert mask.max() == 2
    # corners truncated towards zero: side 1.4 from (4.5, 4.5) spans
    # 3.8..5.2, cells 3..5; and clamped at the map's border
    one = ReferenceAreaDetector(in_channels=4, feat_channels=4, num_peaks=1)
    mask = one.regions(reference_output(heat, 1.4, 0.5))[0, 0]
    assert torch.nonzero(mask).tolist() == [[y, x] for y in (3, 4, 5)
                                            for x in (3, 4, 5)]
    edge = torch.zeros(1, 100, 10, 10)
    edge[0, 0, 9, 0] = 5.0
    mask = one.regions(reference_output(edge, 6.0, 0.0))[0, 0]
    assert mask.sum() == 4 * 4 and mask[6:, :4].all()
    # a heatmap with one peak still spends all its peaks (plain top-K)
    assert ReferenceAreaDetector(
        4, 4, num_peaks=3).regions(reference_output(edge, 0.0, 0.0)).sum() == 3


def test_heads_end_in_a_relu_and_the_heatmap_has_no_target():
    dam = ReferenceAreaDetector(in_channels=4, feat_channels=4, num_heatmaps=5)
    out = dam(torch.randn(2, 4, 6, 6))
    assert [tuple(v.shape) for v in out.values()] == [(2, 5, 6, 6),
                                                      (2, 2, 6, 6),
                                                      (2, 2, 6, 6)]
    assert all((v >= 0).all() for v in out.values())
    with pytest.raises(ValueError, match='num_heatmaps'):
        ReferenceAreaDetector(in_channels=4, num_heatmaps=0)
    hint = dict(hint=dict(type='ModuleOutputs', source='fc'))
    distiller = dict(
        student_recorders=hint,
        teacher_recorders=hint,
        sokd_pairs=dict(
            hint=dict(
                student_recorder='hint', teacher_recorder='hint', channels=4)),
        dam=dict(type='ReferenceAreaDetector', feat_channels=4))
    with pytest.raises(ValueError, match='loss_heatmap_weight'):
        SoKDDistiller(**distiller)
    assert SoKDDistiller(**distiller, loss_heatmap_weight=0.).dams['hint']
