# Copyright (c) tstkd_plugin contributors.
from .dense_kl_divergence import DenseKLDivergence
from .logit_rows import logits_to_rows, rows_and_mask

__all__ = ['DenseKLDivergence', 'logits_to_rows', 'rows_and_mask']
