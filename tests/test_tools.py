# Copyright (c) tstkd_plugin contributors.
"""The train/test/export tools, dist_train.sh on CPU and external configs."""
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys
from typing import Tuple

import pytest
import torch
from mmengine.runner import Runner

from conftest import (REPO, load_script, run_python, small_run_cfg,
                      train_on_two_cpu_ranks, use_stand_in_teacher)

STUDENT_CLS = 'configs/baselines/mmpretrain/resnet18-w8_digits.py'
KD_CLS = 'configs/baselines/mmpretrain/kd_logits_resnet18-w32_resnet18-w8_digits.py'  # noqa: E501
TST_CLS = 'configs/tst/mmpretrain/tst_kd_logits_resnet18-w32_resnet18-w8_digits.py'  # noqa: E501
TST_DET = 'configs/tst/mmdet/tst_kd_cls-branch_retinanet_r18-w32_r18-w8_digits.py'  # noqa: E501
MMPRETRAIN_TOOLS = osp.join(
    osp.dirname(importlib.util.find_spec('mmpretrain').origin), '.mim',
    'tools')


def _load_tool(name: str):
    """``name``: the tool's path under tools/, without ``.py``."""
    return load_script(
        osp.join('tools', f'{name}.py'), f'tool_{osp.basename(name)}')


@pytest.mark.parametrize('flag', ['--local_rank', '--local-rank'])
def test_train_tool_flags(flag, monkeypatch, tmp_path):
    train = _load_tool('train')
    monkeypatch.delenv('LOCAL_RANK', raising=False)
    monkeypatch.setattr(sys, 'argv', [
        'train.py',
        osp.join(REPO, STUDENT_CLS), '--work-dir',
        str(tmp_path), '--amp', '--resume', '--cfg-options',
        'train_cfg.max_epochs=3', flag, '1'
    ])
    args = train.parse_args()
    assert args.local_rank == 1
    cfg = train.build_cfg(args)
    assert os.environ['LOCAL_RANK'] == '1'
    assert cfg.work_dir == str(tmp_path)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.resume is True and cfg.train_cfg.max_epochs == 3


@pytest.mark.parametrize('config', [
    TST_DET, 'configs/sokd/mmpretrain/'
    'sokd_kd_logits_resnet18-w32_resnet18-w8_digits.py',
    'configs/tst_sokd/mmpretrain/'
    'tst_sokd_dist_logits_resnet18-w32_resnet18-w8_digits.py'
])
def test_train_tool_amp_and_auto_scale_lr_on_wrapper_dicts(
        config, monkeypatch, tmp_path):
    """--amp on an optimizer-wrapper dict makes each child an AMP wrapper
    (it used to add ``type``/``loss_scale`` beside the children)."""
    train = _load_tool('train')
    monkeypatch.setattr(sys, 'argv', [
        'train.py',
        osp.join(REPO, config), '--work-dir',
        str(tmp_path), '--amp', '--auto-scale-lr'
    ])
    cfg = train.build_cfg(train.parse_args())
    children = {
        key: child
        for key, child in cfg.optim_wrapper.items() if isinstance(child, dict)
    }
    assert len(children) >= 2 and 'type' not in cfg.optim_wrapper, \
        cfg.optim_wrapper
    for key, child in children.items():
        assert child.type == 'AmpOptimWrapper', key
        assert (child.dtype, child.loss_scale) in (('bfloat16',
                                                    dict(enabled=False)),
                                                   ('float16', 'dynamic')), key
    assert cfg.auto_scale_lr.enable is True


@pytest.fixture(scope='module')
def kd_checkpoint(demo_data, tmp_path_factory):
    """A 1-epoch KD run: its checkpoint and its (reduced) config."""
    work = str(tmp_path_factory.mktemp('kd_run'))
    cfg = small_run_cfg(osp.join(REPO, KD_CLS), demo_data, work)
    use_stand_in_teacher(cfg, osp.join(work, 'teacher.pth'))
    runner = Runner.from_cfg(cfg)
    runner.train()
    val_top1 = runner.message_hub.get_scalar('val/accuracy/top1').current()
    return osp.join(work, 'epoch_1.pth'), cfg, val_top1


