# Copyright (c) tstkd_plugin contributors.
"""The GPU evidence kit: on one GPU, in about 8 minutes, install the stack
from the device bundle and measure what the CPU machines cannot.

Stages, each in its own process with its share of ``--budget-s``:

1. install: the bundle's wheels (``tools/misc/device_bundle.sh``) with
   ``pip --no-index --no-deps``, mmcv (its wheel, or its sdist built
   without ops), the project itself (editable; else on ``PYTHONPATH``);
2. smoke: every demo method (cls and seg; det where mmcv has ops) for a few
   dozen iterations in fp32 and with ``--amp`` (``gpu_smoke.py``);
3. paper size: ImageNet ResNet-34 -> ResNet-18 at 224 px on synthetic
   images: images/s and peak memory of KD, DIST, the TST student and
   augmenter steps, SoKD during and after search, the student alone, in
   fp32, AMP (bfloat16) and AMP with channels-last and fused optimizers;
   ratios to KD;
4. fashion: a teacher and KD, DIST, TST+KD, FitNet, FitNet+SoKD students on
   all 60,000 Fashion-MNIST training images for ``--epochs`` epochs, top-1
   on the official test set.

Writes ``evidence.json`` and ``evidence.md`` under ``--out`` (and each
stage's log); exits 1 only if a run failed (a stage cut by its time share
is reported as unfinished). ``--dry-run`` rehearses the same code on the
CPU with tiny sizes (fp32 only).

Example (on the device, from the checkout's root):
    python tools/misc/gpu_evidence.py --bundle .device_bundle --out $OUT
Rehearsal here:
    python tools/misc/gpu_evidence.py --dry-run --no-install --out /tmp/ev
"""
import argparse
import glob
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
THIS = osp.abspath(__file__)
STAGES = ('smoke', 'paper-size', 'fashion')
# share of the budget left after the install, per stage
SHARES = {'smoke': 0.3, 'paper-size': 0.3, 'fashion': 0.4}

