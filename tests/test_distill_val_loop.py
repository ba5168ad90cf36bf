# Copyright (c) tstkd_plugin contributors.
"""DistillValLoop: the teacher is validated only as often as asked."""
import os.path as osp

import pytest
from mmengine.runner import Runner

from conftest import REPO, small_run_cfg, use_stand_in_teacher

KD_CLS = 'configs/baselines/mmpretrain/' \
    'kd_logits_resnet18-w32_resnet18-w8_digits.py'


def run_two_validations(demo_data, tmp_path, **val_cfg):
    """Train 2 epochs, validating after each; returns the number of teacher
    validation steps per validation and the last validation's keys."""
    cfg = small_run_cfg(
        osp.join(REPO, KD_CLS), demo_data, str(tmp_path / 'work'))
    use_stand_in_teacher(cfg, str(tmp_path / 'teacher.pth'))
    cfg.train_cfg.max_epochs = 2
    cfg.default_hooks.checkpoint = None
    cfg.val_cfg = dict(type='mmrazor.DistillValLoop', **val_cfg)
    runner = Runner.from_cfg(cfg)
    teacher = runner.model.teacher
    calls, per_validation = [], []
    val_step = teacher.val_step

    def counted(*args, **kwargs):
        calls.append(1)
        return val_step(*args, **kwargs)

    teacher.val_step = counted
    run = runner.val_loop.run

    def counted_run():
        before = len(calls)
        metrics = run()
        per_validation.append(len(calls) - before)
        return metrics

    runner.val_loop.run = counted_run
    runner.train()
    keys = {
        k[len('val/'):]
        for k in runner.message_hub.log_scalars if k.startswith('val/')
    }
    return per_validation, keys


@pytest.mark.parametrize('validate_teacher, expected', [('always', [1, 1]),
                                                        ('first', [1, 0]),
                                                        ('never', [0, 0])])
def test_teacher_validations(validate_teacher, expected, demo_data, tmp_path):
    per_validation, keys = run_two_validations(
        demo_data, tmp_path, validate_teacher=validate_teacher)
    assert per_validation == expected  # 4 val images: one batch each
    assert 'accuracy/top1' in keys
    assert ('teacher.accuracy/top1' in keys) == (expected[0] == 1)


def test_default_is_first(demo_data, tmp_path):
    assert run_two_validations(demo_data, tmp_path)[0] == [1, 0]


def test_bad_choice_is_named(demo_data, tmp_path):
    with pytest.raises(ValueError, match=r'val_cfg\.validate_teacher'):
        run_two_validations(demo_data, tmp_path, validate_teacher='last')