def test_export_student_loads_in_mmpretrain_test_tool(kd_checkpoint, demo_data,
                                                      tmp_path):
    ckpt, _, val_top1 = kd_checkpoint
    out = str(tmp_path / 'student.pth')
    result = run_python(
        ['tools/model_converters/export_student.py', ckpt, out])
    assert result.returncode == 0, result.stderr
    exported = torch.load(out)['state_dict']
    full = torch.load(ckpt)['state_dict']
    assert not any(
        k.startswith(('architecture.', 'teacher.', 'distiller.'))
        for k in exported)
    assert set(exported) == {
        k[len('architecture.'):]
        for k in full if k.startswith('architecture.')
    }
    assert torch.equal(exported['head.fc.weight'],
                       full['architecture.head.fc.weight'])

    # mmpretrain's own test tool, without tstkd_plugin, loads and scores it
    student_cfg = small_run_cfg(
        osp.join(REPO, STUDENT_CLS), demo_data, str(tmp_path / 'test'))
    log, _ = library_test_log(
        osp.join(MMPRETRAIN_TOOLS, 'test.py'), student_cfg, out, tmp_path)
    # the same weights on the same val images: the score of the KD run
    assert f'accuracy/top1: {val_top1:.4f}' in log


# Loads an exported student without tstkd_plugin, in the task library's
# inferencer, and prints its class names and the size of its prediction.
INFER_EXPORTED = r'''
import json, sys
task, cfg_path, weights, image = sys.argv[1:5]
if task == 'mmdet':
    from mmdet.apis import DetInferencer
    inferencer = DetInferencer(model=cfg_path, weights=weights, device='cpu')
    result = inferencer(image, return_datasamples=True)['predictions'][0]
    meta, predicted = inferencer.model.dataset_meta, 'pred_instances' in result
else:
    from mmseg.apis import inference_model, init_model
    model = init_model(cfg_path, weights, device='cpu')
    result = inference_model(model, image)
    meta, predicted = model.dataset_meta, result.pred_sem_seg.data.numel() > 0
assert 'tstkd_plugin' not in sys.modules
print('RESULT ' + json.dumps(dict(classes=list(meta['classes']),
                                 predicted=predicted)))
'''
DENSE_STUDENTS = {  # task library: (KD config, student config, val metric)
    'mmdet': ('configs/baselines/mmdet/'
              'kd_cls-branch_retinanet_r18-w32_r18-w8_digits.py',
              'configs/baselines/mmdet/retinanet_r18-w8_fpn_digits.py',
              'coco/bbox_mAP'),
    'mmseg': ('configs/baselines/mmseg/'
              'kd_logits_pspnet_r18-w32_r18-w8_digits.py',
              'configs/baselines/mmseg/pspnet_r18-w8-d8_digits.py', 'mIoU'),
}


@pytest.fixture(scope='module', params=sorted(DENSE_STUDENTS))
def dense_kd_run(request, demo_data, tmp_path_factory):
    """A one-step KD run of a dense student: library, its config, its
    checkpoint and the metric its validation gave."""
    library = request.param
    kd_config, _, metric = DENSE_STUDENTS[library]
    tmp_path = tmp_path_factory.mktemp(f'{library}_kd')
    work = str(tmp_path / 'kd')
    cfg = small_run_cfg(osp.join(REPO, kd_config), demo_data, work)
    use_stand_in_teacher(cfg, str(tmp_path / 'teacher.pth'))
    if library == 'mmdet':  # a one-step student scores below 0.05 everywhere
        cfg.model.architecture.test_cfg.score_thr = 0.0
    runner = Runner.from_cfg(cfg)
    runner.train()
    logged = runner.message_hub.log_scalars
    assert f'val/{metric}' in logged, sorted(logged)
    ckpt = [
        f for f in os.listdir(work)
        if f.endswith('.pth') and f != 'teacher.pth'
    ][0]
    score = logged[f'val/{metric}'].current()
    return library, cfg, osp.join(work, ckpt), score


