# TST + KD, Cityscapes 80k: PSPNet-R101 -> PSPNet-R18 (d8), 512x1024 crops,
# the reference's recipe (github:shaoshitong/TST, SDAKD_FOR_DETECTION_AND_
# SEGMENTATION/mmrazor/configs/distill/osd/mimic+osd_head_pspnet_r101_d8_
# pspnet_r18_d8_512x1024_cityscapes_80k.py): the TST+DIST config's recipe
# (2 originals + 2 augmented per GPU x 4, phases at iterations 0, 2232 and
# 4464) with the reference's KD term: mmrazor's KLDivergence (tau 1, the
# reference's loss: softmax over classes per pixel, summed over the pixels
# and averaged over the images) on the decode head's logits, weight 1.5,
# and on the auxiliary head's, weight 0.5.
# Reported by the TST paper for this pair: not restated here.
_base_ = [
    './tst_dist_logits_pspnet_r101-d8_pspnet_r18-d8_4xb4-80k_cityscapes-'
    '512x1024.py'
]

model = dict(
    distiller=dict(
        distill_losses=dict(
            _delete_=True,
            loss_kd=dict(type='KLDivergence', tau=1, loss_weight=1.5),
            loss_kd_aux=dict(type='KLDivergence', tau=1, loss_weight=0.5)),
        loss_forward_mappings=dict(
            _delete_=True,
            loss_kd=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits')),
            loss_kd_aux=dict(
                preds_S=dict(from_student=True, recorder='aux_logits'),
                preds_T=dict(from_student=False, recorder='aux_logits')))))
