# Copyright (c) tstkd_plugin contributors.
"""The speed switches (tools/train.py --channels-last, --fused-optim,
--compile; the teacher's forward without autograd) compute what the plain
step computes, for every step of every algorithm."""
import inspect

import pytest
import torch
from mmengine.optim import OptimWrapperDict
from mmengine.utils import digit_version

from tstkd_plugin.apis import (enable_channels_last, enable_compile,
                               enable_fused_optimizers)
from tstkd_plugin.apis.throughput import COMPILE_MIN_TORCH
from conftest import REPO, built_runner, small_run_cfg, use_stand_in_teacher

CLS = 'configs/{}/mmpretrain/{}_logits_resnet18-w32_resnet18-w8_digits.py'
ALGORITHMS = {
    'kd': CLS.format('baselines', 'kd'),
    'tst': CLS.format('tst', 'tst_kd'),
    'sokd': CLS.format('sokd', 'sokd_kd'),
}


def steps_of(model):
    """(name, step) of each kind of step the algorithm takes."""
    if getattr(model, 'augmenter', None) is not None:
        return [('student', model.train_step),
                ('augmenter', model.augmenter_train_step)]
    return [('student', model.train_step)]


def one_step_each(algorithm, demo_data, tmp_path, edit_cfg=None, plain=None):
    """Per kind of step: the logged losses and the parameters after it,
    from the same weights and batch (``plain``'s runner's, if given); and
    the runner and batch."""
    tmp_path.mkdir(exist_ok=True)
    runner = built_runner(
        ALGORITHMS[algorithm],
        demo_data,
        tmp_path,
        train_samples=4,
        batch_size=4,
        edit_cfg=edit_cfg)
    model = runner.model
    if plain is None:
        batch = next(
            iter(runner.build_dataloader(runner.cfg.train_dataloader)))
        start = {k: v.clone() for k, v in model.state_dict().items()}
    else:
        _, plain_runner, batch = plain
        start = plain_runner.model.start
    model.start = start
    results = {}
    for name, step in steps_of(model):
        model.load_state_dict(start)
        torch.manual_seed(1)  # the same augmentation draws
        log = step(batch, runner.optim_wrapper)
        results[name] = ({
            k: float(v)
            for k, v in log.items()
        }, {
            k: p.detach().clone()
            for k, p in model.named_parameters()
        })
    return results, runner, batch


def assert_same_steps(plain, switched, rtol=1e-4, update_rtol=1e-2):
    """The same losses, and each parameter's update the same to
    ``update_rtol`` of its norm: summation orders differ by kernel."""
    plain_results, runner, _ = plain
    start = runner.model.start
    for name, (losses, params) in plain_results.items():
        other_losses, other_params = switched[name]
        assert other_losses == pytest.approx(losses, rel=rtol), name
        for key, value in params.items():
            before = start[key]
            update, other = value - before, other_params[key] - before
            error = float(
                (other - update).norm() / update.norm().clamp_min(1e-12))
            assert error < update_rtol, (name, key, error)


# Largest relative difference of a parameter's update, channels-last vs
# plain, measured: KD and SoKD 4.8e-4 (both stacks); TST's student step
# (augmented and original images in one batch) 1.09e-2 on torch 2.1 and
# 0.93e-2 on torch 2.14, in its first layers (conv1, bn1, layer1); its
# augmented images are identical in both layouts and the plain step
# repeats bit for bit, so the difference is the kernels' summation order.
CHANNELS_LAST_RTOL = {'kd': 5e-3, 'sokd': 5e-3, 'tst': 3e-2}


@pytest.mark.parametrize('algorithm', sorted(ALGORITHMS))
def test_channels_last_steps_compute_the_plain_steps(algorithm, demo_data,
                                                     tmp_path):
    plain = one_step_each(algorithm, demo_data, tmp_path / 'plain')
    switched, runner, batch = one_step_each(algorithm, demo_data,
                                            tmp_path / 'cl',
                                            enable_channels_last, plain)
    assert_same_steps(
        plain, switched, update_rtol=CHANNELS_LAST_RTOL[algorithm])
    model = runner.model
    for net in (model.student, model.teacher):
        conv = next(m for m in net.modules()
                    if isinstance(m, torch.nn.Conv2d) and m.kernel_size[0] > 1)
        assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    seen = []
    conv.register_forward_hook(lambda m, args, out: seen.append(args[
        0].is_contiguous(memory_format=torch.channels_last)))
    model.train_step(batch, runner.optim_wrapper)
    assert seen and all(seen), seen  # the images, and what follows them


