# Copyright (c) tstkd_plugin contributors.
from .conv_reg_connector import ConvRegConnector
from .distinctive_area_detector import (DistinctiveAreaDetector,
                                        activation_energy)

__all__ = ['ConvRegConnector', 'DistinctiveAreaDetector', 'activation_energy']
