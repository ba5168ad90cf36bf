# Copyright (c) tstkd_plugin contributors.
from .dense_kl_divergence import DenseKLDivergence
from .dist_kd_loss import DISTKDLoss
from .hcl_loss import HCLLoss
from .logit_rows import logits_to_rows, rows_and_mask
from .masked_mse_loss import MaskedMSELoss

__all__ = [
    'DenseKLDivergence', 'DISTKDLoss', 'HCLLoss', 'MaskedMSELoss',
    'logits_to_rows', 'rows_and_mask'
]
