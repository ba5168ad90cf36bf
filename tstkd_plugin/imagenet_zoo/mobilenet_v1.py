# Copyright (c) tstkd_plugin contributors.
from typing import Sequence, Tuple

import torch
from mmcv.cnn import ConvModule
from mmpretrain.models.backbones.base_backbone import BaseBackbone
from mmpretrain.registry import MODELS
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm


@MODELS.register_module()
class MobileNetV1(BaseBackbone):
    """MobileNetV1 (Howard et al., 2017), the ImageNet student of the DIST
    tables: a stride-2 3x3 stem and 13 depthwise-separable blocks (3x3
    depthwise then 1x1 pointwise, each with BN and ReLU), 1024 channels at
    stride 32. With a 1000-class linear head it has 4.23M parameters.

    Args:
        widen_factor (float): Channel multiplier. Defaults to 1.0.
        out_indices (Sequence[int]): Blocks whose outputs are returned
            (0: the stem, 13: the last). Defaults to (13, ).
        frozen_stages (int): Blocks up to this index are frozen (eval mode,
            no gradients); -1 freezes none. Defaults to -1.
        norm_eval (bool): Whether BN layers stay in eval mode during
            training. Defaults to False.
        conv_cfg (dict, optional): Config of the conv layers.
        norm_cfg (dict): Config of the norm layers. Defaults to BN.
        act_cfg (dict): Config of the activations. Defaults to ReLU.
        init_cfg (dict | list, optional): mmengine init config.
    """

    # (output channels, stride) of the 13 depthwise-separable blocks
    ARCH = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
            (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2),
            (1024, 1)]

    def __init__(
        self,
        widen_factor: float = 1.0,
        out_indices: Sequence[int] = (13, ),
        frozen_stages: int = -1,
        norm_eval: bool = False,
        conv_cfg: dict = None,
        norm_cfg: dict = dict(type='BN'),
        act_cfg: dict = dict(type='ReLU'),
        init_cfg=[
            dict(type='Kaiming', layer=['Conv2d']),
            dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])
        ]
    ) -> None:
        super().__init__(init_cfg)
        num_layers = len(self.ARCH) + 1
        out_indices = tuple(out_indices)
        for index in out_indices:
            if not 0 <= index < num_layers:
                raise ValueError(
                    f'out_indices: {index} is not a block of MobileNetV1; '
                    f'expected 0 (the stem) to {num_layers - 1}')
        if not -1 <= frozen_stages < num_layers:
            raise ValueError(f'frozen_stages: expected -1 to '
                             f'{num_layers - 1}, got {frozen_stages}')
        self.out_indices = out_indices
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        conv = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)

        in_channels = int(32 * widen_factor)
        self.layers = nn.ModuleList(
            [ConvModule(3, in_channels, 3, 2, 1, **conv)])
        for channels, stride in self.ARCH:
            out_channels = int(channels * widen_factor)
            self.layers.append(
                nn.Sequential(
                    ConvModule(
                        in_channels,
                        in_channels,
                        3,
                        stride,
                        1,
                        groups=in_channels,
                        **conv),
                    ConvModule(in_channels, out_channels, 1, **conv)))
            in_channels = out_channels
        self.out_channels = in_channels

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        outs = []
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def _freeze_stages(self) -> None:
        for layer in self.layers[:self.frozen_stages + 1]:
            layer.eval()
            for param in layer.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True) -> 'MobileNetV1':
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self
