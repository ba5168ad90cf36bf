# Copyright (c) tstkd_plugin contributors.
"""A bad distillation config fails when it is built, naming the key."""
import os.path as osp

import pytest
import torch
from mmengine.runner import Runner
from mmrazor.registry import MODELS

from conftest import run_python

KD_CLS = 'configs/baselines/mmpretrain/kd_logits_resnet18-w32_resnet18-w8_digits.py'  # noqa: E501


@pytest.fixture
def kd_cfg(make_cfg, tmp_path):
    """The classification KD config with a real (random) teacher checkpoint."""
    cfg = make_cfg(KD_CLS)
    teacher = MODELS.build(cfg.model.teacher)
    path = str(tmp_path / 'teacher.pth')
    torch.save({'state_dict': teacher.state_dict()}, path)
    cfg.model.teacher_ckpt = path
    return cfg


def test_valid_config_builds(kd_cfg):
    model = MODELS.build(kd_cfg.model)
    assert not any(p.requires_grad for p in model.teacher.parameters())


def test_missing_teacher_checkpoint_fails_in_train_tool(demo_data, tmp_path):
    result = run_python([
        'tools/train.py', KD_CLS, '--work-dir',
        str(tmp_path), '--cfg-options',
        'model.teacher_ckpt=no/such/teacher.pth'
    ])
    assert result.returncode != 0
    assert "model.teacher_ckpt: no file at 'no/such/teacher.pth'" in \
        result.stderr
    assert 'Epoch(train)' not in result.stdout + result.stderr


def test_class_mismatch_names_both_models(kd_cfg):
    kd_cfg.model.architecture.head.num_classes = 7
    with pytest.raises(ValueError) as e:
        Runner.from_cfg(kd_cfg)
    msg = str(e.value)
    assert 'model.architecture and model.teacher' in msg
    assert 'head=7' in msg and 'head=10' in msg


def test_unknown_recorder_source_is_named(kd_cfg):
    kd_cfg.model.distiller.student_recorders.fc.source = 'head.fcc'
    with pytest.raises(ValueError) as e:
        Runner.from_cfg(kd_cfg)
    assert str(e.value).startswith(
        "model.distiller.student_recorders.fc.source: 'head.fcc' is not a "
        'module of the student (model.architecture).')
    assert "Did you mean 'head.fc'" in str(e.value)


def test_teacher_recorder_is_checked_too(kd_cfg):
    kd_cfg.model.distiller.teacher_recorders.fc.source = 'neck.fc'
    with pytest.raises(
            ValueError, match='model.distiller.teacher_recorders.fc.source'):
        MODELS.build(kd_cfg.model)


def test_not_a_checkpoint_is_named(kd_cfg, tmp_path):
    bogus = tmp_path / 'teacher.pth'
    bogus.write_bytes(b'this is not a checkpoint')
    kd_cfg.model.teacher_ckpt = str(bogus)
    with pytest.raises(
            ValueError, match='model.teacher_ckpt: .* is not a loadable'):
        MODELS.build(kd_cfg.model)


def test_checkpoint_of_another_model_is_named(kd_cfg, tmp_path):
    other = tmp_path / 'other.pth'
    torch.save({'state_dict': torch.nn.Linear(3, 3).state_dict()}, other)
    kd_cfg.model.teacher_ckpt = str(other)
    with pytest.raises(ValueError, match='does not fit the teacher'):
        MODELS.build(kd_cfg.model)
    # the explicit opt-out loads what fits and keeps going
    kd_cfg.model.teacher_ckpt_strict = False
    MODELS.build(kd_cfg.model)


def test_teacher_weights_are_loaded(kd_cfg):
    state = torch.load(kd_cfg.model.teacher_ckpt)['state_dict']
    model = MODELS.build(kd_cfg.model)
    model.init_weights()  # the runner does this; it must not reset them
    for key, value in model.teacher.state_dict().items():
        assert torch.equal(value, state[key]), key
    assert osp.isfile(kd_cfg.model.teacher_ckpt)
