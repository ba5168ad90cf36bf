# Copyright (c) tstkd_plugin contributors.
"""The DIST paper configs are the reference's recipes, key by key.

Each row: a config (or a family of them), a config key, the reference's
value and the reference file it comes from. Deliberate differences are rows
too, marked with their reason (configs/dist/README.md lists them).
"""
import glob
import os.path as osp
from typing import Any, NamedTuple, Optional

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.runner import Runner
from mmrazor.registry import MODELS

from conftest import CONFIGS, REPO, small_run_cfg

# the reference files (repository, path)
RESNET_DIST = ('hunto/image_classification_sota',
               'configs/strategies/distill/resnet_dist.yaml')
OPTIM = ('hunto/image_classification_sota',
         'lib/utils/optim.py (build_optimizer: nesterov=True, filter_bias_'
         'and_bn: no decay on 1-d parameters and biases)')
DIST_CIFAR = ('hunto/image_classification_sota',
              'configs/strategies/distill/dist_cifar.yaml (+ README: lr '
              '0.01 for MobileNetV2 and the ShuffleNets; warm-up 120 '
              'epochs at lr, then x0.1 every 30)')
SEG_TRAIN = ('hunto/DIST_KD', 'segmentation/train_kd.py')
SEG_SCRIPT = ('hunto/DIST_KD',
              'segmentation/train_scripts/train_kd/deeplabv3_res18.sh')
SEG_DATA = ('hunto/DIST_KD', 'segmentation/dataset/datasets.py')
FRCNN = ('hunto/MasKD', 'mmrazor/configs/distill/dist/'
         'dist_cascade_mask_rcnn_x101-fpn_x50_coco.py')
FRCNN_MIMIC = ('hunto/MasKD', 'mmrazor/configs/distill/dist/'
               'dist+mimic_cascade_mask_rcnn_x101-fpn_x50_coco.py')
RETINA = ('hunto/MasKD', 'mmrazor/configs/distill/dist/'
          'dist_retinanet_x101-retinanet-r50_coco.py')
SCHEDULE_2X = ('hunto/MasKD',
               'mmrazor/configs/_base_/schedules/mmdet/schedule_2x.py')
DATA_DET = ('hunto/MasKD',
            'mmrazor/configs/_base_/datasets/mmdet/coco_detection.py')


class Row(NamedTuple):
    configs: str  # a glob under configs/dist
    key: str
    expected: Any
    source: tuple
    deviation: Optional[str] = None  # why ours differs, where it does


IN1K_ALL = 'mmpretrain/dist_logits_*_in1k.py'
CITYSCAPES = 'mmseg/*_cityscapes-512x1024.py'
CITYSCAPES_DV3 = 'mmseg/dist_logits_deeplabv3_r101-d8_deeplabv3_r18-d8_*.py'
FASTER = 'mmdet/dist*_cascade-mask-rcnn_x101-64x4d-20e_faster-rcnn_*.py'
FASTER_MIMIC = 'mmdet/dist-mimic_roi-logits_cascade-mask-rcnn_*.py'
RETINANET = 'mmdet/dist*_cls-branch_retinanet_x101-64x4d_r50_fpn_2x_coco.py'
CIFAR = 'mmpretrain/cifar100/dist_*_cifar100.py'
CIFAR_MOBILE = 'mmpretrain/cifar100/dist_*_{mobilenet,shufflenet}*'

