# Vanilla KD on RetinaNet's dense classification branch: at every location of
# each FPN level, the teacher's sigmoid class probabilities are the targets of
# the student's (a Bernoulli KL per anchor and class). The student, data and
# schedule are those of retinanet_r18-w8_fpn_digits.py.
_base_ = ['./retinanet_r18-w8_fpn_digits.py']

# Trained by `python tools/train.py configs/baselines/mmdet/retinanet_r18-w32_fpn_digits.py`
teacher_ckpt = 'work_dirs/retinanet_r18-w32_fpn_digits/epoch_12.pth'
fpn_levels = 3

model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='CheckedSingleTeacherDistill',
    architecture=_base_.model,
    teacher=dict(
        cfg_path=
        'tstkd_plugin::baselines/mmdet/retinanet_r18-w32_fpn_digits.py',
        pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        # retina_cls is shared by the FPN levels: one record per level.
        student_recorders=dict(
            cls=dict(type='ModuleOutputs', source='bbox_head.retina_cls')),
        teacher_recorders=dict(
            cls=dict(type='ModuleOutputs', source='bbox_head.retina_cls')),
        distill_losses={
            f'loss_kd_fpn{i}':
            dict(
                type='DenseKLDivergence',
                activation='sigmoid',
                tau=1,
                loss_weight=1.0)
            for i in range(fpn_levels)
        },
        loss_forward_mappings={
            f'loss_kd_fpn{i}':
            dict(
                preds_S=dict(from_student=True, recorder='cls', record_idx=i),
                preds_T=dict(from_student=False, recorder='cls', record_idx=i))
            for i in range(fpn_levels)
        }))

default_scope = 'mmrazor'
val_cfg = dict(_delete_=True, type='mmrazor.SingleTeacherDistillValLoop')
# exact resume: the random generators are saved in checkpoints
default_hooks = dict(random_state=dict(type='RandomStateHook'))
