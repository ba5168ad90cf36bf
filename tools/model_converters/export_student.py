# Copyright (c) tstkd_plugin contributors.
# isort: skip_file  (the plugin is imported first: its compatibility fixes
# must be in place before mmrazor loads)
"""Export the student of a distillation checkpoint as a plain mm checkpoint.

The result has the task model's own keys (no ``architecture.`` prefix, no
teacher, no distiller or augmenter state) and nothing but tensors and plain
data, so the task library's own tools load it, e.g. mmpretrain's
``tools/test.py`` with the student's config. Its ``meta`` keeps what the mm
tools read from a checkpoint: ``dataset_meta`` (class names and palette, which
mmdet's and mmseg's inferencers show) and the run's counters; not ``cfg``,
which is the distillation config, not the student's.

Example:
    python tools/model_converters/export_student.py \
        work_dirs/kd/epoch_8.pth student.pth
"""
import argparse
import os
import os.path as osp
from collections import OrderedDict
from typing import Dict

import torch

import tstkd_plugin  # noqa: F401,I001  (compat fixes)
from tstkd_plugin.apis import add_trusted_checkpoints_arg, checkpoint_loading
from tstkd_plugin.compat import load_checkpoint_file

STUDENT_PREFIX = 'architecture.'
# meta keys of an mmengine checkpoint that describe the student as well
KEPT_META = ('dataset_meta', 'epoch', 'iter', 'seed', 'experiment_name',
             'time', 'mmengine_version')


def student_state_dict(state_dict: Dict[str, torch.Tensor]) -> OrderedDict:
    """Keys under ``architecture.`` with the prefix removed."""
    student = OrderedDict((k[len(STUDENT_PREFIX):], v)
                          for k, v in state_dict.items()
                          if k.startswith(STUDENT_PREFIX))
    if not student:
        some = ', '.join(list(state_dict)[:5])
        raise ValueError(
            f'no key starts with {STUDENT_PREFIX!r} (found: {some}, ...): '
            'expected the checkpoint of an mmrazor distillation algorithm.')
    return student


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('checkpoint', help='distillation checkpoint (.pth)')
    parser.add_argument('out', help='where to write the student checkpoint')
    add_trusted_checkpoints_arg(parser)
    args = parser.parse_args()

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


if __name__ == '__main__':
    main()
