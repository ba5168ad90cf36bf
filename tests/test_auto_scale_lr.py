# Copyright (c) tstkd_plugin contributors.
"""``--auto-scale-lr``: the student's learning rate follows the originals
per step; TST's augmenter and SoKD's policy keep theirs (the reference uses
one value for them at every batch size: engine/auto_scale_lr.py)."""
import glob
import os.path as osp
import re

import pytest
from mmengine.config import Config
from mmengine.optim import OptimWrapperDict

from conftest import REPO, built_runner

CLS = 'configs/{}/mmpretrain/{}_logits_resnet18-w32_resnet18-w8_digits.py'
FIXED = {  # config: the optimizers that keep their lr
    CLS.format('tst', 'tst_kd'): {'augmenter'},
    CLS.format('sokd', 'sokd_kd'): {'feature_augment'},
    CLS.format('tst_sokd', 'tst_sokd_dist'): {'augmenter',
                                              'feature_augment'},
    CLS.format('baselines', 'kd'): set(),
}
AUGMENTING_CONFIGS = sorted(
    p for folder in ('tst', 'sokd', 'tst_sokd') for p in glob.glob(
        osp.join(REPO, 'configs', folder, '**', '*.py'), recursive=True))


def gpus_of(config: str) -> int:
    """The GPUs a config was written for: ``<N>xb<M>`` in its name, the
    mmdet 2x recipe's 8 for COCO, one for CIFAR and the demo data."""
    name = osp.basename(config)
    found = re.search(r'_(\d+)xb\d+', name)
    if found:
        return int(found.group(1))
    return 8 if 'coco' in name else 1


@pytest.mark.parametrize(
    'config', AUGMENTING_CONFIGS, ids=lambda p: osp.relpath(p, REPO))
def test_base_batch_size_counts_originals_per_step(config):
    cfg = Config.fromfile(config)
    originals = gpus_of(config) * cfg.train_dataloader.batch_size
    assert cfg.auto_scale_lr.base_batch_size == originals, (
        f'auto_scale_lr.base_batch_size {cfg.auto_scale_lr.base_batch_size}'
        f', originals per step {gpus_of(config)} x '
        f'{cfg.train_dataloader.batch_size}')
    per_gpu = re.search(r'_\d+xb(\d+)', osp.basename(config))
    if per_gpu and cfg.model.type != 'SoKDDistill':  # TST: [aug; original]
        assert int(per_gpu.group(1)) == 2 * cfg.train_dataloader.batch_size


@pytest.mark.parametrize('config', sorted(FIXED))
def test_auto_scale_lr_scales_the_student_only(config, demo_data, tmp_path):

    def enable(cfg):
        # the run's 4 originals per step against 8: the student's lr x 0.5
        cfg.auto_scale_lr = dict(enable=True, base_batch_size=8)

    runner = built_runner(
        config,
        demo_data,
        tmp_path,
        train_samples=8,
        batch_size=4,
        edit_cfg=enable)
    optim = runner.optim_wrapper
    wrappers = dict(optim.items()) if isinstance(optim,
                                                 OptimWrapperDict) else {
                                                     'architecture': optim
                                                 }
    before = {
        key: [g['lr'] for g in w.param_groups]
        for key, w in wrappers.items()
    }
    runner.scale_lr(optim, runner.auto_scale_lr)
    for key, wrapper in wrappers.items():
        after = [g['lr'] for g in wrapper.param_groups]
        expected = before[key] if key in FIXED[config] else [
            lr * 0.5 for lr in before[key]
        ]
        assert after == pytest.approx(expected), (key, before[key], after)
    assert set(FIXED[config]) <= set(wrappers)
