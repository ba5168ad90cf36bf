# Copyright (c) tstkd_plugin contributors.
"""TST for detection and segmentation: targets follow the image, the dense
augmenter objective, and the augmented-sample picture tool."""
import itertools
import math
import os.path as osp

import pytest
import torch
from mmengine.runner import Runner
from mmrazor.registry import MODELS

from tstkd_plugin.augment import (LearnableAugment, transform_boxes,
                                  warp_label_map)
from tstkd_plugin.augment.augment_ops import warp
from conftest import REPO, run_python, small_run_cfg

TST_DET = 'configs/tst/mmdet/tst_kd_cls-branch_retinanet_r18-w32_r18-w8_digits.py'  # noqa: E501
TST_SEG = 'configs/tst/mmseg/tst_kd_logits_pspnet_r18-w32_r18-w8_digits.py'


def _about_centre(linear, h, w):
    to_c, back = torch.eye(3), torch.eye(3)
    to_c[0, 2], to_c[1, 2] = -(w - 1) / 2, -(h - 1) / 2
    back[0, 2], back[1, 2] = (w - 1) / 2, (h - 1) / 2
    return back @ linear @ to_c


def _rotation(degrees, h, w):
    a = math.radians(degrees)
    linear = torch.tensor([[math.cos(a), -math.sin(a), 0],
                           [math.sin(a), math.cos(a), 0], [0, 0, 1.0]])
    return _about_centre(linear, h, w)


def _translation(dx, dy):
    m = torch.eye(3)
    m[0, 2], m[1, 2] = dx, dy
    return m


def _shear_x(s, h, w):
    linear = torch.eye(3)
    linear[0, 1] = s
    return _about_centre(linear, h, w)


def _box_of_pixels(mask):
    ys, xs = torch.nonzero(mask, as_tuple=True)
    return torch.tensor([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1.0])


@pytest.mark.parametrize(
    'matrix', [
        _translation(7, -5),
        _rotation(90, 40, 60),
        _rotation(-90, 40, 60),
        _rotation(30, 40, 60),
        _shear_x(0.3, 40, 60),
    ],
    ids=['translate', 'rotate90', 'rotate-90', 'rotate30', 'shear'])
def test_boxes_land_where_the_warped_pixels_land(matrix):
    h, w = 40, 60
    image = torch.zeros(1, 1, h, w)
    box = torch.tensor([[20.0, 12.0, 33.0, 22.0]])  # x1 y1 x2 y2, edges
    image[0, 0, 12:22, 20:33] = 1
    warped = warp(image, matrix[None])[0, 0] > 0.5
    moved, keep = transform_boxes(box, matrix, (h, w))
    assert keep.tolist() == [True]
    # rotations/shears of a box: the enclosing box of the corners contains
    # the warped pixels' box; translations and 90-degree turns are exact
    expected = _box_of_pixels(warped)
    exact = abs(matrix[0, 1]) < 1e-6 or abs(matrix[0, 0]) < 1e-6
    if exact:
        assert torch.allclose(moved[0], expected, atol=1.0), (moved, expected)
    else:
        assert (moved[0, :2] <= expected[:2] + 1).all()
        assert (moved[0, 2:] >= expected[2:] - 1).all()


def test_a_90_degree_turn_of_a_known_box():
    # 40x40 image, +90 degrees about the centre (19.5, 19.5) in pixel-centre
    # coordinates, i.e. (20, 20) in edge coordinates: (x, y) -> (40 - y, x)
    box = torch.tensor([[4.0, 10.0, 14.0, 16.0]])
    moved, _ = transform_boxes(box, _rotation(90, 40, 40), (40, 40))
    assert torch.allclose(
        moved, torch.tensor([[24.0, 4.0, 30.0, 14.0]]), atol=1e-4)


def test_boxes_that_leave_the_image_are_dropped_and_others_clipped():
    boxes = torch.tensor([[2.0, 2.0, 10.0, 10.0], [30.0, 5.0, 38.0, 15.0]])
    moved, keep = transform_boxes(boxes, _translation(-9, 0), (20, 40))
    assert keep.tolist() == [False, True]  # the first is 1 px wide: gone
    assert torch.allclose(moved, torch.tensor([[21.0, 5.0, 29.0, 15.0]]))
    moved, keep = transform_boxes(boxes, _translation(6, 0), (20, 40))
    assert keep.tolist() == [True, True]
    assert moved[1, 2].item() == 40.0  # clipped to the image


