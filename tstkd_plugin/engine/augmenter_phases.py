# Copyright (c) tstkd_plugin contributors.
import os.path as osp
from typing import Callable, Dict, Iterable, Optional, Sequence

import torch
from mmengine.dist import all_reduce
from mmengine.dist.utils import get_comm_device
from mmengine.logging import MessageHub

from ..utils import unwrap
from .student_counter import student_counter

# the message hub's keys: mmengine saves its runtime info in every
# checkpoint and restores it on resume, before the train loop runs
PROGRESS_KEY = 'tst_phase'
FRESH_OPTIMIZER_KEY = 'tst_fresh_optimizer'


def all_reduce_mean(value: float) -> float:
    """The mean of ``value`` over the ranks (itself without a process
    group)."""
    tensor = torch.tensor(
        float(value), dtype=torch.float64, device=get_comm_device())
    all_reduce(tensor, op='mean')
    return tensor.item()


class AugmenterPhases:
    """TST's augmenter phases: where they run, what one pass does, and the
    progress a resumed run continues from.

    The TST train loops (:mod:`tstkd_plugin.engine.tst_train_loops`) own one
    and call :meth:`run` at each of ``points``. A phase trains the augmenter
    for ``passes`` passes while teacher and student stay frozen
    (``augmenter_train_step`` of the algorithm); its steps do not count as
    student iterations.

    As the reference, each phase starts with a fresh augmenter optimizer
    (``fresh_optimizer``: its state, such as SGD's momentum, dropped, its
    learning rates set back to the configured ones and an AMP loss scale to
    its initial value), and after each pass the learning rate is decayed
    when the pass's mean augmenter loss has reached a plateau
    (``plateau_decay``, the reference's ALRS): by ``factor`` when it fell by
    less than ``min_drop`` and by less than ``min_relative_drop`` of the
    previous pass's (the first pass of a phase compares with nothing).

    After each pass a checkpoint ``augment_<unit><at>_pass<k>.pth`` is
    written and becomes the one ``--resume`` picks: an interrupted phase
    resumes with the passes it still owes. The progress (phase, passes done,
    last pass's loss) and the configured learning rates live in mmengine's
    message hub, which every checkpoint carries. At the end of each phase
    the learned probabilities and magnitudes are logged as scalars
    ``tst/p_<op>`` and ``tst/m_<op>``.

    Args:
        points (Sequence[int]): Student epochs (0-based) or iterations
            before which a phase runs.
        unit (str): ``'epoch'`` or ``'iter'``.
        key (str): The config key of ``points``, for errors.
        passes (int): Passes over the training data per phase.
        iters_per_pass (int, optional): Augmenter steps per pass; defaults
            to the length of the training dataloader.
        save_checkpoint (bool): Whether to write a checkpoint after each
            pass.
        fresh_optimizer (bool): Whether each phase starts with a fresh
            augmenter optimizer.
        plateau_decay (dict, optional): ``factor``, ``min_drop`` and
            ``min_relative_drop`` of the decay on plateaus, or None for a
            constant learning rate.
    """

    PLATEAU_KEYS = ('factor', 'min_drop', 'min_relative_drop')

    def __init__(self, points: Sequence[int], unit: str, key: str, passes: int,
                 iters_per_pass: Optional[int], save_checkpoint: bool,
                 fresh_optimizer: bool, plateau_decay: Optional[dict]) -> None:
        points = list(points)
        if any(not isinstance(p, int) or p < 0 for p in points) or \
                points != sorted(set(points)):
            raise ValueError(f'{key}: expected increasing non-negative '
                             f'integers, got {points}')
        if not isinstance(passes, int) or passes < 1:
            raise ValueError(f'train_cfg.passes: expected an int >= 1, got '
                             f'{passes!r}')
        if iters_per_pass is not None and iters_per_pass < 1:
            raise ValueError('train_cfg.iters_per_pass: expected >= 1, got '
                             f'{iters_per_pass}')
        if plateau_decay is not None:
            plateau_decay = dict(plateau_decay)
            if set(plateau_decay) != set(self.PLATEAU_KEYS):
                raise ValueError(
                    f'train_cfg.plateau_decay: expected the keys '
                    f'{self.PLATEAU_KEYS}, got {sorted(plateau_decay)}')
            if not 0 < plateau_decay['factor'] <= 1:
                raise ValueError('train_cfg.plateau_decay.factor: expected a '
                                 f"value in (0, 1], got "
                                 f"{plateau_decay['factor']}")
        self.points = points
        self.unit = unit
        self.passes = passes
        self.iters_per_pass = iters_per_pass
        self.save_checkpoint = save_checkpoint
        self.fresh_optimizer = fresh_optimizer
        self.plateau_decay = plateau_decay

    # -- set-up -------------------------------------------------------------
    @staticmethod
    def check_model(runner, loop_type: str) -> None:
        """A TST loop trains a TST algorithm."""
        algorithm = unwrap(runner.model)
        if getattr(algorithm, 'augmenter', None) is None:
            raise ValueError(
                f'train_cfg.type: {loop_type} needs model.type '
                'TSTDistill (or another algorithm with model.augmenter); got '
                f'{type(algorithm).__name__}')

    @staticmethod
    def _augmenter_wrapper(runner):
        return runner.optim_wrapper['augmenter']

    def remember_fresh_optimizer(self, runner) -> None:
        """The augmenter optimizer's configured learning rates and loss
        scale, what each phase starts from; a resumed run keeps those of
        the run it continues (restored with the message hub)."""
        # an optimizer that is not TST's dict is named before it is used
        unwrap(runner.model).check_optim_wrapper(runner.optim_wrapper)
        hub = MessageHub.get_current_instance()
        if hub.get_info(FRESH_OPTIMIZER_KEY) is not None:
            return
        wrapper = self._augmenter_wrapper(runner)
        scaler = getattr(wrapper, 'loss_scaler', None)
        hub.update_info(
            FRESH_OPTIMIZER_KEY,
            dict(
                lrs=[g['lr'] for g in wrapper.optimizer.param_groups],
                scaler=None if scaler is None else scaler.state_dict()))

    # -- the phase ----------------------------------------------------------
    def due(self) -> Optional[int]:
        """The student epoch or iteration now if a phase runs before it,
        else None (:func:`.student_counter.student_counter`;
        SoKD's search decides by the same counter)."""
        now = student_counter(self.unit)
        return now if now in self.points else None

    def run(self, runner, at: int, batches: Callable[[],
                                                     Iterable[dict]]) -> None:
        """The phase before student epoch/iteration ``at``: the passes it
        still owes, each over ``batches()``."""
        hub = MessageHub.get_current_instance()
        progress = hub.get_info(PROGRESS_KEY)
        if progress is None or progress['phase_at'] != at:
            progress = dict(phase_at=at, passes_done=0, last_pass_loss=None)
            if self.fresh_optimizer:
                self._renew_optimizer(runner)
        if progress['passes_done'] >= self.passes:
            return  # already done (resumed right after it)
        algorithm = unwrap(runner.model)
        while progress['passes_done'] < self.passes:
            means, steps = self._one_pass(runner, algorithm, at, batches())
            progress['passes_done'] += 1
            runner.logger.info(
                f'TST augmenter phase at {self.unit} {at}: pass '
                f'{progress["passes_done"]}/{self.passes}, {steps} steps, '
                'mean ' + ', '.join(f'{k}: {v:.4f}' for k, v in means.items()))
            progress['last_pass_loss'] = self._decay_on_plateau(
                runner, means.get('augmenter.loss'),
                progress['last_pass_loss'])
            hub.update_info(PROGRESS_KEY, dict(progress))
            if self.save_checkpoint:
                self._save(runner, at, progress['passes_done'])
        self._log_policy(runner, algorithm)

    def _one_pass(self, runner, algorithm, at: int,
                  batches: Iterable[dict]) -> tuple:
        """Augmenter steps over ``batches``: the mean of each logged value,
        and the number of steps."""
        sums: Dict[str, float] = {}
        steps = 0
        for batch in batches:
            log_vars = algorithm.augmenter_train_step(batch,
                                                      runner.optim_wrapper)
            for key, value in log_vars.items():
                if torch.is_tensor(value):  # may carry grad
                    value = value.detach().item()
                if not torch.isfinite(torch.tensor(float(value))):
                    raise FloatingPointError(
                        f'TST augmenter loss {key} is {value} in the phase '
                        f'at {self.unit} {at}: stopping before the augmenter '
                        'is corrupted.')
                sums[key] = sums.get(key, 0.0) + float(value)
            steps += 1
        return {k: v / max(steps, 1) for k, v in sums.items()}, steps

    def _renew_optimizer(self, runner) -> None:
        """The reference re-creates the augmenter's optimizer, its lr
        schedule and its grad scaler at the start of every phase."""
        fresh = MessageHub.get_current_instance().get_info(FRESH_OPTIMIZER_KEY)
        wrapper = self._augmenter_wrapper(runner)
        optimizer = wrapper.optimizer
        optimizer.state.clear()
        for group, lr in zip(optimizer.param_groups, fresh['lrs']):
            group['lr'] = lr
        if fresh['scaler']:
            wrapper.loss_scaler.load_state_dict(fresh['scaler'])

    def _decay_on_plateau(self, runner, loss: Optional[float],
                          last: Optional[float]) -> Optional[float]:
        """Decays the learning rate if the pass's ``loss`` is on a plateau
        after ``last``; returns what the next pass compares with."""
        if self.plateau_decay is None or loss is None:
            return last
        # every rank decides on the mean over ranks: the augmenter's
        # parameters and learning rate must stay identical
        loss = all_reduce_mean(loss)
        if last is None:
            return loss
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
        return loss

    def _save(self, runner, at: int, passes_done: int) -> None:
        filename = f'augment_{self.unit}{at}_pass{passes_done}.pth'
        # mmengine stamps a checkpoint as if saved after the current
        # epoch/iteration; a phase runs before it, so resume there
        runner.save_checkpoint(
            runner.work_dir,
            filename,
            save_optimizer=True,
            save_param_scheduler=True,
            meta=dict(epoch=runner.epoch, iter=runner.iter))
        # what `--resume` (auto) picks, like CheckpointHook's own files
        with open(osp.join(runner.work_dir, 'last_checkpoint'), 'w') as f:
            f.write(osp.join(runner.work_dir, filename))

    @staticmethod
    def _log_policy(runner, algorithm) -> None:
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
