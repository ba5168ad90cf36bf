# Copyright (c) tstkd_plugin contributors.
"""Resolve ``package::config`` paths for editable (PEP 660) installs.

mmengine 0.10.7's ``get_installed_path`` joins the distribution's location
with the package name. After ``pip install -e .`` with a modern setuptools the
distribution lives in site-packages while the code stays in the source tree,
so the path it returns does not exist and every ``tstkd_plugin::`` config (and
``mmdet::`` ... of an editable mm install) fails to resolve. Where the path
mmengine computes does not exist, the package's real folder (from the import
system) is used instead; where it exists, mmengine's answer stands.
"""
import importlib.util
import os.path as osp
from typing import Callable

_PATCH_MARK = '_tstkd_editable_fallback'
# Modules that imported ``get_installed_path`` by name.
_USERS = ('mmengine.utils', 'mmengine.utils.package_utils',
          'mmengine.config.config', 'mmengine.hub.hub')


def _with_import_fallback(upstream: Callable[[str], str]) -> Callable:

    def get_installed_path(package: str) -> str:
        path = upstream(package)
        if osp.exists(path):
            return path
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.origin is not None:
            return osp.dirname(spec.origin)
        return path

    get_installed_path.__doc__ = upstream.__doc__
    setattr(get_installed_path, _PATCH_MARK, True)
    return get_installed_path


def patch_editable_package_path() -> bool:
    """Install the fallback in every mmengine module that uses the function.

    Returns:
        bool: Whether the patch was installed now.
    """
    import importlib
    from mmengine.utils import package_utils
    if getattr(package_utils.get_installed_path, _PATCH_MARK, False):
        return False
    patched = _with_import_fallback(package_utils.get_installed_path)
    for name in _USERS:
        setattr(importlib.import_module(name), 'get_installed_path', patched)
    return True
