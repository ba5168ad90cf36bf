# Copyright (c) tstkd_plugin contributors.
"""Fashion-MNIST read from its IDX files: the official split, clear errors,
and the benchmark's plan over the two student families."""
import gzip
import os.path as osp
import shutil

import numpy as np
import pytest
from mmengine.config import Config
from test_benchmark import load_tool

from tstkd_plugin.datasets import DEBIAN_FASHION_MNIST, LocalFashionMNIST
from conftest import REPO, write_fashion_mnist_idx

benchmark = load_tool('benchmark')


def _raw(folder, name):
    with gzip.open(osp.join(folder, name + '.gz'), 'rb') as f:
        return np.frombuffer(f.read(), np.uint8)


@pytest.mark.parametrize('gz', [True, False])
def test_reads_the_official_split(tmp_path, gz):
    folder = str(tmp_path / 'fm')
    write_fashion_mnist_idx(folder, train=30, test=12, gz=gz)
    train = LocalFashionMNIST(folder, split='train')
    test = LocalFashionMNIST(folder, split='test', channels=3)
    assert (len(train), len(test)) == (30, 12)
    assert [int(train.get_data_info(i)['gt_label'])
            for i in range(12)] == [i % 10 for i in range(12)]
    grey = train.get_data_info(3)['img']
    assert grey.shape == (28, 28) and grey.dtype == np.uint8
    rgb = test.get_data_info(3)['img']
    assert rgb.shape == (28, 28, 3)
    # the test split's images, not the training split's
    other = LocalFashionMNIST(folder, split='test').get_data_info(3)['img']
    assert all(np.array_equal(rgb[..., c], other) for c in range(3))
    assert not np.array_equal(other, grey)
    assert len(LocalFashionMNIST(folder, indices=5)) == 5
    # a held-out part: the images after the first 20
    held_out = LocalFashionMNIST(folder, first_index=20, indices=5)
    assert len(held_out) == 5
    assert np.array_equal(
        held_out.get_data_info(0)['img'],
        train.get_data_info(20)['img'])
    assert train.CLASSES[0] == 'T-shirt/top' and len(train.CLASSES) == 10


def test_reads_the_gzipped_bytes_as_written(tmp_path):
    folder = str(tmp_path / 'fm')
    write_fashion_mnist_idx(folder, train=10, test=10)
    images = _raw(folder, 'train-images-idx3-ubyte')[16:].reshape(10, 28, 28)
    data = LocalFashionMNIST(folder)
    assert np.array_equal(data.get_data_info(7)['img'], images[7])


def test_missing_files_name_the_folder_the_files_and_where_to_get_them(
        tmp_path):
    folder = str(tmp_path / 'fm')
    write_fashion_mnist_idx(folder)
    shutil.os.remove(osp.join(folder, 't10k-labels-idx1-ubyte.gz'))
    with pytest.raises(FileNotFoundError) as error:
        LocalFashionMNIST(folder, split='train')
    message = str(error.value)
    assert folder in message and 't10k-labels-idx1-ubyte' in message
    assert 'train-images' not in message  # only what is missing
    assert 'dataset-fashion-mnist' in message and 'zalandoresearch' in message


def test_a_file_that_is_not_idx_is_named(tmp_path):
    folder = str(tmp_path / 'fm')
    write_fashion_mnist_idx(folder)
    with gzip.open(osp.join(folder, 'train-labels-idx1-ubyte.gz'), 'wb') as f:
        f.write(b'<html>not found</html>')
    with pytest.raises(ValueError, match='train-labels-idx1-ubyte.gz'):
        LocalFashionMNIST(folder)


@pytest.mark.parametrize('kwargs,key',
                         [(dict(split='val'), 'split'),
                          (dict(channels=2), 'channels'),
                          (dict(first_index=-1), 'first_index'),
                          (dict(first_index=10**6), 'first_index')])
def test_bad_arguments_name_the_key(fashion_mnist_idx, kwargs, key):
    with pytest.raises(ValueError, match=key):
        LocalFashionMNIST(fashion_mnist_idx, **kwargs)


@pytest.mark.skipif(
    LocalFashionMNIST.missing_files(DEBIAN_FASHION_MNIST) != [],
    reason='Debian\'s dataset-fashion-mnist is not installed '
    '(the benchmark installs it)')
def test_the_real_files_hold_the_official_split():
    train = LocalFashionMNIST(split='train')
    test = LocalFashionMNIST(split='test')
    assert (len(train), len(test)) == (60000, 10000)
    counts = np.bincount(
        [int(test.get_data_info(i)['gt_label']) for i in range(len(test))])
    assert counts.tolist() == [1000] * 10
    # the configs' normalisation is the training images' mean and std
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/_base_/datasets/fashion_mnist_cls.py'))
    images = np.stack(
        [train.get_data_info(i)['img'] for i in range(len(train))])
    assert abs(images.mean() - cfg.fashion_data_preprocessor.mean[0]) < 0.01
    assert abs(images.std() - cfg.fashion_data_preprocessor.std[0]) < 0.01


