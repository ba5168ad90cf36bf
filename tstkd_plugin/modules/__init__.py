# Copyright (c) tstkd_plugin contributors.
from .distinctive_area_detector import (DistinctiveAreaDetector,
                                        activation_energy)

__all__ = ['DistinctiveAreaDetector', 'activation_energy']
