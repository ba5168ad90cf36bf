# Copyright (c) tstkd_plugin contributors.
import torch
from mmengine.utils import digit_version


def torch_version_at_least(version: str) -> bool:
    """Whether the installed torch is ``version`` or newer."""
    return digit_version(torch.__version__) >= digit_version(version)
