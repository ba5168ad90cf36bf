# Copyright (c) tstkd_plugin contributors.
"""Misconfigurations, tried systematically: each fails before the first
training iteration updates anything, with a message naming the config key.

``docs/en/notes/misconfigurations.md`` is this table in prose; keep them
together.
"""
import os
import os.path as osp
import pickle

import pytest
import torch
from mmengine.config import Config, ConfigDict
from mmengine.runner import Runner
from mmrazor.registry import MODELS

from conftest import REPO, small_run_cfg, use_stand_in_teacher

CLS = 'configs/{}/mmpretrain/{}_resnet18-w32_resnet18-w8_digits.py'
KD = CLS.format('baselines', 'kd_logits')
DIST = CLS.format('dist', 'dist_logits')
TST = CLS.format('tst', 'tst_kd_logits')
SOKD = CLS.format('sokd', 'sokd_kd_logits')
TST_SEG = 'configs/tst/mmseg/tst_kd_logits_pspnet_r18-w32_r18-w8_digits.py'
KD_DISTILLER = Config.fromfile(osp.join(REPO, KD)).model.distiller.to_dict()


class Exploit:
    """A pickle payload that would create a file when unpickled."""

    def __reduce__(self):
        return (open, ('/tmp/tstkd_exploit_ran', 'w'))


def teacher_file(kind: str, cfg, tmp_path) -> str:
    path = str(tmp_path / f'{kind}.pth')
    if kind == 'text':
        with open(path, 'w') as f:
            f.write('not a checkpoint')
    elif kind == 'student':  # a checkpoint of another architecture
        torch.save(
            {'state_dict': MODELS.build(cfg.model.architecture).state_dict()},
            path)
    elif kind == 'crafted':
        with open(path, 'wb') as f:
            pickle.dump({'state_dict': Exploit()}, f)
    return path


def set_key(cfg, dotted: str, value) -> None:
    *parents, last = dotted.split('.')
    node = cfg
    for key in parents:
        node = node[key]
    node[last] = value


