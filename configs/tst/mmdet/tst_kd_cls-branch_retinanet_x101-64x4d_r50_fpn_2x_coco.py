# TST + KD, COCO 2x: RetinaNet X101-64x4d -> RetinaNet R50 (FPN), the
# reference's recipe (github:shaoshitong/TST, SDAKD_FOR_DETECTION_AND_
# SEGMENTATION/mmrazor/configs/distill/osd/osd_retinanet_x101-retinanet_r50_
# coco.py): KD = KL divergence, tau 1, weight 1, on `bbox_head.retina_cls`
# at each of the 5 FPN levels (softmax over the anchors x classes channels
# at each location, as mmrazor's KLDivergence); 2 originals + 2 augmented
# per GPU x 8, fp16 (loss scale 512), augmenter phases before epochs 6 and
# 12 of 24, one pass each. The TST+DIST config it extends is ours.
# Reported by the TST paper for this pair: not restated here.
_base_ = ['./tst_dist_cls-branch_retinanet_x101-64x4d_r50_fpn_2x_coco.py']

fpn_levels = 5
model = dict(
    distiller=dict(
        distill_losses=dict(
            _delete_=True,
            **{
                f'loss_kd_fpn{i}':
                dict(type='KLDivergence', tau=1, loss_weight=1.0)
                for i in range(fpn_levels)
            }),
        loss_forward_mappings=dict(
            _delete_=True,
            **{
                f'loss_kd_fpn{i}':
                dict(
                    preds_S=dict(
                        from_student=True, recorder='cls', record_idx=i),
                    preds_T=dict(
                        from_student=False, recorder='cls', record_idx=i))
                for i in range(fpn_levels)
            })))
