# Copyright (c) tstkd_plugin contributors.
"""A config's model, optimizer wrapper and one training batch, and the kinds
of training step the model takes (for timing them apart: tools/analysis/
step_time.py, benchmark.py's cost stage)."""
from typing import Callable, List, NamedTuple

from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.optim import build_optim_wrapper
from mmengine.registry import MODELS, init_default_scope
from mmengine.runner import Runner


def build(config: str):
    """Model, optimizer wrapper and one training batch of a config."""
    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmengine'))
    if cfg.model.get('teacher_ckpt'):
        cfg.model.teacher_ckpt = None
    cfg.model.setdefault('data_preprocessor', cfg.get('data_preprocessor'))
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
    return model, optim_wrapper, next(iter(loader))


class StepKind(NamedTuple):
    """One kind of training step: its label, what sets it up (untimed) and
    the step itself, ``step(batch, optim_wrapper)``."""
    label: str
    prepare: Callable[[], None]
    step: Callable[[dict, object], dict]


def phases(model) -> List[StepKind]:
    """The kinds of step a model takes, timed apart: TST's student and
    augmenter steps, SoKD's steps during and after the policy search (both
    switched on: TST's augmenter step and the student step during and after
    SoKD's search)."""
    tst = getattr(model, 'augmenter', None) is not None
    search = getattr(model, 'feature_search', None)
    kinds = []
    if search is not None:
        hub = MessageHub.get_current_instance()
        unit = 'epoch' if search.by_epoch else 'iter'
        prefix = 'student step ' if tst else ''
        for name, at in (('during search', 0), ('after search',
                                                search.length)):
            kinds.append(
                StepKind(
                    prefix + name,
                    lambda at=at: hub.update_info(unit, at),
                    model.train_step))
    elif tst:
        kinds.append(StepKind('student step', lambda: None, model.train_step))
    if tst:
        kinds.append(
            StepKind('augmenter step', lambda: None,
                     model.augmenter_train_step))
    return kinds or [StepKind('', lambda: None, model.train_step)]
