# Copyright (c) tstkd_plugin contributors.
# isort: skip_file  (the plugin is imported first: its compatibility fixes
# must be in place before mmrazor loads)
"""Convert a CRD / mdistiller CIFAR-100 checkpoint to this zoo's keys.

The public CIFAR-100 teachers the distillation papers start from (CRD's
``save/models/<model>_vanilla/ckpt_epoch_240.pth``, which mdistiller
re-publishes as ``cifar_teachers``) hold ``{'model': state_dict, ...}`` in
CRD's module names (``block1.layer.0.convShortcut``, ``fc``, ...). The zoo
(``tstkd_plugin/cifar_zoo``) follows CRD's definitions layer for layer with
mmpretrain's names (``backbone.block1.0.shortcut``, ``head.fc``), so both
state dicts list the same tensors in the same order: they are matched by
position, and every pair must agree in shape (a checkpoint of another
network fails, naming the first pair that does not). BatchNorm's
``num_batches_tracked`` counters, which not every checkpoint keeps, are not
matched; the converted file has the zoo's.

The output is an mmengine checkpoint of the config's model: the teacher of a
pair config (``model.teacher_ckpt``) or ``load_from`` of a baseline config.

Example:
    python tools/model_converters/crd_cifar_to_tstkd.py \
        configs/baselines/mmpretrain/cifar100/resnet32x4_cifar100.py \
        save/models/resnet32x4_vanilla/ckpt_epoch_240.pth \
        work_dirs/resnet32x4_cifar100/epoch_240.pth
"""
import argparse
import os
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Tuple

import torch

import tstkd_plugin  # noqa: F401  (compat fixes, the zoo's registration)
from mmengine.config import Config
from mmpretrain.registry import MODELS
from tstkd_plugin.apis import add_trusted_checkpoints_arg, checkpoint_loading
from tstkd_plugin.checkpoint_safety import load_checkpoint_file

COUNTER = 'num_batches_tracked'


def matched_tensors(state_dict: Dict[str, torch.Tensor]) -> List[Tuple]:
    """The (key, tensor) pairs that are matched by position."""
    return [(k, v) for k, v in state_dict.items() if not k.endswith(COUNTER)]


def convert(source: Dict[str, torch.Tensor],
            target: Dict[str, torch.Tensor]) -> OrderedDict:
    """``target``'s keys with ``source``'s tensors, paired by position.

    Args:
        source (dict): The CRD state dict.
        target (dict): The zoo model's state dict (its keys, order and
            shapes; its counters are kept).

    Raises:
        ValueError: The two do not list the same number of tensors, or a
            pair differs in shape.
    """
    ours, theirs = matched_tensors(target), matched_tensors(source)
    if len(ours) != len(theirs):
        raise ValueError(
            f'the checkpoint has {len(theirs)} tensors and the config\'s '
            f'model {len(ours)} (not counting {COUNTER}): expected the '
            'CRD checkpoint of the network the config builds')
    converted = OrderedDict(target)
    for (key, mine), (their_key, tensor) in zip(ours, theirs):
        if tuple(tensor.shape) != tuple(mine.shape):
            raise ValueError(
                f'{their_key!r} {tuple(tensor.shape)} does not fit {key!r} '
                f'{tuple(mine.shape)}: expected the CRD checkpoint of the '
                'network the config builds')
        converted[key] = tensor.to(mine.dtype)
    return converted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='the zoo network\'s config')
    parser.add_argument('checkpoint', help='CRD / mdistiller checkpoint')
    parser.add_argument('out', help='where to write the converted checkpoint')
    add_trusted_checkpoints_arg(parser)
    args = parser.parse_args()

    with checkpoint_loading(args):
        checkpoint = load_checkpoint_file(args.checkpoint, map_location='cpu')
    source = checkpoint.get('model', checkpoint) \
        if isinstance(checkpoint, dict) else None
    if not isinstance(source, dict):
        raise ValueError(f'{args.checkpoint}: expected a dict with the '
                         f'state dict under "model", got '
                         f'{type(checkpoint).__name__}')
    model = MODELS.build(Config.fromfile(args.config).model)
    converted = convert(source, model.state_dict())
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    torch.save(
        dict(
            state_dict=converted,
            meta=dict(
                converted_from=osp.abspath(args.checkpoint),
                converter=f'tstkd_plugin {tstkd_plugin.__version__}')),
        args.out)
    print(f'{len(matched_tensors(converted))} tensors written to {args.out}')


if __name__ == '__main__':
    main()
