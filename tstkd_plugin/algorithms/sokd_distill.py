# Copyright (c) tstkd_plugin contributors.
from contextlib import nullcontext
from typing import Dict, Optional, Sequence

import torch
from mmengine.dist import all_reduce_params, get_world_size
from mmengine.logging import MessageHub
from mmengine.model import is_model_wrapper
from mmengine.optim import AmpOptimWrapper, OptimWrapper, OptimWrapperDict
from torch.func import functional_call

from ..engine.one_scaler_step import step_on_one_backward
from ..registry import MODELS
from ..utils import check_optim_wrapper_dict, unwrap
from .checked_single_teacher_distill import CheckedSingleTeacherDistill


@MODELS.register_module()
class SoKDDistill(CheckedSingleTeacherDistill):
    """SoKD: student-oriented refinement of the teacher's knowledge.

    A ``CheckedSingleTeacherDistill`` whose distiller is a ``SoKDDistiller``
    and whose optimizer is a dict (``SoKDOptimWrapperConstructor``):
    ``architecture`` (student, adapters, DAMs) and ``feature_augment``
    (the augmentation policies). The host method's losses are whatever the
    distiller config has; switching SoKD on changes ``model.type``, the
    distiller's type and its SoKD keys, and the optimizer.

    The policy is searched for the first ``search_epochs`` epochs (or
    ``search_iters`` iterations; the runner's counters, so resuming continues
    the schedule), then frozen and still sampled. Its objective is the
    student's distillation loss (the SoKD terms depend on it):

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
        **kwargs: The arguments of ``CheckedSingleTeacherDistill``.
    """

    OPTIMIZERS = ('architecture', 'feature_augment')
    # kept out of auto_scale_lr (tstkd_plugin/engine/auto_scale_lr.py)
    FIXED_LR_OPTIMIZERS = ('feature_augment', )
    SEARCH_MODES = ('first_order', 'unrolled', 'unrolled_implicit')
    UNROLLED = ('unrolled', 'unrolled_implicit')

    def __init__(self,
                 search_epochs: Optional[int] = None,
                 search_iters: Optional[int] = None,
                 search: str = 'first_order',
                 unroll_lr: Optional[float] = None,
                 **kwargs) -> None:
        if (search_epochs is None) == (search_iters is None):
            raise ValueError('model: SoKDDistill needs exactly one of '
                             'search_epochs and search_iters; got '
                             f'search_epochs={search_epochs}, '
                             f'search_iters={search_iters}')
        length = search_epochs if search_epochs is not None else search_iters
        key = 'search_epochs' if search_epochs is not None else 'search_iters'
        if not isinstance(length, int) or length < 0:
            raise ValueError(f'model.{key}: expected an int >= 0, got '
                             f'{length!r}')
        if search not in self.SEARCH_MODES:
            raise ValueError(f'model.search: expected one of '
                             f'{self.SEARCH_MODES}, got {search!r}')
        if search in self.UNROLLED and get_world_size() > 1:
            # DDP's gradient hooks do not support the double backward
            raise ValueError(f'model.search={search!r} runs in one process '
                             "only; use 'first_order' for distributed "
                             'training')
        super().__init__(**kwargs)
        if not hasattr(self.distiller, 'feature_augments'):
            raise ValueError('model.distiller.type: SoKDDistill needs '
                             'SoKDDistiller; got '
                             f'{type(self.distiller).__name__}')
        self.search_by_epoch = search_epochs is not None
        self.search_length = length
        self.search = search
        self.unroll_lr = unroll_lr

    def searching(self) -> bool:
        """Whether the policy is still being searched, from the runner's
        epoch/iteration (published in mmengine's message hub)."""
        info = MessageHub.get_current_instance().runtime_info
        now = info.get('epoch' if self.search_by_epoch else 'iter', 0)
        return now < self.search_length

    def train_step(self, data: dict,
                   optim_wrapper: OptimWrapperDict) -> Dict[str, torch.Tensor]:
        check_optim_wrapper_dict(optim_wrapper, self.OPTIMIZERS, 'SoKDDistill',
                                 'SoKDOptimWrapperConstructor')
        self.check_amp(optim_wrapper)
        data = self.data_preprocessor(data, True)
        return self.sokd_step(data['inputs'], data['data_samples'],
                              optim_wrapper)

    def sokd_step(self, inputs: torch.Tensor, samples: list,
                  optim_wrapper: OptimWrapperDict) -> Dict[str, torch.Tensor]:
        """One student step on a preprocessed batch, with the policy's
        search step while searching (class docstring)."""
        self._unwrap_distiller()
        student, policy = optim_wrapper['architecture'], \
            optim_wrapper['feature_augment']
        searching = self.searching()
        if searching and self.search in self.UNROLLED:
            self.unrolled_policy_step(inputs, samples, student, policy)
        with student.optim_context(self):
            losses = self.loss(inputs, samples)
        parsed, log_vars = self.parse_losses(losses)
        if searching and self.search == 'first_order':
            # one backward for both; under AMP one scaler, skipped together
            self._update(student, parsed, also_step=(policy, ))
        else:
            self._update(student, parsed)
            policy.zero_grad()
        log_vars['sokd_searching'] = torch.tensor(float(searching))
        return log_vars

    def check_amp(self, optim_wrapper: OptimWrapperDict) -> None:
        """Refuse AMP wrappers with the unrolled search (see
        ``tstkd_plugin.apis.enable_amp``)."""
        if self.search in self.UNROLLED and any(
                isinstance(w, AmpOptimWrapper)
                for w in optim_wrapper.values()):
            raise ValueError(
                f'model.search={self.search!r} with an AmpOptimWrapper in '
                'optim_wrapper: the second-order step is not safe in half '
                "precision; use model.search='first_order' or no AMP")

    def _unwrap_distiller(self) -> None:
        """The distiller is used through its methods, never its forward, so
        a DDP wrapper around it (``MMSeparateDistributedDataParallel`` wraps
        every child with parameters) would neither work nor average its
        gradients: it is taken out, and :meth:`_update` averages them."""
        if is_model_wrapper(self.distiller):
            self._modules['distiller'] = self.distiller.module

    def _update(
        self,
        optim_wrapper: OptimWrapper,
        loss: torch.Tensor,
        also_step: Sequence[OptimWrapper] = ()
    ) -> None:  # noqa: E125
        """``optim_wrapper.update_params(loss)`` with the distiller's
        gradients (adapters, DAMs, policies) averaged over ranks between the
        backward pass and the step; the optimizers of ``also_step`` step on
        the same backward pass (``step_on_one_backward``)."""
        optim_wrapper.backward(optim_wrapper.scale_loss(loss))
        if get_world_size() > 1:
            grads = [
                p.grad if p.grad is not None else torch.zeros_like(p)
                for p in self.distiller.parameters() if p.requires_grad
            ]
            all_reduce_params(grads, op='mean')
            for p, g in zip(
                (p for p in self.distiller.parameters() if p.requires_grad),
                    grads):
                p.grad = g
        if optim_wrapper.should_update():
            step_on_one_backward(optim_wrapper, also_step)
            for wrapper in (optim_wrapper, *also_step):
                wrapper.zero_grad()

    def _policy_parameters(self):
        return set(unwrap(self.distiller).feature_augments.parameters())

    def unrolled_policy_step(self, inputs: torch.Tensor, samples: list,
                             student: OptimWrapper,
                             policy: OptimWrapper) -> None:
        """The bi-level policy step (class docstring)."""
        half = inputs.shape[0] // 2
        if half < 1:
            raise ValueError(f'model.search={self.search!r} needs batches '
                             'of at least 2 samples '
                             '(train_dataloader.batch_size)')
        lr = self.unroll_lr if self.unroll_lr is not None else \
            student.get_lr()['lr'][0]
        policy_params = self._policy_parameters()
        weights = {
            name: p
            for name, p in self.named_parameters()
            if p.requires_grad and p not in policy_params
        }
        train_loss, _ = self.parse_losses(
            self.loss(inputs[:half], samples[:half]))
        grads = torch.autograd.grad(
            train_loss,
            list(weights.values()),
            create_graph=True,
            allow_unused=True)
        virtual = {
            name: p if g is None else p - lr * g
            for (name, p), g in zip(weights.items(), grads)
        }
        with (unwrap(self.distiller).augmentation_off()
              if self.search == 'unrolled_implicit' else nullcontext()):
            val_losses = functional_call(
                self,
                virtual, (inputs[half:], samples[half:]),
                dict(mode='loss'),
                strict=False)
        val_loss, _ = self.parse_losses(val_losses)
        self._update(policy, val_loss)
        student.zero_grad()  # the weights got gradients on the way
