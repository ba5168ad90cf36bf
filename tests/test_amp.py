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
import copy
import functools
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import AmpOptimWrapper, OptimWrapperDict
from mmengine.utils import digit_version

from tstkd_plugin.apis import amp_dtype, enable_amp, optim_wrapper_cfgs
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


def amp_with_loss_scale(cfg, loss_scale=None):
    """``--amp`` (bfloat16, mmengine's only CPU autocast type), with a loss
    scale where the test needs one (float16's, on a GPU)."""
    if loss_scale is not None:
        for _, wrapper in optim_wrapper_cfgs(cfg):
            wrapper.loss_scale = loss_scale  # kept by enable_amp
    enable_amp(cfg, 'bfloat16')


def amp_runner(algorithm, demo_data, tmp_path, loss_scale=None, **model):
    return built_runner(
        ALGORITHMS[algorithm],
        demo_data,
        tmp_path,
        train_samples=8,
        batch_size=4,
        edit_cfg=functools.partial(amp_with_loss_scale, loss_scale=loss_scale),
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
    if cfg.model.get('search') in ('unrolled', 'unrolled_implicit'):
        # the reference's second-order search: refused before training
        with pytest.raises(ValueError, match='model.search'):
            enable_amp(cfg, 'bfloat16')
        return
    # a config's own scale stays (TST's COCO configs: 512, as the reference)
    own = {
        key: wrapper.get('loss_scale')
        for key, wrapper in optim_wrapper_cfgs(cfg)
    }
    half = copy.deepcopy(cfg)
    enable_amp(cfg, 'bfloat16')
    enable_amp(half, 'float16')
    wrapper_cfgs = optim_wrapper_cfgs(cfg)
    assert wrapper_cfgs, config
    for (key, wrapper), (_, fp16) in zip(wrapper_cfgs,
                                         optim_wrapper_cfgs(half)):
        assert wrapper.type == fp16.type == 'AmpOptimWrapper', key
        # bfloat16 has float32's range: no scale unless the config has one
        assert wrapper.loss_scale == (own[key] or dict(enabled=False)), key
        assert fp16.loss_scale == (own[key] or 'dynamic'), key
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
    cfg.optim_wrapper.augmenter.dtype = 'float16'  # and its precision
    enable_amp(cfg, 'bfloat16')
    assert cfg.optim_wrapper.architecture.loss_scale == 512.
    assert cfg.optim_wrapper.architecture.dtype == 'bfloat16'
    assert cfg.optim_wrapper.augmenter.dtype == 'float16'
    assert cfg.optim_wrapper.augmenter.loss_scale == 'dynamic'
    assert cfg.optim_wrapper.augmenter.clip_grad == dict(max_norm=20)


def test_amp_is_bfloat16_unless_the_gpu_has_none(monkeypatch):
    assert amp_dtype('float16') == 'float16'
    if not torch.cuda.is_available():  # the CPU's autocast type
        assert amp_dtype() == 'bfloat16'
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'is_bf16_supported', lambda: False)
    assert amp_dtype() == 'float16'  # before Ampere
    monkeypatch.setattr(torch.cuda, 'is_bf16_supported', lambda: True)
    assert amp_dtype() == 'bfloat16'
    with pytest.raises(ValueError, match='--amp-dtype'):
        amp_dtype('float8')


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

    def step(train_step=model.train_step):
        return train_step(batch, runner.optim_wrapper)

    if getattr(model, 'augmenter', None) is not None:
        return [('augmenter', lambda: step(model.augmenter_train_step)),
                ('architecture', step)]
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
    runner = amp_runner(algorithm, demo_data, tmp_path, loss_scale='dynamic')
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


# float16 autocast on the CPU: torch >= 2.2 (2.1's CPU autocast is bfloat16
# only); the pinned stack runs these
HAS_CPU_FLOAT16 = digit_version(torch.__version__) >= digit_version('2.2.0')
needs_cpu_float16 = pytest.mark.skipif(
    not HAS_CPU_FLOAT16,
    reason=f'torch {torch.__version__} has no float16 autocast on the CPU')
FEATURE_HOSTS = {
    'fitnet': 'configs/baselines/mmpretrain/'
    'fitnet_resnet18-w32_resnet18-w8_digits.py',
    'at': 'configs/baselines/mmpretrain/at_resnet18-w32_resnet18-w8_digits.py',
}


