# FitNet-style feature host, COCO 2x: Faster R-CNN R101-FPN -> R50-FPN, the
# host SoKD refines on COCO (our configuration: the SoKD reference has no
# detection config). The hint is every FPN level (5 x 256 channels), each
# regressed by a 1x1 conv (FPN outputs are signed, so FitNet's ConvReg, which
# ends in a ReLU, does not fit them) and compared by an MSE averaged over the
# elements, weight 1 per level: the FPN mimic of DIST's and MasKD's detection
# configs (configs/_base_/distill/mimic_fpn.py). mmdet's 2x recipe (8 GPUs x
# 2 images, SGD lr 0.02, 24 epochs, x0.1 at 16/22).
# No number is reported for this host. Teacher: mmdet zoo Faster R-CNN R101
# 2x, bbox mAP 39.8; the student alone (mmdet's 2x recipe) 38.4.
_base_ = [
    'mmdet::faster_rcnn/faster-rcnn_r50_fpn_2x_coco.py',
    '../../_base_/distill/mimic_fpn.py'
]

teacher_ckpt = 'https://download.openmmlab.com/mmdetection/v2.0/faster_rcnn/faster_rcnn_r101_fpn_2x_coco/faster_rcnn_r101_fpn_2x_coco_bbox_mAP-0.398_20200504_210455-1d2dac9c.pth'  # noqa: E501

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='CheckedSingleTeacherDistill',
    architecture=_base_.model,
    teacher=dict(
        cfg_path='mmdet::faster_rcnn/faster-rcnn_r101_fpn_2x_coco.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(_base_.mimic_fpn, type='ConfigurableDistiller'))

default_scope = 'mmrazor'
# the teacher does not change: it is scored at the first validation only
val_cfg = dict(
    _delete_=True, type='mmrazor.DistillValLoop', validate_teacher='first')
# exact resume: the random generators are saved in checkpoints
default_hooks = dict(random_state=dict(type='RandomStateHook'))
