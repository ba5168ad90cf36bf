# Copyright (c) tstkd_plugin contributors.
"""The ONNX export's parts (tstkd_plugin.deploy); the tool end to end is in
test_tools.py."""
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from tstkd_plugin.deploy import (build_student, check_onnx, export_onnx,
                                 student_graph)
from tstkd_plugin.deploy.exportable_pooling import (MatrixAdaptiveAvgPool2d,
                                                    with_exportable_pooling)
from tstkd_plugin.registry import MODELS
from conftest import REPO, small_run_cfg

STUDENT_CLS = 'configs/baselines/mmpretrain/resnet18-w8_digits.py'
TWO_STAGE = ('configs/baselines/mmdet/'
             'fitnet_faster-rcnn_r101_r50_fpn_2x_coco.py')


@pytest.mark.parametrize('size,out', [((8, 8), (3, 3)), ((8, 8), (6, 6)),
                                      ((7, 5), (3, 2)), ((9, 9), (1, 1)),
                                      ((6, 10), (None, 4))])
def test_matrix_pooling_is_adaptive_pooling(size, out):
    x = torch.randn(2, 3, *size)
    expected = F.adaptive_avg_pool2d(x, out)
    torch.testing.assert_close(MatrixAdaptiveAvgPool2d(out)(x), expected)


def test_exportable_pooling_leaves_the_original():
    net = torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(3), torch.nn.ReLU())
    copy, swapped = with_exportable_pooling(net)
    assert swapped == 1
    assert type(copy[0]) is MatrixAdaptiveAvgPool2d
    assert type(net[0]) is torch.nn.AdaptiveAvgPool2d


def test_check_refuses_an_export_that_computes_something_else(
        demo_data, tmp_path):
    cfg = small_run_cfg(
        osp.join(REPO, STUDENT_CLS), demo_data, str(tmp_path), val_samples=6)
    init_default_scope(cfg.default_scope)
    student = MODELS.build(cfg.model).eval()
    graph = student_graph(student)
    loader = Runner.build_dataloader(cfg.val_dataloader)
    preprocessor = student.data_preprocessor
    example = preprocessor(next(iter(loader)), False)['inputs']
    path = str(tmp_path / 'student.onnx')
    export_onnx(graph, example, path)

    def check(g):
        return check_onnx(
            path,
            g,
            preprocessor,
            loader,
            cfg.val_evaluator,
            loader.dataset.metainfo,
            atol=1e-4,
            rtol=1e-3)

    same = check(graph)
    assert same.within_tolerance, same.outputs
    assert same.torch_metrics == same.onnx_metrics
    assert same.images == 6 and 1 in same.batch_sizes
    # the model exported is not the one checked against: one bias moved by
    # far less than the logits' spread
    student.head.fc.bias.data[0] += 0.01
    other = check(graph)
    assert not other.within_tolerance
    assert other.outputs[0].max_abs_diff == pytest.approx(0.01, rel=1e-3)


def test_two_stage_detectors_are_refused_with_the_reason():
    cfg = Config.fromfile(osp.join(REPO, TWO_STAGE))
    init_default_scope('mmrazor')
    cfg.model.architecture.backbone.init_cfg = None
    student = MODELS.build(cfg.model.architecture)
    with pytest.raises(ValueError, match='two-stage detector.*mmdeploy'):
        student_graph(student)


def test_a_config_without_a_student_is_refused():
    cfg = Config(dict(model=dict(type='ImageClassifier')))
    with pytest.raises(ValueError, match='model.architecture'):
        build_student(cfg, {})