def test_exported_dense_student_keeps_its_classes(dense_kd_run, demo_data,
                                                  tmp_path):
    library, cfg, ckpt, kd_score = dense_kd_run
    _, student_config, metric = DENSE_STUDENTS[library]
    out = str(tmp_path / 'student.pth')
    result = run_python(
        ['tools/model_converters/export_student.py', ckpt, out])
    assert result.returncode == 0, result.stderr
    exported = torch.load(out, weights_only=True)
    classes = list(cfg.train_dataloader.dataset.metainfo['classes'])
    assert list(exported['meta']['dataset_meta']['classes']) == classes
    assert 'cfg' not in exported['meta']  # the distillation config

    student_cfg = small_run_cfg(
        osp.join(REPO, student_config), demo_data, str(tmp_path / 'test'))
    if library == 'mmdet':
        student_cfg.model.test_cfg.score_thr = 0.0
    # the library's own test tool scores it as the KD run's validation did
    tool = osp.join(
        osp.dirname(importlib.util.find_spec(library).origin), '.mim', 'tools',
        'test.py')
    log, cfg_path = library_test_log(tool, student_cfg, out, tmp_path)
    assert f'{metric}: {kd_score:.4f}' in log, log[-1500:]
    # the library's inferencer: the demo's class names, not COCO's or
    # Cityscapes' defaults
    image = first_val_image(student_cfg)
    result = run_python(['-c', INFER_EXPORTED, library, cfg_path, out, image])
    assert result.returncode == 0, result.stderr[-3000:]
    line = [x for x in result.stdout.splitlines() if x.startswith('RESULT')]
    inferred = json.loads(line[-1][len('RESULT '):])
    assert inferred['classes'] == classes
    assert inferred['predicted']


ExportRun = Tuple[subprocess.CompletedProcess, dict, str]


def export_onnx_report(ckpt: str, tmp_path, *args: str) -> ExportRun:
    """Run export_student.py --onnx: the process, its check report and the
    ONNX path."""
    onnx_path = str(tmp_path / 'student.onnx')
    report = str(tmp_path / 'check.json')
    result = run_python([
        'tools/model_converters/export_student.py', ckpt,
        str(tmp_path / 'student.pth'), '--onnx', onnx_path, '--check-out',
        report, *args
    ])
    checked = {}
    if osp.exists(report):
        with open(report) as f:
            checked = json.load(f)
    return result, checked, onnx_path


def test_onnx_export_of_dense_students_matches_pytorch(dense_kd_run, tmp_path):
    library, cfg, ckpt, kd_score = dense_kd_run
    _, _, metric = DENSE_STUDENTS[library]
    result, checked, onnx_path = export_onnx_report(ckpt, tmp_path)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert checked['within_tolerance'], checked['outputs']
    # the onnxruntime outputs, post-processed by the library, score what the
    # KD run's validation scored
    assert checked['onnx_metrics'][metric] == pytest.approx(kd_score)
    assert checked['torch_metrics'] == checked['onnx_metrics']
    names = [o['name'] for o in checked['outputs']]
    if library == 'mmdet':  # RetinaNet: both kinds of output on every level
        assert names == [f'cls_scores_{i}' for i in range(3)
                         ] + [f'bbox_preds_{i}' for i in range(3)]
    else:
        assert names == ['seg_logits']
    assert_dynamic_batch(onnx_path, checked)


