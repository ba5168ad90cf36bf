# Copyright (c) tstkd_plugin contributors.
from .distill_config_checks import (check_recorder_sources,
                                    check_same_num_classes,
                                    check_teacher_ckpt_exists,
                                    load_teacher_checkpoint)
from .model_wrappers import check_optim_wrapper_dict, unwrap

__all__ = [
    'check_recorder_sources', 'check_same_num_classes',
    'check_optim_wrapper_dict', 'check_teacher_ckpt_exists',
    'load_teacher_checkpoint', 'unwrap'
]


def register_all_modules(init_default_scope: bool = True) -> None:
    """Register tstkd_plugin's and mmrazor's components.

    tstkd_plugin registers its components on import; this entry point exists
    because mmengine's hub (``teacher=dict(cfg_path='tstkd_plugin::...')``)
    calls ``<package>.utils.register_all_modules``.

    Args:
        init_default_scope (bool): Whether to set the default scope to
            ``'mmrazor'``, where tstkd_plugin's components live.
    """
    from mmrazor.utils import register_all_modules as register_mmrazor

    import tstkd_plugin  # noqa: F401  (registers on import)
    register_mmrazor(init_default_scope=init_default_scope)
