# Copyright (c) tstkd_plugin contributors.
"""Each compatibility fix: upstream fails without it, works with it."""
import os.path as osp

import pytest
import torch
from mmengine.runner import Runner

from tstkd_plugin.compat.checkpoint import needs_checkpoint_allowlist
from tstkd_plugin.compat.mmrazor_import import (UnavailableBackendConfigs,
                                                backend_tables_buildable,
                                                missing_fuser_helpers,
                                                patch_mmrazor_import)
from conftest import free_port, run_python

IMPORT_MMRAZOR = ('import mmrazor.models; '
                  'from mmrazor.registry import MODELS; '
                  "print(MODELS.get('SingleTeacherDistill').__name__)")


def test_mmrazor_import_fix():
    plain = run_python(['-c', IMPORT_MMRAZOR])
    fixed = run_python(['-c', 'import tstkd_plugin; ' + IMPORT_MMRAZOR])
    assert fixed.returncode == 0, fixed.stderr
    assert 'SingleTeacherDistill' in fixed.stdout
    if missing_fuser_helpers() or not backend_tables_buildable():
        # this torch is one the fix is for: upstream must fail without it
        assert plain.returncode != 0
        # mmrazor's placeholders for the missing torch helpers fail here
        assert 'quantization/backend_config' in plain.stderr, \
            plain.stderr[-2000:]
    else:
        assert plain.returncode == 0 and patch_mmrazor_import() == []


def test_quantization_backends_fail_clearly():
    with pytest.raises(RuntimeError, match='quantization backend'):
        UnavailableBackendConfigs()['native']
    assert len(UnavailableBackendConfigs()) == 0


@pytest.fixture(scope='module')
def runner_checkpoint(demo_data, tmp_path_factory):
    """A real mmengine checkpoint (message hub, optimizer, meta) of 1 epoch."""
    from conftest import REPO, small_run_cfg
    work_dir = str(tmp_path_factory.mktemp('ckpt_run'))
    cfg = small_run_cfg(
        osp.join(REPO, 'configs/baselines/mmpretrain/resnet18-w8_digits.py'),
        demo_data, work_dir)
    Runner.from_cfg(cfg).train()
    return osp.join(work_dir, 'epoch_1.pth'), cfg


LOAD = 'import torch, sys; ckpt = torch.load(sys.argv[1]); print(sorted(ckpt))'


def test_checkpoint_fix_loads_mmengine_checkpoints(runner_checkpoint):
    path, _ = runner_checkpoint
    plain = run_python(['-c', LOAD, path])
    fixed = run_python(['-c', 'import tstkd_plugin; ' + LOAD, path])
    assert fixed.returncode == 0, fixed.stderr
    assert "'message_hub'" in fixed.stdout and "'optimizer'" in fixed.stdout
    if needs_checkpoint_allowlist():
        assert plain.returncode != 0
        assert 'Weights only load failed' in plain.stderr


def test_resume_from_checkpoint(runner_checkpoint, tmp_path):
    path, cfg = runner_checkpoint
    cfg = cfg.copy()
    cfg.work_dir = str(tmp_path)
    cfg.resume, cfg.load_from = True, path
    cfg.train_cfg.max_epochs = 2
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.epoch == 2
    # the resumed run continued the saved one: its loss history (a
    # HistoryBuffer restored from the checkpoint) holds epoch 1 and epoch 2
    losses, _ = runner.message_hub.get_scalar('train/loss').data
    assert len(losses) == 2


INIT_DIST = ('from mmengine.dist import init_dist, get_world_size; '
             "import torch.distributed as d; init_dist('pytorch'); "
             'print(d.get_backend(), get_world_size())')


def test_cpu_distributed_init_fix():
    env = dict(
        RANK='0',
        WORLD_SIZE='1',
        LOCAL_RANK='0',
        MASTER_ADDR='127.0.0.1',
        MASTER_PORT=str(free_port()))
    fixed = run_python(['-c', 'import tstkd_plugin; ' + INIT_DIST], env=env)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.split()[-2:] == ['gloo', '1']
    if not torch.cuda.is_available():
        env['MASTER_PORT'] = str(free_port())
        plain = run_python(['-c', INIT_DIST], env=env)
        assert plain.returncode != 0


def test_editable_install_resolves_package_configs():
    from mmengine.hub import get_config
    cfg = get_config(
        'tstkd_plugin::baselines/mmpretrain/resnet18-w32_digits.py')
    assert cfg.model.backbone.base_channels == 32
