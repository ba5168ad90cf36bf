# Copyright (c) tstkd_plugin contributors.
"""TST's train loops: the augmenter phases are stages of the loop, as
mmrazor's DARTS loops (``mmrazor/engine/runner/darts_loop.py``) make the
architecture steps stages of theirs."""
from typing import Dict, Iterator, Optional, Sequence, Union

from mmengine.runner import EpochBasedTrainLoop, IterBasedTrainLoop
from torch.utils.data import DataLoader

from ..registry import LOOPS
from .augmenter_phases import AugmenterPhases

DEFAULT_PLATEAU_DECAY = dict(factor=0.9, min_drop=0.02, min_relative_drop=0.02)


def _check_schedule_key(loop: str, key: str, points: Optional[Sequence[int]],
                        other_key: str, kwargs: dict, other_loop: str) -> None:
    """Name the loop that takes the schedule the config gives."""
    if other_key in kwargs:
        raise ValueError(f'train_cfg.{other_key}: {loop} takes {key}; for '
                         f'{other_key} use train_cfg.type={other_loop}')
    if points is None:
        raise ValueError(f'train_cfg.{key}: {loop} needs the student '
                         f'{key.split("_")[1]} before which the augmenter '
                         'phases run, e.g. [2, 5]')


def _check_length(loop: str, key: str, length: Optional[int]) -> None:
    """The student's schedule is given (it is optional in the signature only
    so that a schedule key of the other loop is named first)."""
    if length is None:
        raise ValueError(f'train_cfg.{key}: {loop} needs the length of the '
                         'student schedule')


@LOOPS.register_module()
class TSTEpochBasedTrainLoop(EpochBasedTrainLoop):
    """mmengine's epoch-based loop with TST's augmenter phases: before
    student epoch ``e`` for each ``e`` in ``augment_epochs`` the augmenter
    is trained for ``passes`` passes over the training data
    (:class:`~tstkd_plugin.engine.augmenter_phases.AugmenterPhases`), then
    the student's epoch runs as in a run without TST.

    One epoch: the ``before_train_epoch`` hooks (the sampler's epoch is set
    there, so the phase sees the epoch's order), the augmenter phase if one
    is due, the student's iterations, the ``after_train_epoch`` hooks.

    Args:
        runner (Runner): The runner.
        dataloader (DataLoader | dict): The training dataloader.
        max_epochs (int): Student epochs.
        augment_epochs (Sequence[int]): Student epochs (0-based) before
            which a phase runs.
        passes (int): Passes over the training data per phase. Defaults
            to 1.
        iters_per_pass (int, optional): Augmenter steps per pass; defaults
            to the length of the training dataloader.
        save_checkpoint (bool): Whether to write a checkpoint after each
            pass. Defaults to True.
        fresh_optimizer (bool): Whether each phase starts with a fresh
            augmenter optimizer. Defaults to True (the reference).
        plateau_decay (dict, optional): The decay of the augmenter's
            learning rate on plateaus, or None. Defaults to the reference's
            ALRS, ``dict(factor=0.9, min_drop=0.02, min_relative_drop=0.02)``.
        **kwargs: The other arguments of ``EpochBasedTrainLoop``.

    A task library's ``train_cfg`` names its loop with ``by_epoch``, which
    mmengine refuses next to a ``type``: configs replace it
    (``train_cfg = dict(_delete_=True, type=..., max_epochs=..., ...)``),
    as mmrazor's DARTS configs do.
    """

    def __init__(self,
                 runner,
                 dataloader: Union[DataLoader, Dict],
                 max_epochs: Optional[int] = None,
                 augment_epochs: Optional[Sequence[int]] = None,
                 passes: int = 1,
                 iters_per_pass: Optional[int] = None,
                 save_checkpoint: bool = True,
                 fresh_optimizer: bool = True,
                 plateau_decay: Optional[dict] = DEFAULT_PLATEAU_DECAY,
                 **kwargs) -> None:
        _check_schedule_key(
            type(self).__name__, 'augment_epochs', augment_epochs,
            'augment_iters', kwargs, 'TSTIterBasedTrainLoop')
        _check_length(type(self).__name__, 'max_epochs', max_epochs)
        self.phases = AugmenterPhases(augment_epochs, 'epoch',
                                      'train_cfg.augment_epochs', passes,
                                      iters_per_pass, save_checkpoint,
                                      fresh_optimizer, plateau_decay)
        super().__init__(runner, dataloader, max_epochs, **kwargs)
        self.phases.check_model(runner, type(self).__name__)

    def run(self):
        self.phases.remember_fresh_optimizer(self.runner)
        return super().run()

    def run_epoch(self) -> None:
        """Hooks, augmenter phase, student iterations (class docstring)."""
        self.runner.call_hook('before_train_epoch')
        at = self.phases.due()
        if at is not None:
            self.phases.run(self.runner, at, self._pass_batches)
        self.runner.model.train()
        for idx, data_batch in enumerate(self.dataloader):
            self.run_iter(idx, data_batch)
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1

    def _pass_batches(self) -> Iterator[dict]:
        """One pass: the loader's batches (the first ``iters_per_pass``)."""
        for i, batch in enumerate(self.dataloader):
            if self.phases.iters_per_pass is not None and \
                    i >= self.phases.iters_per_pass:
                return
            yield batch


