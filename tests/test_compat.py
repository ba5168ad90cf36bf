# Copyright (c) tstkd_plugin contributors.
"""Each compatibility fix: upstream fails without it, works with it."""
import os.path as osp

import pytest
import torch
from mmengine.runner import Runner
from mmengine.utils import digit_version

from tstkd_plugin.checkpoint_safety import needs_checkpoint_allowlist
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


# The transformers of today's GPU images (shared/gpu/FIRST-RUN.md).
TRANSFORMERS_5 = '5.17.0'


@pytest.fixture(scope='session')
def transformers_5(tmp_path_factory) -> str:
    """A folder holding the real transformers 5 and its dependencies
    (``pip install --target``, once per machine, in the set-up's cache);
    a test appends it to ``sys.path``, so the stack's own packages win."""
    import os
    import shutil
    import subprocess
    import sys
    cache = os.environ.get('TSTKD_CACHE_DIR') or osp.join(
        os.environ.get('XDG_CACHE_HOME') or osp.expanduser('~/.cache'),
        'tstkd_plugin')
    folder = osp.join(
        cache, f'transformers-{TRANSFORMERS_5}-py'
        f'{sys.version_info[0]}{sys.version_info[1]}')
    if not osp.isdir(folder):
        partial = f'{folder}.partial-{os.getpid()}'
        result = subprocess.run([
            sys.executable, '-m', 'pip', 'install', '-q', '--target', partial,
            f'transformers=={TRANSFORMERS_5}'
        ],
                                capture_output=True,
                                text=True)
        assert result.returncode == 0, result.stderr[-3000:]
        if not osp.isdir(folder):  # another worker may have won
            os.replace(partial, folder)
        shutil.rmtree(partial, ignore_errors=True)
    return folder


# Builds and trains (one step) each given config, with transformers 5 on the
# path behind the stack's own packages; then asks for a multimodal model.
TRAIN_BESIDE_TRANSFORMERS = r'''
import sys
sys.path.append(sys.argv[1])
import tstkd_plugin
import transformers
from mmengine.config import Config
from mmengine.runner import Runner
for path in sys.argv[2:]:
    Runner.from_cfg(Config.fromfile(path)).train()
    print('TRAINED', path)
from mmpretrain.registry import MODELS
try:
    MODELS.build(dict(type='BlipCaption', _scope_='mmpretrain'))
except ImportError as e:
    print('MULTIMODAL', e)
print('TRANSFORMERS', transformers.__version__)
'''


@pytest.mark.skipif(
    digit_version(torch.__version__) < digit_version('2.5.0'),
    reason='transformers 5 needs torch >= 2.5 (on torch 2.1 it turns its '
    'torch parts off and mmdet fails to import beside it): the pinned '
    'stack tests it')
def test_every_task_trains_beside_transformers_5(transformers_5, demo_data,
                                                 tmp_path):
    """mmpretrain 1.2.0 fails to import next to transformers 5 (its
    multimodal models subclass a ``None``); with the plugin a model of each
    task library builds and trains, and the multimodal models give
    mmpretrain's own "install" error when asked for."""
    import importlib.util

    from conftest import REPO, small_run_cfg, use_stand_in_teacher

    # the suite's own stack has none: every other test runs without it
    assert importlib.util.find_spec('transformers') is None
    plain = run_python([
        '-c', f'import sys; sys.path.append({transformers_5!r}); '
        'import mmpretrain.models'
    ])
    assert plain.returncode != 0
    # "NoneType takes no arguments" (where transformers 5 supports the
    # torch; on torch 2.1 another error, from the same import)
    assert 'mmpretrain/models/multimodal/' in plain.stderr, \
        plain.stderr[-2000:]

    paths = []
    for config in ('baselines/mmpretrain/'
                   'kd_logits_resnet18-w32_resnet18-w8_digits.py',
                   'baselines/mmdet/kd_cls-branch_retinanet_r18-w32_r18-w8_'
                   'digits.py', 'baselines/mmseg/'
                   'kd_logits_pspnet_r18-w32_r18-w8_digits.py'):
        name = osp.basename(config)
        cfg = small_run_cfg(
            osp.join(REPO, 'configs', config), demo_data,
            str(tmp_path / name[:-3]))
        use_stand_in_teacher(cfg, str(tmp_path / f'teacher_{name}.pth'))
        cfg.default_hooks.checkpoint = None
        cfg.dump(str(tmp_path / name))
        paths.append(str(tmp_path / name))
    fixed = run_python(['-c', TRAIN_BESIDE_TRANSFORMERS, transformers_5] +
                       paths)
    assert fixed.returncode == 0, fixed.stderr[-3000:]
    assert fixed.stdout.count('TRAINED') == 3, fixed.stdout[-2000:]
    assert f'TRANSFORMERS {TRANSFORMERS_5}' in fixed.stdout
    multimodal = [
        line for line in fixed.stdout.splitlines()
        if line.startswith('MULTIMODAL')
    ]
    assert multimodal and 'mmpretrain[multimodal]' in multimodal[0]
    # not a word about it to users who do not ask for those models
    assert 'transformers' not in fixed.stderr.lower(), fixed.stderr[-2000:]
