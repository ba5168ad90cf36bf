# Copyright (c) tstkd_plugin contributors.
"""The CIFAR-100 KD-baseline configs are CRD's KD recipe, and every pair of
the TST and DIST CIFAR-100 configs has one (their tables' KD column)."""
import glob
import os.path as osp
import re

import pytest
from mmengine.config import Config

from conftest import CONFIGS

# the reference: CRD (HobbitLong/RepDistiller), which the TST and DIST
# tables take their KD column from
CRD_KD = ('HobbitLong/RepDistiller', 'README.md, scripts/run_cifar_distill.sh'
          ' (--distill kd -r 0.1 -a 0.9 -b 0); train_student.py (kd_T 4, '
          'lr 0.05, 0.01 for MobileNetV2 and the ShuffleNets, 240 epochs, '
          'x0.1 at 150/180/210, batch 64, wd 5e-4)')
CIFAR = osp.join(CONFIGS, 'baselines', 'mmpretrain', 'cifar100')
KD_CONFIGS = sorted(glob.glob(osp.join(CIFAR, 'kd_*_cifar100.py')))
MOBILE = ('mobilenet-v2', 'shufflenet-v1', 'shufflenet-v2')


def pair(path: str) -> tuple:
    """(teacher, student) of a CIFAR-100 pair config's file name."""
    name = re.sub(r'^(tst_kd|dist|kd)_', '', osp.basename(path))
    teacher, student, _ = name.split('_')
    return teacher, student


def test_every_tst_and_dist_pair_has_a_kd_baseline():
    method_pairs = {
        pair(p)
        for method in ('tst', 'dist')
        for p in glob.glob(
            osp.join(CONFIGS, method, 'mmpretrain', 'cifar100', '*.py'))
    }
    assert len(method_pairs) == 12
    assert method_pairs == {pair(p) for p in KD_CONFIGS}


@pytest.mark.parametrize('path', KD_CONFIGS, ids=osp.basename)
def test_kd_baseline_is_crds_recipe(path):
    teacher, student = pair(path)
    cfg = Config.fromfile(path)
    loss = cfg.model.distiller.distill_losses.loss_kd
    assert (loss.type, loss.tau, loss.loss_weight) == ('KLDivergence', 4,
                                                       0.9), CRD_KD
    assert cfg.model.architecture.head.loss.loss_weight == 0.1, CRD_KD
    assert cfg.model.teacher.cfg_path.endswith(f'/{teacher}_cifar100.py')
    student_alone = Config.fromfile(osp.join(CIFAR,
                                             f'{student}_cifar100.py')).model
    assert cfg.model.architecture.backbone == student_alone.backbone
    optimizer = cfg.optim_wrapper.optimizer
    assert optimizer.lr == (0.01 if student in MOBILE else 0.05), CRD_KD
    assert (optimizer.momentum, optimizer.weight_decay) == (0.9, 5e-4)
    assert cfg.train_cfg.max_epochs == 240
    assert cfg.param_scheduler.milestones == [150, 180, 210]
    assert cfg.train_dataloader.batch_size == 64
