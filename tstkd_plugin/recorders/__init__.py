# Copyright (c) tstkd_plugin contributors.
from .cloned_module_inputs_recorder import ClonedModuleInputsRecorder

__all__ = ['ClonedModuleInputsRecorder']