@LOOPS.register_module()
class TSTIterBasedTrainLoop(IterBasedTrainLoop):
    """mmengine's iteration-based loop with TST's augmenter phases: before
    student iteration ``i`` for each ``i`` in ``augment_iters`` (after that
    iteration's ``before_train_iter`` hooks) the augmenter is trained for
    ``passes`` passes of ``iters_per_pass`` batches (by default the length
    of the training dataloader) drawn from the loop's own stream
    (:class:`~tstkd_plugin.engine.augmenter_phases.AugmenterPhases`).

    Args:
        runner (Runner): The runner.
        dataloader (DataLoader | dict): The training dataloader.
        max_iters (int): Student iterations.
        augment_iters (Sequence[int]): Student iterations before which a
            phase runs.
        passes, iters_per_pass, save_checkpoint, fresh_optimizer,
        plateau_decay: As :class:`TSTEpochBasedTrainLoop`'s.
        **kwargs: The other arguments of ``IterBasedTrainLoop``.
    """

    def __init__(self,
                 runner,
                 dataloader: Union[DataLoader, Dict],
                 max_iters: Optional[int] = None,
                 augment_iters: Optional[Sequence[int]] = None,
                 passes: int = 1,
                 iters_per_pass: Optional[int] = None,
                 save_checkpoint: bool = True,
                 fresh_optimizer: bool = True,
                 plateau_decay: Optional[dict] = DEFAULT_PLATEAU_DECAY,
                 **kwargs) -> None:
        _check_schedule_key(
            type(self).__name__, 'augment_iters', augment_iters,
            'augment_epochs', kwargs, 'TSTEpochBasedTrainLoop')
        _check_length(type(self).__name__, 'max_iters', max_iters)
        self.phases = AugmenterPhases(augment_iters, 'iter',
                                      'train_cfg.augment_iters', passes,
                                      iters_per_pass, save_checkpoint,
                                      fresh_optimizer, plateau_decay)
        super().__init__(runner, dataloader, max_iters, **kwargs)
        self.phases.check_model(runner, type(self).__name__)

    def run(self):
        self.phases.remember_fresh_optimizer(self.runner)
        return super().run()

    def run_iter(self, data_batch: Sequence[dict]) -> None:
        """Hooks, augmenter phase if due, the student's step, hooks."""
        self.runner.call_hook(
            'before_train_iter', batch_idx=self._iter, data_batch=data_batch)
        at = self.phases.due()
        if at is not None:
            self.phases.run(self.runner, at, self._pass_batches)
        outputs = self.runner.model.train_step(
            data_batch, optim_wrapper=self.runner.optim_wrapper)
        self.runner.call_hook(
            'after_train_iter',
            batch_idx=self._iter,
            data_batch=data_batch,
            outputs=outputs)
        self._iter += 1

    def _pass_batches(self) -> Iterator[dict]:
        """One pass: the next ``iters_per_pass`` batches of the stream."""
        n = self.phases.iters_per_pass or len(self.dataloader)
        for _ in range(n):
            yield next(self.dataloader_iterator)
