# Copyright (c) tstkd_plugin contributors.
"""ReviewKD's components (ABFConnector, HCLLoss) against hand computations,
and wired through mmrazor's ConfigurableDistiller on mmpretrain ResNets."""
import pytest
import torch
import torch.nn.functional as F
from mmrazor.registry import MODELS

import tstkd_plugin  # noqa: F401
from tstkd_plugin.losses import HCLLoss
from tstkd_plugin.modules import ABFConnector


def mse(a, b):
    return ((a - b)**2).mean()


def test_hcl_loss_is_the_hand_formula_per_level_size():
    torch.manual_seed(0)
    s = [torch.randn(2, 3, 8, 8), torch.randn(2, 3, 4, 4), torch.randn(2, 3)]
    t = [torch.randn_like(f) for f in s]
    s[2], t[2] = s[2][..., None, None], t[2][..., None, None]

    def pooled(f, size):  # average over equal blocks (sizes divide here)
        n, c, h, w = f.shape
        return f.view(n, c, size, h // size, size, w // size).mean((3, 5))

    # 8x8: the full map and the 4, 2, 1 grids weigh 1, 1/2, 1/4, 1/8.
    level8 = (mse(s[0], t[0]) + mse(pooled(s[0], 4), pooled(t[0], 4)) / 2 +
              mse(pooled(s[0], 2), pooled(t[0], 2)) / 4 +
              mse(pooled(s[0], 1), pooled(t[0], 1)) / 8) / (15 / 8)
    # 4x4: the 4 grid is not smaller than the map, so 2 and 1 weigh 1/2, 1/4.
    level4 = (mse(s[1], t[1]) + mse(pooled(s[1], 2), pooled(t[1], 2)) / 2 +
              mse(pooled(s[1], 1), pooled(t[1], 1)) / 4) / (7 / 4)
    level1 = mse(s[2], t[2])
    loss = HCLLoss(loss_weight=2.0, append_teacher_pooled=False)(s, t)
    expected = 2.0 * (level8 + level4 + level1)
    assert torch.allclose(loss, expected, rtol=1e-6), (loss, expected)


def test_hcl_loss_appends_the_teachers_pooled_level():
    torch.manual_seed(1)
    t = [torch.randn(2, 3, 4, 4)]
    s = [torch.randn(2, 3, 4, 4), torch.randn(2, 3, 1, 1)]
    with_pooled = HCLLoss()(s, t)
    by_hand = HCLLoss(append_teacher_pooled=False)(
        s, t + [t[0].mean((2, 3), keepdim=True)])
    assert torch.allclose(with_pooled, by_hand)
    with pytest.raises(ValueError, match='append_teacher_pooled'):
        HCLLoss(append_teacher_pooled=False)(s, t)
    with pytest.raises(ValueError, match='level 0 .*out_channels'):
        HCLLoss()([torch.randn(2, 5, 4, 4), s[1]], t)


def affine_bn(bn, x):
    """Eval-mode batch norm written out."""
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    return (x - bn.running_mean[:, None, None]) * scale[:, None, None] + \
        bn.bias[:, None, None]


def test_abf_connector_is_the_hand_computed_review():
    torch.manual_seed(2)
    abf = ABFConnector(
        in_channels=[4, 6],
        out_channels=[5, 7],
        mid_channel=3,
        out_sizes=[8, 2],
        append_pooled=False)
    for bn in abf.modules():  # non-trivial statistics, then frozen
        if isinstance(bn, torch.nn.BatchNorm2d):
            bn.running_mean.normal_()
            bn.running_var.uniform_(0.5, 2)
            bn.weight.data.normal_()
            bn.bias.data.normal_()
    abf.eval()
    shallow, deep = torch.randn(2, 4, 4, 4), torch.randn(2, 6, 2, 2)
    out_shallow, out_deep = abf([shallow, deep])

    f_deep, f_shallow = abf.fusions[1], abf.fusions[0]
    assert f_deep.attention is None and f_shallow.attention is not None
    # Deepest level: projection, no fusion, already the teacher's 2x2.
    r_deep = affine_bn(f_deep.project[1],
                       F.conv2d(deep, f_deep.project[0].weight))
    expected_deep = affine_bn(
        f_deep.output[1], F.conv2d(r_deep, f_deep.output[0].weight, padding=1))
    # Shallow level: the 2x2 residual repeated to 4x4 (nearest), mixed by
    # the two sigmoid maps, then doubled to the teacher's 8x8 (nearest).
    x = affine_bn(f_shallow.project[1],
                  F.conv2d(shallow, f_shallow.project[0].weight))
    up = r_deep.repeat_interleave(2, 2).repeat_interleave(2, 3)
    att = torch.sigmoid(
        F.conv2d(
            torch.cat([x, up], 1), f_shallow.attention[0].weight,
            f_shallow.attention[0].bias))
    mixed = x * att[:, :1] + up * att[:, 1:]
    mixed = mixed.repeat_interleave(2, 2).repeat_interleave(2, 3)
    expected_shallow = affine_bn(
        f_shallow.output[1],
        F.conv2d(mixed, f_shallow.output[0].weight, padding=1))
    assert out_shallow.shape == (2, 5, 8, 8) and out_deep.shape == (2, 7, 2, 2)
    assert torch.allclose(out_deep, expected_deep, atol=1e-5)
    assert torch.allclose(out_shallow, expected_shallow, atol=1e-5)


def test_abf_connector_names_bad_levels():
    with pytest.raises(ValueError, match='in_channels and out_channels'):
        ABFConnector(in_channels=[4, 6], out_channels=[5])
    with pytest.raises(ValueError, match='out_sizes: expected 2'):
        ABFConnector(in_channels=[4, 6], out_channels=[5, 7], out_sizes=[8])
    abf = ABFConnector(in_channels=[4, 6, 6], out_channels=[5, 7, 7])
    with pytest.raises(ValueError, match='got 2 levels .*in_channels names 3'):
        abf([torch.randn(1, 4, 4, 4)])


def resnet18_classifier():
    return dict(
        type='mmpretrain.ImageClassifier',
        # scoped: the default scope another test leaves may not be mmpretrain
        data_preprocessor=dict(type='mmpretrain.ClsDataPreprocessor'),
        backbone=dict(
            type='mmpretrain.ResNet', depth=18, out_indices=(0, 1, 2, 3)),
        neck=dict(type='mmpretrain.GlobalAveragePooling'),
        head=dict(
            type='mmpretrain.LinearClsHead',
            num_classes=10,
            in_channels=512,
            loss=dict(type='mmpretrain.CrossEntropyLoss')))


def test_reviewkd_trains_through_configurable_distiller():
    """The backbone's tuple, recorded whole, goes through the connector."""
    torch.manual_seed(3)
    channels = [64, 128, 256, 512, 512]  # ResNet-18's levels + pooled
    distiller = MODELS.build(
        dict(
            type='ConfigurableDistiller',
            student_recorders=dict(
                bb=dict(type='ModuleOutputs', source='backbone')),
            teacher_recorders=dict(
                bb=dict(type='ModuleOutputs', source='backbone')),
            connectors=dict(
                review=dict(
                    type='ABFConnector',
                    in_channels=channels,
                    out_channels=channels)),
            distill_losses=dict(loss_review=dict(type='HCLLoss')),
            loss_forward_mappings=dict(
                loss_review=dict(
                    s_feats=dict(
                        from_student=True, recorder='bb', connector='review'),
                    t_feats=dict(from_student=False, recorder='bb')))))
    student = MODELS.build(resnet18_classifier())
    teacher = MODELS.build(resnet18_classifier())
    distiller.prepare_from_student(student)
    distiller.prepare_from_teacher(teacher)
    x = torch.randn(2, 3, 32, 32)
    with distiller.student_recorders, distiller.teacher_recorders:
        s_feats = student.extract_feat(x, stage='backbone')
        with torch.no_grad():
            t_feats = teacher.extract_feat(x, stage='backbone')
    loss = distiller.compute_distill_losses()['loss_review']
    expected = HCLLoss()(distiller.connectors['review'](s_feats), t_feats)
    assert torch.allclose(loss, expected)
    loss.backward()
    abf_grad = distiller.connectors['review'].fusions[0].project[0].weight.grad
    assert abf_grad is not None and abf_grad.abs().sum() > 0
    assert student.backbone.conv1.weight.grad.abs().sum() > 0


def test_cloned_inputs_keep_the_pre_activation_an_inplace_relu_overwrites():
    """ReviewKD's pre-activation features of an mmpretrain BasicBlock."""
    from mmrazor.models.task_modules import RecorderManager
    torch.manual_seed(4)
    model = MODELS.build(resnet18_classifier()).eval()
    source = dict(source='backbone.layer1.1.relu')
    recorders = RecorderManager(
        dict(
            cloned=dict(type='ClonedModuleInputs', **source),
            plain=dict(type='ModuleInputs', **source)))
    recorders.initialize(model)
    block = model.backbone.layer1[1]
    block.norm2.bias.data.normal_()  # a residual sum with negative values
    x = torch.randn(2, 3, 32, 32, requires_grad=True)
    with recorders:
        model.extract_feat(x, stage='backbone')
    with torch.no_grad():
        block_input = model.backbone.layer1[0](
            model.backbone.maxpool(
                model.backbone.relu(
                    model.backbone.norm1(model.backbone.conv1(x)))))
        hidden = F.relu(block.norm1(block.conv1(block_input)))
        residual_sum = block.norm2(block.conv2(hidden)) + block_input
    # the block's relu is called twice: record 1 is the residual sum
    cloned = recorders.get_recorder('cloned').get_record_data(1, 0)
    plain = recorders.get_recorder('plain').get_record_data(1, 0)
    negative = float((residual_sum < 0).float().mean())
    assert negative > 0.1, negative  # 0.21 with this seed
    assert torch.allclose(cloned, residual_sum, atol=1e-5)
    assert torch.allclose(plain, residual_sum.clamp(min=0), atol=1e-5)
    cloned.sum().backward()  # the copy is in the graph
    assert x.grad is not None and x.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="'backbone.nope' is not a module"):
        RecorderManager(
            dict(r=dict(type='ClonedModuleInputs',
                        source='backbone.nope'))).initialize(model)


