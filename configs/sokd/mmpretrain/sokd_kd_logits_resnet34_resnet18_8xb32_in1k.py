# SoKD + vanilla KD, ImageNet-1k: ResNet-34 -> ResNet-18; the SoKD + DIST
# ImageNet config with KD (tau 1, weight 1) on the logits instead of DIST.
# Reference top-1 (DIST README): student 69.76, KD 71.21.
_base_ = ['./sokd_dist_logits_resnet34_resnet18_8xb32_in1k.py']

model = dict(
    distiller=dict(
        distill_losses=dict(
            _delete_=True,
            loss_kd=dict(type='KLDivergence', tau=1, loss_weight=1.0)),
        loss_forward_mappings=dict(
            _delete_=True,
            loss_kd=dict(
                preds_S=dict(from_student=True, recorder='fc'),
                preds_T=dict(from_student=False, recorder='fc')))))