def test_onnx_export_of_a_classifier_matches_pytorch(kd_checkpoint, tmp_path):
    ckpt, _, val_top1 = kd_checkpoint
    result, checked, onnx_path = export_onnx_report(ckpt, tmp_path)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert checked['within_tolerance'], checked['outputs']
    assert checked['onnx_metrics']['accuracy/top1'] == pytest.approx(val_top1)
    assert checked['torch_metrics'] == checked['onnx_metrics']
    assert [o['name'] for o in checked['outputs']] == ['logits']
    assert_dynamic_batch(onnx_path, checked)
    import onnxruntime as ort
    meta = ort.InferenceSession(
        onnx_path, providers=['CPUExecutionProvider']).get_modelmeta()
    # what a deployment must do before the graph: the demo's normalisation
    preprocessor = kd_checkpoint[1].model.data_preprocessor
    assert json.loads(meta.custom_metadata_map['mean']) == pytest.approx(
        preprocessor.mean)
    assert meta.custom_metadata_map['task'] == 'classification'


def assert_dynamic_batch(onnx_path: str, checked: dict) -> None:
    """The check ran two batch sizes, and the graph declares its batch axis
    free."""
    import onnx
    assert len(set(checked['batch_sizes'])) >= 2, checked['batch_sizes']
    graph = onnx.load(onnx_path).graph
    for value in list(graph.input) + list(graph.output):
        assert value.type.tensor_type.shape.dim[0].dim_param == 'batch'


def test_onnx_export_refuses_beyond_its_tolerance(kd_checkpoint, tmp_path):
    # no float32 export reproduces PyTorch to the last bit over a val set:
    # with no tolerance at all the export must be refused, and not written
    ckpt = kd_checkpoint[0]
    result, checked, onnx_path = export_onnx_report(ckpt, tmp_path, '--atol',
                                                    '0', '--rtol', '0')
    assert result.returncode == 1, (result.stdout + result.stderr)[-3000:]
    assert 'refused: onnxruntime differs from PyTorch' in result.stderr
    assert checked['within_tolerance'] is False
    assert checked['outputs'][0]['max_abs_diff'] > 0
    assert not osp.exists(onnx_path) and osp.exists(onnx_path + '.rejected')


def library_test_log(tool: str, student_cfg, weights: str,
                     tmp_path) -> Tuple[str, str]:
    """Run a task library's own ``tools/test.py`` (without tstkd_plugin)
    on ``weights``; returns its log and the student config's path."""
    student_cfg.log_level = 'INFO'
    cfg_path = str(tmp_path / 'student_cfg.py')
    student_cfg.dump(cfg_path)
    result = run_python(
        [tool, cfg_path, weights, '--work-dir',
         str(tmp_path / 'test')])
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stdout + result.stderr
    assert 'unexpected key' not in log and 'missing keys' not in log
    return log, cfg_path


def first_val_image(cfg) -> str:
    """The path of the first image of a config's val set."""
    from mmengine.registry import DATASETS, init_default_scope
    init_default_scope(cfg.default_scope)
    dataset = DATASETS.build(cfg.val_dataloader.dataset)
    return dataset.get_data_info(0)['img_path']


def test_export_refuses_a_plain_checkpoint(tmp_path):
    path = str(tmp_path / 'plain.pth')
    torch.save({'state_dict': {'head.fc.weight': torch.zeros(1)}}, path)
    result = run_python([
        'tools/model_converters/export_student.py', path,
        str(tmp_path / 'o.pth')
    ])
    assert result.returncode != 0
    assert "no key starts with 'architecture.'" in result.stderr


def test_test_tool_scores_a_kd_checkpoint(kd_checkpoint, tmp_path):
    ckpt, cfg, val_top1 = kd_checkpoint
    cfg_path = str(tmp_path / 'kd_cfg.py')
    cfg.dump(cfg_path)
    out = str(tmp_path / 'metrics.json')
    result = run_python([
        'tools/test.py', cfg_path, ckpt, '--work-dir',
        str(tmp_path), '--out', out
    ])
    assert result.returncode == 0, result.stderr[-3000:]
    with open(out) as f:
        metrics = json.load(f)
    assert metrics['accuracy/top1'] == pytest.approx(val_top1)


