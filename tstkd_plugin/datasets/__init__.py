# Copyright (c) tstkd_plugin contributors.
"""Datasets read from local files (registered into mmpretrain's registry)."""
from .local_fashion_mnist import DEBIAN_FASHION_MNIST, LocalFashionMNIST

__all__ = ['DEBIAN_FASHION_MNIST', 'LocalFashionMNIST']