def test_multi_level_recorder_gathers_pre_activations_and_the_pooled_vector():
    """ReviewKD's levels from different recorders, as one tuple."""
    from mmrazor.models.task_modules import RecorderManager
    torch.manual_seed(5)
    model = MODELS.build(resnet18_classifier()).eval()
    relu = dict(type='ClonedModuleInputs', record_idx=1, data_idx=0)
    recorders = RecorderManager(
        dict(
            levels=dict(
                type='MultiLevel',
                levels=[
                    dict(relu, source='backbone.layer1.1.relu'),
                    dict(relu, source='backbone.layer4.1.relu'),
                    dict(type='ModuleOutputs', source='neck', data_idx=0)
                ]),
            layer1=dict(
                type='ClonedModuleInputs', source='backbone.layer1.1.relu'),
            layer4=dict(
                type='ClonedModuleInputs', source='backbone.layer4.1.relu')))
    recorders.initialize(model)
    levels = recorders.get_recorder('levels')
    for seed in (0, 1):  # a second forward replaces the first's records
        x = torch.randn(
            2, 3, 32, 32, generator=torch.Generator().manual_seed(seed))
        with recorders:
            model.extract_feat(x)
        record = levels.get_record_data()
        with torch.no_grad():
            pooled = model.neck(model.backbone(x))[0]
        assert len(record) == 3
        for got, name in zip(record, ('layer1', 'layer4')):
            expected = recorders.get_recorder(name).get_record_data(1, 0)
            assert torch.equal(got, expected), name
        assert record[1].shape == (2, 512, 1, 1)  # 32x32 input: 1x1 stage 4
        assert torch.allclose(record[2], pooled, atol=1e-6)
        assert torch.equal(levels.get_record_data(data_idx=2), record[2])
    assert 'backbone.layer1.1.relu' in levels.source
    with pytest.raises(ValueError, match='record_idx 1; each level'):
        levels.get_record_data(record_idx=1)


