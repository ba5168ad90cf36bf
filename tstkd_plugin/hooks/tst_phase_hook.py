# Copyright (c) tstkd_plugin contributors.
import os.path as osp
from typing import Iterable, Optional, Sequence

import torch
from mmengine.hooks import Hook
from mmengine.runner import EpochBasedTrainLoop

from ..registry import HOOKS
from ..utils import unwrap

DATA_BATCH = Optional[dict]


@HOOKS.register_module()
class TSTPhaseHook(Hook):
    """Runs TST's augmenter phases between the student's epochs/iterations.

    Before student epoch ``e`` for each ``e`` in ``augment_epochs`` (or
    before student iteration ``i`` for each ``i`` in ``augment_iters``), the
    augmenter is trained for ``passes`` passes over the training data while
    teacher and student stay frozen; then the student continues. Augmenter
    steps do not count as student iterations, so the student's schedule and
    logs are those of a run without TST.

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
    """

    priority = 'LOW'

    def __init__(self,
                 augment_epochs: Optional[Sequence[int]] = None,
                 augment_iters: Optional[Sequence[int]] = None,
                 passes: int = 1,
                 iters_per_pass: Optional[int] = None,
                 save_checkpoint: bool = True) -> None:
        if (augment_epochs is None) == (augment_iters is None):
            raise ValueError('TSTPhaseHook: set exactly one of '
                             'augment_epochs and augment_iters')
        points = list(augment_epochs if augment_epochs is not None else
                      augment_iters)
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
        self.by_epoch = augment_epochs is not None
        self.points = points
        self.passes = passes
        self.iters_per_pass = iters_per_pass
        self.save_checkpoint = save_checkpoint
        # progress of the current phase: (its point, passes done)
        self.phase_at: Optional[int] = None
        self.passes_done = 0
        self._saving_phase = False

    # -- schedule -----------------------------------------------------------
    def before_train(self, runner) -> None:
        algorithm = self._algorithm(runner)
        if not hasattr(algorithm, 'augmenter_phase'):
            raise ValueError('custom_hooks: TSTPhaseHook needs model.type '
                             f'TSTDistill; got {type(algorithm).__name__}')
        if self.by_epoch != isinstance(runner.train_loop,
                                       EpochBasedTrainLoop):
            key = 'augment_epochs' if self.by_epoch else 'augment_iters'
            raise ValueError(f'TSTPhaseHook.{key} does not fit the train '
                             f'loop {type(runner.train_loop).__name__}')

    def before_train_epoch(self, runner) -> None:
        if self.by_epoch and runner.epoch in self.points:
            self._run_phase(runner, runner.epoch)

    def before_train_iter(self, runner, batch_idx: int,
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
                means = ', '.join(f'{k}: {v / max(steps, 1):.4f}'
                                  for k, v in sums.items())
                runner.logger.info(
                    f'TST augmenter phase at {self._unit} {at}: pass '
                    f'{self.passes_done}/{self.passes}, {steps} steps, '
                    f'mean {means}')
                if self.save_checkpoint:
                    self._save(runner, at)
        finally:
            algorithm.augmenter_phase.fill_(False)
        self._log_policy(runner, algorithm)

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
            runner.save_checkpoint(runner.work_dir, filename,
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
        scalars.update(
            {f'tst/m_{k}': v for k, v in augmenter.magnitudes.items()})
        runner.visualizer.add_scalars(scalars, step=runner.iter)
        runner.logger.info('TST policy: ' + ', '.join(
            f'{k[4:]}={v:.3f}' for k, v in scalars.items()))

    # -- checkpoints --------------------------------------------------------
    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['tst_phase'] = dict(
            phase_at=self.phase_at, passes_done=self.passes_done)
        if self._saving_phase:
            # mmengine stamps a checkpoint as if saved after the current
            # epoch/iteration; a phase runs before it, so resume there.
            checkpoint['meta'].update(epoch=runner.epoch, iter=runner.iter)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('tst_phase')
        if state is not None:
            self.phase_at = state['phase_at']
            self.passes_done = state['passes_done']
