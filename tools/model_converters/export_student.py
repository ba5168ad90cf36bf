# Copyright (c) tstkd_plugin contributors.
# isort: skip_file  (the plugin is imported first: its compatibility fixes
# must be in place before mmrazor loads)
"""Export the student of a distillation checkpoint: a plain mm checkpoint, and
with ``--onnx`` an ONNX model checked against PyTorch on the val set.

The result has the task model's own keys (no ``architecture.`` prefix, no
teacher, no distiller or augmenter state) and nothing but tensors and plain
data, so the task library's own tools load it, e.g. mmpretrain's
``tools/test.py`` with the student's config. Its ``meta`` keeps what the mm
tools read from a checkpoint: ``dataset_meta`` (class names and palette, which
mmdet's and mmseg's inferencers show) and the run's counters; not ``cfg``,
which is the distillation config, not the student's.

With ``--onnx FILE`` the student is also exported to ONNX (opset 17,
dynamic batch size; ``pip install tstkd_plugin[deploy]``): the classifier
to its logits, the segmentor to per-pixel logits, a one-stage detector to
its head outputs before NMS; the input is the data preprocessor's output,
whose normalisation is stored in the model's metadata. The exported model
is then run with onnxruntime on the config's val set next to the PyTorch
student: the tool prints the largest differences and the val metrics of
both, and refuses the export (exit 1, the file renamed ``FILE.rejected``)
when an output differs beyond ``|diff| <= atol + rtol * |value|``. The
config is the one saved in the checkpoint unless ``--config`` is given.

Example:
    python tools/model_converters/export_student.py \
        work_dirs/kd/epoch_8.pth student.pth
    python tools/model_converters/export_student.py \
        work_dirs/kd/epoch_8.pth student.pth --onnx student.onnx
"""
import argparse
import json
import os
import os.path as osp
import sys
import time
from dataclasses import asdict

import torch
from mmengine.config import Config, DictAction

import tstkd_plugin  # noqa: F401,I001  (compat fixes)
from tstkd_plugin.apis import add_trusted_checkpoints_arg, checkpoint_loading
from tstkd_plugin.checkpoint_safety import load_checkpoint_file
from tstkd_plugin.deploy import DEFAULT_OPSET, student_state_dict

# meta keys of an mmengine checkpoint that describe the student as well
KEPT_META = ('dataset_meta', 'epoch', 'iter', 'seed', 'experiment_name',
             'time', 'mmengine_version')


def export_checked_onnx(args: argparse.Namespace, cfg: Config,
                        state_dict: dict) -> bool:
    """Export the student to ``args.onnx`` and check it; False if refused."""
    from mmengine.runner import Runner

    from tstkd_plugin.deploy import (build_student, check_onnx, export_onnx,
                                     format_check, preprocessing_metadata,
                                     student_graph, write_metadata)
    for key in ('val_dataloader', 'val_evaluator'):
        if not cfg.get(key):
            raise ValueError(
                f'{key}: the ONNX export is checked on the val set, and the '
                'config has none (give one with --config or --cfg-options)')
    student, preprocessor = build_student(cfg, state_dict)
    graph = student_graph(student)
    dataloader = Runner.build_dataloader(cfg.val_dataloader)
    example = preprocessor(next(iter(dataloader)), False)['inputs']
    os.makedirs(osp.dirname(osp.abspath(args.onnx)), exist_ok=True)
    unchecked = args.onnx + '.unchecked'
    start = time.time()
    names = export_onnx(graph, example, unchecked, args.opset)
    metadata = preprocessing_metadata(preprocessor)
    metadata.update(task=graph.task, outputs=','.join(names))
    write_metadata(unchecked, metadata)
    export_seconds = time.time() - start
    print(f'{graph.task} student exported to ONNX (opset {args.opset}, '
          f'input {tuple(example.shape[1:])} with a dynamic batch, outputs '
          f'{", ".join(names)}) in {export_seconds:.1f} s')
    check = check_onnx(
        unchecked,
        graph,
        preprocessor,
        dataloader,
        cfg.val_evaluator,
        getattr(dataloader.dataset, 'metainfo', None),
        atol=args.atol,
        rtol=args.rtol,
        max_batches=args.check_batches)
    print(format_check(check, args.atol, args.rtol))
    if args.check_out:
        with open(args.check_out, 'w') as f:
            json.dump(
                dict(
                    asdict(check),
                    within_tolerance=check.within_tolerance,
                    atol=args.atol,
                    rtol=args.rtol,
                    opset=args.opset,
                    task=graph.task,
                    export_seconds=export_seconds,
                    torch=torch.__version__),
                f,
                indent=2)
    if not check.within_tolerance:
        os.replace(unchecked, args.onnx + '.rejected')
        print(
            f'refused: onnxruntime differs from PyTorch beyond the tolerance '
            f'(max |diff| {check.max_abs_diff:.3g}); the model is kept as '
            f'{args.onnx}.rejected for inspection',
            file=sys.stderr)
        return False
    os.replace(unchecked, args.onnx)
    print(f'ONNX model written to {args.onnx}')
    return True


