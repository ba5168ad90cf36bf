# Copyright (c) tstkd_plugin contributors.
from typing import Dict, List, Union

from mmengine.evaluator import Evaluator
from mmengine.runner import ValLoop
from mmrazor.engine import SingleTeacherDistillValLoop
from torch.utils.data import DataLoader

from ..registry import LOOPS


@LOOPS.register_module()
class DistillValLoop(SingleTeacherDistillValLoop):
    """mmrazor's ``SingleTeacherDistillValLoop`` (student, then teacher, its
    metrics as ``teacher.*``) that validates the teacher only as often as
    asked. The teacher does not change while the student is distilled, so
    after its first score every later one repeats it; on COCO or Cityscapes
    each costs as much as the student's validation.

    Args:
        runner (Runner): The runner.
        dataloader (DataLoader | dict): The validation data.
        evaluator (Evaluator | dict | list): The metrics.
        fp16 (bool): Whether to validate in fp16. Defaults to False.
        validate_teacher (str): ``'always'`` (mmrazor's loop), ``'first'``
            (the first validation of the run only, e.g. to check the
            teacher checkpoint; after a resume, again once) or ``'never'``.
            Defaults to ``'first'``.
    """

    CHOICES = ('always', 'first', 'never')

    def __init__(self,
                 runner,
                 dataloader: Union[DataLoader, Dict],
                 evaluator: Union[Evaluator, Dict, List],
                 fp16: bool = False,
                 validate_teacher: str = 'first') -> None:
        if validate_teacher not in self.CHOICES:
            raise ValueError(f'val_cfg.validate_teacher: expected one of '
                             f'{self.CHOICES}, got {validate_teacher!r}')
        super().__init__(runner, dataloader, evaluator, fp16)
        self.validate_teacher = validate_teacher
        self.teacher_validated = False

    def run(self) -> None:
        """Validate the student, and the teacher when it is its turn."""
        if self.validate_teacher == 'always' or (
                self.validate_teacher == 'first'
                and not self.teacher_validated):
            self.teacher_validated = True
            return super().run()
        return ValLoop.run(self)
