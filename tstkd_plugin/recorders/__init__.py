# Copyright (c) tstkd_plugin contributors.
from .cloned_module_inputs_recorder import ClonedModuleInputsRecorder
from .multi_level_recorder import MultiLevelRecorder

__all__ = ['ClonedModuleInputsRecorder', 'MultiLevelRecorder']
