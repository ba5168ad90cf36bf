# Copyright (c) tstkd_plugin contributors.
from typing import Dict, Optional, Tuple, Union

import torch
from mmengine.logging import MessageHub
from mmengine.model import BaseModel
from mmrazor.models import SingleTeacherDistill

from ..engine.float32 import compute_losses_in_float32
from ..registry import MODELS
from ..utils.distill_config_checks import (check_distill_losses,
                                           check_recorder_sources,
                                           check_same_num_classes,
                                           check_teacher_ckpt_exists,
                                           load_teacher_checkpoint)


def channels_last_inputs(module: torch.nn.Module, args: tuple,
                         output: dict) -> dict:
    """A forward hook of a data preprocessor: its batch of images in the
    channels-last memory format."""
    inputs = output.get('inputs') if isinstance(output, dict) else None
    if torch.is_tensor(inputs) and inputs.dim() == 4:
        output['inputs'] = inputs.contiguous(memory_format=torch.channels_last)
    return output


@MODELS.register_module()
class CheckedSingleTeacherDistill(SingleTeacherDistill):
    """mmrazor's ``SingleTeacherDistill`` that checks its config first.

    A drop-in replacement: the same arguments and training step. Before
    anything heavy runs it checks that the teacher checkpoint exists, that
    teacher and student predict the same number of classes and that every
    recorder names a module of its model; each failure names the config key.
    The teacher checkpoint is loaded strictly by default, because a teacher
    with missing weights teaches noise without any error.

    A teacher that is not trained is wholly in eval mode during training
    (dropout off, as the DIST and TST references' ``t_model.eval()``);
    mmrazor puts only its norm layers in eval mode (``teacher_norm_eval``),
    so a teacher with dropout (every mmseg decode head) would distil
    perturbed targets.

    Under AMP every distillation loss gets its inputs in float32
    (:mod:`tstkd_plugin.engine.float32`): a half-precision sum of squares
    over a feature map overflows; in float32 training nothing changes.

    Args:
        architecture (dict | BaseModel): The student.
        teacher (dict | BaseModel): The teacher.
        distiller (dict): The distiller config.
        teacher_ckpt (str, optional): Path or URL of the teacher's
            checkpoint. Defaults to None.
        teacher_ckpt_strict (bool): Whether the checkpoint must match the
            teacher's keys exactly. Defaults to True.
        check_num_classes (bool): Whether to require the same number of
            classes in teacher and student heads. Defaults to True.
        teacher_eval (bool): Whether a teacher that is not trainable is
            wholly in eval mode when the algorithm trains. False keeps
            mmrazor's behaviour (only norm layers, per
            ``teacher_norm_eval``). Defaults to True.
        channels_last (bool): Whether student, teacher and the other
            modules keep their 4-D weights, and the preprocessed images,
            in the channels-last memory format (faster convolutions on
            tensor-core GPUs; the same values). Defaults to False.
        **kwargs: The other arguments of ``SingleTeacherDistill``.
    """

    def __init__(self,
                 architecture: Union[BaseModel, Dict],
                 teacher: Union[BaseModel, Dict],
                 distiller: dict,
                 teacher_ckpt: Optional[str] = None,
                 teacher_ckpt_strict: bool = True,
                 check_num_classes: bool = True,
                 teacher_eval: bool = True,
                 channels_last: bool = False,
                 **kwargs) -> None:
        check_teacher_ckpt_exists(teacher_ckpt)
        architecture = self._build(architecture)
        teacher = self._build(teacher)
        if check_num_classes:
            check_same_num_classes(architecture, teacher)
        check_recorder_sources(distiller, architecture, teacher)
        check_distill_losses(distiller)
        super().__init__(
            architecture=architecture,
            teacher=teacher,
            distiller=distiller,
            teacher_ckpt=None,
            **kwargs)
        self.teacher_eval = teacher_eval and not self.teacher_trainable
        compute_losses_in_float32(self.distiller.distill_losses)
        self.train(self.training)
        if teacher_ckpt:
            load_teacher_checkpoint(self.teacher, teacher_ckpt,
                                    teacher_ckpt_strict)
            # keep the loaded weights when the runner calls init_weights()
            self.teacher._is_init = True
        self.channels_last = channels_last
        if channels_last:
            self.to(memory_format=torch.channels_last)
            self.data_preprocessor.register_forward_hook(channels_last_inputs)

    def train(self, mode: bool = True) -> 'CheckedSingleTeacherDistill':
        """mmrazor's modes, and the whole teacher in eval mode when
        ``teacher_eval``."""
        super().train(mode)
        if getattr(self, 'teacher_eval', False):  # set after mmrazor's init
            self.teacher.eval()
        return self

    def parse_losses(self, losses: dict) -> Tuple[torch.Tensor, dict]:
        """mmengine's ``parse_losses`` that stops on a NaN or Inf loss.

        It runs before every optimizer step (ours and mmengine's DDP
        wrapper's), so a non-finite loss stops training with its name and
        the iteration before it can reach the weights.
        """
        for name, value in losses.items():
            values = value if isinstance(value, (list, tuple)) else [value]
            for v in values:
                if torch.is_tensor(v) and not torch.isfinite(v).all():
                    iteration = MessageHub.get_current_instance() \
                        .runtime_info.get('iter', 0)
                    raise FloatingPointError(
                        f'{name} is {v.detach().flatten()[:4].tolist()} at '
                        f'iteration {iteration}: stopping before the weights '
                        'are updated (check this loss, its inputs and the '
                        'learning rates)')
        return super().parse_losses(losses)

    @staticmethod
    def _build(model: Union[BaseModel, Dict]) -> BaseModel:
        return MODELS.build(model) if isinstance(model, dict) else model