@pytest.mark.parametrize('levels', [[], [dict(source='neck')], 'neck'])
def test_multi_level_recorder_names_bad_levels(levels):
    from mmrazor.registry import TASK_UTILS
    with pytest.raises(ValueError, match='MultiLevel recorder levels'):
        TASK_UTILS.build(dict(type='MultiLevelRecorder', levels=levels))


def test_a_pooled_vector_is_a_1x1_level():
    """The neck's (N, C) output is ReviewKD's (N, C, 1, 1) pooled level."""
    torch.manual_seed(6)
    vector_s, vector_t = torch.randn(2, 5), torch.randn(2, 5)
    map_s, map_t = vector_s[..., None, None], vector_t[..., None, None]
    hcl = HCLLoss(append_teacher_pooled=False)
    assert torch.equal(hcl([vector_s], [vector_t]), hcl([map_s], [map_t]))
    assert torch.allclose(hcl([vector_s], [vector_t]), mse(vector_s, vector_t))
    abf = ABFConnector(
        in_channels=[5, 5], out_channels=[3, 4], append_pooled=False).eval()
    feature = torch.randn(2, 5, 4, 4)
    from_vector = abf([feature, vector_s])
    from_map = abf([feature, map_s])
    assert [tuple(f.shape) for f in from_vector] == [(2, 3, 4, 4),
                                                     (2, 4, 1, 1)]
    assert all(torch.equal(a, b) for a, b in zip(from_vector, from_map))
