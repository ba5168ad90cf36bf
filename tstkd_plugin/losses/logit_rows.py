# Copyright (c) tstkd_plugin contributors.
"""Dense logits as a matrix of class rows, shared by the logit losses."""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F


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


def rows_and_mask(preds_S: torch.Tensor, preds_T: torch.Tensor,
                  valid: Optional[torch.Tensor]
                  ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Student and (detached) teacher rows in fp32, valid rows only.

    Args:
        preds_S (Tensor): Student logits, (N, C) or (N, C, *spatial).
        preds_T (Tensor): Teacher logits of the same shape.
        valid (Tensor, optional): Bool mask of shape (N, *spatial) (resized
            to the logits' spatial size with nearest sampling if it differs);
            False rows are left out.
    """
    if preds_S.shape != preds_T.shape:
        raise ValueError('student and teacher logits differ in shape: '
                         f'{tuple(preds_S.shape)} vs {tuple(preds_T.shape)}')
    rows_s = logits_to_rows(preds_S.float())
    rows_t = logits_to_rows(preds_T.detach().float())
    if valid is not None:
        spatial = preds_S.shape[2:]
        if valid.shape[1:] != spatial:
            valid = F.interpolate(
                valid[:, None].float(), size=spatial,
                mode='nearest')[:, 0] > 0.5
        keep = valid.reshape(-1).bool()
        rows_s, rows_t = rows_s[keep], rows_t[keep]
    return rows_s, rows_t
