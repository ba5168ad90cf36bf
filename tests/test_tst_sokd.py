# Copyright (c) tstkd_plugin contributors.
"""TST + SoKD + DIST in one algorithm (TSTSoKDDistill, ComposedDistill)."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.runner import Runner

from conftest import (REPO, built_runner, flatten, small_run_cfg,
                      use_stand_in_teacher)

COMPOSED = 'configs/tst_sokd/mmpretrain/' \
    'tst_sokd_dist_logits_resnet18-w32_resnet18-w8_digits.py'
SOKD_DIST = 'configs/sokd/mmpretrain/' \
    'sokd_dist_logits_resnet18-w32_resnet18-w8_digits.py'
TST_DIST = 'configs/tst/mmpretrain/' \
    'tst_dist_logits_resnet18-w32_resnet18-w8_digits.py'


def composed_runner(demo_data, tmp_path, **model):
    return built_runner(COMPOSED, demo_data, tmp_path, 16, 8, **model)


def snapshot(module):
    return [p.detach().clone() for p in module.parameters()]


def moved(before, module):
    return any(not torch.equal(a, p)
               for a, p in zip(before, module.parameters()))


def test_config_is_sokd_dist_plus_tst():
    """The composed config is the SoKD + DIST config with TST's keys added,
    and those are the TST + DIST config's."""
    composed = Config.fromfile(osp.join(REPO, COMPOSED))
    sokd = flatten(Config.fromfile(osp.join(REPO, SOKD_DIST)).to_dict())
    tst = Config.fromfile(osp.join(REPO, TST_DIST))
    flat = flatten(composed.to_dict())
    changed = {k for k in set(flat) | set(sokd) if flat.get(k) != sokd.get(k)}
    assert {
        k
        for k in changed
        if not k.startswith(('model.type', 'model.augmenter',
                             'optim_wrapper.augmenter',
                             'param_scheduler.augmenter', 'train_cfg',
                             'train_dataloader.batch_size',
                             'auto_scale_lr.base_batch_size', 'tst_'))
    } == set()
    assert composed.model.type == 'TSTSoKDDistill'
    assert composed.model.augmenter == tst.model.augmenter
    assert composed.optim_wrapper.augmenter == tst.optim_wrapper.augmenter
    assert composed.train_cfg == tst.train_cfg
    assert composed.train_dataloader.batch_size == \
        tst.train_dataloader.batch_size
    assert composed.auto_scale_lr == tst.auto_scale_lr  # originals per step


def test_three_optimizers_partition_the_trainable_parameters(
        demo_data, tmp_path):
    runner = composed_runner(demo_data, tmp_path)
    model, optim = runner.model, runner.optim_wrapper
    assert set(
        optim.keys()) == {'architecture', 'augmenter', 'feature_augment'}
    owners = {}
    for key in optim.keys():
        for group in optim[key].param_groups:
            for p in group['params']:
                assert id(p) not in owners, 'a parameter in two optimizers'
                owners[id(p)] = key
    names = {
        n: owners.get(id(p))
        for n, p in model.named_parameters() if p.requires_grad
    }
    assert all(names.values()), [n for n, k in names.items() if not k]
    for name, key in names.items():
        expected = 'augmenter' if name.startswith('augmenter.') else \
            'feature_augment' if '.feature_augments.' in name else \
            'architecture'
        assert key == expected, name


def test_phases_step_the_right_parts(demo_data, tmp_path):
    """Augmenter phase: only TST's augmenter moves. Student step while
    SoKD searches: the student (with adapter and DAM) and the feature policy
    move on the batch [augmented; original], the augmenter does not."""
    runner = composed_runner(demo_data, tmp_path)
    model, optim = runner.model, runner.optim_wrapper
    batch = next(iter(runner.build_dataloader(runner.cfg.train_dataloader)))
    MessageHub.get_current_instance().update_info('epoch', 0)
    parts = dict(
        student=model.student,
        augmenter=model.augmenter,
        policy=model.distiller.feature_augments,
        dam=model.distiller.dams)

    before = {k: snapshot(m) for k, m in parts.items()}
    log = model.augmenter_train_step(batch, optim)
    assert 'augmenter.loss_teacher_ce' in log
    assert {k for k, m in parts.items() if moved(before[k], m)} == \
        {'augmenter'}

    before = {k: snapshot(m) for k, m in parts.items()}
    seen = []
    handle = model.student.register_forward_pre_hook(
        lambda module, args: seen.append(args[0].shape[0]))
    log = model.train_step(batch, optim)
    handle.remove()
    assert seen and max(seen) == 2 * len(batch['inputs'])
    assert {
        'distill.loss_dist', 'distill.loss_sokd_feat', 'distill.loss_sokd_dam'
    } <= set(log), sorted(log)
    assert log['sokd_searching'] == 1
    assert {k for k, m in parts.items() if moved(before[k], m)} == \
        {'student', 'policy', 'dam'}


def test_augmenter_key_must_be_a_child_of_the_algorithm(demo_data, tmp_path):
    cfg = small_run_cfg(
        osp.join(REPO, COMPOSED), demo_data, str(tmp_path / 'work'))
    use_stand_in_teacher(cfg, str(tmp_path / 'teacher.pth'))
    cfg.optim_wrapper['augmentor'] = cfg.optim_wrapper.pop('augmenter')
    runner = Runner.from_cfg(cfg)
    with pytest.raises(
            ValueError,
            match=r"^optim_wrapper\.augmentor: not a "
            r"child of TSTSoKDDistill.*\['augmenter'\]"):
        runner.build_optim_wrapper(runner.optim_wrapper)


def test_composed_distill_with_its_parts_in_the_config_is_the_method(
        demo_data, tmp_path):
    """``ComposedDistill`` with TST's and SoKD's parts named in the config
    is ``TSTSoKDDistill``: the same parameters, and the same losses of an
    augmenter step and a student step on the same batch."""

    def as_parts(cfg):
        cfg.model.type = 'ComposedDistill'
        cfg.model.augmenter_objective = dict(type='TSTObjective')
        cfg.model.feature_search = dict(
            type='SoKDPolicySearch',
            search_epochs=cfg.model.pop('search_epochs'))

    logs, names = [], []
    for edit in (None, as_parts):
        runner = built_runner(COMPOSED, demo_data, tmp_path, 16, 8, edit)
        model, optim = runner.model, runner.optim_wrapper
        batch = next(
            iter(runner.build_dataloader(runner.cfg.train_dataloader)))
        MessageHub.get_current_instance().update_info('epoch', 0)
        torch.manual_seed(0)
        logs.append([
            model.augmenter_train_step(batch, optim),
            model.train_step(batch, optim)
        ])
        names.append((type(model).__name__, sorted(model.state_dict())))
    assert [n for n, _ in names] == ['TSTSoKDDistill', 'ComposedDistill']
    assert names[0][1] == names[1][1]
    for named, composed in zip(*logs):
        assert named.keys() == composed.keys()
        for key in named:
            assert torch.equal(
                torch.as_tensor(named[key]),
                torch.as_tensor(composed[key])), key


def test_no_algorithm_inherits_from_two():
    """Methods combine by parts, not by multiple inheritance."""
    import tstkd_plugin.algorithms as algorithms
    classes = [getattr(algorithms, name) for name in algorithms.__all__]
    assert len(classes) >= 12
    assert [c.__name__ for c in classes if len(c.__bases__) > 1] == []
