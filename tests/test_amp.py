# Copyright (c) tstkd_plugin contributors.
"""``--amp`` for every algorithm: each optimizer wrapper becomes an AMP
wrapper with a dynamic loss scale; where one backward pass feeds several
optimizers (SoKD's first-order search) one scaler serves them all; an
overflowed step changes no parameter of any optimizer.

On CPU, AMP is bf16 autocast; mmengine's ``AmpOptimWrapper`` accepts only
accelerators and uses ``torch.cuda.amp.GradScaler``, so the step tests let
it accept the CPU and give it torch's CPU ``GradScaler`` (torch >= 2.3; the
oldest stack, torch 2.1, has none and runs the config tests only).
"""
import functools
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import AmpOptimWrapper, OptimWrapperDict

from tstkd_plugin.apis import enable_amp, optim_wrapper_cfgs
from conftest import REPO, built_runner

HAS_CPU_GRAD_SCALER = hasattr(torch.amp, 'GradScaler')
needs_cpu_grad_scaler = pytest.mark.skipif(
    not HAS_CPU_GRAD_SCALER,
    reason=f'torch {torch.__version__} has no CPU GradScaler '
    '(torch.amp.GradScaler, torch >= 2.3): AMP steps are tested on the '
    'pinned stack')

CLS = 'configs/{}/mmpretrain/{}_logits_resnet18-w32_resnet18-w8_digits.py'
ALGORITHMS = {  # the demo config of each algorithm of the plugin
    'kd': CLS.format('baselines', 'kd'),
    'dist': CLS.format('dist', 'dist'),
    'tst': CLS.format('tst', 'tst_kd'),
    'dense_tst': 'configs/tst/mmdet/'
    'tst_kd_cls-branch_retinanet_r18-w32_r18-w8_digits.py',
    'sokd': CLS.format('sokd', 'sokd_kd'),
    'tst_sokd': CLS.format('tst_sokd', 'tst_sokd_dist'),
}
DISTILL_CONFIGS = sorted(
    p for folder in ('dist', 'tst', 'sokd', 'tst_sokd') for p in glob.glob(
        osp.join(REPO, 'configs', folder, '**', '*.py'), recursive=True))


@pytest.fixture
def cpu_amp(monkeypatch):
    """mmengine's AmpOptimWrapper on the CPU, with torch's CPU scaler."""
    from mmengine.optim.optimizer import amp_optimizer_wrapper as amp
    monkeypatch.setattr(amp, 'is_cuda_available', lambda: True)
    if HAS_CPU_GRAD_SCALER:  # else torch.cuda's, disabled without CUDA
        monkeypatch.setattr(amp, 'GradScaler',
                            functools.partial(torch.amp.GradScaler, 'cpu'))


def amp_runner(algorithm, demo_data, tmp_path, **model):
    return built_runner(
        ALGORITHMS[algorithm],
        demo_data,
        tmp_path,
        train_samples=8,
        batch_size=4,
        edit_cfg=enable_amp,
        **model)


def wrappers(optim_wrapper):
    return dict(optim_wrapper.items()) if isinstance(optim_wrapper,
                                                     OptimWrapperDict) else {
                                                         '': optim_wrapper
                                                     }


def wrapper_params(wrapper):
    return [
        p for group in wrapper.optimizer.param_groups for p in group['params']
    ]


@pytest.mark.parametrize(
    'config', DISTILL_CONFIGS, ids=lambda p: osp.relpath(p, REPO))
def test_every_wrapper_of_every_config_becomes_amp(config):
    cfg = Config.fromfile(config)
    # a config's own scale stays (TST's COCO configs: 512, as the reference)
    own = {
        key: wrapper.get('loss_scale', 'dynamic')
        for key, wrapper in optim_wrapper_cfgs(cfg)
    }
    enable_amp(cfg)
    wrapper_cfgs = optim_wrapper_cfgs(cfg)
    assert wrapper_cfgs, config
    for key, wrapper in wrapper_cfgs:
        assert wrapper.type == 'AmpOptimWrapper', key
        assert wrapper.loss_scale == own[key], key
    if cfg.model.type in ('SoKDDistill', 'TSTDistill', 'DenseTSTDistill',
                          'TSTStudentRoIsDistill', 'TSTSoKDDistill'):
        assert len(wrapper_cfgs) >= 2, wrapper_cfgs


def test_amp_refusals_name_the_key(make_cfg):
    cfg = make_cfg(ALGORITHMS['sokd'])
    cfg.model.search = 'unrolled'
    with pytest.raises(ValueError, match=r"model\.search='unrolled'"):
        enable_amp(cfg)
    cfg = make_cfg(ALGORITHMS['tst'])
    cfg.optim_wrapper.augmenter.type = 'ApexOptimWrapper'
    with pytest.raises(
            ValueError,
            match=r"optim_wrapper\.augmenter\.type is "
            r"'ApexOptimWrapper'"):
        enable_amp(cfg)
    cfg = make_cfg(ALGORITHMS['kd'])
    cfg.optim_wrapper.type = 'ApexOptimWrapper'
    with pytest.raises(ValueError, match=r'optim_wrapper\.type is'):
        enable_amp(cfg)


