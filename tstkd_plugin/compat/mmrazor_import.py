# Copyright (c) tstkd_plugin contributors.
"""Make ``import mmrazor.models`` work on torch >= 2.1.

mmrazor 1.0.0 builds its quantization backend tables when it is imported, from
private ``torch.ao`` helpers that newer torch releases removed
(``reverse2``, ``reverse3``, ``reverse_sequential_wrapper2`` and
``BackendPatternConfig._set_overwrite_output_fake_quantize``). Distillation
never uses those tables, so: the three small fuser helpers are restored where
missing, and where the tables cannot be built at all, the module that builds
them is replaced by one whose ``BackendConfigs`` raises a clear error when a
quantization backend is requested. Upstream: open-mmlab/mmrazor issues 615,
632 and 652. Where torch still has the helpers, nothing is changed.
"""
import sys
import types
from collections.abc import Mapping
from typing import Callable, Iterator, List

import torch

BACKEND_MAPPING_MODULE = (
    'mmrazor.structures.quantization.backend_config.mapping')


def _reverse2(fuser: Callable) -> Callable:
    # The fusers of older torch received their modules in reversed order.
    def reversed_fuser(is_qat, x, y):
        return fuser(is_qat, y, x)

    return reversed_fuser


def _reverse3(fuser: Callable) -> Callable:

    def reversed_fuser(is_qat, x, w):
        y, z = w
        return fuser(is_qat, z, y, x)

    return reversed_fuser


def _reverse_sequential_wrapper2(sequential: Callable) -> Callable:

    def fuser(is_qat, x, y):
        return sequential(y, x)

    return fuser


class UnavailableBackendConfigs(Mapping):
    """Stands in for mmrazor's quantization ``BackendConfigs`` table.

    It is empty; asking it for a backend says why, instead of failing at
    ``import mmrazor``.
    """

    def __getitem__(self, backend: str):
        raise RuntimeError(
            f'mmrazor quantization backend {backend!r} is unavailable: '
            f'mmrazor 1.0.0 cannot build its quantization backend tables on '
            f'torch {torch.__version__}, so tstkd_plugin disabled them to '
            'let mmrazor import. Distillation does not need them; for '
            'quantization use a torch release mmrazor supports (< 2.1).')

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def missing_fuser_helpers() -> List[str]:
    """Names of the torch fuser helpers mmrazor imports that are missing."""
    try:
        from torch.ao.quantization import fuser_method_mappings
    except ImportError:  # torch < 1.13: mmrazor uses placeholders itself
        return []
    return [
        name
        for name in ('reverse2', 'reverse3', 'reverse_sequential_wrapper2')
        if not hasattr(fuser_method_mappings, name)
    ]


def backend_tables_buildable() -> bool:
    """Whether torch still has what mmrazor's backend tables are built from."""
    try:
        from torch.ao.quantization.backend_config import BackendPatternConfig
    except ImportError:
        return True  # mmrazor then skips the tables by itself
    return hasattr(BackendPatternConfig, '_set_overwrite_output_fake_quantize')


def patch_mmrazor_import() -> List[str]:
    """Apply what is needed before mmrazor is first imported.

    Returns:
        list[str]: What was patched (empty where upstream is fine).
    """
    patched = []
    missing = missing_fuser_helpers()
    if missing:
        from torch.ao.quantization import fuser_method_mappings
        helpers = dict(
            reverse2=_reverse2,
            reverse3=_reverse3,
            reverse_sequential_wrapper2=_reverse_sequential_wrapper2)
        for name in missing:
            setattr(fuser_method_mappings, name, helpers[name])
        patched.append('fuser helpers: ' + ', '.join(missing))
    if not backend_tables_buildable() and \
            BACKEND_MAPPING_MODULE not in sys.modules:
        stub = types.ModuleType(BACKEND_MAPPING_MODULE)
        stub.__doc__ = 'Replaced by tstkd_plugin.compat.mmrazor_import.'
        stub.BackendConfigs = UnavailableBackendConfigs()
        sys.modules[BACKEND_MAPPING_MODULE] = stub
        patched.append('quantization backend tables disabled')
    return patched
