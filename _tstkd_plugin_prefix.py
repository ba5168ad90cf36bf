# Copyright (c) tstkd_plugin contributors.
"""Let mmengine resolve ``tstkd_plugin::`` configs before the plugin imports.

mmengine resolves ``package::path/to/config.py`` only for the packages of its
``MODULE2PACKAGE`` table, and it reads a config's ``_base_`` before it
imports ``custom_imports``. A config of another project that inherits
``tstkd_plugin::...`` therefore failed under the task libraries' own tools
(``AssertionError: mmengine does not support to load tstkd_plugin config.``):
importing tstkd_plugin adds the entry, but too late.

The package installs ``tstkd_plugin-config-prefix.pth`` next to this module;
Python runs it at start-up and it calls :func:`install`. That imports
nothing: it puts a finder first on ``sys.meta_path`` that waits for
``mmengine.config.config`` to be imported, lets it load, then adds
``tstkd_plugin`` to the table and gives the module's ``get_installed_path``
the fallback for editable installs (:func:`with_import_fallback`). The
finder then removes itself. This module must stay free of heavy imports:
it runs in every Python process of the environment.
"""
import importlib.abc
import importlib.machinery
import importlib.util
import os.path as osp
import sys
from typing import Callable, Optional, Sequence

PACKAGE = 'tstkd_plugin'
# The module whose ``_get_cfg_path`` resolves ``package::`` paths; it imports
# ``mmengine.config.utils`` (the table) first.
CONFIG_MODULE = 'mmengine.config.config'
FALLBACK_MARK = '_tstkd_editable_fallback'


def with_import_fallback(upstream: Callable[[str], str]) -> Callable:
    """Wrap mmengine's ``get_installed_path`` for editable installs.

    mmengine 0.10.7 joins the distribution's location with the package name.
    After ``pip install -e .`` (PEP 660) the distribution lives in
    site-packages while the code stays in the source tree, so that path does
    not exist; the package's folder is then taken from the import system.
    Where mmengine's path exists, its answer stands.

    Args:
        upstream (Callable): mmengine's ``get_installed_path``.

    Returns:
        Callable: The wrapped function, marked with ``FALLBACK_MARK``.
    """
    if getattr(upstream, FALLBACK_MARK, False):
        return upstream

    def get_installed_path(package: str) -> str:
        path = upstream(package)
        if osp.exists(path):
            return path
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.origin is not None:
            return osp.dirname(spec.origin)
        return path

    get_installed_path.__doc__ = upstream.__doc__
    setattr(get_installed_path, FALLBACK_MARK, True)
    return get_installed_path


def register(config_module) -> None:
    """Add the prefix to mmengine's table and the editable-install fallback
    to ``config_module`` (``mmengine.config.config``, loaded)."""
    table = sys.modules['mmengine.config.utils'].MODULE2PACKAGE
    table.setdefault(PACKAGE, PACKAGE)
    config_module.get_installed_path = with_import_fallback(
        config_module.get_installed_path)


class _RegisterWhenLoaded(importlib.abc.MetaPathFinder):
    """Finds nothing itself: hands ``CONFIG_MODULE``'s spec on with a loader
    that calls :func:`register` once the module has run."""

    def find_spec(self,
                  fullname: str,
                  path: Optional[Sequence[str]] = None,
                  target=None) -> Optional[importlib.machinery.ModuleSpec]:
        if fullname != CONFIG_MODULE:
            return None
        sys.meta_path.remove(self)  # one module, once; no recursion below
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        run_module = spec.loader.exec_module

        def run_then_register(module) -> None:
            run_module(module)
            register(module)

        spec.loader.exec_module = run_then_register
        return spec


def install() -> None:
    """Register now if mmengine's config module is loaded, else on its
    import (called by the ``.pth`` file at start-up)."""
    if CONFIG_MODULE in sys.modules:
        register(sys.modules[CONFIG_MODULE])
    elif not any(isinstance(f, _RegisterWhenLoaded) for f in sys.meta_path):
        sys.meta_path.insert(0, _RegisterWhenLoaded())
