# Copyright (c) tstkd_plugin contributors.
from contextlib import nullcontext
from typing import Dict, Optional, Sequence

import torch
from mmengine.dist import all_reduce_params, get_world_size
from mmengine.optim import AmpOptimWrapper, OptimWrapper, OptimWrapperDict
from torch import nn
from torch.func import functional_call

from ...engine.one_scaler_step import step_on_one_backward
from ...engine.student_counter import student_counter
from ...registry import TASK_UTILS
from ...utils import unwrap

SEARCH_MODES = ('first_order', 'unrolled', 'unrolled_implicit')
UNROLLED = ('unrolled', 'unrolled_implicit')


@TASK_UTILS.register_module()
class SoKDPolicySearch:
    """SoKD's student step with the search of its feature-augmentation
    policy, a part of :class:`~tstkd_plugin.algorithms.ComposedDistill`
    whose distiller is a ``SoKDDistiller`` (its adapters, DAMs and policies
    are the distiller's modules; this part decides how they are updated).

    The policy is searched for the first ``search_epochs`` epochs (or
    ``search_iters`` iterations; the runner's counters in mmengine's message
    hub, so resuming continues the schedule), then frozen and still sampled.
    The schedule is over student steps, not a stage of its own: a search
    step rides on the student's step (first order) or precedes it on the
    same batch (unrolled). Its objective is the student's distillation loss
    (the SoKD terms depend on it):

    - ``search='first_order'`` (default): the policy's gradient is taken on
      the current batch at the current student weights, before the student
      has stepped on that batch, i.e. on data held out from every student
      update so far; the same backward pass gives the student its gradient,
      so the search costs no extra forward or backward pass.
    - ``search='unrolled'``: the reference's bi-level step. The batch is
      split in halves; a virtual student step on the first,
      ``w' = w - unroll_lr * grad_w L(w, a)``, is differentiated through
      (second order, exact by double backward), and the policy steps on
      ``L(w', a)`` of the second half. Then the student steps on the whole
      batch as usual. About 4-5 forward/backward passes per step; one
      process only (DDP does not support the double backward). The policy
      reaches ``L(w', a)`` twice: through ``w'`` (the implicit term) and
      through the augmented teacher features of the second half.
    - ``search='unrolled_implicit'``: the same, with the augmentation off
      in ``L(w', .)``, so the policy is moved by the implicit term only:
      towards augmentations whose training step lowers the student's loss
      on un-augmented knowledge. Close to the reference's step, whose
      "augmentation off" still applies the sampled ops in ``L(w', .)`` and
      drops only their straight-through term.

    Args:
        search_epochs (int, optional): Epochs of policy search.
        search_iters (int, optional): Iterations of policy search (for
            iteration-based training). Set exactly one of the two.
        search (str): ``'first_order'``, ``'unrolled'`` or
            ``'unrolled_implicit'``.
        unroll_lr (float, optional): Learning rate of the virtual step;
            defaults to the student optimizer's current one.
    """

    def __init__(self,
                 search_epochs: Optional[int] = None,
                 search_iters: Optional[int] = None,
                 search: str = 'first_order',
                 unroll_lr: Optional[float] = None) -> None:
        if (search_epochs is None) == (search_iters is None):
            raise ValueError("model: SoKD's policy search needs exactly one "
                             'of '
                             'search_epochs and search_iters; got '
                             f'search_epochs={search_epochs}, '
                             f'search_iters={search_iters}')
        length = search_epochs if search_epochs is not None else search_iters
        key = 'search_epochs' if search_epochs is not None else 'search_iters'
        if not isinstance(length, int) or length < 0:
            raise ValueError(f'model.{key}: expected an int >= 0, got '
                             f'{length!r}')
        if search not in SEARCH_MODES:
            raise ValueError(f'model.search: expected one of '
                             f'{SEARCH_MODES}, got {search!r}')
        if search in UNROLLED and get_world_size() > 1:
            # DDP's gradient hooks do not support the double backward
            raise ValueError(f'model.search={search!r} runs in one process '
                             "only; use 'first_order' for distributed "
                             'training')
        self.by_epoch = search_epochs is not None
        self.length = length
        self.mode = search
        self.unroll_lr = unroll_lr

    def searching(self) -> bool:
        """Whether the policy is still being searched, from the student's
        epoch/iteration (as TST's phases)."""
        return student_counter(
            'epoch' if self.by_epoch else 'iter') < self.length

    def check_amp(self, optim_wrapper: OptimWrapperDict) -> None:
        """Refuse AMP wrappers with the unrolled search (see
        ``tstkd_plugin.apis.enable_amp``)."""
        if self.mode in UNROLLED and any(
                isinstance(w, AmpOptimWrapper)
                for w in optim_wrapper.values()):
            raise ValueError(
                f'model.search={self.mode!r} with an AmpOptimWrapper in '
                'optim_wrapper: the second-order step is not safe in half '
                "precision; use model.search='first_order' or no AMP")

    def student_step(
        self, algorithm: nn.Module, inputs: torch.Tensor, samples: list,
        optim_wrapper: OptimWrapperDict
    ) -> Dict[str, torch.Tensor]:  # noqa: E125
        """One student step of ``algorithm`` on a preprocessed batch, with
        the policy's search step while searching (class docstring)."""
        student, policy = optim_wrapper['architecture'], \
            optim_wrapper['feature_augment']
        searching = self.searching()
        if searching and self.mode in UNROLLED:
            self.unrolled_policy_step(algorithm, inputs, samples, student,
                                      policy)
        with student.optim_context(algorithm):
            losses = algorithm.loss(inputs, samples)
        parsed, log_vars = algorithm.parse_losses(losses)
        if searching and self.mode == 'first_order':
            # one backward for both; under AMP one scaler, skipped together
            self.update(algorithm, student, parsed, also_step=(policy, ))
        else:
            self.update(algorithm, student, parsed)
            policy.zero_grad()
        log_vars['sokd_searching'] = torch.tensor(float(searching))
        return log_vars

    @staticmethod
    def update(
        algorithm: nn.Module,
        optim_wrapper: OptimWrapper,
        loss: torch.Tensor,
        also_step: Sequence[OptimWrapper] = ()
    ) -> None:  # noqa: E125
        """``optim_wrapper.update_params(loss)`` with the distiller's
        gradients (adapters, DAMs, policies) averaged over ranks between the
        backward pass and the step: the distiller is used through its
        methods, never through a DDP wrapper's forward. The optimizers of
        ``also_step`` step on the same backward pass
        (``step_on_one_backward``)."""
        optim_wrapper.backward(optim_wrapper.scale_loss(loss))
        if get_world_size() > 1:
            params = [
                p for p in algorithm.distiller.parameters() if p.requires_grad
            ]
            grads = [
                p.grad if p.grad is not None else torch.zeros_like(p)
                for p in params
            ]
            all_reduce_params(grads, op='mean')
            for p, g in zip(params, grads):
                p.grad = g
        if optim_wrapper.should_update():
            step_on_one_backward(optim_wrapper, also_step)
            for wrapper in (optim_wrapper, *also_step):
                wrapper.zero_grad()

    def unrolled_policy_step(self, algorithm: nn.Module, inputs: torch.Tensor,
                             samples: list, student: OptimWrapper,
                             policy: OptimWrapper) -> None:
        """The bi-level policy step (class docstring)."""
        half = inputs.shape[0] // 2
        if half < 1:
            raise ValueError(f'model.search={self.mode!r} needs batches '
                             'of at least 2 samples '
                             '(train_dataloader.batch_size)')
        lr = self.unroll_lr if self.unroll_lr is not None else \
            student.get_lr()['lr'][0]
        distiller = unwrap(algorithm.distiller)
        policy_params = set(distiller.feature_augments.parameters())
        weights = {
            name: p
            for name, p in algorithm.named_parameters()
            if p.requires_grad and p not in policy_params
        }
        train_loss, _ = algorithm.parse_losses(
            algorithm.loss(inputs[:half], samples[:half]))
        grads = torch.autograd.grad(
            train_loss,
            list(weights.values()),
            create_graph=True,
            allow_unused=True)
        virtual = {
            name: p if g is None else p - lr * g
            for (name, p), g in zip(weights.items(), grads)
        }
        with (distiller.augmentation_off()
              if self.mode == 'unrolled_implicit' else nullcontext()):
            val_losses = functional_call(
                algorithm,
                virtual, (inputs[half:], samples[half:]),
                dict(mode='loss'),
                strict=False)
        val_loss, _ = algorithm.parse_losses(val_losses)
        self.update(algorithm, policy, val_loss)
        student.zero_grad()  # the weights got gradients on the way
