# DIST on the demo PSPNet's per-pixel logits (tau 1, ignore label 255), for
# the distiller of the DIST and TST+DIST demo configs:
# model = dict(distiller=_base_.dist_logits_seg).
dist_logits_seg = dict(
    student_recorders=dict(
        # BaseDecodeHead.loss_by_feat(seg_logits, batch_data_samples):
        # its inputs carry the label maps (record 0: the decode head)
        labels=dict(
            type='MethodInputs',
            source='mmseg.models.decode_heads.decode_head.'
            'BaseDecodeHead.loss_by_feat')),
    distill_losses=dict(
        _delete_=True,
        loss_dist=dict(
            type='DISTKDLoss',
            tau=1,
            inter_loss_weight=1.0,
            intra_loss_weight=1.0,
            loss_weight=1.0,
            ignore_index=255)),
    loss_forward_mappings=dict(
        _delete_=True,
        loss_dist=dict(
            preds_S=dict(from_student=True, recorder='logits'),
            preds_T=dict(from_student=False, recorder='logits'),
            target=dict(
                from_student=True, recorder='labels', record_idx=0,
                data_idx=1))))