PAPER_CONFIGS = {
    'KD':
    'configs/dist/mmpretrain/dist_logits_resnet34_resnet18_8xb32_in1k.py',
    'DIST':
    'configs/dist/mmpretrain/dist_logits_resnet34_resnet18_8xb32_in1k.py',
    'TST+KD':
    'configs/tst/mmpretrain/tst_kd_logits_resnet34_resnet18_8xb64_in1k.py',
    'SoKD+KD':
    'configs/sokd/mmpretrain/sokd_kd_logits_resnet34_resnet18_8xb32_in1k.py',
}
FASHION_TASK = 'fmnist-resnet18-w8'
FASHION_METHODS = ['vanilla KD', 'DIST', 'TST+KD', 'FitNet', 'FitNet+SoKD']
SMOKE_DRY_METHODS = ['DIST', 'TST+KD', 'SoKD+KD']


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', required=True, help='report folder')
    parser.add_argument(
        '--bundle',
        default=osp.join(REPO, '.device_bundle'),
        help='what tools/misc/device_bundle.sh wrote (default: '
        '.device_bundle of the checkout)')
    parser.add_argument(
        '--dry-run',
        action='store_true',
        help='tiny sizes on the CPU, fp32 only: a rehearsal')
    parser.add_argument(
        '--no-install',
        action='store_true',
        help='use the stack of this interpreter as it is')
    parser.add_argument(
        '--budget-s',
        type=float,
        default=470,
        help='seconds for everything (default 470: 8 minutes with margin)')
    parser.add_argument(
        '--epochs',
        type=int,
        default=3,
        help='Fashion-MNIST epochs of every run (default 3)')
    parser.add_argument(
        '--fashion-data',
        help='Fashion-MNIST IDX folder (default: the bundle\'s, else '
        'Debian\'s /usr/share/datasets/fashion-mnist)')
    parser.add_argument('--stage', choices=STAGES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.budget_s < 60:
        parser.error('--budget-s: at least 60')
    if args.epochs < 1:
        parser.error('--epochs: at least 1')
    return args


def run_logged(cmd: List[str],
               log: str,
               timeout: float,
               env: Optional[Dict[str, str]] = None) -> dict:
    """Run ``cmd`` with its output in ``log``; its exit status (None: cut
    at ``timeout``) and seconds."""
    start = time.perf_counter()
    with open(log, 'w') as f:
        try:
            rc = subprocess.run(
                cmd,
                cwd=REPO,
                stdout=f,
                stderr=subprocess.STDOUT,
                env=dict(os.environ, PYTHONUNBUFFERED='1', **(env or {})),
                timeout=max(timeout, 1)).returncode
        except subprocess.TimeoutExpired:
            rc = None
    return dict(rc=rc, seconds=round(time.perf_counter() - start, 1), log=log)


def install(bundle: str, out: str) -> dict:
    """The bundle's wheels, mmcv and the project, without an index."""
    pip = [sys.executable, '-m', 'pip', 'install', '--no-index', '--no-deps']
    wheels = sorted(glob.glob(osp.join(bundle, 'wheels', '*.whl')))
    if not wheels:
        return dict(
            rc=1,
            error=f'no wheels in {bundle}/wheels: run '
            'tools/misc/device_bundle.sh first')
    steps = [
        run_logged(pip + wheels, osp.join(out, 'install_wheels.log'), 300)
    ]
    mmcv_wheels = glob.glob(osp.join(bundle, 'mmcv', '*.whl'))
    mmcv_sdists = glob.glob(osp.join(bundle, 'mmcv', 'mmcv-*.tar.gz'))
    if mmcv_wheels:
        steps.append(
            run_logged(pip + mmcv_wheels, osp.join(out, 'install_mmcv.log'),
                       120))
    elif mmcv_sdists:  # without ops: seconds
        steps.append(
            run_logged(
                pip + ['--no-build-isolation', mmcv_sdists[0]],
                osp.join(out, 'install_mmcv.log'),
                300,
                env=dict(MMCV_WITH_OPS='0')))
    editable = run_logged(pip + ['--no-build-isolation', '-e', REPO],
                          osp.join(out, 'install_project.log'), 120)
    steps.append(editable)
    # the wheels and mmcv must install (a cut install too counts as failed);
    # the project falls back to PYTHONPATH
    return dict(
        rc=0 if all(s['rc'] == 0 for s in steps[:-1]) else 1,
        editable=editable['rc'] == 0,
        seconds=round(sum(s['seconds'] for s in steps), 1))


def stage_cmd(stage: str, args: argparse.Namespace, json_out: str,
              work: str) -> List[str]:
    if stage == 'smoke':
        cmd = [
            sys.executable, 'tools/misc/gpu_smoke.py', '--data',
            osp.join(work, 'demo'), '--work-dir',
            osp.join(work, 'smoke'), '--iters', '10' if args.dry_run else '30'
        ]
        if args.dry_run:
            cmd += ['--cpu', '--tasks', 'cls', '--methods'] + SMOKE_DRY_METHODS
        return cmd
    cmd = [
        sys.executable, THIS, '--stage', stage, '--out', json_out, '--epochs',
        str(args.epochs)
    ]
    if args.fashion_data:
        cmd += ['--fashion-data', args.fashion_data]
    if args.bundle:
        cmd += ['--bundle', args.bundle]
    return cmd + (['--dry-run'] if args.dry_run else [])


def smoke_runs(log: str) -> List[dict]:
    """gpu_smoke's lines: one per run."""
    runs = []
    for line in open(log, errors='replace'):
        if line.startswith(('passed', 'FAILED')):
            status, _, rest = line.partition(' ')
            runs.append(dict(passed=status == 'passed', line=rest.strip()))
    return runs


# ----------------------------------------------------------------------
# paper size (runs in its own process)


def paper_cfg(method: str):
    """The paper pair's config of ``method``, without checkpoints: KD is
    mmrazor's KLDivergence on the DIST config's pair."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    cfg = Config.fromfile(
        osp.join(REPO, PAPER_CONFIGS[method]), format_python_code=False)
    init_default_scope(cfg.get('default_scope', 'mmengine'))
    cfg.model.teacher_ckpt = None
    cfg.model.setdefault('data_preprocessor', cfg.get('data_preprocessor'))
    if method == 'KD':
        cfg.model.distiller.distill_losses = dict(
            loss_dist=dict(type='KLDivergence', tau=1, loss_weight=1.0))
    for key in ('architecture', 'teacher'):
        cfg.model[key].get('backbone', {}).pop('init_cfg', None)
    from tstkd_plugin.apis import optim_wrapper_cfgs
    for _, wrapper in optim_wrapper_cfgs(cfg):  # the paper's AMP: per row
        if wrapper.get('type') == 'AmpOptimWrapper':
            wrapper.type = 'OptimWrapper'
            wrapper.pop('loss_scale', None)
            wrapper.pop('dtype', None)
    return cfg


def step_kinds(model) -> list:
    """Each kind of step (label, prepare, step): TST's student and
    augmenter steps, SoKD's during and after search, else one."""
    from tstkd_plugin.benchmarking.train_steps import phases
    return [(kind.label or 'step', kind.prepare, kind.step)
            for kind in phases(model)]


def synthetic_batch(images: int, size: int) -> dict:
    import torch
    from mmpretrain.structures import DataSample
    generator = torch.Generator().manual_seed(0)
    pixels = torch.randint(
        0,
        256, (images, 3, size, size),
        generator=generator,
        dtype=torch.uint8)
    return dict(
        inputs=list(pixels),
        data_samples=[
            DataSample().set_gt_label(i % 1000) for i in range(images)
        ])


def time_steps(step, optim_wrapper, batch, prepare, steps: int,
               cuda: bool) -> dict:
    import torch
    if cuda:
        torch.cuda.synchronize()
        base = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
    times = []
    for i in range(steps + 3):  # 3 warm-up steps
        prepare()
        if cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        step(batch, optim_wrapper)
        if cuda:
            torch.cuda.synchronize()
        if i >= 3:
            times.append(time.perf_counter() - start)
    row = dict(ms_step=round(statistics.median(times) * 1e3, 2))
    if cuda:
        row['peak_gib'] = round(
            (torch.cuda.max_memory_allocated() - base) / 2**30, 2)
    return row


def paper_size(dry_run: bool) -> dict:
    """Images/s per method, kind of step and precision at paper size."""
    import torch
    from mmengine.optim import build_optim_wrapper
    from mmrazor.registry import MODELS

    import tstkd_plugin  # noqa: F401
    from tstkd_plugin.apis import (enable_amp, enable_channels_last,
                                   enable_fused_optimizers)
    cuda = torch.cuda.is_available() and not dry_run
    device = 'cuda' if cuda else 'cpu'
    images, size, steps = (256, 224, 10) if cuda else (4, 64, 2)
    variants = ['fp32', 'amp', 'amp+channels_last+fused'] if cuda \
        else ['fp32']
    if cuda:
        torch.backends.cudnn.benchmark = True
    rows = []
    for method in ['student alone'] + list(PAPER_CONFIGS):
        for variant in variants:
            row = dict(method=method, variant=variant, images=images)
            try:
                cfg = paper_cfg('KD' if method == 'student alone' else method)
                if 'channels_last' in variant:
                    enable_channels_last(cfg)
                if 'fused' in variant:
                    enable_fused_optimizers(cfg)
                if variant.startswith('amp'):
                    enable_amp(cfg)
                model = MODELS.build(cfg.model).to(device)
                model.train()
                optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
                tst = hasattr(model, 'augmenter_train_step')
                # TST's loader yields half: the student sees the other half
                batch = synthetic_batch(images // 2 if tst else images, size)
                if method == 'student alone':  # its own train step
                    model.student.data_preprocessor = model.data_preprocessor
                    model = model.student
                kinds = step_kinds(model)
                for label, prepare, step in kinds:
                    timed = time_steps(step, optim_wrapper, batch, prepare,
                                       steps, cuda)
                    rows.append(
                        dict(
                            row,
                            step=label,
                            images_s=round(images * 1e3 / timed['ms_step'], 1),
                            **timed))
                    print(json.dumps(rows[-1]), flush=True)
                del model, optim_wrapper
                if cuda:
                    torch.cuda.empty_cache()
            except Exception as error:  # one row per failure, then go on
                message = str(error).strip().splitlines()
                rows.append(
                    dict(
                        row,
                        error=f'{type(error).__name__}: '
                        f'{message[0] if message else ""}'))
                print(json.dumps(rows[-1]), flush=True)
    kd = {
        (r['variant']): r['images_s']
        for r in rows if r['method'] == 'KD' and 'images_s' in r
    }
    for row in rows:
        if 'images_s' in row and kd.get(row['variant']):
            row['cost_vs_kd'] = round(kd[row['variant']] / row['images_s'], 2)
    return dict(
        device=torch.cuda.get_device_name() if cuda else 'cpu',
        torch=torch.__version__,
        size=size,
        rows=rows)


# ----------------------------------------------------------------------
# Fashion-MNIST (runs in its own process)


def fashion_folder(args: argparse.Namespace) -> str:
    from tstkd_plugin.datasets import DEBIAN_FASHION_MNIST
    for folder in (args.fashion_data,
                   osp.join(args.bundle or '',
                            'fashion-mnist'), DEBIAN_FASHION_MNIST):
        if folder and osp.isdir(folder):
            return folder
    raise FileNotFoundError(
        'no Fashion-MNIST IDX folder: give --fashion-data, or bundle it '
        '(tools/misc/device_bundle.sh)')


def load_benchmark():
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'benchmark', osp.join(REPO, 'tools', 'analysis', 'benchmark.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fashion(args: argparse.Namespace) -> dict:
    """Teacher and students on the whole training set (dry run: 200
    images, 1 epoch), top-1 on the official test set."""
    import torch
    benchmark = load_benchmark()
    data = fashion_folder(args)
    epochs = 1 if args.dry_run else args.epochs
    options = benchmark.fashion_mnist_options(
        data, 200 if args.dry_run else
        0) + [f'train_cfg.max_epochs={epochs}', 'train_cfg.val_interval=1000']
    if args.dry_run:  # 200 of the official test images
        options += [
            f'{split}_dataloader.dataset.indices=200'
            for split in ('val', 'test')
        ]
    cuda = torch.cuda.is_available() and not args.dry_run
    work = tempfile.mkdtemp(prefix='gpu_evidence_fashion_')
    start = time.perf_counter()
    trained = benchmark.train_tasks({FASHION_TASK: ([0], FASHION_METHODS)},
                                    work,
                                    jobs=len(FASHION_METHODS) if cuda else 2,
                                    specs=benchmark.SPECS,
                                    options=options)
    key, _, scale = benchmark.SPECS[FASHION_TASK]['metric']
    teacher, runs = trained[FASHION_TASK]
    return dict(
        data=data,
        epochs=epochs,
        train_images=200 if args.dry_run else 'all',
        test_images=200 if args.dry_run else 'all',
        minutes=round((time.perf_counter() - start) / 60, 2),
        top1=dict(
            teacher=round(teacher[key] * scale, 2),
            **{
                label: round(metrics[0][key] * scale, 2)
                for label, metrics in runs.items()
            }))


# ----------------------------------------------------------------------
# report


def markdown(report: dict) -> str:
    lines = [
        '# GPU evidence', '', 'Written by `tools/misc/gpu_evidence.py`' +
        (' --dry-run (CPU, tiny sizes: no numbers to keep)'
         if report['dry_run'] else '') + '.', '',
        f"{report['when']}, {report['device']}; torch {report['torch']}; "
        f"dry run: {report['dry_run']}; {report['seconds']:.0f} s in all.", ''
    ]
    for name, stage in report['stages'].items():
        state = 'unfinished (cut at its time share)' if stage.get(
            'rc', 0) is None else f"exit {stage.get('rc')}"
        lines.append(f"- {name}: {state}, {stage.get('seconds', 0)} s")
    smoke = report['stages'].get('smoke', {}).get('runs', [])
    if smoke:
        lines += ['', '## Smoke', '']
        lines += [
            f"- {'passed' if r['passed'] else 'FAILED'} {r['line']}"
            for r in smoke
        ]
    paper = report['stages'].get('paper-size', {}).get('result')
    if paper:
        lines += [
            '', f"## Paper size (R34 -> R18, {paper['size']} px, "
            f"{paper['device']})", '',
            '| method | step | variant | student images | images/s | '
            'cost / KD | peak GiB |', '|---|---|---|---|---|---|---|'
        ]
        for r in paper['rows']:
            if 'error' in r:
                lines.append(f"| {r['method']} | | {r['variant']} | "
                             f"{r['images']} | failed: {r['error'][:100]} "
                             '| | |')
            else:
                lines.append(
                    f"| {r['method']} | {r['step']} | {r['variant']} | "
                    f"{r['images']} | {r['images_s']} | "
                    f"{r.get('cost_vs_kd', '')} | {r.get('peak_gib', '')} |")
    fmnist = report['stages'].get('fashion', {}).get('result')
    if fmnist:
        lines += [
            '', f"## Fashion-MNIST ({fmnist['train_images']} training "
            f"images, {fmnist['epochs']} epochs; test: "
            f"{fmnist.get('test_images', 'all')} official test images)", '',
            '| run | top-1 |', '|---|---|'
        ]
        lines += [f'| {k} | {v:.2f} |' for k, v in fmnist['top1'].items()]
    return '\n'.join(lines) + '\n'


def failed_runs(report: dict) -> int:
    stages = report['stages']
    failures = sum(not r['passed']
                   for r in stages.get('smoke', {}).get('runs', []))
    paper = stages.get('paper-size', {}).get('result') or {}
    failures += sum('error' in r for r in paper.get('rows', []))
    failures += sum(
        stage.get('rc') not in (0, None) for stage in stages.values())
    return failures


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    if args.stage:  # one stage, in its own process
        result = paper_size(args.dry_run) if args.stage == 'paper-size' \
            else fashion(args)
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=1)
        return 0
    start = time.perf_counter()
    os.makedirs(args.out, exist_ok=True)
    report = dict(
        when=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
        dry_run=args.dry_run,
        stages={})
    if not args.no_install:
        report['stages']['install'] = install(args.bundle, args.out)
        if report['stages']['install'].get('rc'):
            return finish(report, args, start)
        if not report['stages']['install']['editable']:
            os.environ['PYTHONPATH'] = os.pathsep.join(
                filter(None, [REPO, os.environ.get('PYTHONPATH')]))
    work = tempfile.mkdtemp(prefix='gpu_evidence_')
    demo = run_logged([
        sys.executable, 'tools/misc/make_demo_data.py', '--out',
        osp.join(work, 'demo')
    ] + (['--limit', '120'] if args.dry_run else []),
                      osp.join(args.out, 'demo_data.log'), 120)
    report['stages']['demo data'] = demo
    left = args.budget_s - (time.perf_counter() - start)
    for stage in STAGES:
        json_out = osp.join(args.out, f'{stage}.json')
        result = run_logged(
            stage_cmd(stage, args, json_out, work),
            osp.join(args.out, f'{stage}.log'), left * SHARES[stage])
        if stage == 'smoke':
            result['runs'] = smoke_runs(result['log'])
        elif osp.isfile(json_out):
            result['result'] = json.load(open(json_out))
        report['stages'][stage] = result
    return finish(report, args, start)


def finish(report: dict, args: argparse.Namespace, start: float) -> int:
    probe = subprocess.run([
        sys.executable, '-c', 'import torch; print(torch.__version__); '
        'print(torch.cuda.get_device_name() '
        'if torch.cuda.is_available() else "cpu")'
    ],
                           capture_output=True,
                           text=True)
    versions = probe.stdout.split('\n')
    report['torch'] = versions[0] if probe.returncode == 0 else 'unknown'
    report['device'] = versions[1] if probe.returncode == 0 else 'unknown'
    report['seconds'] = round(time.perf_counter() - start, 1)
    report['failed_runs'] = failed_runs(report)
    with open(osp.join(args.out, 'evidence.json'), 'w') as f:
        json.dump(report, f, indent=1)
    text = markdown(report)
    with open(osp.join(args.out, 'evidence.md'), 'w') as f:
        f.write(text)
    print(text)
    return 1 if report['failed_runs'] else 0


if __name__ == '__main__':
    sys.exit(main())
