# Copyright (c) tstkd_plugin contributors.
"""A pickle module whose unpickler only builds what checkpoints hold.

Passed to ``torch.load(..., pickle_module=...)``, which every supported torch
(2.1 to 2.14) accepts, it makes loading independent of torch's
``weights_only`` default (off before torch 2.6). A pickle can only call or
build what its ``GLOBAL`` opcodes name, and every such name goes through
:meth:`Unpickler.find_class`; the allow-list is:

- what torch 2.14's own weights-only loader allows: tensors, storages,
  dtypes, ``Size``, ``device``, the tensor rebuild functions,
  ``OrderedDict``, ``Counter``, sets, bytes, complex numbers (written out
  here, so that torch 2.1, whose own list is shorter, gets the same one);
- numpy arrays, dtypes and scalars (rebuilt from raw bytes, no code);
- mmengine's ``HistoryBuffer`` (plain data attributes);
- ``builtins.getattr``, mapped to :func:`history_buffer_getattr`, which only
  gives ``HistoryBuffer``'s statistics methods (how ``HistoryBuffer``
  pickles them). A general ``getattr`` would reopen code execution, since
  attribute chains reach module globals.

Anything else (``os.system``, ``builtins.open``, ``operator.attrgetter``,
a class's ``__reduce_ex__`` target) is refused before it is called.
"""
import functools
import pickle
from typing import Any, Dict

OPT_OUT = ('If you trust this file, load it inside '
           'tstkd_plugin.checkpoint_safety.trusted_checkpoints() or pass '
           '--trusted-checkpoints to the train/test tool.')


class ForbiddenGlobal(pickle.UnpicklingError):
    """The pickle asked for a global that is not allowed (nothing ran)."""


# pickle's protocol-2 names of Python 2 modules, as torch maps them
_MODULE_ALIASES = {'__builtin__': 'builtins'}


def history_buffer_getattr(obj: Any, name: str) -> Any:
    """``getattr`` restricted to ``HistoryBuffer``'s statistics methods.

    Args:
        obj: The object the pickle asks an attribute of.
        name (str): The attribute name.
    """
    from mmengine.logging import HistoryBuffer
    allowed = set(
        HistoryBuffer._statistics_methods) | {'min', 'max', 'mean', 'current'}
    if obj is HistoryBuffer and isinstance(name, str) and name in allowed:
        return getattr(obj, name)
    raise ForbiddenGlobal(
        f'checkpoint asks for getattr({obj!r}, {name!r}); only '
        f'getattr(HistoryBuffer, <statistics method>) is allowed. {OPT_OUT}')


# Tensor rebuild functions (torch 2.14's weights-only list); each resolves
# where this torch has it.
_TORCH_REBUILD = ('_rebuild_parameter', '_rebuild_parameter_with_state',
                  '_rebuild_qtensor', '_rebuild_tensor', '_rebuild_tensor_v2',
                  '_rebuild_tensor_v3', '_rebuild_sparse_tensor',
                  '_rebuild_meta_tensor_no_storage', '_rebuild_nested_tensor',
                  '_rebuild_wrapper_subclass',
                  '_rebuild_device_tensor_from_numpy',
                  '_rebuild_device_tensor_from_cpu_tensor')


def _torch_globals() -> Dict[str, Any]:
    """Tensors, storages, dtypes and their rebuild functions: torch 2.14's
    weights-only allow-list, written out so every torch gets the same one."""
    import torch
    allowed: Dict[str, Any] = {
        'torch.Size': torch.Size,
        'torch.Tensor': torch.Tensor,
        'torch.device': torch.device,
        'torch.nn.parameter.Parameter': torch.nn.Parameter,
        'torch.serialization._get_layout': torch.serialization._get_layout,
        'torch._tensor._rebuild_from_type_v2':
        torch._tensor._rebuild_from_type_v2,
    }
    for name in _TORCH_REBUILD:
        if hasattr(torch._utils, name):
            allowed[f'torch._utils.{name}'] = getattr(torch._utils, name)
    kinds = (torch.dtype, torch.qscheme, torch.memory_format, torch.layout)
    for name in dir(torch):
        obj = getattr(torch, name, None)
        if isinstance(obj, kinds):
            allowed[f'torch.{name}'] = obj
    for cls in torch._tensor_classes:
        allowed[f'{cls.__module__}.{cls.__name__}'] = cls
    for cls in torch._storage_classes:
        allowed[f'{cls.__module__}.{cls.__name__}'] = cls
    return allowed


@functools.lru_cache(maxsize=1)
def allowed_globals() -> Dict[str, Any]:
    """``'module.name'`` -> object, for every global a checkpoint may use."""
    import codecs
    import collections

    import numpy as np
    from mmengine.logging import HistoryBuffer
    try:  # numpy >= 2 (numpy.core is a deprecated alias there)
        from numpy._core import multiarray
    except ImportError:
        from numpy.core import multiarray

    allowed = _torch_globals()
    allowed.update({
        'collections.OrderedDict': collections.OrderedDict,
        'collections.Counter': collections.Counter,  # MultiStepLR milestones
        'builtins.set': set,
        'builtins.frozenset': frozenset,
        'builtins.bytearray': bytearray,
        'builtins.complex': complex,
        '_codecs.encode': codecs.encode,  # bytes in pickle protocol 2
        'numpy.ndarray': np.ndarray,
        'numpy.dtype': np.dtype,
        'mmengine.logging.history_buffer.HistoryBuffer': HistoryBuffer,
        'builtins.getattr': history_buffer_getattr,
    })
    # numpy 1 pickles arrays and scalars by these functions of
    # numpy.core.multiarray, numpy 2 by the same ones of numpy._core: a
    # checkpoint of either loads under both
    for module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        allowed[f'{module}._reconstruct'] = multiarray._reconstruct
        allowed[f'{module}.scalar'] = multiarray.scalar
    # numpy >= 1.25 pickles a dtype by its class (numpy.dtypes.Float64DType)
    dtypes = getattr(np, 'dtypes', None)
    for name in dir(dtypes) if dtypes is not None else ():
        if name.endswith('DType'):
            allowed[f'numpy.dtypes.{name}'] = getattr(dtypes, name)
    return allowed


def _alias(module: str) -> str:
    for old, new in _MODULE_ALIASES.items():
        if module == old or module.startswith(old + '.'):
            return new + module[len(old):]
    return module


class Unpickler(pickle.Unpickler):
    """A :class:`pickle.Unpickler` that only resolves allow-listed globals."""

    def find_class(self, module: str, name: str) -> Any:
        key = f'{_alias(module)}.{name}'
        allowed = allowed_globals()
        if key in allowed:
            return allowed[key]
        raise ForbiddenGlobal(
            f"the checkpoint asks for the global '{key}', which is not among "
            'the types a checkpoint may hold here (tensors, numpy arrays, '
            "mmengine's HistoryBuffer); nothing of it was run. " + OPT_OUT)


def load(file: Any, **kwargs) -> Any:
    """``pickle.load`` with :class:`Unpickler` (torch's legacy format)."""
    return Unpickler(file, **kwargs).load()
