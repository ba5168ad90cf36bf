# Copyright (c) tstkd_plugin contributors.
# isort: skip_file  (the plugin is imported first: its compatibility fixes
# must be in place before mmrazor loads)
"""A few dozen iterations of every demo distillation on CUDA, with and
without AMP, and a two-process run where two GPUs are visible.

It installs nothing: run it in an environment that already has the stack.
One line per run (passed/failed, iterations per second, peak GPU memory);
the exit status is 1 if any run failed. Without CUDA it says so and exits
0. Where mmcv has no compiled ops (mmcv-lite), detection is skipped (and
said). The teachers are the configs' networks at their initial weights: it
checks that training runs, not what it reaches.

Example:
    python tools/misc/gpu_smoke.py                       # makes the demo data
    python tools/misc/gpu_smoke.py --data /path/to/demo  # data made elsewhere
    python tools/misc/gpu_smoke.py --tasks cls seg --iters 20
    python tools/misc/gpu_smoke.py --methods DIST TST+KD --fp32-only

Set-up is shared across runs: each config is parsed once (unformatted) and
each teacher network's stand-in checkpoint is written once.
"""
import argparse
import copy
import functools
import hashlib
import os
import os.path as osp
import statistics
import subprocess
import sys
import tempfile
import time
from typing import List, NamedTuple, Optional

from tstkd_plugin.benchmarking import CONFIGS, REPO, TASKS, prepare_data

DEMO_PREFIX = 'data/demo'


class SmokeRun(NamedTuple):
    """One run of the plan: a demo config, with AMP or not, on one GPU or
    on two processes."""
    task: str
    method: str
    config: str
    amp: bool
    processes: int = 1

    @property
    def name(self) -> str:
        precision = 'amp' if self.amp else 'fp32'
        return f'{self.task} {self.method} {precision} x{self.processes}'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--data',
        help='demo data made elsewhere (the '
        'folder tools/misc/make_demo_data.py --out wrote); made '
        'under --work-dir if not given')
    parser.add_argument('--work-dir', help='default: a temporary folder')
    parser.add_argument(
        '--tasks', nargs='+', choices=sorted(TASKS), default=sorted(TASKS))
    parser.add_argument(
        '--methods',
        nargs='+',
        metavar='METHOD',
        help='only these methods (names as in the demo table, e.g. DIST '
        f'TST+KD SoKD+KD); default: all. Known: {", ".join(all_methods())}')
    parser.add_argument(
        '--fp32-only', action='store_true', help='leave out the --amp runs')
    parser.add_argument(
        '--cpu',
        action='store_true',
        help='run on the CPU where there is no CUDA (a rehearsal: fp32 '
        "only, since mmengine's AMP wrapper needs an accelerator)")
    parser.add_argument(
        '--iters',
        type=int,
        default=30,
        help='training iterations per run (default 30; at '
        'most one epoch of an epoch-based config)')
    args = parser.parse_args(argv)
    if args.iters < 10:
        parser.error('--iters: at least 10 (the first 5 are not timed)')
    unknown = sorted(set(args.methods or ()) - set(all_methods()))
    if unknown:
        parser.error(f'--methods: unknown {unknown}; expected some of '
                     f'{all_methods()}')
    if args.data is not None and not osp.isdir(osp.join(args.data, 'cls')):
        parser.error(f'--data {args.data}: expected the demo data folder '
                     '(with cls/, det/, seg/)')
    return args


def all_methods() -> List[str]:
    """The distillation methods of the demo, over all tasks."""
    return sorted({
        method
        for task in TASKS.values()
        for method in task['students'] if method != 'alone'
    })


def mmcv_has_ops() -> bool:
    try:
        from mmcv.ops import nms  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def plan(tasks: List[str],
         has_ops: bool,
         gpus: int,
         methods: Optional[List[str]] = None,
         amp: bool = True) -> List[SmokeRun]:
    """Every distillation method of ``tasks`` (or those of ``methods``)
    without and with AMP (no detection without mmcv ops), then one
    two-process run per task on two GPUs."""
    runs = []
    precisions = (False, True) if amp else (False, )
    for task in tasks:
        if task == 'det' and not has_ops:
            continue
        chosen = {
            m: c
            for m, c in TASKS[task]['students'].items() if m != 'alone'
        }
        for method, config in chosen.items():
            if methods is None or method in methods:
                runs += [
                    SmokeRun(task, method, config, half) for half in precisions
                ]
        if gpus >= 2 and methods is None:
            # the composition where there is one: the most optimizers
            method = 'TST+SoKD+DIST' if 'TST+SoKD+DIST' in chosen \
                else 'SoKD+KD'
            runs.append(SmokeRun(task, method, chosen[method], False, 2))
    return runs


def point_at_data(dataset: dict, data: str) -> None:
    """The train dataset (or the datasets it wraps) read from ``data``."""
    root = dataset.get('data_root')
    if isinstance(root, str) and root.startswith(DEMO_PREFIX):
        dataset['data_root'] = data + root[len(DEMO_PREFIX):]
    for key in ('dataset', 'datasets'):
        inner = dataset.get(key)
        for child in inner if isinstance(inner, list) else [inner]:
            if isinstance(child, dict):
                point_at_data(child, data)


@functools.lru_cache(maxsize=None)
def parsed_config(config: str):
    """A demo config, parsed once per process (without yapf's formatting of
    its text, which only logs use); callers change a copy."""
    from mmengine.config import Config
    return Config.fromfile(osp.join(CONFIGS, config), format_python_code=False)