def test_benchmark_plans_both_families_with_one_teacher():
    tasks = benchmark.FASHION_MNIST_TASKS
    families = list(tasks.values())
    assert len({f['teacher'] for f in families}) == 1
    assert families[1]['teacher_task'] == list(tasks)[0]
    methods = {
        'alone', 'vanilla KD', 'DIST', 'TST+KD', 'TST+DIST', 'FitNet',
        'FitNet+SoKD', 'FitNet+SoKD (reference)', 'FitNet+SoKD (parity)'
    }
    for family in families:
        assert set(family['students']) == methods
        for config in [family['teacher'], *family['students'].values()]:
            cfg = Config.fromfile(osp.join(REPO, 'configs', config))
            assert cfg.train_dataloader.dataset.type == 'LocalFashionMNIST'
            assert cfg.val_dataloader.dataset.split == 'test'
            assert cfg.train_dataloader.dataset.split == 'train'
    assert set(benchmark.FASHION_QUICK_METHODS) <= methods
    # --quick's families train their own teacher (none waits on another's)
    assert all('teacher_task' not in tasks[task]
               for task in benchmark.FASHION_QUICK_TASKS)
    # the second family is another network: its configs say so
    mobile = Config.fromfile(
        osp.join(REPO, 'configs',
                 families[1]['students']['FitNet+SoKD'])).model
    assert mobile.architecture.backbone.type == 'MobileNetV2CIFAR'
    assert mobile.distiller.student_recorders.hint.source == \
        'backbone.features.5'


def test_benchmark_options_point_every_run_at_the_folder():
    options = benchmark.fashion_mnist_options('/x', 0)
    assert 'train_dataloader.dataset.data_root=/x' in options
    assert 'val_dataloader.dataset.data_root=/x' in options
    assert options[-1] == 'train_dataloader.dataset.indices=None'
    assert benchmark.fashion_mnist_options('/x', None)[-1].endswith('=/x')


def test_benchmark_stops_with_the_folder_when_files_are_missing(tmp_path):
    with pytest.raises(SystemExit) as error:
        benchmark.prepare_fashion_mnist(str(tmp_path))
    assert str(tmp_path) in str(error.value)
    assert 'dataset-fashion-mnist' in str(error.value)


def test_a_difference_beyond_the_spread_is_marked():
    kd = dict(values=[80.0, 81.0, 82.0], mean=81.0, std=1.0)
    near = dict(values=[81, 82, 83.0], mean=82.0, std=1.0)
    far = dict(values=[84, 85, 86.0], mean=85.0, std=1.0)
    assert not benchmark.beyond_spread(near, kd)
    assert benchmark.beyond_spread(far, kd)
    results = {
        'fmnist':
        dict(
            accuracy={
                'vanilla KD': kd,
                'DIST': near,
                'TST+KD': far
            }, cost={})
    }
    rows = benchmark.table(results, mark_spread=True).splitlines()
    assert '| +1.00 |' in rows[3] and '| +4.00* |' in rows[4]
    assert '*' not in benchmark.table(results)


def test_both_families_share_one_teacher_run(monkeypatch, tmp_path):
    from tstkd_plugin.benchmarking import training_runs
    calls = []

    def fake_train(config, work_dir, seed, options, reuse=False, threads=None):
        calls.append((config, work_dir, list(options)))
        return {'accuracy/top1': 50.0, 'minutes': 0.0}

    monkeypatch.setattr(training_runs, 'train_and_score', fake_train)
    monkeypatch.setattr(training_runs, 'last_checkpoint',
                        lambda work_dir: osp.join(work_dir, 'epoch_8.pth'))
    tasks = benchmark.FASHION_MNIST_TASKS
    plan = {task: ([0, 1], ['alone', 'vanilla KD']) for task in tasks}
    results = training_runs.train_tasks(
        plan, str(tmp_path), specs=tasks, options=['x=1'])
    teachers = [c for c in calls if c[1].endswith('teacher')]
    assert len(teachers) == 1 and len(calls) == 1 + 2 * 2 * 2
    assert all(c[2][0] == 'x=1' for c in calls)
    ckpt = osp.join(teachers[0][1], 'epoch_8.pth')
    distilled = [c for c in calls if 'kd_logits' in c[0]]
    assert len(distilled) == 4
    assert all(c[2][-1] == f'model.teacher_ckpt={ckpt}' for c in distilled)
    assert {
        t: len(r[1]['vanilla KD'])
        for t, r in results.items()
    } == {
        t: 2
        for t in tasks
    }
    # a family whose teacher's task is not planned is refused by name
    with pytest.raises(ValueError, match='fmnist-resnet18-w8'):
        training_runs.train_tasks({'fmnist-mobilenet-v2': ([0], ['alone'])},
                                  str(tmp_path),
                                  specs=tasks)


def test_families_table_puts_the_families_side_by_side():
    kd = dict(values=[80.0, 81.0, 82.0], mean=81.0, std=1.0)
    far = dict(values=[84, 85, 86.0], mean=85.0, std=1.0)
    teacher = dict(values=[90.0], mean=90.0, std=0.0)
    results = {
        family:
        dict(
            accuracy={
                'teacher': teacher,
                'vanilla KD': kd,
                'DIST': far
            },
            cost={})
        for family in ('a', 'b')
    }
    rows = benchmark.families_table(results).splitlines()
    assert rows[0] == '| method | a: top-1 | vs KD | b: top-1 | vs KD |'
    assert rows[2] == '| teacher | 90.00 |  | 90.00 |  |'
    assert rows[4] == ('| DIST | 85.00 ± 1.00 | +4.00* | 85.00 ± 1.00 | '
                       '+4.00* |')
