# Copyright (c) tstkd_plugin contributors.
"""The student of a distillation checkpoint, rebuilt as a task model."""
from typing import Dict, Tuple

import torch
from mmengine.config import Config
from mmengine.model import BaseModel
from mmengine.registry import init_default_scope
from torch import nn

from ..registry import MODELS

# state dict keys of the student in an mmrazor distillation algorithm
STUDENT_PREFIX = 'architecture.'


def student_state_dict(
        state_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Keys under ``architecture.`` with the prefix removed.

    Raises:
        ValueError: no key has the prefix (not a distillation checkpoint).
    """
    student = {
        k[len(STUDENT_PREFIX):]: v
        for k, v in state_dict.items() if k.startswith(STUDENT_PREFIX)
    }
    if not student:
        some = ', '.join(list(state_dict)[:5])
        raise ValueError(
            f'no key starts with {STUDENT_PREFIX!r} (found: {some}, ...): '
            'expected the checkpoint of an mmrazor distillation algorithm.')
    return student


def build_student(
        cfg: Config,
        state_dict: Dict[str, torch.Tensor]) -> Tuple[BaseModel, nn.Module]:
    """The trained student of a distillation run, in eval mode, and the data
    preprocessor that fed it.

    Args:
        cfg: the distillation config (``model.architecture`` is the student).
        state_dict: the distillation checkpoint's state dict.

    Returns:
        The student (the task library's model) with the checkpoint's weights,
        and the algorithm's data preprocessor (the student's own when the
        algorithm does not set one), both on the CPU in eval mode.
    """
    if 'architecture' not in cfg.get('model', {}):
        raise ValueError(
            'model.architecture: expected the student of an mmrazor '
            'distillation config, the config has none')
    init_default_scope(cfg.get('default_scope', 'mmrazor'))
    student = MODELS.build(cfg.model.architecture)
    # strict: a student that misses or adds weights is not the trained one
    student.load_state_dict(student_state_dict(state_dict), strict=True)
    preprocessor_cfg = cfg.model.get('data_preprocessor')
    preprocessor = MODELS.build(preprocessor_cfg) if preprocessor_cfg \
        else student.data_preprocessor
    return student.eval(), preprocessor.eval()
