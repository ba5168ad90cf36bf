# Copyright (c) tstkd_plugin contributors.
"""tools/misc/gpu_smoke.py on a machine without CUDA: it says so and exits 0;
its arguments, its plan, and the runs it configures (trained here on CPU)."""
import os
import os.path as osp

import pytest
from mmengine.runner import Runner

from tstkd_plugin.apis import optim_wrapper_cfgs
from conftest import REPO, load_script, run_python

TOOL = osp.join(REPO, 'tools', 'misc', 'gpu_smoke.py')


@pytest.fixture
def smoke(monkeypatch):
    monkeypatch.syspath_prepend(osp.join(REPO, 'tools', 'misc'))
    return load_script(TOOL, 'gpu_smoke')


def test_without_cuda_it_says_so_and_exits_0():
    result = run_python([TOOL])
    assert result.returncode == 0, result.stderr
    assert 'no CUDA device visible' in result.stdout, result.stdout


@pytest.mark.parametrize('argv,named', [
    (['--iters', '5'], '--iters'),
    (['--data', '/nonexistent/demo'], '--data /nonexistent/demo'),
    (['--tasks', 'cls', 'pose'], "'pose'"),
    (['--methods', 'DIST', 'CRD'], "--methods: unknown ['CRD']"),
])
def test_bad_arguments_are_named(smoke, argv, named, capsys):
    with pytest.raises(SystemExit) as exit_:
        smoke.parse_args(argv)
    assert exit_.value.code == 2
    assert named in capsys.readouterr().err


def test_plan(smoke):
    full = smoke.plan(['cls', 'det', 'seg'], has_ops=True, gpus=1)
    # every distillation method of every task, with and without AMP
    methods = {(task, m)
               for task in ('cls', 'det', 'seg')
               for m in smoke.TASKS[task]['students'] if m != 'alone'}
    assert len(methods) >= 19  # KD, DIST, TST, SoKD and their compositions
    assert sorted((r.task, r.method, r.amp) for r in full) == sorted(
        (task, m, amp) for task, m in methods for amp in (False, True))
    assert {(r.amp, r.processes) for r in full} == {(False, 1), (True, 1)}
    for run in full:
        assert osp.isfile(osp.join(REPO, 'configs', run.config)), run
    lite = smoke.plan(['cls', 'det', 'seg'], has_ops=False, gpus=2)
    assert not any(r.task == 'det' for r in lite)
    two = [r for r in lite if r.processes == 2]
    assert [(r.task, r.method) for r in two] == [('cls', 'TST+SoKD+DIST'),
                                                 ('seg', 'SoKD+KD')]


def test_plan_of_chosen_methods(smoke):
    runs = smoke.plan(['cls', 'seg'],
                      has_ops=True,
                      gpus=2,
                      methods=['DIST', 'TST+SoKD+DIST'],
                      amp=False)
    assert sorted((r.task, r.method, r.amp, r.processes)
                  for r in runs) == [('cls', 'DIST', False, 1),
                                     ('cls', 'TST+SoKD+DIST', False, 1),
                                     ('seg', 'DIST', False, 1)]


def test_runs_share_their_set_up(smoke, demo_data, tmp_path):
    """One stand-in checkpoint per teacher network, one parse per config:
    runs differ only in what they change."""
    runs = [
        smoke.SmokeRun('cls', m, smoke.TASKS['cls']['students'][m], amp)
        for m in ('DIST', 'TST+KD') for amp in (False, True)
    ]
    teachers = str(tmp_path / 'teachers')
    cfgs = [
        smoke.smoke_cfg(run, demo_data, str(tmp_path / str(i)), 10, teachers)
        for i, run in enumerate(runs)
    ]
    assert len(os.listdir(teachers)) == 1
    assert len({cfg.model.teacher_ckpt for cfg in cfgs}) == 1
    types = [{
        w.get('type', 'OptimWrapper')
        for _, w in optim_wrapper_cfgs(cfg)
    } for cfg in cfgs]
    assert types == [{'OptimWrapper'}, {'AmpOptimWrapper'}] * 2, types
    # the cached parse is not changed by a run's edits
    assert smoke.parsed_config(runs[0].config).train_cfg != cfgs[0].train_cfg


@pytest.mark.parametrize('task,method', [('cls', 'TST+KD'),
                                         ('seg', 'SoKD+KD')])
def test_smoke_configs_train_the_iterations_asked_for(smoke, task, method,
                                                      demo_data, tmp_path):
    """The configured run (its data read from --data, no validation, a
    stand-in teacher) trains here on CPU, AMP left out (CUDA only)."""
    run = smoke.SmokeRun(
        task, method, smoke.TASKS[task]['students'][method], amp=False)
    cfg = smoke.smoke_cfg(run, demo_data, str(tmp_path / 'work'), iters=10)
    assert cfg.val_cfg is None and cfg.param_scheduler is None
    runner = Runner.from_cfg(cfg)
    runner.train()
    # at most one epoch of an epoch-based config (the test's demo data has
    # 120 source digits): its loop's max_iters is one epoch
    expected = min(10, runner.train_loop.max_iters)
    assert runner.iter == expected > 0, runner.iter
    assert len(runner.message_hub.get_scalar('train/time').data[0]) == \
        expected
