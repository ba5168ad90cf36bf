# Copyright (c) tstkd_plugin contributors.
from typing import Optional, Tuple

import torch
from mmrazor.models.task_modules.recorder import ModuleInputsRecorder
from mmrazor.registry import TASK_UTILS
from torch import nn


@TASK_UTILS.register_module()
class ClonedModuleInputsRecorder(ModuleInputsRecorder):
    """Records a module's inputs as copies taken before the module runs.

    mmrazor's ``ModuleInputs`` keeps references taken after the forward, so
    an in-place module overwrites them: on the ``relu`` of an mmpretrain
    ``BasicBlock`` or ``Bottleneck`` (``ReLU(inplace=True)``, called once
    inside the block and once on the residual sum) it records
    post-activation values. This recorder keeps the pre-activation features
    ReviewKD reads (``type='ClonedModuleInputs'``, ``source=
    'backbone.layer4.1.relu'``, ``record_idx=1``: the sum of the block's
    last call). The copies stay in the autograd graph.

    Args:
        source (str): The module's name in the model.
        **kwargs: The arguments of ``ModuleInputsRecorder``.
    """

    def prepare_from_model(self, model: Optional[nn.Module] = None) -> None:
        assert model is not None, 'model can not be None.'
        try:
            module = model.get_submodule(self.source)
        except AttributeError:
            raise ValueError(f'ClonedModuleInputs: {self.source!r} is not a '
                             'module of the model') from None
        module.register_forward_pre_hook(self.forward_pre_hook)

    def forward_pre_hook(self, module: nn.Module, inputs: Tuple) -> None:
        if self.recording:
            self.data_buffer.append(
                tuple(x.clone() if isinstance(x, torch.Tensor) else x
                      for x in inputs))
