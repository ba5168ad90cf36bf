# Copyright (c) tstkd_plugin contributors.
import copy
from typing import Any, Dict, List, Optional, Sequence, Tuple

from mmrazor.models.task_modules.recorder import RecorderManager
from mmrazor.models.task_modules.recorder.base_recorder import BaseRecorder
from mmrazor.registry import TASK_UTILS
from torch import nn


@TASK_UTILS.register_module()
class MultiLevelRecorder(BaseRecorder):
    """Several modules' records given as one tuple, one item per level.

    A loss or connector that takes a network's levels as one sequence
    (ReviewKD's ``ABFConnector`` and ``HCLLoss``) reads features that no
    single module returns, e.g. each stage's pre-activation output and the
    pooled vector. Each level is a recorder of its own (built as a
    distiller's recorders are: ``type`` without the ``Recorder`` suffix)
    with the ``record_idx`` and ``data_idx`` that pick its tensor; this
    recorder starts and stops them together and returns their picks, in the
    order given (``type='MultiLevel'``).

    Args:
        levels (Sequence[dict]): Per level, a recorder config plus optional
            ``record_idx`` (default 0) and ``data_idx`` (default None), e.g.
            ``dict(type='ClonedModuleInputs', source='backbone.layer1.1.relu',
            record_idx=1)`` or ``dict(type='ModuleOutputs', source='neck',
            data_idx=0)``.
    """

    def __init__(self, levels: Sequence[Dict]) -> None:
        if not isinstance(levels, (list, tuple)) or not levels or not all(
                isinstance(level, dict) and 'type' in level
                for level in levels):
            raise ValueError(
                'MultiLevel recorder levels: expected a non-empty list of '
                'recorder configs (dicts with a type and a source), got '
                f'{levels!r}')
        configs: Dict[str, dict] = {}
        self._picks: List[Tuple[int, Optional[int]]] = []
        for i, level in enumerate(levels):
            cfg = copy.deepcopy(dict(level))
            self._picks.append((cfg.pop('record_idx',
                                        0), cfg.pop('data_idx', None)))
            configs[str(i)] = cfg
        # mmrazor's manager builds, starts and stops the levels' recorders
        self._levels = RecorderManager(configs)
        self._recorders: List[BaseRecorder] = list(
            self._levels.recorders.values())
        super().__init__(source=', '.join(recorder.source
                                          for recorder in self._recorders))

    def prepare_from_model(self, model: Optional[nn.Module] = None) -> None:
        self._levels.initialize(model)

    def get_record_data(self,
                        record_idx: int = 0,
                        data_idx: Optional[int] = None) -> Any:
        """The levels' records as a tuple, or the ``data_idx``-th of them.

        ``record_idx`` must be 0: each level picks its own record.
        """
        if record_idx != 0:
            raise ValueError(
                f'MultiLevel recorder ({self.source}): record_idx '
                f'{record_idx!r}; each level sets its own record_idx, so '
                'the mapping must leave it at 0')
        levels = tuple(
            recorder.get_record_data(*pick)
            for recorder, pick in zip(self._recorders, self._picks))
        return levels if data_idx is None else levels[data_idx]

    def reset_data_buffer(self) -> None:
        for recorder in self._recorders:
            recorder.reset_data_buffer()

    def __enter__(self) -> None:
        super().__enter__()
        self._levels.__enter__()

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        self._levels.__exit__(exc_type, exc_value, traceback)
