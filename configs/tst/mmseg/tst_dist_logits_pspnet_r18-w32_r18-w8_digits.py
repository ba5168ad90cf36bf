# TST + DIST on the demo segmentation digits: the TST + KD config with the
# DIST demo config's per-pixel loss (tau 1, ignore label 255; the label maps
# recorded from the student's decode head are those of each half, augmented
# ones warped with the image).
_base_ = ['./tst_kd_logits_pspnet_r18-w32_r18-w8_digits.py']
model = dict(
    distiller=dict(
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
                type='DISTKDLoss', tau=1, inter_loss_weight=1.0,
                intra_loss_weight=1.0, loss_weight=1.0, ignore_index=255)),
        loss_forward_mappings=dict(
            _delete_=True,
            loss_dist=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits'),
                target=dict(
                    from_student=True, recorder='labels', record_idx=0,
                    data_idx=1)))))