def half_features(scale: float = 300.0):
    """A student and a teacher feature in float16 whose squares sum past
    float16's range (65504): a feature map of a network in AMP."""
    torch.manual_seed(0)
    return [(torch.randn(4, 64, 8, 8) * scale).half() for _ in range(2)]


@needs_cpu_float16
@pytest.mark.parametrize('host', sorted(FEATURE_HOSTS))
def test_feature_losses_in_float16_autocast_are_float32(host, make_cfg):
    """mmrazor's FitNet and AT losses on float16 features overflow (their
    sums of squares); as the plugin's algorithms call them, their inputs
    are cast to float32 first: finite, and the float32 value."""
    cfg = make_cfg(FEATURE_HOSTS[host])
    cfg.model.teacher_ckpt = None
    from mmrazor.registry import MODELS
    model = MODELS.build(cfg.model)
    name, loss = next((name, loss)
                      for name, loss in model.distiller.distill_losses.items()
                      if type(loss).__name__ in ('L2Loss', 'ATLoss'))
    student, teacher = half_features()
    with torch.autocast('cpu', dtype=torch.float16):
        plain = loss.forward(student, teacher)  # what AMP would compute
        value = loss(student, teacher)
    assert not torch.isfinite(plain), (name, plain)
    assert value.dtype == torch.float32 and torch.isfinite(value), value
    expected = loss(student.float(), teacher.float())
    torch.testing.assert_close(value, expected)


@needs_cpu_float16
def test_tst_augmenter_step_is_finite_where_the_student_leaves_float16(
        demo_data, tmp_path):
    """A student whose activations pass float16's range (as a diverging
    student's did at paper size on a GPU: the augmenter's objective was
    NaN): the augmenter step runs in float32, finite, and moves the
    augmenter. (float16 autocast around the step, as AmpOptimWrapper's
    context does on a GPU; mmengine's wrapper allows only bfloat16 on
    the CPU.)"""
    runner = built_runner(
        ALGORITHMS['tst'], demo_data, tmp_path, train_samples=8, batch_size=4)
    model = runner.model
    first = next(m for m in model.student.modules()
                 if isinstance(m, torch.nn.Conv2d))
    with torch.no_grad():
        first.weight.mul_(1e5)
    batch = batch_of(runner)
    data = model.data_preprocessor(batch, False)
    model.student.eval()  # (in train mode BN would keep the infs)
    with torch.no_grad(), torch.autocast('cpu', dtype=torch.float16):
        half_logits = model.student(data['inputs'], mode='tensor')
    model.train()
    assert not torch.isfinite(half_logits).all()  # the state is reached
    before = [p.detach().clone() for p in model.augmenter.parameters()]
    with torch.autocast('cpu', dtype=torch.float16):
        log = model.augmenter_train_step(batch, runner.optim_wrapper)
    assert all(torch.isfinite(v) for v in log.values()), log
    assert any(not torch.equal(b, p)
               for b, p in zip(before, model.augmenter.parameters()))


@needs_cpu_float16
def test_sokd_refinement_in_float16_autocast_is_float32(make_cfg):
    """SoKD's feature augmentation and DAM on float16 features past
    float16's range: computed in float32, finite."""
    cfg = make_cfg('configs/sokd/mmpretrain/'
                   'sokd_fitnet_resnet18-w32_resnet18-w8_digits.py')
    cfg.model.teacher_ckpt = None
    from mmrazor.registry import MODELS
    distiller = MODELS.build(cfg.model).distiller
    torch.manual_seed(0)
    # finite in float16, as large as its range allows
    student, teacher = [((torch.rand(4, 64, 8, 8) * 2 - 1) * 4e4).half()
                        for _ in range(2)]
    dam, augment = distiller.dams['hint'], distiller.feature_augments['hint']
    with torch.autocast('cpu', dtype=torch.float16):
        plain = dam.consistency_loss(dam(student), dam(augment(teacher)))
        mask, augmented, terms = distiller.refine_level(
            'hint', student, teacher)
    assert not torch.isfinite(plain), plain  # the state is reached
    assert augmented.dtype == torch.float32 and mask.dtype == torch.float32
    for key, value in terms.items():
        assert torch.isfinite(value), (key, value)
