# Copyright (c) tstkd_plugin contributors.
"""Every shipped config builds and trains one small step on CPU."""
import glob
import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from conftest import CONFIGS, REPO, is_demo_config, use_stand_in_teacher

ALL_CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(CONFIGS, '**', '*.py'), recursive=True)
    if '_base_' not in p)


def test_configs_of_every_method_and_task_are_found():
    # (a folder left out of git once hid configs/dist from a clean clone)
    found = {tuple(c.split(os.sep)[1:3]) for c in ALL_CONFIGS}
    for method in ('baselines', 'dist'):
        for library in ('mmpretrain', 'mmdet', 'mmseg'):
            assert (method, library) in found
    for method in ('tst', 'sokd'):
        for library in ('mmpretrain', 'mmdet', 'mmseg'):
            assert (method, library) in found
    assert ('tst_sokd', 'mmpretrain') in found


@pytest.mark.parametrize('config', ALL_CONFIGS)
def test_config_trains_one_step(config, make_cfg, tmp_path):
    cfg = make_cfg(config)
    # demo configs train and score; configs for real datasets train only
    validates = cfg.get('val_dataloader') is not None
    assert validates == is_demo_config(Config.fromfile(osp.join(REPO, config)))
    teacher = cfg.model.get('teacher')
    if teacher is not None and cfg.model.get('teacher_ckpt'):
        use_stand_in_teacher(cfg, str(tmp_path / 'teacher.pth'))
    cfg.default_hooks.checkpoint = None  # one step: nothing to keep
    if not validates:
        fewer_sampled_rois(cfg.model)
    runner = Runner.from_cfg(cfg)
    # loaded by now: the stand-ins of the paper configs' teachers (up to
    # 540 MB each, ~10 GB together) filled a CI machine's disk when kept
    (tmp_path / 'teacher.pth').unlink(missing_ok=True)
    if teacher is not None:  # every algorithm: the teacher wholly in eval
        runner.model.train()
        assert not any(m.training for m in runner.model.teacher.modules())
    before = {k: v.clone() for k, v in runner.model.state_dict().items()}
    runner.train()
    after = runner.model.state_dict()
    student_keys = [k for k in after if not k.startswith('teacher.')]
    assert any(not torch.equal(before[k], after[k]) for k in student_keys)
    policy_keys = [k for k in after if '.feature_augments.' in k]
    if cfg.model.type in ('SoKDDistill', 'TSTSoKDDistill'):  # searching
        assert policy_keys and any(not torch.equal(before[k], after[k])
                                   for k in policy_keys)
    teacher_keys = [k for k in after if k.startswith('teacher.')]
    assert all(torch.equal(before[k], after[k]) for k in teacher_keys)
    logged = runner.message_hub.log_scalars
    assert any(k.startswith('train/distill.') for k in logged) == \
        (teacher is not None)
    if validates:
        assert any(k.startswith('val/') for k in logged), sorted(logged)
    if cfg.model.get('augmenter') is not None:
        _one_augmenter_step(runner)


# RoIs a two-stage student samples per image in the one-step runs (the
# paper configs sample 512 at the R-CNN stage; CPU RoIAlign made the cascade
# teacher's configs the slowest tests of the suite: 28 s)
ONE_STEP_ROIS = 64


def fewer_sampled_rois(value) -> None:
    """Cap the RoI samplers' ``num`` of a model config at
    :data:`ONE_STEP_ROIS`: a smaller input to the R-CNN heads, which the
    one-step run exercises the same way."""
    if isinstance(value, dict):
        sampler = value.get('sampler')
        if isinstance(sampler, dict) and 'num' in sampler:
            sampler['num'] = min(sampler['num'], ONE_STEP_ROIS)
        for child in value.values():
            fewer_sampled_rois(child)
    elif isinstance(value, (list, tuple)):
        for child in value:
            fewer_sampled_rois(child)


def _one_augmenter_step(runner):
    """TST configs: one augmenter step moves the augmenter only."""
    model = runner.model
    before = {k: v.clone() for k, v in model.state_dict().items()}
    batch = next(iter(runner.train_dataloader))
    log = model.augmenter_train_step(batch, runner.optim_wrapper)
    assert all(torch.isfinite(v) for v in log.values()), log
    after = model.state_dict()
    changed = {k for k in after if not torch.equal(before[k], after[k])}
    assert changed and all(k.startswith('augmenter.')
                           for k in changed), changed