def test_train_tool_out_is_the_score_of_the_last_checkpoint(
        kd_checkpoint, tmp_path):
    # run_demo and the benchmark score a run by train.py --out: it must be
    # what tools/test.py gives on the checkpoint the run leaves behind
    _, cfg, _ = kd_checkpoint
    cfg = cfg.copy()
    cfg.work_dir = str(tmp_path / 'work')
    cfg_path = str(tmp_path / 'kd_cfg.py')
    cfg.dump(cfg_path)
    trained, tested = str(tmp_path / 'train.json'), str(tmp_path / 'test.json')
    result = run_python(['tools/train.py', cfg_path, '--out', trained])
    assert result.returncode == 0, result.stderr[-3000:]
    result = run_python([
        'tools/test.py', cfg_path,
        str(tmp_path / 'work' / 'epoch_1.pth'), '--work-dir',
        str(tmp_path / 'test'), '--out', tested
    ])
    assert result.returncode == 0, result.stderr[-3000:]
    with open(trained) as f:
        last_val = json.load(f)
    with open(tested) as f:
        test = json.load(f)
    assert set(last_val) == {'accuracy/top1', 'teacher.accuracy/top1'}
    assert last_val['accuracy/top1'] == pytest.approx(test['accuracy/top1'])


def test_score_tst_augment_scores_the_run_under_each_policy(
        kd_checkpoint, demo_data, tmp_path):
    ckpt, _, val_top1 = kd_checkpoint
    cfg = small_run_cfg(osp.join(REPO, TST_CLS), demo_data, str(tmp_path))
    cfg_path = str(tmp_path / 'tst_cfg.py')
    cfg.dump(cfg_path)
    # a policy whose gates never open: the images stay as they are
    tool = _load_tool('analysis/score_tst_augment')
    algorithm = tool.build_algorithm(cfg.copy(), ckpt)
    closed = {
        f'augmenter.{k}': v
        for k, v in algorithm.augmenter.state_dict().items()
    }
    closed['augmenter.probability_logits'] = torch.full_like(
        closed['augmenter.probability_logits'], -10.0)
    policy = str(tmp_path / 'closed.pth')
    torch.save({'state_dict': closed}, policy)
    out = str(tmp_path / 'scores.json')
    result = run_python([
        'tools/analysis/score_tst_augment.py', cfg_path, ckpt, '--policies',
        'none', policy, '--out', out
    ])
    assert result.returncode == 0, result.stderr[-3000:]
    with open(out) as f:
        scores = json.load(f)
    assert scores['none']['student']['accuracy/top1'] == \
        pytest.approx(val_top1)  # the run's student, scored as in training
    assert scores[policy] == scores['none']
    assert '| closed.pth |' in result.stdout
    # every val image goes through the augmenter when there is one
    seen = []
    forward = algorithm.augmenter.forward
    algorithm.augmenter.forward = lambda x: seen.append(len(x)) or forward(x)
    tool.score(algorithm, cfg, 'teacher', seed=0)
    assert sum(seen) == 4


def test_score_tst_augment_refuses_metrics_blind_to_the_augmentation(
        demo_data, tmp_path):
    tool = _load_tool('analysis/score_tst_augment')
    cfg = small_run_cfg(osp.join(REPO, TST_DET), demo_data, str(tmp_path))
    with pytest.raises(ValueError, match='val_evaluator.*CocoMetric'):
        tool.build_algorithm(cfg, 'unused.pth')


def test_dist_train_two_cpu_processes(demo_data, tmp_path):
    cfg = small_run_cfg(
        osp.join(REPO, STUDENT_CLS),
        demo_data,
        str(tmp_path / 'work'),
        train_samples=16)
    cfg.train_dataloader.batch_size = 4  # 2 ranks x 2 iterations
    cfg.log_level = 'INFO'
    log, digests = train_on_two_cpu_ranks(cfg, tmp_path,
                                          str(tmp_path / 'work'))
    assert digests[0] == digests[1]
    assert osp.isfile(str(tmp_path / 'work' / 'epoch_1.pth'))
    assert 'Epoch(train) [1][2/2]' in log  # 16 samples / (2 ranks x 4)