# id -> (config, {dotted key: value} or a teacher-checkpoint kind, expected
# exception, regex of the message)
CASES = {
    'teacher checkpoint missing': (KD, {
        'model.teacher_ckpt':
        'work_dirs/nowhere/epoch_8.pth'
    }, FileNotFoundError, r'model\.teacher_ckpt: no file at'),
    'teacher checkpoint not a checkpoint':
    (KD, 'text', ValueError,
     r'model\.teacher_ckpt: .* is not a loadable checkpoint'),
    'teacher checkpoint of another model':
    (KD, 'student', ValueError,
     r'model\.teacher_ckpt: .* does not fit the teacher'),
    'teacher checkpoint with a code payload':
    (KD, 'crafted', ValueError,
     r'model\.teacher_ckpt: .* is not a loadable checkpoint'),
    'teacher and student class counts differ':
    (KD, {
        'model.architecture.head.num_classes': 5
    }, ValueError,
     r'model\.architecture and model\.teacher disagree on the number '
     r'of classes'),
    'student recorder source missing':
    (KD, {
        'model.distiller.student_recorders.fc.source': 'head.fcc'
    }, ValueError, r"model\.distiller\.student_recorders\.fc\.source: "
     r"'head\.fcc' is not a module of the student.*Did you mean "
     r"'head\.fc'"),
    'teacher recorder source missing': (KD, {
        'model.distiller.teacher_recorders.fc.source':
        'neck.fc'
    }, ValueError, r'model\.distiller\.teacher_recorders\.fc\.source'),
    'DIST temperature not positive': (DIST, {
        'model.distiller.distill_losses.loss_dist.tau':
        0
    }, ValueError, r'model\.distiller\.distill_losses\.loss_dist\.tau: '
                                      r'expected a positive'),
    'DIST unknown activation': (DIST, {
        'model.distiller.distill_losses.loss_dist.activation':
        'relu'
    }, ValueError, r'model\.distiller\.distill_losses\.loss_dist\.activation'),
    'TST unknown op name':
    (TST, {
        'model.augmenter.ops': ['Rotate', 'Sharpen']
    }, ValueError,
     r"model\.augmenter\.ops: unknown operation\(s\) \['Sharpen'\]"),
    'TST initial magnitude outside (0, 1)':
    (TST, {
        'model.augmenter.init_magnitude': 1.5
    }, ValueError,
     r'model\.augmenter\.init_magnitude: expected values in \(0, 1\)'),
    'TST more ops per call than ops': (TST, {
        'model.augmenter.num_ops': 20
    }, ValueError, r'model\.augmenter\.num_ops'),
    'TST phase schedule not increasing': (TST, {
        'train_cfg.augment_epochs': [3, 1]
    }, ValueError, r'train_cfg\.augment_epochs: expected increasing'),
    'TST epoch loop on an iteration-based schedule': (TST_SEG, {
        'train_cfg.type':
        'mmrazor.TSTEpochBasedTrainLoop'
    }, ValueError, r'train_cfg\.augment_iters: TSTEpochBasedTrainLoop '
                                                      r'takes augment_epochs'),
    'TST loop without a TST model': (KD, {
        'train_cfg':
        dict(type='TSTEpochBasedTrainLoop', max_epochs=1, augment_epochs=[0])
    }, ValueError, r'train_cfg\.type: TSTEpochBasedTrainLoop needs model\.'
                                     r'type TSTDistill'),
    'TST phase hook of an old config': (TST, {
        'custom_hooks': [dict(type='TSTPhaseHook', augment_epochs=[0])]
    }, ValueError, r"custom_hooks: TSTPhaseHook is replaced by the train "
                                        r"loop train_cfg=dict\(type="
                                        r"'TSTEpochBasedTrainLoop', "
                                        r'augment_epochs=\[0\]'),
    'TST with a single optimizer':
    (TST,
     {
         'optim_wrapper': dict(optimizer=dict(type='SGD', lr=0.1))
     }, ValueError, r"optim_wrapper: TSTDistill needs an optimizer-wrapper "
     r"dict with the keys \['architecture', 'augmenter'\]"),
    'TST geometric ops without target transforms': (TST_SEG, {
        'model.augmenter.geometry':
        'residual'
    }, ValueError, r'model\.augmenter\.geometry'),
    'SoKD without a search schedule':
    (SOKD,
     {
         'model.search_epochs': None
     }, ValueError,
     r"model: SoKD's policy search needs exactly one of search_epochs and "
     r'search_iters'),
    'SoKD unknown search mode':
    (SOKD,
     {
         'model.search': 'second_order'
     }, ValueError,
     r"model\.search: expected one of \('first_order', 'unrolled', "
     r"'unrolled_implicit'\)"),
    'SoKD on a plain distiller':
    (SOKD,
     {
         'model.distiller': KD_DISTILLER
     }, ValueError,
     r'model\.distiller\.type: SoKDDistill needs SoKDDistiller; got '
     r'ConfigurableDistiller'),
    'SoKD pair recorder missing':
    (SOKD,
     {
         'model.distiller.sokd_pairs.layer2.student_recorder': 'x'
     }, ValueError, r"model\.distiller\.sokd_pairs\.layer2\.student_recorder:"
     r" 'x' is not in model\.distiller\.student_recorders"),
    'SoKD pair without channels': (SOKD, {
        'model.distiller.sokd_pairs.layer2':
        dict(student_recorder='sokd_layer2', teacher_recorder='sokd_layer2')
    }, ValueError, r"model\.distiller\.sokd_pairs\.layer2: missing "
                                   r"\['channels'\]"),
    'SoKD pair adapter missing': (SOKD, {
        'model.distiller.sokd_pairs.layer2.connector':
        'adapter'
    }, ValueError, r'model\.distiller\.sokd_pairs\.layer2\.connector'),
    'SoKD unknown feature op': (SOKD, {
        'model.distiller.feature_augment.ops': ['Rotate', 'Blur']
    }, ValueError, r'model\.distiller\.feature_augment\.ops: unknown'),
    'SoKD DAM box sizes reversed': (SOKD, {
        'model.distiller.dam.min_size': 0.5,
        'model.distiller.dam.max_size': 0.2
    }, ValueError, r'model\.distiller\.dam: min_size, max_size: expected 0 < '
                                    r'min_size <= max_size'),
    'SoKD optimizer without the policy key':
    (SOKD,
     {
         'optim_wrapper.feature_augment': None
     }, ValueError,
     r'optim_wrapper: SoKDOptimWrapperConstructor needs the keys '
     r"\['architecture', 'feature_augment'\].*got \['architecture'\]"),
    'SoKD adapter to the wrong width':
    (SOKD,
     {
         'model.distiller.connectors.sokd_layer2_adapter.out_channel': 32
     }, ValueError,
     r'model\.distiller\.sokd_pairs: the student feature .* has shape '
     r'\(4, 32, 16, 16\), the teacher feature \(4, 64, 16, 16\)'),
}


@pytest.mark.parametrize('case', sorted(CASES))
def test_misconfiguration_fails_before_training_naming_the_key(
        case, demo_data, tmp_path):
    config, change, error, message = CASES[case]
    cfg = small_run_cfg(
        osp.join(REPO, config), demo_data, str(tmp_path / 'work'))
    cfg.train_dataloader.batch_size = 4
    use_stand_in_teacher(cfg, str(tmp_path / 'teacher.pth'))
    if isinstance(change, str):
        cfg.model.teacher_ckpt = teacher_file(change, cfg, tmp_path)
    else:
        for key, value in change.items():
            if key == 'optim_wrapper.feature_augment':
                cfg.optim_wrapper.pop('feature_augment')
            else:
                set_key(
                    cfg, key,
                    ConfigDict(value) if isinstance(value, dict) else value)
    updated = []

    def record(*args, **kwargs):
        updated.append(True)

    with pytest.raises(error, match=message) as raised:
        runner = Runner.from_cfg(cfg)
        for wrapper in (runner.build_optim_wrapper(runner.optim_wrapper), ):
            runner.optim_wrapper = wrapper
            for w in (wrapper.values()
                      if hasattr(wrapper, 'values') else [wrapper]):
                w.step = record
        runner.train()
    assert not updated  # no optimizer step happened
    assert not osp.exists('/tmp/tstkd_exploit_ran')
    table = os.environ.get('TSTKD_MISCONFIG_TABLE')
    if table:  # docs/en/notes/misconfigurations.md is written from these rows
        text = str(raised.value).replace('|', '\\|').replace('\n', ' ')
        with open(table, 'a') as f:
            f.write(f'| {case} | `{osp.basename(config)}` | '
                    f'{type(raised.value).__name__}: {text} |\n')