LOSS = 'model.distiller.distill_losses.'
ROWS = [
    # ImageNet: ResNet-34 -> ResNet-18, R50 -> MobileNetV1, the stronger
    # teachers (all resnet_dist.yaml)
    Row(IN1K_ALL, 'train_dataloader.batch_size', 32, RESNET_DIST),
    Row(IN1K_ALL, 'optim_wrapper.optimizer.type', 'SGD', RESNET_DIST),
    Row(IN1K_ALL, 'optim_wrapper.optimizer.lr', 0.1, RESNET_DIST),
    Row(IN1K_ALL, 'optim_wrapper.optimizer.momentum', 0.9, RESNET_DIST),
    Row(IN1K_ALL, 'optim_wrapper.optimizer.weight_decay', 1e-4, RESNET_DIST),
    Row(IN1K_ALL, 'optim_wrapper.optimizer.nesterov', True, OPTIM),
    Row(IN1K_ALL, 'optim_wrapper.paramwise_cfg.norm_decay_mult', 0.0, OPTIM),
    Row(IN1K_ALL, 'optim_wrapper.paramwise_cfg.bias_decay_mult', 0.0, OPTIM),
    Row(IN1K_ALL, 'param_scheduler.milestones', [30, 60, 90], RESNET_DIST),
    Row(IN1K_ALL, 'param_scheduler.gamma', 0.1, RESNET_DIST),
    Row(IN1K_ALL, 'train_cfg.max_epochs', 100, RESNET_DIST),
    Row(IN1K_ALL, LOSS + 'loss_dist.tau', 1, RESNET_DIST),
    Row(IN1K_ALL, LOSS + 'loss_dist.loss_weight', 2.0, RESNET_DIST),
    Row(IN1K_ALL, LOSS + 'loss_dist.inter_loss_weight', 1.0, RESNET_DIST),
    Row(IN1K_ALL, LOSS + 'loss_dist.intra_loss_weight', 1.0, RESNET_DIST),
    Row('mmpretrain/dist_logits_resnet34_resnet18_8xb32_in1k.py',
        'model.architecture.head.loss.loss_weight', 1.0, RESNET_DIST),
    Row(
        IN1K_ALL, 'model.teacher_ckpt', 'download.openmmlab.com', RESNET_DIST,
        'mmpretrain zoo teachers (ResNet-34 73.62, -50 76.55, -101 77.97, '
        '-152 78.48) for torchvision\'s (73.31, 76.13, 77.37, 78.31)'),
    # CIFAR-100
    Row(CIFAR, 'train_dataloader.batch_size', 64, DIST_CIFAR),
    Row(CIFAR, 'optim_wrapper.optimizer.weight_decay', 5e-4, DIST_CIFAR),
    Row(CIFAR, 'optim_wrapper.optimizer.momentum', 0.9, DIST_CIFAR),
    Row(CIFAR, 'param_scheduler.milestones', [150, 180, 210], DIST_CIFAR),
    Row(CIFAR, 'train_cfg.max_epochs', 240, DIST_CIFAR),
    Row(CIFAR, LOSS + 'loss_dist.tau', 4, DIST_CIFAR),
    Row(CIFAR, LOSS + 'loss_dist.loss_weight', 2.0, DIST_CIFAR),
    # Cityscapes
    Row(CITYSCAPES, 'train_dataloader.batch_size', 2, SEG_SCRIPT),
    Row(CITYSCAPES, 'optim_wrapper.optimizer.lr', 0.02, SEG_TRAIN),
    Row(CITYSCAPES, 'optim_wrapper.optimizer.momentum', 0.9, SEG_TRAIN),
    Row(CITYSCAPES, 'optim_wrapper.optimizer.weight_decay', 5e-4, SEG_TRAIN),
    Row(CITYSCAPES, 'train_cfg.max_iters', 40000, SEG_TRAIN),
    Row(CITYSCAPES, 'param_scheduler.0.type', 'PolyLR', SEG_TRAIN),
    Row(CITYSCAPES, 'param_scheduler.0.power', 0.9, SEG_TRAIN),
    Row(CITYSCAPES, 'param_scheduler.0.eta_min', 1e-4, SEG_TRAIN),
    Row(CITYSCAPES, 'train_dataloader.dataset.pipeline.2.scales',
        [(2048 * f // 10, 1024 * f // 10) for f in range(5, 21)], SEG_DATA),
    Row(CITYSCAPES, 'train_dataloader.dataset.pipeline.3.crop_size',
        (512, 1024), SEG_TRAIN),
    Row(CITYSCAPES, 'train_dataloader.dataset.pipeline.4.type', 'RandomFlip',
        SEG_DATA),
    Row(CITYSCAPES, 'train_dataloader.dataset.pipeline.5.type',
        'PackSegInputs', SEG_DATA),  # no PhotoMetricDistortion before it
    Row(CITYSCAPES, LOSS + 'loss_dist.loss_weight', 1.0, SEG_TRAIN),
    Row(CITYSCAPES, LOSS + 'loss_dist.tau', 1, SEG_TRAIN),
    Row(CITYSCAPES, LOSS + 'loss_dist_aux.loss_weight', 0.4, SEG_TRAIN),
    Row(CITYSCAPES, 'model.distiller.student_recorders.aux_logits.source',
        'auxiliary_head.conv_seg', SEG_TRAIN),
    Row(
        CITYSCAPES, 'model.distiller.loss_forward_mappings.loss_dist_aux.'
        'target.record_idx', 1, SEG_TRAIN),
    Row(CITYSCAPES, 'model.distiller.student_recorders.logits.source',
        'decode_head.conv_seg', SEG_TRAIN),  # stride 8, not upsampled
    Row(CITYSCAPES_DV3, 'model.architecture.auxiliary_head.loss_decode.'
        'loss_weight', 0.4, SEG_TRAIN),
    Row(CITYSCAPES, 'model.teacher_eval', None, SEG_TRAIN,
        'unset: the default (True) is the reference\'s t_model.eval()'),
    Row(CITYSCAPES, LOSS + 'loss_dist.ignore_index', 255, SEG_TRAIN,
        'ignore pixels are left out of both terms; the reference keeps them'),
    Row(
        CITYSCAPES, 'model.teacher_ckpt', 'deeplabv3_r101-d8_512x1024_80k',
        SEG_SCRIPT, 'mmseg zoo teacher (80.20) for the reference\'s own, '
        'unpublished one (78.07)'),
    # COCO Faster R-CNN
    Row(FASTER, 'model.type', 'StudentRoIsDistill', FRCNN),
    Row(FASTER, 'model.teacher.cfg_path', 'mmdet::cascade_rcnn/'
        'cascade-mask-rcnn_x101-64x4d_fpn_20e_coco.py', FRCNN),
    Row(
        FASTER, 'model.teacher_ckpt', 'cascade_mask_rcnn_x101_64x4d_fpn_20e_'
        'coco_20200512_161033-bdb5126a.pth', FRCNN),
    Row(
        FASTER, 'model.teacher_stages', [0], FRCNN,
        'the teacher is cut to one stage by running stage 0 only: stages '
        '1-2 and the mask head are loaded (strict loading) but never run'),
    Row(FASTER, 'model.distiller.teacher_recorders.roi_logits.source',
        'roi_head.bbox_head.0.fc_cls', FRCNN),
    Row(FASTER, 'model.distiller.student_recorders.roi_logits.source',
        'roi_head.bbox_head.fc_cls', FRCNN),
    Row(FASTER, LOSS + 'loss_dist_stage0.loss_weight', 1.0, FRCNN),
    Row(FASTER, LOSS + 'loss_dist_stage0.tau', 1, FRCNN),
    Row(FASTER, 'optim_wrapper.optimizer.lr', 0.02, SCHEDULE_2X),
    Row(FASTER, 'optim_wrapper.optimizer.weight_decay', 1e-4, SCHEDULE_2X),
    Row(FASTER, 'param_scheduler.1.milestones', [16, 22], SCHEDULE_2X),
    Row(FASTER, 'train_cfg.max_epochs', 24, SCHEDULE_2X),
    Row(FASTER, 'train_dataloader.batch_size', 2, DATA_DET),
    Row(FASTER_MIMIC, LOSS + 'loss_mimic_fpn0.loss_weight', 1.0, FRCNN_MIMIC),
    Row(FASTER_MIMIC, LOSS + 'loss_mimic_fpn4.loss_weight', 1.0, FRCNN_MIMIC),
    Row(FASTER_MIMIC, 'model.distiller.connectors.fpn0_adapter.kernel_size', 1,
        FRCNN_MIMIC),
    # COCO RetinaNet
    Row(RETINANET, 'model.distiller.student_recorders.cls.source',
        'bbox_head.retina_cls', RETINA),
    Row(RETINANET, LOSS + 'loss_dist_fpn0.activation', 'sigmoid', RETINA),
    Row(RETINANET, LOSS + 'loss_dist_fpn4.loss_weight', 1.0, RETINA),
    Row(RETINANET, 'optim_wrapper.optimizer.lr', 0.01, RETINA),
    Row(RETINANET, 'train_cfg.max_epochs', 24, SCHEDULE_2X),
    Row(RETINANET, 'model.teacher_ckpt', 'retinanet_x101_64x4d_fpn_1x_coco_'
        '20200130-366f5af1.pth', RETINA),
]
# CIFAR lr: 0.05, and 0.01 for the mobile students
CIFAR_LR = {'mobilenet-v2': 0.01, 'shufflenet-v1': 0.01, 'shufflenet-v2': 0.01}


def configs_of(pattern: str):
    found = sorted(glob.glob(osp.join(CONFIGS, 'dist', pattern)))
    assert found, f'no config matches {pattern}'
    return found


def value_of(cfg: Config, key: str) -> Any:
    """The value at a dotted ``key`` (list items by index); None if the
    config has no such key."""
    value = cfg.to_dict()
    for part in key.split('.'):
        if isinstance(value, (list, tuple)) and part.isdigit():
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return None
    return value


def _matches(value: Any, expected: Any) -> bool:
    if isinstance(expected, str) and isinstance(value, str) and \
            ('/' in value or '.pth' in value) and '::' not in expected:
        return expected in value  # a checkpoint URL: its file name
    if isinstance(expected, (list, tuple)):
        return isinstance(value, (list, tuple)) and list(value) == \
            list(expected)
    return value == expected


@pytest.mark.parametrize('row', ROWS, ids=lambda r: f'{r.configs}:{r.key}')
def test_config_follows_the_reference(row):
    for path in configs_of(row.configs):
        value = value_of(Config.fromfile(path), row.key)
        assert _matches(value, row.expected), (
            f'{osp.relpath(path, REPO)}: {row.key} = {value!r}, the '
            f'reference ({row.source[0]} {row.source[1]}) has '
            f'{row.expected!r}' +
            (f'; ours differs on purpose: '
             f'{row.deviation}' if row.deviation else ''))


@pytest.mark.parametrize('path', configs_of(CIFAR))
def test_cifar_lr_follows_the_reference(path):
    lr = Config.fromfile(path).optim_wrapper.optimizer.lr
    student = osp.basename(path).split('_')[2]
    assert lr == CIFAR_LR.get(student, 0.05), (path, lr)


def test_no_weight_decay_on_norm_layers_and_biases():
    """As built: the reference decays conv and linear weights only."""
    cfg = Config.fromfile(
        osp.join(CONFIGS, 'dist', 'mmpretrain',
                 'dist_logits_resnet34_resnet18_8xb32_in1k.py'))
    cfg.model.teacher_ckpt = None
    model = MODELS.build(cfg.model)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    decay = {
        id(p): g['weight_decay']
        for g in wrapper.param_groups
        for p in g['params']
    }
    names = dict(model.student.named_parameters())
    no_decay = [n for n, p in names.items() if decay[id(p)] == 0.0]
    decayed = [n for n, p in names.items() if decay[id(p)] == 1e-4]
    assert sorted(no_decay + decayed) == sorted(names)
    assert all(names[n].ndim == 1 for n in no_decay)  # norm and bias
    assert all(names[n].ndim > 1 for n in decayed)
    assert 'head.fc.bias' in no_decay and 'head.fc.weight' in decayed
    assert wrapper.optimizer.defaults['nesterov'] is True


FASTER_R50 = osp.join(
    CONFIGS, 'dist', 'mmdet', 'dist_roi-logits_cascade-mask-rcnn_x101-64x4d-'
    '20e_faster-rcnn_r50_fpn_2x_coco.py')
# a smaller Cascade R-CNN than the paper's teacher, for the algorithm tests
SMALL_CASCADE = dict(
    cfg_path='mmdet::cascade_rcnn/cascade-rcnn_r50_fpn_1x_coco.py',
    pretrained=False)


def test_teacher_cut_to_its_first_stage_scores_the_student_rois(
        demo_data, tmp_path):
    cfg = small_run_cfg(FASTER_R50, demo_data, str(tmp_path / 'w'))
    cfg.model.teacher = SMALL_CASCADE
    cfg.model.teacher_ckpt = None
    runner = Runner.from_cfg(cfg)
    model = runner.model
    calls = {s: 0 for s in range(3)}
    for s in range(3):
        model.teacher.roi_head.bbox_head[s].register_forward_hook(
            lambda m, a, o, s=s: calls.__setitem__(s, calls[s] + 1))
    rows = {}
    for name, fc_cls in (('teacher', model.teacher.roi_head.bbox_head[0]),
                         ('student', model.student.roi_head.bbox_head)):
        fc_cls.fc_cls.register_forward_hook(
            lambda m, a, o, name=name: rows.update({name: o.shape}))
    batch = next(iter(runner.train_dataloader))
    log = model.train_step(
        batch, runner.build_optim_wrapper(runner.cfg.optim_wrapper))
    assert calls == {0: 1, 1: 0, 2: 0}, calls
    assert rows['teacher'] == rows['student']  # the same RoIs, row for row
    assert torch.isfinite(log['distill.loss_dist_stage0'])


@pytest.mark.parametrize('stages', [[3], [], [-1]])
def test_bad_teacher_stages_are_named(stages, demo_data, tmp_path):
    cfg = small_run_cfg(FASTER_R50, demo_data, str(tmp_path / 'w'))
    cfg.model.teacher = SMALL_CASCADE
    cfg.model.teacher_ckpt = None
    cfg.model.teacher_stages = stages
    with pytest.raises(ValueError, match=r'model\.teacher_stages'):
        MODELS.build(cfg.model)


# Configs of the other methods that inherit a DIST Cityscapes config keep
# their own recipe (TST's reference: 4 GPUs at poly lr 0.01 with mmseg's
# pipeline, shared/specs/TST.md, Cityscapes row; SoKD has no segmentation
# reference and keeps mmseg's 4 x 2 recipe) and take DIST's loss with it.
DERIVED_CITYSCAPES = [
    'tst/mmseg/tst_dist_logits_pspnet_r101-d8_pspnet_r18-d8_4xb4-80k_'
    'cityscapes-512x1024.py',
    'sokd/mmseg/sokd_dist_logits_pspnet_r101-d8_pspnet_r18-d8_4xb2-80k_'
    'cityscapes-512x1024.py',
]


@pytest.mark.parametrize('config', DERIVED_CITYSCAPES)
def test_derived_cityscapes_configs_keep_their_recipe(config):
    cfg = Config.fromfile(osp.join(CONFIGS, config))
    assert cfg.optim_wrapper.architecture.optimizer.lr == 0.01
    pipeline = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
    assert 'PhotoMetricDistortion' in pipeline, pipeline
    losses = cfg.model.distiller.distill_losses
    assert losses.loss_dist.loss_weight == 1.0
    assert losses.loss_dist_aux.loss_weight == 0.4