def test_wrapper_settings_of_the_config_are_kept(make_cfg):
    cfg = make_cfg(ALGORITHMS['tst'])
    cfg.optim_wrapper.architecture.loss_scale = 512.  # TST's COCO setting
    cfg.optim_wrapper.augmenter.clip_grad = dict(max_norm=20)  # and clip
    enable_amp(cfg)
    assert cfg.optim_wrapper.architecture.loss_scale == 512.
    assert cfg.optim_wrapper.augmenter.loss_scale == 'dynamic'
    assert cfg.optim_wrapper.augmenter.clip_grad == dict(max_norm=20)


def test_unrolled_search_refuses_amp_wrappers_at_the_first_step(
        cpu_amp, demo_data, tmp_path):
    runner = built_runner(
        ALGORITHMS['sokd'],
        demo_data,
        tmp_path,
        train_samples=8,
        batch_size=4,
        search='unrolled')
    batch = next(iter(runner.build_dataloader(runner.cfg.train_dataloader)))
    optim_wrapper = OptimWrapperDict(
        architecture=runner.optim_wrapper['architecture'],
        feature_augment=AmpOptimWrapper(
            optimizer=runner.optim_wrapper['feature_augment'].optimizer))
    with pytest.raises(ValueError, match=r"model\.search='unrolled'"):
        runner.model.train_step(batch, optim_wrapper)


def batch_of(runner):
    return next(iter(runner.build_dataloader(runner.cfg.train_dataloader)))


def steps(runner):
    """The steps of one iteration of the algorithm, as (name, call)."""
    model, batch = runner.model, batch_of(runner)

    def step(augmenter_phase=None):
        if augmenter_phase is not None:
            model.augmenter_phase.fill_(augmenter_phase)
        return model.train_step(batch, runner.optim_wrapper)

    if hasattr(model, 'augmenter_phase'):
        return [('augmenter', lambda: step(True)),
                ('architecture', lambda: step(False))]
    return [('architecture' if isinstance(runner.optim_wrapper,
                                          OptimWrapperDict) else '', step)]


@needs_cpu_grad_scaler
@pytest.mark.parametrize('algorithm', sorted(ALGORITHMS))
def test_amp_steps_every_optimizer_in_bf16(algorithm, cpu_amp, demo_data,
                                           tmp_path):
    runner = amp_runner(algorithm, demo_data, tmp_path)
    optims = wrappers(runner.optim_wrapper)
    assert all(isinstance(w, AmpOptimWrapper) for w in optims.values())
    dtypes = []
    first_conv = next(m for m in runner.model.student.modules()
                      if isinstance(m, torch.nn.Conv2d))
    first_conv.register_forward_hook(
        lambda m, a, out: dtypes.append(out.dtype))
    before = {
        key: [p.detach().clone() for p in wrapper_params(w)]
        for key, w in optims.items()
    }
    for _, step in steps(runner):
        log_vars = step()
        assert all(torch.isfinite(v).all() for v in log_vars.values()), \
            log_vars
    assert torch.bfloat16 in dtypes, dtypes  # the student ran in autocast
    for key, wrapper in optims.items():
        moved = sum(not torch.equal(b, p)
                    for b, p in zip(before[key], wrapper_params(wrapper)))
        assert moved, f'no parameter of optim_wrapper {key!r} stepped'


# (algorithm, step, optimizer whose gradient overflows)
OVERFLOWS = [
    ('kd', '', ''),
    ('dist', '', ''),
    ('tst', 'augmenter', 'augmenter'),
    ('tst', 'architecture', 'architecture'),
    ('dense_tst', 'augmenter', 'augmenter'),
    ('sokd', 'architecture', 'architecture'),
    ('sokd', 'architecture', 'feature_augment'),
    ('tst_sokd', 'architecture', 'feature_augment'),
    ('tst_sokd', 'augmenter', 'augmenter'),
]


@needs_cpu_grad_scaler
@pytest.mark.parametrize('algorithm,step_name,overflowing', OVERFLOWS)
def test_an_overflowed_step_changes_no_parameter(algorithm, step_name,
                                                 overflowing, cpu_amp,
                                                 demo_data, tmp_path):
    """An inf in one optimizer's gradient: no optimizer steps (in SoKD the
    student's and the policy's share one backward pass and skip together),
    and the loss scale drops."""
    runner = amp_runner(algorithm, demo_data, tmp_path)
    optims = wrappers(runner.optim_wrapper)
    step = dict(steps(runner))[step_name]
    target = next(
        p for p in wrapper_params(optims[overflowing]) if p.requires_grad)
    handle = target.register_hook(lambda g: torch.full_like(g, float('inf')))
    params = dict(runner.model.named_parameters())
    before = {name: p.detach().clone() for name, p in params.items()}
    scaler = optims[step_name].loss_scaler
    scale = scaler.get_scale()
    step()
    handle.remove()
    changed = [
        name for name, p in params.items() if not torch.equal(before[name], p)
    ]
    assert not changed, f'{len(changed)} parameters stepped: {changed[:5]}'
    assert scaler.get_scale() < scale, (scale, scaler.get_scale())
