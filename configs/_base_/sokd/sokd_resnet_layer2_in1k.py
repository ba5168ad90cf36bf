# SoKD on the ImageNet ResNets' stage-2 output (ResNet-34 and ResNet-18: 128
# channels, 28x28 on 224x224 crops): the demo's stage-2 pair with ImageNet
# widths. Merged into a host distiller:
# model = dict(distiller=_base_.sokd_layer2_in1k).
_base_ = ['./sokd_resnet18-cifar_layer2_digits.py']

sokd_layer2_in1k = dict(
    _base_.sokd_layer2_cls,
    connectors=dict(
        sokd_layer2_adapter=dict(
            _base_.sokd_layer2_cls.connectors.sokd_layer2_adapter,
            in_channel=128,
            out_channel=128)),
    sokd_pairs=dict(
        layer2=dict(_base_.sokd_layer2_cls.sokd_pairs.layer2, channels=128)),
    dam=dict(_base_.sokd_layer2_cls.dam, feat_channels=64))
