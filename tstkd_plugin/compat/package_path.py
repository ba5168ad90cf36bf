# Copyright (c) tstkd_plugin contributors.
"""Resolve ``package::config`` paths for editable (PEP 660) installs.

mmengine 0.10.7's ``get_installed_path`` joins the distribution's location
with the package name; after ``pip install -e .`` that path does not exist
and every ``tstkd_plugin::`` config (and ``mmdet::`` ... of an editable mm
install) fails to resolve. The fallback itself lives in the start-up module
``_tstkd_plugin_prefix`` (installed with the package, it also patches
mmengine's config module before the plugin is imported); importing the
plugin applies it to every mmengine module that took the function by name.
"""
from _tstkd_plugin_prefix import FALLBACK_MARK, with_import_fallback

# Modules that imported ``get_installed_path`` by name.
_USERS = ('mmengine.utils', 'mmengine.utils.package_utils',
          'mmengine.config.config', 'mmengine.hub.hub')


def patch_editable_package_path() -> bool:
    """Install the fallback in every mmengine module that uses the function.

    Returns:
        bool: Whether the patch was installed now.
    """
    import importlib

    from mmengine.utils import package_utils
    if getattr(package_utils.get_installed_path, FALLBACK_MARK, False):
        return False
    patched = with_import_fallback(package_utils.get_installed_path)
    for name in _USERS:
        setattr(importlib.import_module(name), 'get_installed_path', patched)
    return True