EXTERNAL_CFG = '''
# A KD config as it would live in a user's own mmpretrain project: mmpretrain
# bases, and one line to use the plugin.
_base_ = [
    'mmpretrain::_base_/models/resnet18_cifar.py',
    'mmpretrain::_base_/datasets/cifar10_bs16.py',
    'mmpretrain::_base_/schedules/cifar10_bs128.py',
    'mmpretrain::_base_/default_runtime.py',
]
custom_imports = dict(imports=['tstkd_plugin'], allow_failed_imports=False)
data_root = {data_root!r}
pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, _scope_='mmpretrain', type='CustomDataset',
                 data_root=data_root, ann_file='meta/train.txt',
                 data_prefix='train', pipeline=pipeline, indices=8))
val_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, _scope_='mmpretrain', type='CustomDataset',
                 data_root=data_root, ann_file='meta/val.txt',
                 data_prefix='val', pipeline=pipeline, indices=8))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=1)
model = dict(
    _delete_=True,
    _scope_='mmrazor',
    type='CheckedSingleTeacherDistill',
    data_preprocessor=dict(type='mmpretrain.ClsDataPreprocessor',
                           num_classes=10, mean=[79.0] * 3, std=[89.0] * 3),
    architecture=dict(
        _scope_='mmpretrain', type='ImageClassifier',
        backbone=dict(type='ResNet_CIFAR', depth=18, base_channels=8,
                      stem_channels=8),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=10, in_channels=64)),
    teacher=dict(
        _scope_='mmpretrain', type='ImageClassifier',
        backbone=dict(type='ResNet_CIFAR', depth=18, base_channels=16,
                      stem_channels=16),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=10, in_channels=128)),
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(fc=dict(type='ModuleOutputs',
                                       source='head.fc')),
        teacher_recorders=dict(fc=dict(type='ModuleOutputs',
                                       source='head.fc')),
        distill_losses=dict(loss_kd=dict(type='DenseKLDivergence', tau=4)),
        loss_forward_mappings=dict(loss_kd=dict(
            preds_S=dict(from_student=True, recorder='fc'),
            preds_T=dict(from_student=False, recorder='fc')))))
'''