def test_label_maps_follow_the_image_and_outside_is_ignored():
    labels = torch.zeros(1, 20, 30, dtype=torch.long)
    labels[0, 5:10, 3:8] = 4
    moved = warp_label_map(labels, _translation(10, 2))
    assert moved.dtype == labels.dtype and moved.shape == labels.shape
    assert (moved[0, 7:12, 13:18] == 4).all()
    assert (moved[0, :, :10] == 255).all()  # came from outside
    assert (moved[0, :2] == 255).all()
    assert set(moved[0, 2:, 10:].unique().tolist()) == {0, 4}
    turned = warp_label_map(labels[:, :20, :20], _rotation(90, 20, 20))
    assert set(turned.unique().tolist()) == {0, 4}  # nothing comes in
    assert (turned == 4).sum() == (labels[:, :20, :20] == 4).sum()


def test_composed_geometry_reports_the_map_the_image_went_through():
    torch.manual_seed(0)
    augment = LearnableAugment(
        geometry='compose', mean=[0.0] * 3, std=[255.0] * 3)
    image = torch.zeros(2, 3, 32, 48)
    image[:, :, 8:20, 10:30] = 1
    out = augment(image, op_names=['TranslateX', 'Rotate', 'ShearY'])
    assert out.matrix.shape == (2, 3, 3)
    expected = warp(image, out.matrix)
    assert torch.allclose(out.images, expected, atol=1e-5)
    # no geometric op picked: the identity
    out = augment(image, op_names=['Brightness', 'Invert'])
    assert torch.allclose(out.matrix, torch.eye(3).expand(2, 3, 3))


def test_padded_batches_are_augmented_inside_each_image():
    torch.manual_seed(0)
    augment = LearnableAugment(
        geometry='compose', mean=[0.0] * 3, std=[255.0] * 3)
    image = torch.rand(2, 3, 32, 48)
    image[1, :, 20:, :] = 0.25  # padding of a 20x48 image
    image[1, :, :, 30:] = 0.25
    hw = torch.tensor([[32, 48], [20, 30]])
    drawn = augment(image, op_names=['TranslateX', 'Invert'], image_hw=hw)
    out = drawn.images
    assert torch.equal(out[1, :, 20:], image[1, :, 20:])
    assert torch.equal(out[1, :, :, 30:], image[1, :, :, 30:])
    shift = drawn.matrix[:, 0, 2].abs()
    gates = drawn.gates['TranslateX']
    # translations scale with each image's own width
    m = augment.magnitude('TranslateX').item()
    assert torch.allclose(
        shift, 0.45 * m * gates * hw[:, 1].float(), atol=1e-4)


def test_residual_geometry_is_refused_for_dense_tasks(demo_data, tmp_path):
    cfg = small_run_cfg(
        osp.join(REPO, TST_DET), demo_data, str(tmp_path / 'w'))
    cfg.model.teacher_ckpt = None
    cfg.model.augmenter.geometry = 'residual'
    with pytest.raises(ValueError, match=r'model\.augmenter\.geometry'):
        MODELS.build(cfg.model)


def _dense_runner(config, demo_data, tmp_path, samples, ops=None):
    cfg = small_run_cfg(
        osp.join(REPO, config),
        demo_data,
        str(tmp_path / 'w'),
        train_samples=samples)
    cfg.model.teacher_ckpt = None
    if ops is not None:
        cfg.model.augmenter.update(ops=ops, num_ops=len(ops))
    runner = Runner.from_cfg(cfg)
    loader = runner.build_dataloader(cfg.train_dataloader)
    # one pass (iteration-based configs sample forever)
    batches = list(itertools.islice(loader, len(loader)))
    return runner, runner.build_optim_wrapper(cfg.optim_wrapper), batches


