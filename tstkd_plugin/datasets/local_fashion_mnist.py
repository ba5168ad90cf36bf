# Copyright (c) tstkd_plugin contributors.
import os.path as osp
from typing import List

import numpy as np
from mmpretrain.datasets import FashionMNIST
from mmpretrain.datasets.mnist import read_sn3_pascalvincent_tensor
from mmpretrain.registry import DATASETS

# where Debian's package ``dataset-fashion-mnist`` installs the four files
DEBIAN_FASHION_MNIST = '/usr/share/datasets/fashion-mnist'


@DATASETS.register_module()
class LocalFashionMNIST(FashionMNIST):
    """Fashion-MNIST's official split read from a local folder of its four
    IDX files, gzipped (as published) or not; never downloaded.

    mmpretrain's ``FashionMNIST`` only reads the files uncompressed (and
    otherwise offers to download them); this reads the folder as the
    dataset's home page and Debian's ``dataset-fashion-mnist`` ship it.

    Args:
        data_root (str): The folder with ``train-images-idx3-ubyte``,
            ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte`` and
            ``t10k-labels-idx1-ubyte`` (each optionally ``.gz``). Defaults to
            the Debian package's folder.
        split (str): ``'train'`` (60,000 images) or ``'test'`` (10,000).
            Defaults to ``'train'``.
        channels (int): 1 (the grey images as they are) or 3 (the grey
            channel repeated, for networks with RGB stems). Defaults to 1.
        first_index (int): The images before it are left out, so that
            ``indices=N`` takes the N images from it: a held-out part of the
            training split (e.g. ``first_index=2000`` next to a training set
            of the first 2,000). Defaults to 0.
        **kwargs: Other arguments of :class:`mmengine.dataset.BaseDataset`
            (``indices`` takes the first N images, or the ones listed).
    """

    def __init__(self,
                 data_root: str = DEBIAN_FASHION_MNIST,
                 split: str = 'train',
                 channels: int = 1,
                 first_index: int = 0,
                 **kwargs) -> None:
        if split not in ('train', 'test'):
            raise ValueError(f"LocalFashionMNIST: split must be 'train' or "
                             f"'test', got {split!r}")
        if channels not in (1, 3):
            raise ValueError(
                f'LocalFashionMNIST: channels must be 1 or 3, got {channels!r}'
            )
        if isinstance(
                first_index,
                bool) or not isinstance(first_index, int) or first_index < 0:
            raise ValueError('LocalFashionMNIST: first_index must be an int '
                             f'>= 0, got {first_index!r}')
        self.channels = channels
        self.first_index = first_index
        kwargs.pop('download', None)
        # mmpretrain's MNIST picks its files by test_mode, not by split
        kwargs['test_mode'] = split == 'test'
        missing = self.missing_files(data_root)
        if missing:
            raise FileNotFoundError(
                f'LocalFashionMNIST: data_root={data_root!r} lacks '
                f'{", ".join(missing)} (each may be .gz). Install Debian\'s '
                f'package dataset-fashion-mnist (files in '
                f'{DEBIAN_FASHION_MNIST}) or download the four files from '
                'https://github.com/zalandoresearch/fashion-mnist and set '
                'data_root to their folder.')
        super().__init__(
            data_root=data_root, split=split, download=False, **kwargs)

    @classmethod
    def file_names(cls) -> List[str]:
        """The four files' names without ``.gz``."""
        return [name[:-3] for name, _ in cls.train_list + cls.test_list]

    @classmethod
    def missing_files(cls, folder: str) -> List[str]:
        """The files (without ``.gz``) that ``folder`` has in neither
        form."""
        return [
            name for name in cls.file_names()
            if not (osp.isfile(osp.join(folder, name))
                    or osp.isfile(osp.join(folder, name + '.gz')))
        ]

    def _check_exists(self) -> bool:
        return not self.missing_files(self.data_prefix['root'])

    def _path(self, name: str) -> str:
        path = osp.join(self.data_prefix['root'], name[:-3])
        return path if osp.isfile(path) else path + '.gz'

    @staticmethod
    def _read_idx(path: str, ndim: int) -> np.ndarray:
        """A uint8 IDX array of ``ndim`` dimensions (a clear error for a
        file that is not one)."""
        try:
            array = read_sn3_pascalvincent_tensor(path).numpy()
        except (AssertionError, KeyError, OSError, ValueError) as error:
            raise ValueError(f'LocalFashionMNIST: {path} is not a valid IDX '
                             f'file ({error!r})') from error
        if array.dtype != np.uint8 or array.ndim != ndim:
            raise ValueError(
                f'LocalFashionMNIST: {path} holds a {array.dtype} array of '
                f'{array.ndim} dimensions, expected uint8 of {ndim}')
        return array

    def load_data_list(self) -> List[dict]:
        files = self.test_list if self.test_mode else self.train_list
        images = self._read_idx(self._path(files[0][0]), 3)
        labels = self._read_idx(self._path(files[1][0]), 1)
        if len(images) != len(labels):
            raise ValueError(
                f'LocalFashionMNIST: {len(images)} images but {len(labels)} '
                f'labels in {self.data_prefix["root"]}')
        if self.first_index >= len(images):
            raise ValueError(
                f'LocalFashionMNIST: first_index={self.first_index} leaves '
                f'none of the {len(images)} images in '
                f'{self.data_prefix["root"]}')
        images = images[self.first_index:]
        labels = labels[self.first_index:]
        if self.channels == 3:
            images = np.repeat(images[..., None], 3, axis=-1)
        return [
            dict(img=img, gt_label=np.array(label, dtype=np.int64))
            for img, label in zip(images, labels)
        ]
