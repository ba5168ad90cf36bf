# Copyright (c) tstkd_plugin contributors.
"""Several optimizers stepping on the gradients of one backward pass."""
from typing import Sequence

import torch
from mmengine.optim import AmpOptimWrapper, OptimWrapper


def step_on_one_backward(owner: OptimWrapper,
                         others: Sequence[OptimWrapper]) -> None:
    """Step ``owner``'s and ``others``' optimizers after one
    ``owner.backward(loss)`` that gave all of them their gradients (SoKD's
    first-order search: the student and the policy).

    Without AMP each wrapper steps as usual. With AMP the loss was scaled by
    ``owner``'s loss scaler only, so that scaler unscales every optimizer's
    gradients; if any of them is inf/NaN no optimizer steps (a policy step
    on an overflowed student backward would be as wrong as the student's),
    and the scale is updated once. ``others``' own scalers are not used.

    Args:
        owner (OptimWrapper): The wrapper whose ``backward`` was called.
        others (Sequence[OptimWrapper]): Wrappers of the other optimizers
            that the same backward pass reached.
    """
    wrappers = [owner, *others]
    if not isinstance(owner, AmpOptimWrapper) or \
            not owner.loss_scaler.is_enabled():
        for wrapper in wrappers:
            wrapper.step()
        return
    scaler = owner.loss_scaler
    for wrapper in wrappers:
        scaler.unscale_(wrapper.optimizer)
    grads = [
        p.grad for wrapper in wrappers
        for group in wrapper.optimizer.param_groups for p in group['params']
        if p.grad is not None
    ]
    finite = all(bool(torch.isfinite(g).all()) for g in grads)
    if finite:
        for wrapper in wrappers:
            if wrapper.clip_grad_kwargs:
                wrapper._clip_grad()
            scaler.step(wrapper.optimizer)
    # every optimizer's inf check was recorded by unscale_: on overflow the
    # scale drops once for the whole step
    scaler.update(owner._scale_update_param)
