# TST's pieces shared by the TST configs, taken by name (_base_.tst_*): the
# paper's augmenter (14 ops, 4 per call, gate temperature 0.05, one gate per
# op for the batch, magnitudes in one direction), its optimizer as in the
# reference (SGD lr 0.01, momentum 0.9, no weight decay; classification
# without clipping, detection and segmentation with the grad norm clipped at
# 20, as the reference's two trees), and one DDP wrapper per optimizer: the
# algorithm's train_step alternates student and augmenter, and the
# augmenter's gradients are averaged over ranks, so its parameters stay
# identical.
tst_augmenter = dict(
    type='LearnableAugment',
    num_ops=4,
    temperature=0.05,
    gate='batch',
    signed=False,
    cutout_size=1.0)
tst_augmenter_optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0))
tst_dense_augmenter_optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0),
    clip_grad=dict(max_norm=20))
tst_model_wrapper_cfg = dict(
    type='MMSeparateDistributedDataParallel',
    broadcast_buffers=False,
    find_unused_parameters=False)
# The digits demos' phases (the TST and TST + SoKD + DIST classification
# demos): before epochs 2 and 5, 2 passes each, with the reference's policy
# (the loop's defaults), stated for ablations. A config adds its base's
# max_epochs and val_interval (train_cfg = dict(_delete_=True, ...): the
# base's by_epoch=True names the default loop).
tst_demo_train_loop = dict(
    type='TSTEpochBasedTrainLoop',
    augment_epochs=[2, 5],
    passes=2,
    fresh_optimizer=True,
    plateau_decay=dict(factor=0.9, min_drop=0.02, min_relative_drop=0.02))
