# Copyright (c) tstkd_plugin contributors.
from .abf_connector import (ABFConnector, AttentionBasedFusion,
                            append_pooled_level)
from .conv_reg_connector import ConvRegConnector
from .distinctive_area_detector import (DistinctiveAreaDetector,
                                        activation_energy)
from .reference_area_detector import ReferenceAreaDetector

__all__ = [
    'ABFConnector', 'AttentionBasedFusion', 'ConvRegConnector',
    'DistinctiveAreaDetector', 'ReferenceAreaDetector', 'activation_energy',
    'append_pooled_level'
]
