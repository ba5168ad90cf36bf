# Copyright (c) tstkd_plugin contributors.
"""tstkd_plugin: TST, DIST and SoKD knowledge distillation for mmrazor.

Importing the package applies the upstream patches (before mmrazor is
imported; the list, each with the issue it works around:
``tstkd_plugin.compat.UPSTREAM_PATCHES``) and registers every component into
mmrazor's registries.
"""
from .compat import apply_upstream_patches

apply_upstream_patches()

# Registration happens on import; the order matters only for compat above.
from . import apis  # noqa: E402,F401
from . import registry  # noqa: E402,F401
from .algorithms import *  # noqa: E402,F401,F403
from .augment import *  # noqa: E402,F401,F403
from .cifar_zoo import *  # noqa: E402,F401,F403
from .datasets import *  # noqa: E402,F401,F403
from .distillers import *  # noqa: E402,F401,F403
from .engine import *  # noqa: E402,F401,F403
from .hooks import *  # noqa: E402,F401,F403
from .imagenet_zoo import *  # noqa: E402,F401,F403
from .losses import *  # noqa: E402,F401,F403
from .modules import *  # noqa: E402,F401,F403
from .recorders import *  # noqa: E402,F401,F403
from .version import __version__  # noqa: E402,F401