def test_external_config_with_custom_imports_trains(demo_data, tmp_path):
    cfg_path = tmp_path / 'my_project_kd.py'
    cfg_path.write_text(
        EXTERNAL_CFG.format(data_root=osp.join(demo_data, 'cls')))
    # mmpretrain's own train tool: nothing imports the plugin but the config
    result = run_python([
        osp.join(MMPRETRAIN_TOOLS, 'train.py'),
        str(cfg_path), '--work-dir',
        str(tmp_path / 'w')
    ],
                        cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stdout + result.stderr
    assert 'distill.loss_kd' in log
    assert osp.isfile(str(tmp_path / 'w' / 'epoch_1.pth'))


def test_step_time_tool_compares_configs(demo_data, tmp_path):
    paths = []
    for name, config in (('kd', KD_CLS),
                         ('dist', 'configs/dist/mmpretrain/'
                          'dist_logits_resnet18-w32_resnet18-w8_digits.py')):
        cfg = small_run_cfg(
            osp.join(REPO, config), demo_data, str(tmp_path / name))
        paths.append(str(tmp_path / f'{name}.py'))
        cfg.dump(paths[-1])
    result = run_python([
        'tools/analysis/step_time.py', *paths, '--steps', '2', '--warmup', '1'
    ])
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [
        line for line in result.stdout.splitlines()
        if line.startswith(f'| {tmp_path}')
    ]
    assert len(rows) == 2
    assert rows[0].endswith('| 1.00 |')
    assert float(rows[1].split('|')[-2]) > 0


@pytest.mark.parametrize(
    'config',
    [
        'configs/baselines/mmpretrain/kd_logits_resnet18-w32_resnet18-w8_digits.py',  # noqa: E501
        'configs/dist/mmpretrain/dist_logits_resnet18-w32_resnet18-w8_digits.py',  # noqa: E501
    ])
def test_distillation_on_two_cpu_processes_keeps_ranks_identical(
        config, demo_data, tmp_path):
    cfg = small_run_cfg(
        osp.join(REPO, config),
        demo_data,
        str(tmp_path / 'work'),
        train_samples=16)
    cfg.train_dataloader.batch_size = 4
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    use_stand_in_teacher(cfg, str(tmp_path / 'teacher.pth'))
    cfg.log_level = 'INFO'
    log, digests = train_on_two_cpu_ranks(cfg, tmp_path,
                                          str(tmp_path / 'work'))
    assert 'distill.loss_' in log
    assert digests[0] == digests[1]


def test_run_demo_data_reaches_every_config():
    """run_demo --data DIR: every config it trains reads DIR, none the
    default data/demo (the training runs used to read data/demo anyway)."""
    from mmengine.config import Config

    from tstkd_plugin.benchmarking import TASKS, data_options
    from conftest import flatten
    for task, spec in TASKS.items():
        options = data_options(task, '/elsewhere/demo')
        overrides = dict(option.split('=', 1) for option in options)
        for config in [spec['teacher']] + list(spec['students'].values()):
            cfg = Config.fromfile(osp.join(REPO, 'configs', config))
            cfg.merge_from_dict(overrides)
            paths = {
                key: value
                for key, value in flatten(cfg.to_dict()).items()
                if isinstance(value, str) and '/demo' in value
                and key != 'data_root'  # the config's variable, used before
            }
            assert paths and all(
                value.startswith(f'/elsewhere/demo/{task}')
                for value in paths.values()), (config, paths)


def test_demo_table_gives_each_method_its_difference_to_its_host():
    run_demo = _load_tool('misc/run_demo')

    def runs(*values):
        return [{'accuracy/top1': v, 'minutes': 1.0} for v in values]

    rows = run_demo.task_rows('cls', {
        'accuracy/top1': 99.0,
        'minutes': 2.0
    }, {
        'alone': runs(90.0, 92.0),
        'FitNet': runs(95.0, 97.0),
        'FitNet+SoKD': runs(95.5, 95.5),
        'TST+KD': runs(96.0)
    })
    cells = {row.split(' | ')[2]: row.split(' | ')[4] for row in rows}
    assert cells['student, FitNet'] == '+5.00 (alone)'
    assert cells['student, FitNet+SoKD'] == '-0.50 (FitNet)'
    assert cells['student, alone'] == ''
    assert cells['student, TST+KD'] == ''  # its host, KD, was not trained


def test_train_tool_speed_flags(monkeypatch, tmp_path):
    """--amp-dtype, --channels-last, --fused-optim and --compile set the
    config keys their tests check (tests/test_throughput.py)."""
    from test_throughput import CAN_COMPILE, HAS_FUSED_SGD
    train = _load_tool('train')
    # (on a torch without them, the two are refused by name there)
    flags = ['--fused-optim'] * HAS_FUSED_SGD + ['--compile'] * CAN_COMPILE
    monkeypatch.setattr(sys, 'argv', [
        'train.py',
        osp.join(REPO, KD_CLS), '--work-dir',
        str(tmp_path), '--amp', '--amp-dtype', 'float16', '--channels-last'
    ] + flags)
    cfg = train.build_cfg(train.parse_args())
    assert (cfg.optim_wrapper.dtype, cfg.optim_wrapper.loss_scale) == \
        ('float16', 'dynamic')
    assert cfg.model.channels_last is True
    assert cfg.optim_wrapper.optimizer.get('fused') is (HAS_FUSED_SGD or None)
    assert cfg.get('compile') == (
        dict(backend='inductor') if CAN_COMPILE else None)
    monkeypatch.setattr(
        sys, 'argv',
        ['train.py',
         osp.join(REPO, KD_CLS), '--amp-dtype', 'bfloat16'])
    with pytest.raises(ValueError, match='--amp-dtype: given without --amp'):
        train.build_cfg(train.parse_args())
