# Copyright (c) tstkd_plugin contributors.
from .dense_kl_divergence import DenseKLDivergence
from .dist_kd_loss import DISTKDLoss
from .logit_rows import logits_to_rows, rows_and_mask

__all__ = ['DenseKLDivergence', 'DISTKDLoss', 'logits_to_rows', 'rows_and_mask']
