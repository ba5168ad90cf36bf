# Copyright (c) tstkd_plugin contributors.
import os.path as osp
from typing import Iterable, Optional, Sequence

import torch
from mmengine.dist import all_reduce
from mmengine.dist.utils import get_comm_device
from mmengine.hooks import Hook
from mmengine.runner import EpochBasedTrainLoop

from ..registry import HOOKS
from ..utils import unwrap

DATA_BATCH = Optional[dict]


def all_reduce_mean(value: float) -> float:
    """The mean of ``value`` over the ranks (itself without a process
    group)."""
    tensor = torch.tensor(
        float(value), dtype=torch.float64, device=get_comm_device())
    all_reduce(tensor, op='mean')
    return tensor.item()


@HOOKS.register_module()
class TSTPhaseHook(Hook):
    """Runs TST's augmenter phases between the student's epochs/iterations.

    Before student epoch ``e`` for each ``e`` in ``augment_epochs`` (or
    before student iteration ``i`` for each ``i`` in ``augment_iters``), the
    augmenter is trained for ``passes`` passes over the training data while
    teacher and student stay frozen; then the student continues. Augmenter
    steps do not count as student iterations, so the student's schedule and
    logs are those of a run without TST.

    As the reference, each phase starts with a fresh augmenter optimizer
    (``fresh_optimizer``: its state, such as SGD's momentum, is dropped, its
    learning rate set back to the configured one and an AMP loss scale to
    its initial value), and after each pass the learning rate is decayed
    when the pass's mean augmenter loss has reached a plateau
    (``plateau_decay``, the reference's ALRS): by ``factor`` when it fell
    by less than ``min_drop`` and by less than ``min_relative_drop`` of the
    previous pass's (the first pass of a phase compares with nothing).

    After each pass a checkpoint ``augment_<at>_pass<k>.pth`` is written and
    becomes the one ``--resume`` picks: an interrupted phase resumes with the
    passes it still owes. At the end of each phase the learned probabilities
    and magnitudes are logged as scalars ``tst/p_<op>`` and ``tst/m_<op>``
    (visible in TensorBoard or the local visualiser's ``scalars.json``).

    Args:
        augment_epochs (Sequence[int], optional): Student epochs (0-based,
            as ``runner.epoch``) before which a phase runs.
        augment_iters (Sequence[int], optional): Student iterations before
            which a phase runs (iteration-based training).
        passes (int): Passes over the training data per phase. Defaults to 1.
        iters_per_pass (int, optional): Augmenter steps per pass; defaults to
            the length of the training dataloader.
        save_checkpoint (bool): Whether to write a checkpoint after each
            pass. Defaults to True.
        fresh_optimizer (bool): Whether each phase starts with a fresh
            augmenter optimizer. Defaults to True (the reference).
        plateau_decay (dict, optional): ``factor``, ``min_drop`` and
            ``min_relative_drop`` of the decay on plateaus, or None for a
            constant learning rate. Defaults to the reference's ALRS,
            ``dict(factor=0.9, min_drop=0.02, min_relative_drop=0.02)``.
    """

    PLATEAU_KEYS = ('factor', 'min_drop', 'min_relative_drop')

    priority = 'LOW'

    def __init__(
        self,
        augment_epochs: Optional[Sequence[int]] = None,
        augment_iters: Optional[Sequence[int]] = None,
        passes: int = 1,
        iters_per_pass: Optional[int] = None,
        save_checkpoint: bool = True,
        fresh_optimizer: bool = True,
        plateau_decay: Optional[dict] = dict(
            factor=0.9, min_drop=0.02, min_relative_drop=0.02)
    ) -> None:
        if (augment_epochs is None) == (augment_iters is None):
            raise ValueError('TSTPhaseHook: set exactly one of '
                             'augment_epochs and augment_iters')
        points = list(
            augment_epochs if augment_epochs is not None else augment_iters)
        key = 'augment_epochs' if augment_epochs is not None else \
            'augment_iters'
        if any(not isinstance(p, int) or p < 0 for p in points) or \
                points != sorted(set(points)):
            raise ValueError(f'TSTPhaseHook.{key}: expected increasing '
                             f'non-negative integers, got {points}')
        if passes < 1:
            raise ValueError(f'TSTPhaseHook.passes: expected >= 1, got '
                             f'{passes}')
        if iters_per_pass is not None and iters_per_pass < 1:
            raise ValueError('TSTPhaseHook.iters_per_pass: expected >= 1, '
                             f'got {iters_per_pass}')
        if plateau_decay is not None:
            plateau_decay = dict(plateau_decay)
            if set(plateau_decay) != set(self.PLATEAU_KEYS):
                raise ValueError(
                    f'TSTPhaseHook.plateau_decay: expected the keys '
                    f'{self.PLATEAU_KEYS}, got {sorted(plateau_decay)}')
            if not 0 < plateau_decay['factor'] <= 1:
                raise ValueError('TSTPhaseHook.plateau_decay.factor: '
                                 'expected a value in (0, 1], got '
                                 f"{plateau_decay['factor']}")
        self.by_epoch = augment_epochs is not None
        self.points = points
        self.passes = passes
        self.iters_per_pass = iters_per_pass
        self.save_checkpoint = save_checkpoint
        self.fresh_optimizer = fresh_optimizer
        self.plateau_decay = plateau_decay
        # progress of the current phase: its point, passes done and the
        # last pass's mean loss (what the plateau test compares with)
        self.phase_at: Optional[int] = None
        self.passes_done = 0
        self.last_pass_loss: Optional[float] = None
        self._fresh_state: Optional[dict] = None
        self._saving_phase = False

    # -- schedule -----------------------------------------------------------
    def before_run(self, runner) -> None:
        # before any resume: the configured learning rates and loss scale
        wrapper = self._augmenter_wrapper(runner)
        if wrapper is None:
            return  # not a TST run; before_train says so
        scaler = getattr(wrapper, 'loss_scaler', None)
        self._fresh_state = dict(
            lrs=[g['lr'] for g in wrapper.optimizer.param_groups],
            scaler=None if scaler is None else scaler.state_dict())

    @staticmethod
    def _augmenter_wrapper(runner):
        wrappers = getattr(runner.optim_wrapper, 'optim_wrappers', {})
        return wrappers.get('augmenter')

    def before_train(self, runner) -> None:
        algorithm = self._algorithm(runner)
        if not hasattr(algorithm, 'augmenter_phase'):
            raise ValueError('custom_hooks: TSTPhaseHook needs model.type '
                             f'TSTDistill; got {type(algorithm).__name__}')
        if self.by_epoch != isinstance(runner.train_loop, EpochBasedTrainLoop):
            key = 'augment_epochs' if self.by_epoch else 'augment_iters'
            raise ValueError(f'TSTPhaseHook.{key} does not fit the train '
                             f'loop {type(runner.train_loop).__name__}')

    def before_train_epoch(self, runner) -> None:
        if self.by_epoch and runner.epoch in self.points:
            self._run_phase(runner, runner.epoch)

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch: DATA_BATCH = None) -> None:
        if not self.by_epoch and runner.iter in self.points:
            self._run_phase(runner, runner.iter)

    # -- the phase ----------------------------------------------------------
    @staticmethod
    def _algorithm(runner):
        return unwrap(runner.model)

    def _batches(self, runner) -> Iterable[dict]:
        if self.by_epoch:
            loader = runner.train_dataloader
            for i, batch in enumerate(loader):
                if self.iters_per_pass is not None and \
                        i >= self.iters_per_pass:
                    return
                yield batch
        else:
            n = self.iters_per_pass or len(runner.train_dataloader)
            iterator = runner.train_loop.dataloader_iterator
            for _ in range(n):
                yield next(iterator)

    def _run_phase(self, runner, at: int) -> None:
        if self.phase_at == at and self.passes_done >= self.passes:
            return  # already done (resumed right after it)
        if self.phase_at != at:
            self.phase_at, self.passes_done = at, 0
            self.last_pass_loss = None
            if self.fresh_optimizer:
                self._renew_optimizer(runner)
        algorithm = self._algorithm(runner)
        algorithm.augmenter_phase.fill_(True)
        try:
            while self.passes_done < self.passes:
                sums: dict = {}
                steps = 0
                for batch in self._batches(runner):
                    log_vars = runner.model.train_step(batch,
                                                       runner.optim_wrapper)
                    self._check_finite(log_vars, at)
                    for key, value in log_vars.items():
                        if torch.is_tensor(value):  # may carry grad
                            value = value.detach().item()
                        sums[key] = sums.get(key, 0.0) + float(value)
                    steps += 1
                self.passes_done += 1
                means = {k: v / max(steps, 1) for k, v in sums.items()}
                runner.logger.info(
                    f'TST augmenter phase at {self._unit} {at}: pass '
                    f'{self.passes_done}/{self.passes}, {steps} steps, '
                    'mean ' + ', '.join(f'{k}: {v:.4f}'
                                        for k, v in means.items()))
                self._decay_on_plateau(runner, means.get('augmenter.loss'))
                if self.save_checkpoint:
                    self._save(runner, at)
        finally:
            algorithm.augmenter_phase.fill_(False)
        self._log_policy(runner, algorithm)

    def _renew_optimizer(self, runner) -> None:
        """The reference re-creates the augmenter's optimizer, its lr
        schedule and its grad scaler at the start of every phase."""
        wrapper = self._augmenter_wrapper(runner)
        optimizer = wrapper.optimizer
        optimizer.state.clear()
        for group, lr in zip(optimizer.param_groups, self._fresh_state['lrs']):
            group['lr'] = lr
        if self._fresh_state['scaler']:
            wrapper.loss_scaler.load_state_dict(self._fresh_state['scaler'])

    def _decay_on_plateau(self, runner, loss: Optional[float]) -> None:
        if self.plateau_decay is None or loss is None:
            return
        # every rank decides on the mean over ranks: the augmenter's
        # parameters and learning rate must stay identical
        loss = all_reduce_mean(loss)
        last, self.last_pass_loss = self.last_pass_loss, loss
        if last is None:
            return
        drop = last - loss
        relative = abs(drop / last) if last != 0 else float('inf')
        if drop < self.plateau_decay['min_drop'] and \
                relative < self.plateau_decay['min_relative_drop']:
            groups = self._augmenter_wrapper(runner).optimizer.param_groups
            for group in groups:
                group['lr'] *= self.plateau_decay['factor']
            runner.logger.info(
                f'TST augmenter loss on a plateau ({last:.4f} -> '
                f'{loss:.4f}): lr x {self.plateau_decay["factor"]} = '
                f'{groups[0]["lr"]:.3g}')

    @property
    def _unit(self) -> str:
        return 'epoch' if self.by_epoch else 'iter'

    @staticmethod
    def _check_finite(log_vars: dict, at: int) -> None:
        for key, value in log_vars.items():
            if not torch.isfinite(torch.as_tensor(value)).all():
                raise FloatingPointError(
                    f'TST augmenter loss {key} is {value} in the phase at '
                    f'{at}: stopping before the augmenter is corrupted.')

    def _save(self, runner, at: int) -> None:
        filename = f'augment_{self._unit}{at}_pass{self.passes_done}.pth'
        self._saving_phase = True
        try:
            runner.save_checkpoint(
                runner.work_dir,
                filename,
                save_optimizer=True,
                save_param_scheduler=True)
        finally:
            self._saving_phase = False
        # what `--resume` (auto) picks, like CheckpointHook's own files
        with open(osp.join(runner.work_dir, 'last_checkpoint'), 'w') as f:
            f.write(osp.join(runner.work_dir, filename))

    def _log_policy(self, runner, algorithm) -> None:
        augmenter = unwrap(algorithm.augmenter)
        scalars = {f'tst/p_{k}': v for k, v in augmenter.probabilities.items()}
        scalars.update({
            f'tst/m_{k}': v
            for k, v in augmenter.magnitudes.items()
        })
        runner.visualizer.add_scalars(scalars, step=runner.iter)
        runner.logger.info('TST policy: ' +
                           ', '.join(f'{k[4:]}={v:.3f}'
                                     for k, v in scalars.items()))

    # -- checkpoints --------------------------------------------------------
    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['tst_phase'] = dict(
            phase_at=self.phase_at,
            passes_done=self.passes_done,
            last_pass_loss=self.last_pass_loss)
        if self._saving_phase:
            # mmengine stamps a checkpoint as if saved after the current
            # epoch/iteration; a phase runs before it, so resume there.
            checkpoint['meta'].update(epoch=runner.epoch, iter=runner.iter)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('tst_phase')
        if state is not None:
            self.phase_at = state['phase_at']
            self.passes_done = state['passes_done']
            self.last_pass_loss = state.get('last_pass_loss')
