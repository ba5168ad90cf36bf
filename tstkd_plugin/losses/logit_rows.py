# Copyright (c) tstkd_plugin contributors.
"""Dense logits as a matrix of class rows, shared by the logit losses."""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

ACTIVATIONS = ('softmax', 'sigmoid')


def check_logit_loss_args(tau: float, activation: str) -> None:
    """Reject a temperature or activation the logit losses cannot use."""
    if activation not in ACTIVATIONS:
        raise ValueError(f'activation: expected one of {ACTIVATIONS}, got '
                         f'{activation!r}')
    if not tau > 0:
        raise ValueError(f'tau: expected a positive temperature, got {tau}')


def logits_to_rows(logits: torch.Tensor) -> torch.Tensor:
    """(N, C) stays; (N, C, *spatial) becomes (N * prod(spatial), C).

    Every location of a dense map is then one sample (row) with C classes.
    """
    if logits.dim() < 2:
        raise ValueError('expected logits of shape (N, C) or (N, C, H, W), '
                         f'got {tuple(logits.shape)}')
    if logits.dim() == 2:
        return logits
    return logits.movedim(1, -1).reshape(-1, logits.shape[1])


def resize_mask(mask: torch.Tensor, spatial: Sequence[int]) -> torch.Tensor:
    """A bool mask (N, *any) brought to (N, *spatial) by nearest sampling."""
    mask = mask.bool()
    if tuple(mask.shape[1:]) == tuple(spatial):
        return mask
    return F.interpolate(
        mask[:, None].float(), size=tuple(spatial), mode='nearest')[:, 0] > 0.5


def rows_and_mask(
        preds_S: torch.Tensor, preds_T: torch.Tensor,
        valid: Optional[torch.Tensor]) -> Tuple[torch.Tensor, torch.Tensor]:
    """Student and (detached) teacher rows in fp32, valid rows only.

    Args:
        preds_S (Tensor): Student logits, (N, C) or (N, C, *spatial).
        preds_T (Tensor): Teacher logits of the same shape.
        valid (Tensor, optional): Bool mask of shape (N, *spatial), or of a
            label map's size (resized by nearest sampling); False rows are
            left out.
    """
    if preds_S.shape != preds_T.shape:
        raise ValueError('student and teacher logits differ in shape: '
                         f'{tuple(preds_S.shape)} vs {tuple(preds_T.shape)}')
    rows_s = logits_to_rows(preds_S.float())
    rows_t = logits_to_rows(preds_T.detach().float())
    if valid is not None:
        keep = resize_mask(valid.to(preds_S.device),
                           preds_S.shape[2:]).reshape(-1)
        rows_s, rows_t = rows_s[keep], rows_t[keep]
    return rows_s, rows_t


def probabilities(rows: torch.Tensor, tau: float,
                  activation: str) -> torch.Tensor:
    """Softmax over classes or sigmoid per logit, at temperature ``tau``."""
    rows = rows / tau
    return rows.softmax(1) if activation == 'softmax' else rows.sigmoid()


def gather_rows(rows: torch.Tensor) -> torch.Tensor:
    """The rows of every rank, concatenated in rank order (the local rows
    keep their gradient path; ranks may hold different numbers of rows).
    Without an initialised process group: ``rows`` itself."""
    import torch.distributed as dist
    if not (dist.is_available() and dist.is_initialized()) or \
            dist.get_world_size() == 1:
        return rows
    from torch.distributed.nn.functional import all_gather
    count = torch.tensor([rows.shape[0]], device=rows.device)
    counts = [torch.zeros_like(count) for _ in range(dist.get_world_size())]
    dist.all_gather(counts, count)
    most = int(max(c.item() for c in counts))
    padded = F.pad(rows, (0, 0, 0, most - rows.shape[0]))
    gathered = all_gather(padded)  # differentiable: gradients flow back
    return torch.cat([g[:int(c.item())] for g, c in zip(gathered, counts)])