def stand_in_teacher(teacher_cfg: dict, folder: str) -> str:
    """The teacher network at its initial weights, as a checkpoint in
    ``folder``; written once per teacher config."""
    import torch
    from mmrazor.registry import MODELS

    key = hashlib.sha1(repr(teacher_cfg).encode()).hexdigest()[:12]
    path = osp.join(folder, f'teacher_{key}.pth')
    if not osp.isfile(path):
        os.makedirs(folder, exist_ok=True)
        torch.save({'state_dict': MODELS.build(teacher_cfg).state_dict()},
                   path)
    return path


def smoke_cfg(run: SmokeRun,
              data: str,
              work_dir: str,
              iters: int,
              teachers: Optional[str] = None):
    """The run's config: ``iters`` training iterations (fewer if the
    config's epoch is shorter), no validation, a stand-in teacher (the
    teacher network at its initial weights, kept in ``teachers``; default:
    ``work_dir``)."""
    from tstkd_plugin.apis import enable_amp

    cfg = copy.deepcopy(parsed_config(run.config))
    cfg.work_dir = work_dir
    cfg.launcher = 'pytorch' if run.processes > 1 else 'none'
    point_at_data(cfg.train_dataloader.dataset, data)
    per_step = cfg.train_dataloader.batch_size * run.processes
    if cfg.train_cfg.get('by_epoch', True) and 'max_epochs' in cfg.train_cfg:
        cfg.train_cfg.max_epochs = 1
        cfg.train_dataloader.dataset.indices = iters * per_step
    else:
        cfg.train_cfg.max_iters = iters
    cfg.train_cfg.val_interval = 10**9
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.param_scheduler = None
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=10**9, save_last=False)
    cfg.log_level = 'WARNING'
    os.makedirs(work_dir, exist_ok=True)
    cfg.model.teacher_ckpt = stand_in_teacher(cfg.model.teacher, teachers
                                              or work_dir)
    if run.amp:
        enable_amp(cfg)
    return cfg


def run_here(cfg) -> str:
    """Train in this process; iterations per second and peak memory."""
    import torch

    from tstkd_plugin.apis import build_runner

    cuda = torch.cuda.is_available()
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    runner = build_runner(cfg)
    runner.train()
    times = runner.message_hub.get_scalar('train/time').data[0]
    times = times[5:] if len(times) > 5 else times  # warm-up left out
    peak = f'{torch.cuda.max_memory_allocated() / 2**30:5.2f} GiB' \
        if cuda else 'n/a (CPU)'
    return (f'{runner.iter:4d} iters {1 / statistics.median(times):7.1f} '
            f'it/s  peak {peak}')


def run_two_processes(cfg, work_dir: str, iters: int) -> str:
    """tools/dist_train.sh with 2 processes; iterations per second of the
    whole command (start-up included)."""
    config = osp.join(work_dir, 'smoke_config.py')
    cfg.dump(config)
    env = dict(os.environ, PYTHON=sys.executable)
    start = time.perf_counter()
    result = subprocess.run(
        ['bash', 'tools/dist_train.sh', config, '2', '--work-dir', work_dir],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True)
    wall = time.perf_counter() - start
    if result.returncode:
        tail = (result.stdout + result.stderr).strip().splitlines()[-3:]
        raise RuntimeError(f'exit {result.returncode}: ' + ' | '.join(tail))
    return f'{iters / wall:7.1f} it/s (wall, start-up included)'


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    import torch
    on_cpu = not torch.cuda.is_available()
    if on_cpu and not args.cpu:
        print('gpu_smoke: no CUDA device visible (torch '
              f'{torch.__version__}); nothing was run')
        return 0
    if on_cpu:
        print('gpu_smoke: --cpu: on the CPU, fp32 only')
        args.fp32_only = True
    import tstkd_plugin  # noqa: F401  (registers the plugin)
    work = args.work_dir or tempfile.mkdtemp(prefix='gpu_smoke_')
    data = args.data or osp.join(work, 'demo_data')
    if args.data is None:
        prepare_data(data, reuse=True)
    has_ops, gpus = mmcv_has_ops(), torch.cuda.device_count()
    if on_cpu:
        gpus = 0
    if 'det' in args.tasks and not has_ops:
        print('gpu_smoke: mmcv has no compiled ops (mmcv-lite?): detection '
              'skipped')
    if gpus < 2:
        print(f'gpu_smoke: {gpus} GPU visible: no two-process run')
    failures = 0
    runs = plan(args.tasks, has_ops, gpus, args.methods, not args.fp32_only)
    if not runs:
        print(f'gpu_smoke: no run: --methods {args.methods} are not '
              f'methods of --tasks {args.tasks}')
        return 1
    teachers = osp.join(work, 'teachers')
    for i, run in enumerate(runs):
        work_dir = osp.join(work, f'{i:02d}')
        try:
            cfg = smoke_cfg(run, data, work_dir, args.iters, teachers)
            result = run_here(cfg) if run.processes == 1 else \
                run_two_processes(cfg, work_dir, args.iters)
            print(f'passed  {run.name:32s} {result}', flush=True)
        except Exception as error:  # one line per run, then go on
            failures += 1
            message = str(error).strip().splitlines()
            print(
                f'FAILED  {run.name:32s} {type(error).__name__}: '
                f'{message[0] if message else ""}',
                flush=True)
    print(f'gpu_smoke: {failures} failed; work dir {work}')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