def test_channels_last_is_the_plugins_algorithms_switch(make_cfg):
    cfg = make_cfg('configs/baselines/mmpretrain/resnet18-w8_digits.py')
    with pytest.raises(ValueError, match='--channels-last: model.type'):
        enable_channels_last(cfg)


HAS_FUSED_SGD = 'fused' in inspect.signature(torch.optim.SGD).parameters
CAN_COMPILE = digit_version(
    torch.__version__) >= digit_version(COMPILE_MIN_TORCH)


@pytest.mark.skipif(
    not HAS_FUSED_SGD,
    reason=f'torch {torch.__version__} has no fused SGD: '
    'test_switches_this_torch_lacks_are_refused_by_name')
@pytest.mark.parametrize('algorithm', sorted(ALGORITHMS))
def test_fused_optimizer_steps_compute_the_plain_steps(algorithm, demo_data,
                                                       tmp_path):
    plain = one_step_each(algorithm, demo_data, tmp_path / 'plain')
    switched, runner, _ = one_step_each(algorithm, demo_data,
                                        tmp_path / 'fused',
                                        enable_fused_optimizers, plain)
    optimizers = [
        runner.optim_wrapper.optimizer
    ] if not isinstance(runner.optim_wrapper, OptimWrapperDict) else [
        w.optimizer for w in runner.optim_wrapper.values()
    ]
    assert all(o.defaults.get('fused') for o in optimizers), optimizers
    assert_same_steps(plain, switched)


def test_fused_optimizers_are_named_where_torch_has_none(make_cfg):
    cfg = make_cfg(ALGORITHMS['kd'])
    cfg.optim_wrapper.optimizer = dict(type='RMSprop', lr=0.1)
    with pytest.raises(
            ValueError, match=r"optim_wrapper\.optimizer\.type is 'RMSprop'"):
        enable_fused_optimizers(cfg)


def test_teacher_forward_keeps_no_autograd_state(demo_data, tmp_path):
    """In the student's steps the teacher runs without autograd: no graph
    is kept for its activations (TST's augmenter step needs the teacher's
    gradient with respect to the images, and keeps it)."""
    for algorithm in sorted(ALGORITHMS):
        (tmp_path / algorithm).mkdir()
        runner = built_runner(
            ALGORITHMS[algorithm],
            demo_data,
            tmp_path / algorithm,
            train_samples=4,
            batch_size=4)
        model = runner.model
        grads = []
        model.teacher.register_forward_hook(
            lambda m, args, out: grads.append(torch.is_grad_enabled()))
        batch = next(iter(runner.train_dataloader))
        for name, step in steps_of(model):
            grads.clear()
            step(batch, runner.optim_wrapper)
            assert grads, (algorithm, name)
            assert any(grads) == (name == 'augmenter'), (algorithm, name,
                                                         grads)


@pytest.mark.skipif(
    HAS_FUSED_SGD and CAN_COMPILE,
    reason=f'torch {torch.__version__} has both switches')
def test_switches_this_torch_lacks_are_refused_by_name(make_cfg):
    cfg = make_cfg(ALGORITHMS['kd'])
    if not HAS_FUSED_SGD:
        with pytest.raises(ValueError, match='no fused implementation in'):
            enable_fused_optimizers(cfg)
    if not CAN_COMPILE:
        with pytest.raises(ValueError, match='--compile: torch'):
            enable_compile(cfg)


@pytest.mark.skipif(
    not CAN_COMPILE,
    reason=f'torch {torch.__version__} cannot compile the step: '
    'test_switches_this_torch_lacks_are_refused_by_name')
def test_compiled_step_computes_the_plain_step(demo_data, tmp_path):
    """mmengine's compile (torch.compile of train_step; the eager backend
    here: dynamo traces the plugin's step, without a C++ build) gives the
    plain run's losses."""
    logs = {}
    for compiled in (False, True):
        cfg = small_run_cfg(
            REPO + '/' + ALGORITHMS['tst'],
            demo_data,
            str(tmp_path / str(compiled)),
            train_samples=8)
        cfg.train_dataloader.batch_size = 4
        use_stand_in_teacher(cfg, str(tmp_path / 'teacher.pth'))
        cfg.train_cfg.augment_epochs = [0]
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
        if compiled:
            enable_compile(cfg, 'eager')
        from mmengine.runner import Runner
        runner = Runner.from_cfg(cfg)
        runner.train()
        logs[compiled] = {
            k: v.data[0].tolist()
            for k, v in runner.message_hub.log_scalars.items() if 'loss' in k
        }
    assert logs[True] and logs[True].keys() == logs[False].keys()
    for key, values in logs[False].items():
        assert logs[True][key] == pytest.approx(values, rel=1e-5), key
