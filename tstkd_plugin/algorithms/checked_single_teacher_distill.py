# Copyright (c) tstkd_plugin contributors.
from typing import Dict, Optional, Union

from mmengine.model import BaseModel
from mmrazor.models import SingleTeacherDistill

from ..registry import MODELS
from ..utils.distill_config_checks import (check_recorder_sources,
                                           check_same_num_classes,
                                           check_teacher_ckpt_exists,
                                           load_teacher_checkpoint)


@MODELS.register_module()
class CheckedSingleTeacherDistill(SingleTeacherDistill):
    """mmrazor's ``SingleTeacherDistill`` that checks its config first.

    A drop-in replacement: the same arguments and training step. Before
    anything heavy runs it checks that the teacher checkpoint exists, that
    teacher and student predict the same number of classes and that every
    recorder names a module of its model; each failure names the config key.
    The teacher checkpoint is loaded strictly by default, because a teacher
    with missing weights teaches noise without any error.

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
        **kwargs: The other arguments of ``SingleTeacherDistill``.
    """

    def __init__(self,
                 architecture: Union[BaseModel, Dict],
                 teacher: Union[BaseModel, Dict],
                 distiller: dict,
                 teacher_ckpt: Optional[str] = None,
                 teacher_ckpt_strict: bool = True,
                 check_num_classes: bool = True,
                 **kwargs) -> None:
        check_teacher_ckpt_exists(teacher_ckpt)
        architecture = self._build(architecture)
        teacher = self._build(teacher)
        if check_num_classes:
            check_same_num_classes(architecture, teacher)
        check_recorder_sources(distiller, architecture, teacher)
        super().__init__(
            architecture=architecture,
            teacher=teacher,
            distiller=distiller,
            teacher_ckpt=None,
            **kwargs)
        if teacher_ckpt:
            load_teacher_checkpoint(self.teacher, teacher_ckpt,
                                    teacher_ckpt_strict)
            # keep the loaded weights when the runner calls init_weights()
            self.teacher._is_init = True

    @staticmethod
    def _build(model: Union[BaseModel, Dict]) -> BaseModel:
        return MODELS.build(model) if isinstance(model, dict) else model
