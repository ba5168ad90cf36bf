# Copyright (c) tstkd_plugin contributors.
"""Where tstkd_plugin's components are registered.

Every component is registered into **mmrazor's** registries, so configs use
``default_scope = 'mmrazor'`` and mmrazor-style types, exactly like mmrazor's
own components.

A config inherited as ``tstkd_plugin::path/to/config.py`` gets ``_scope_ =
'tstkd_plugin'`` on its outer dicts (mmengine names the scope after the
package). For those to build, each mmrazor registry gets a child registry with
scope ``tstkd_plugin`` and nothing registered in it: a lookup there falls
through to mmrazor's registry and then to mmengine's.
"""
from mmengine.config import utils as config_utils
from mmengine.registry import Registry
from mmrazor import registry as mmrazor_registry
from mmrazor.registry import HOOKS, LOOPS, METRICS, MODELS, TASK_UTILS

SCOPE = 'tstkd_plugin'
__all__ = [
    'HOOKS', 'LOOPS', 'METRICS', 'MODELS', 'SCOPE', 'SCOPE_ALIASES',
    'TASK_UTILS'
]


def _scope_aliases() -> dict:
    """One empty child registry with scope ``tstkd_plugin`` per mmrazor one."""
    aliases = {}
    for name in dir(mmrazor_registry):
        registry = getattr(mmrazor_registry, name)
        if isinstance(registry, Registry) and registry.scope == 'mmrazor':
            aliases[name] = registry.children.get(SCOPE) or Registry(
                registry.name, parent=registry, scope=SCOPE)
    return aliases


SCOPE_ALIASES = _scope_aliases()
# mmengine only resolves ``package::config`` for packages in this table.
config_utils.MODULE2PACKAGE.setdefault(SCOPE, SCOPE)
