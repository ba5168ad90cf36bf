# SoKD's pieces shared by the SoKD configs, taken by name (_base_.sokd_*):
# the augmentation policy's optimizer as in the reference (Adam lr 3e-4,
# betas (0.5, 0.999), weight decay 1e-3) and the feature augmentation (the
# spec's nine ops, every pair a sub-policy).
sokd_policy_optim_wrapper = dict(
    optimizer=dict(
        type='Adam', lr=3e-4, betas=(0.5, 0.999), weight_decay=1e-3))
sokd_feature_augment = dict(type='FeatureAugment', temperature=0.5)
# SoKDDistill has its own train_step (two optimizers), so one DDP wrapper per
# child (mmrazor's wrapper); SoKDDistill averages the distiller's gradients.
sokd_model_wrapper_cfg = dict(
    type='MMSeparateDistributedDataParallel',
    broadcast_buffers=False,
    find_unused_parameters=False)
# Refining a feature host as the reference's DFKD does: its DAM,
# AreaDetection(C_t, C_t, 100) with the top-8 peaks (a config gives
# feat_channels = C_t; the box bounds are ours, the DAM's defaults), and its
# policy's start (apply probability 0.5, m = 0.5 the identity, the direction
# learnt).
sokd_dfkd_dam = dict(
    type='DistinctiveAreaDetector',
    num_heatmaps=100,
    num_peaks=8,
    min_size=0.1,
    max_size=0.3)
sokd_dfkd_feature_augment = dict(
    sokd_feature_augment,
    init_probability=0.5,
    init_magnitude=0.5,
    magnitude_mapping='symmetric')
# SoKD as the reference's code (reference-parity mode; the
# sokd-reference_* configs, configs/sokd/README.md): its DAM
# (ReferenceAreaDetector: heads ending in a ReLU, 100 heatmaps without a
# target, the top-8 peaks' boxes summed), its bi-level search of the
# policy (second order, the augmentation off in the virtual step's loss,
# virtual lr 0.01, Adam 3e-4), the host loss replaced by the masked one. A
# config sets the DAM's feat_channels (C_t) and the weights of the
# reference config it follows.
sokd_reference_dam = dict(
    type='ReferenceAreaDetector', num_heatmaps=100, num_peaks=8)
sokd_reference_algorithm = dict(
    type='SoKDDistill', search='unrolled_implicit', unroll_lr=0.01)
sokd_reference_distiller = dict(
    type='SoKDDistiller',
    feature_augment=sokd_dfkd_feature_augment,
    dam=sokd_reference_dam,
    loss_heatmap_weight=0.)
# The demos' policy optimizer: lr 0.05 instead of 3e-4, for their ~90-step
# searches (the reference's searches last tens of thousands of steps).
sokd_demo_policy_optim_wrapper = dict(
    sokd_policy_optim_wrapper,
    optimizer=dict(sokd_policy_optim_wrapper['optimizer'], lr=0.05))
# SoKD emphasising a feature host (host_mode='emphasis'; chosen on held-out
# Fashion-MNIST training images, configs/sokd/README.md): the host loss as it
# is, on the full map at its own weight and adapter, plus the MSE between the
# adapted student feature and the augmented teacher feature inside the DAM's
# mask (normalised by the mask's area) at weight 10; the DAM's loss at the
# host's scale (x 1), its peaks in distinct places (on the heatmaps' channel
# maximum) with boxes of at least 3 cells; SoKD's parts built without drawing
# from the student's random stream, so the student starts as under its host.
# Merged into a pair: dict(host_loss=..., **sokd_emphasis_pair, channels=C_t).
sokd_emphasis_pair = dict(host_mode='emphasis')
sokd_emphasis_distiller = dict(
    type='SoKDDistiller',
    feature_augment=sokd_dfkd_feature_augment,
    dam=dict(sokd_dfkd_dam, peak_channels='max', min_cells=3),
    loss_feat=dict(type='MaskedMSELoss', loss_weight=10.),
    loss_dam_weight=1.,
    keep_host_init=True)