def load_config(args: argparse.Namespace, checkpoint: dict) -> Config:
    """``--config``, else the config saved in the checkpoint's meta."""
    if args.config:
        cfg = Config.fromfile(args.config)
    else:
        text = (checkpoint.get('meta') or {}).get('cfg')
        if not isinstance(text, str):
            raise ValueError(
                f'{args.checkpoint}: its meta holds no config; pass the '
                'distillation config with --config')
        cfg = Config.fromstring(text, '.py')
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('checkpoint', help='distillation checkpoint (.pth)')
    parser.add_argument('out', help='where to write the student checkpoint')
    add_trusted_checkpoints_arg(parser)
    parser.add_argument(
        '--onnx',
        help='also export the student to this ONNX file and check '
        'it with onnxruntime on the val set')
    parser.add_argument(
        '--config',
        help='the distillation config (default: the one saved in the '
        'checkpoint); its val_dataloader and val_evaluator score the check')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. the val data root')
    parser.add_argument('--opset', type=int, default=DEFAULT_OPSET)
    parser.add_argument(
        '--atol',
        type=float,
        default=1e-4,
        help='absolute tolerance of the check (see docs/en/user_guides/'
        'train_test_export.md for how it was chosen)')
    parser.add_argument(
        '--rtol',
        type=float,
        default=1e-3,
        help='tolerance relative to the PyTorch value')
    parser.add_argument(
        '--check-batches',
        type=int,
        help='check on the first N val batches only (default: all)')
    parser.add_argument(
        '--check-out',
        help='write the check (differences, metrics, times) '
        'to this JSON file')
    args = parser.parse_args()
    if args.atol < 0 or args.rtol < 0:
        parser.error('--atol and --rtol: expected tolerances >= 0')

    with checkpoint_loading(args):
        checkpoint = load_checkpoint_file(args.checkpoint, map_location='cpu')
    state_dict = checkpoint.get('state_dict', checkpoint) \
        if isinstance(checkpoint, dict) else None
    if not isinstance(state_dict, dict):
        raise ValueError(f'{args.checkpoint}: expected a checkpoint dict with '
                         f'a state_dict, got {type(checkpoint).__name__}')
    student = student_state_dict(state_dict)
    source_meta = checkpoint.get('meta') or {}
    meta = {k: source_meta[k] for k in KEPT_META if k in source_meta}
    meta.update(
        exported_from=osp.abspath(args.checkpoint),
        exporter=f'tstkd_plugin {tstkd_plugin.__version__}')
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    torch.save(dict(state_dict=student, meta=meta), args.out)
    print(f'{len(student)} student tensors written to {args.out}')
    if args.onnx and not export_checked_onnx(args, load_config(
            args, checkpoint), state_dict):
        sys.exit(1)


if __name__ == '__main__':
    main()
