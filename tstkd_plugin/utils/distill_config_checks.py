# Copyright (c) tstkd_plugin contributors.
"""Checks that turn a bad distillation config into a clear error at build time.

Each error names the config key at fault and what was expected, so a wrong
path or name fails when the runner is built, not after hours of training.
"""
import difflib
import os.path as osp
from typing import Dict, Iterable, Optional, Set

from mmengine.runner import load_checkpoint
from torch import nn

from ..checkpoint_safety import CheckpointLoadError

# Recorder types that look up ``source`` among the model's modules/parameters.
MODULE_RECORDERS = ('ModuleOutputs', 'ModuleInputs', 'ModuleOutputsRecorder',
                    'ModuleInputsRecorder')
PARAMETER_RECORDERS = ('Parameter', 'ParameterRecorder')
REMOTE_PREFIXES = ('http://', 'https://', 's3://', 'open-mmlab://',
                   'torchvision://', 'modelzoo://', 'mmcls://', 'pavi://')


def _did_you_mean(name: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=3)
    return f' Did you mean {", ".join(map(repr, close))}?' if close else ''


def check_teacher_ckpt_exists(path: Optional[str],
                              key: str = 'model.teacher_ckpt') -> None:
    """A local teacher checkpoint must exist before anything is built."""
    if not path or str(path).startswith(REMOTE_PREFIXES):
        return
    if not osp.isfile(osp.expanduser(path)):
        raise FileNotFoundError(
            f'{key}: no file at {path!r}; expected the path (or URL) of the '
            "teacher's checkpoint, e.g. work_dirs/teacher/epoch_30.pth.")


def load_teacher_checkpoint(teacher: nn.Module,
                            path: str,
                            strict: bool,
                            key: str = 'model.teacher_ckpt') -> None:
    """Load the teacher's weights, naming ``key`` in any failure.

    Args:
        teacher (nn.Module): The built teacher.
        path (str): Checkpoint path or URL.
        strict (bool): Whether every teacher parameter must be in the file and
            every tensor of the file in the teacher. A teacher with missing
            weights silently teaches noise, so this is the default.
        key (str): The config key of ``path``, for messages.
    """
    try:
        load_checkpoint(teacher, path, map_location='cpu', strict=strict)
    except CheckpointLoadError as e:  # damaged, or a refused global
        raise ValueError(f'{key}: {path!r} is not a loadable checkpoint: '
                         f'it {e.reason}') from None
    except RuntimeError as e:
        if any(
                m in str(e)
                for m in ('missing keys', 'unexpected key', 'size mismatch')):
            raise ValueError(
                f'{key}: {path!r} does not fit the teacher (model.teacher): '
                f'{e}. Expected a checkpoint of the same architecture; set '
                'model.teacher_ckpt_strict=False to load it partially.') from e
        raise ValueError(f'{key}: {path!r} is not a loadable checkpoint: '
                         f'{e}') from e
    except Exception as e:  # not a zip/pickle, truncated, disallowed global
        raise ValueError(f'{key}: {path!r} is not a loadable checkpoint '
                         f'({type(e).__name__}: {e}).') from e


def num_classes_of(model: nn.Module) -> Dict[str, int]:
    """``num_classes`` of every submodule that declares one (heads)."""
    return {
        name: module.num_classes
        for name, module in model.named_modules()
        if isinstance(getattr(module, 'num_classes', None), int)
    }


def check_same_num_classes(student: nn.Module, teacher: nn.Module) -> None:
    """Logit distillation needs the teacher to predict the student's
    classes."""
    student_classes, teacher_classes = (num_classes_of(student),
                                        num_classes_of(teacher))
    values_s: Set[int] = set(student_classes.values())
    values_t: Set[int] = set(teacher_classes.values())
    if values_s and values_t and values_s != values_t:
        where_s = ', '.join(f'{k or "<model>"}={v}'
                            for k, v in student_classes.items())
        where_t = ', '.join(f'{k or "<model>"}={v}'
                            for k, v in teacher_classes.items())
        raise ValueError(
            'model.architecture and model.teacher disagree on the number of '
            f'classes: student {where_s}; teacher {where_t}. Expected the '
            'same num_classes in both heads (or set '
            'model.check_num_classes=False for feature-only distillation).')


def check_recorder_sources(distiller: dict, student: nn.Module,
                           teacher: nn.Module) -> None:
    """Each recorder must name a module (or parameter) of its model."""
    for side, model, model_key in (('student', student, 'model.architecture'),
                                   ('teacher', teacher, 'model.teacher')):
        recorders = distiller.get(f'{side}_recorders') or {}
        for name, cfg in recorders.items():
            key = f'model.distiller.{side}_recorders.{name}.source'
            kind = cfg.get('type')
            if kind in MODULE_RECORDERS:
                names = dict(model.named_modules())
            elif kind in PARAMETER_RECORDERS:
                names = dict(model.named_parameters())
            else:
                continue
            source = cfg.get('source')
            if source not in names:
                raise ValueError(
                    f'{key}: {source!r} is not a '
                    f'{"module" if kind in MODULE_RECORDERS else "parameter"}'
                    f' of the {side} ({model_key}).' +
                    _did_you_mean(str(source), names))


def build_named(cfg: dict, key: str, registry=None):
    """Build ``cfg``; a ``ValueError`` of the component (``'tau: expected
    ...'``) is raised again with the config key in front
    (``'model.distiller.distill_losses.loss_dist.tau: expected ...'``)."""
    from ..registry import MODELS
    try:
        return (registry or MODELS).build(cfg)
    except ValueError as e:
        message = str(e)
        if message.startswith('model.'):
            raise
        raise ValueError(f'{key}.{message}' if ':' in
                         message.split(' ')[0] else f'{key}: {message}') from e


def check_distill_losses(distiller: dict) -> None:
    """Build each distillation loss once, so that a bad argument is named
    by its config key."""
    for name, loss in (distiller.get('distill_losses') or {}).items():
        build_named(loss, f'model.distiller.distill_losses.{name}')