@pytest.mark.parametrize('config', [TST_DET, TST_SEG], ids=['det', 'seg'])
def test_dense_augmenter_step_lowers_its_objective(config, demo_data,
                                                   tmp_path):
    """Teacher task losses + the student's turned-around losses go down
    on the demo data, for fixed draws of ops, signs and gates.

    Colour ops only: a warp also moves the boxes and label maps, a change
    of the objective the gradient does not see (the targets follow the
    detached matrix), so a step may raise it; that the targets follow is
    tested above."""
    runner, optim, batches = _dense_runner(
        config,
        demo_data,
        tmp_path,
        8,
        ops=['Brightness', 'Color', 'Contrast', 'Sharpness'])
    model = runner.model
    # untrained nets: small gradients (~1e-3), hence a large step
    optim['augmenter'].optimizer.param_groups[0]['lr'] = 5.0

    def objective():
        total = 0.0
        with torch.no_grad():
            for batch in batches:
                torch.manual_seed(1)
                data = model.data_preprocessor(batch, True)
                x, samples = model.augmenter_objective.augment(
                    model.augmenter, data['inputs'], data['data_samples'])
                losses = model.augmenter_objective.loss(
                    model.student.eval(), model.teacher.eval(), x, samples)
                total += sum(v.item() for v in losses.values())
        return total / len(batches)

    before = objective()
    probs = model.augmenter.probability_logits.detach().clone()
    for _ in range(3):
        for batch in batches:
            torch.manual_seed(1)  # the draws the objective is measured on
            log = model.augmenter_train_step(batch, optim)
    assert all(torch.isfinite(v) for v in log.values())
    assert any(k.startswith('augmenter.teacher.') for k in log)
    assert any(k.startswith('augmenter.student_negative.') for k in log)
    after = objective()
    # the draws are fixed, so any rise is a wrong gradient (the untrained
    # segmenter barely reacts to colour: its objective falls by ~1e-6)
    assert after < before, (before, after)
    assert not torch.equal(probs, model.augmenter.probability_logits)


def test_dense_student_step_sees_transformed_targets(demo_data, tmp_path,
                                                     monkeypatch):
    runner, optim, batches = _dense_runner(TST_DET, demo_data, tmp_path, 4)
    model = runner.model
    # one op, sure to be applied, that moves every box
    model.augmenter.op_names = ['TranslateX']
    model.augmenter.num_ops = 1
    with torch.no_grad():
        model.augmenter.probability_logits.fill_(10.0)
    seen = {}

    def spy(inputs, samples):
        seen.update(inputs=inputs, samples=samples)
        return {
            'loss':
            inputs.sum() * 0 + sum(p.sum() * 0
                                   for p in model.student.parameters())
        }

    monkeypatch.setattr(model, 'loss', spy)
    model.augmenter.register_forward_hook(
        lambda module, args, out: seen.update(matrix=out.matrix))
    model.train_step(batches[0], optim)
    b = len(batches[0]['inputs'])
    assert seen['inputs'].shape[0] == 2 * b
    augmented, original = seen['samples'][:b], seen['samples'][b:]
    shift = seen['matrix'][:, 0, 2]
    for aug, orig, dx in zip(augmented, original, shift):
        a, o = aug.gt_instances.bboxes, orig.gt_instances.bboxes
        a = getattr(a, 'tensor', a)
        o = getattr(o, 'tensor', o)
        if len(a) == len(o):  # none dropped: each box moved by dx, clipped
            w = orig.metainfo['img_shape'][1]
            assert torch.allclose(
                a[:, 0], (o[:, 0] + dx).clamp(0, w), atol=1e-3)
        assert len(a) <= len(o)
        assert len(aug.gt_instances.labels) == len(a)


def test_show_tool_writes_before_and_after_pictures(demo_data, tmp_path):
    for config in (TST_DET, TST_SEG):
        out = tmp_path / (osp.basename(config) + '.png')
        result = run_python([
            'tools/visualization/show_tst_augment.py', config, '--out',
            str(out), '--num', '3', '--cfg-options',
            f'train_dataloader.dataset.data_root='
            f'{demo_data}/{"det" if "mmdet" in config else "seg"}'
        ])
        assert result.returncode == 0, result.stderr[-3000:]
        assert out.stat().st_size > 10_000
        assert 'ops:' in result.stdout
