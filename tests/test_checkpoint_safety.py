# Copyright (c) tstkd_plugin contributors.
"""A checkpoint never runs code, on every supported torch, through every path
that loads one; a damaged checkpoint is named; auto-resume steps over it."""
import glob
import operator
import os
import os.path as osp
import pickle
import shutil

import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import Runner, load_checkpoint
from mmengine.runner.checkpoint import _load_checkpoint

from tstkd_plugin.checkpoint_safety import (CheckpointLoadError,
                                            history_buffer_getattr,
                                            load_checkpoint_file,
                                            trusted_checkpoints)
from conftest import REPO, run_python, small_run_cfg

OPT_OUT = '--trusted-checkpoints'
STUDENT = 'configs/baselines/mmpretrain/resnet18-w8_digits.py'


class OpensFile:
    """``__reduce__`` to ``open``: unpickling creates the file."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, 'w'))


class RunsCommand:
    """``__reduce_ex__`` to ``os.system``: unpickling runs a shell command."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce_ex__(self, protocol):
        return (os.system, (f'touch {self.marker}', ))


class AttrGetter:
    """``operator.attrgetter`` reaching a module global (``os.system``)
    through a function's ``__globals__``; then calls it."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (operator.attrgetter('__globals__'), (osp.join, ))


class _HistoryBufferMean:
    """``getattr(HistoryBuffer, 'mean')``, as HistoryBuffer pickles it."""

    def __reduce__(self):
        return (getattr, (HistoryBuffer, 'mean'))


class GetattrChain:
    """``getattr`` from an allowed statistics method on to its module's
    globals: the step a general ``getattr`` would allow."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (getattr, (_HistoryBufferMean(), '__globals__'))


PAYLOADS = {
    # pickled by its module: io on Python 3.11, _io on 3.12
    'open via __reduce__': (OpensFile, f"'{open.__module__}.open'"),
    'os.system via __reduce_ex__': (RunsCommand, "'posix.system'"),
    'operator.attrgetter to a module global':
    (AttrGetter, "'operator.attrgetter'"),
    'getattr to a module global': (GetattrChain, 'getattr('),
}


def crafted(tmp_path, payload: str, fmt: str = 'zip'):
    """A checkpoint holding ``payload``; the marker it would create."""
    marker = str(tmp_path / f'pwned-{len(os.listdir(tmp_path))}')
    obj = {'state_dict': {}, 'meta': {'x': PAYLOADS[payload][0](marker)}}
    path = str(tmp_path / f'evil-{len(os.listdir(tmp_path))}.pth')
    if fmt == 'zip':
        torch.save(obj, path)
    else:  # a plain pickle file, as some legacy tools write
        with open(path, 'wb') as f:
            pickle.dump(obj, f)
    return path, marker


def assert_refused(error: BaseException, path: str, payload: str) -> None:
    message = str(error)
    assert path in message, message
    assert PAYLOADS[payload][1] in message, message
    assert OPT_OUT in message and 'trusted_checkpoints()' in message, message


@pytest.mark.parametrize('fmt', ['zip', 'pickle'])
@pytest.mark.parametrize('payload', sorted(PAYLOADS))
def test_crafted_checkpoints_run_no_code(tmp_path, payload, fmt):
    """Through mmengine's load_checkpoint (teacher weights, load_from,
    resume, init_cfg) and the plugin's own loader (the export tool)."""
    path, marker = crafted(tmp_path, payload, fmt)
    for load in (lambda: load_checkpoint(torch.nn.Linear(1, 1), path),
                 lambda: _load_checkpoint(path, map_location='cpu'),
                 lambda: load_checkpoint_file(path)):
        with pytest.raises(CheckpointLoadError) as error:
            load()
        assert_refused(error.value, path, payload)
        assert error.value.refused
    assert not osp.exists(marker)


def test_garbage_and_missing_files_are_not_called_refused(tmp_path):
    text = tmp_path / 'notes.pth'
    text.write_text('not a checkpoint')
    for path, reason in ((str(text), 'is damaged'),
                         (str(tmp_path / 'none.pth'), 'does not exist')):
        with pytest.raises(CheckpointLoadError) as error:
            load_checkpoint_file(path)
        assert not error.value.refused and OPT_OUT not in str(error.value)
        assert str(error.value).startswith(f'{path!r} {reason}'), str(
            error.value)


def test_trusted_checkpoints_is_the_only_way_to_the_full_unpickler(tmp_path):
    path, marker = crafted(tmp_path, 'open via __reduce__')
    with pytest.raises(CheckpointLoadError):
        load_checkpoint_file(path)
    assert not osp.exists(marker)
    with pytest.warns(UserWarning, match='full unpickler'), \
            trusted_checkpoints():
        _load_checkpoint(path)
    assert osp.exists(marker)
    os.remove(marker)
    # the switch ends with the context
    with pytest.raises(CheckpointLoadError):
        _load_checkpoint(path)
    assert not osp.exists(marker)


def test_url_checkpoints_are_restricted_too(tmp_path, monkeypatch):
    """torch.hub loads downloaded files with weights_only=False explicitly
    (torch >= 2.6 too); a zoo URL of a teacher goes through the same path."""
    path, marker = crafted(tmp_path, 'os.system via __reduce_ex__')
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'hub'))

    def download(url, dst, *args, **kwargs):
        shutil.copyfile(path, dst)

    monkeypatch.setattr(torch.hub, 'download_url_to_file', download)
    url = 'https://download.example/teacher.pth'
    with pytest.raises(CheckpointLoadError) as error:
        _load_checkpoint(url, map_location='cpu')
    assert "'posix.system'" in str(error.value) and OPT_OUT in str(error.value)
    assert not osp.exists(marker)


def test_getattr_only_reaches_history_buffer_statistics():
    assert history_buffer_getattr(HistoryBuffer, 'mean') is HistoryBuffer.mean
    for obj, name in ((HistoryBuffer, '__init__'), (HistoryBuffer,
                                                    '__class__'),
                      (torch, 'load'), (HistoryBuffer.mean, '__globals__')):
        with pytest.raises(pickle.UnpicklingError, match='getattr'):
            history_buffer_getattr(obj, name)


def test_restricted_loader_keeps_what_checkpoints_hold(tmp_path):
    """Tensors of every common dtype, parameters, numpy values, counters,
    sets, bytes, devices and dtypes as values, HistoryBuffer statistics."""
    import collections

    import numpy as np
    buffer = HistoryBuffer()
    for v in (1.0, 2.0, 4.0):
        buffer.update(v)
    saved = {
        'state_dict':
        collections.OrderedDict(
            (str(dtype), torch.ones(2, dtype=dtype))
            for dtype in (torch.float32, torch.float16, torch.bfloat16,
                          torch.int64, torch.uint8, torch.bool)),
        'param':
        torch.nn.Parameter(torch.zeros(3)),
        'numpy': (np.float64(0.5), np.arange(4), np.int32(7)),
        'milestones':
        collections.Counter([30, 60, 60]),
        'misc': ({1, 2}, frozenset({3}), b'raw', bytearray(b'x'), 1 + 2j,
                 torch.device('cpu'), torch.float16, torch.Size([2, 3])),
        'buffer':
        buffer,
    }
    path = str(tmp_path / 'good.pth')
    torch.save(saved, path)
    loaded = load_checkpoint_file(path)
    assert list(loaded['state_dict']) == list(saved['state_dict'])
    for key, tensor in saved['state_dict'].items():
        assert torch.equal(loaded['state_dict'][key], tensor)
    assert isinstance(loaded['param'], torch.nn.Parameter)
    assert loaded['milestones'] == saved['milestones']
    assert loaded['misc'] == saved['misc']
    assert loaded['numpy'][0] == 0.5 and list(
        loaded['numpy'][1]) == [0, 1, 2, 3]
    assert loaded['buffer'].mean() == buffer.mean()


NUMPY_MODULES = ('numpy.core.multiarray', 'numpy._core.multiarray')


@pytest.mark.parametrize('module', NUMPY_MODULES)
def test_numpy_values_of_either_numpy_major_load(module):
    """numpy 1 pickles arrays and scalars by ``numpy.core.multiarray``'s
    functions, numpy 2 by ``numpy._core.multiarray``'s: a checkpoint written
    under either loads under this numpy, with the plugin's loader and with
    torch's own weights-only one (torch >= 2.6, the allow-list registered on
    import)."""
    import io

    import numpy as np

    from tstkd_plugin.checkpoint_safety import (needs_checkpoint_allowlist,
                                                restricted_pickle)
    data = pickle.dumps({
        'array': np.arange(3),
        'scalar': np.float64(0.5)
    },
                        protocol=2)  # its globals are plain text lines
    for written in NUMPY_MODULES:
        data = data.replace(f'c{written}\n'.encode(), f'c{module}\n'.encode())
    assert f'c{module}\n_reconstruct\n'.encode() in data
    loaders = [restricted_pickle.load]
    if needs_checkpoint_allowlist():
        from torch import _weights_only_unpickler
        loaders.append(_weights_only_unpickler.load)
    for load in loaders:
        loaded = load(io.BytesIO(data))
        assert list(loaded['array']) == [0, 1, 2], load
        assert loaded['scalar'] == 0.5, load


@pytest.fixture(scope='module')
def trained_run(demo_data, tmp_path_factory):
    """A real 1-epoch run: its work dir (epoch_1.pth, last_checkpoint)."""
    work_dir = str(tmp_path_factory.mktemp('trained_run'))
    cfg = small_run_cfg(osp.join(REPO, STUDENT), demo_data, work_dir)
    Runner.from_cfg(cfg).train()
    return work_dir, cfg


def runner_for(cfg, work_dir: str, **overrides) -> Runner:
    cfg = cfg.copy()
    cfg.work_dir = work_dir
    cfg.train_cfg.max_epochs = 2
    cfg.update(overrides)
    return Runner.from_cfg(cfg)


def truncate(src: str, dst: str, keep: float = 0.5) -> None:
    with open(src, 'rb') as f:
        data = f.read()
    with open(dst, 'wb') as f:
        f.write(data[:int(len(data) * keep)])


def test_load_from_and_resume_refuse_a_crafted_checkpoint(
        trained_run, tmp_path):
    _, cfg = trained_run
    path, marker = crafted(tmp_path, 'open via __reduce__')
    for resume, key in ((False, 'load_from: '), (True,
                                                 'load_from (resume=True): ')):
        runner = runner_for(
            cfg, str(tmp_path / f'w{resume}'), load_from=path, resume=resume)
        with pytest.raises(CheckpointLoadError) as error:
            runner.train()
        assert str(error.value).startswith(key), str(error.value)
        assert_refused(error.value, path, 'open via __reduce__')
        assert runner.iter == 0
    assert not osp.exists(marker)


def test_explicit_damaged_checkpoint_fails_before_training(
        trained_run, tmp_path):
    work_dir, cfg = trained_run
    damaged = str(tmp_path / 'epoch_1.pth')
    truncate(osp.join(work_dir, 'epoch_1.pth'), damaged)
    runner = runner_for(
        cfg, str(tmp_path / 'w'), load_from=damaged, resume=True)
    with pytest.raises(CheckpointLoadError) as error:
        runner.train()
    message = str(error.value)
    assert message.startswith('load_from (resume=True): ') and \
        damaged in message and 'is damaged' in message, message
    assert runner.iter == 0


def test_auto_resume_skips_a_damaged_newest_checkpoint(trained_run, tmp_path):
    src_dir, cfg = trained_run
    work_dir = str(tmp_path / 'w')
    os.makedirs(work_dir)
    shutil.copy2(osp.join(src_dir, 'epoch_1.pth'), work_dir)
    # the newest file, named by last_checkpoint, was cut off mid-write
    newest = osp.join(work_dir, 'epoch_2.pth')
    truncate(osp.join(src_dir, 'epoch_1.pth'), newest)
    with open(osp.join(work_dir, 'last_checkpoint'), 'w') as f:
        f.write(newest)
    cfg.default_hooks.checkpoint.interval = 100  # keep the files as they are
    # its own experiment name: runners built in the same second otherwise
    # share one logger, and its file is in the other's work dir
    runner = runner_for(
        cfg,
        work_dir,
        resume=True,
        load_from=None,
        log_level='INFO',
        experiment_name='auto_resume_skip')
    runner.train()
    assert runner.epoch == 2
    losses, _ = runner.message_hub.get_scalar('train/loss').data
    assert len(losses) == 2  # epoch 1 restored from epoch_1.pth, then 2
    log = open(glob.glob(osp.join(work_dir, '*', '*.log'))[0]).read()
    assert f'auto-resume: skipped {newest}: is damaged' in log, log[-3000:]
    assert 'latest checkpoint that loads: ' + osp.join(work_dir,
                                                       'epoch_1.pth') in log


def test_auto_resume_with_only_damaged_checkpoints_names_each(
        trained_run, tmp_path):
    src_dir, cfg = trained_run
    work_dir = str(tmp_path / 'w')
    os.makedirs(work_dir)
    for name in ('epoch_1.pth', 'epoch_2.pth'):
        truncate(
            osp.join(src_dir, 'epoch_1.pth'),
            osp.join(work_dir, name),
            keep=0.3)
    runner = runner_for(cfg, work_dir, resume=True, load_from=None)
    with pytest.raises(CheckpointLoadError) as error:
        runner.train()
    message = str(error.value)
    assert message.startswith('resume (auto): ') and message.count(
        'is damaged') == 2, message


def test_tools_refuse_crafted_and_name_damaged_checkpoints(
        trained_run, tmp_path):
    """tools/train.py --resume, tools/test.py and
    tools/model_converters/export_student.py, as a user runs them."""
    work_dir, cfg = trained_run
    cfg_path = str(tmp_path / 'cfg.py')
    cfg.dump(cfg_path)
    evil, marker = crafted(tmp_path, 'os.system via __reduce_ex__')
    damaged = str(tmp_path / 'damaged.pth')
    truncate(osp.join(work_dir, 'epoch_1.pth'), damaged)
    runs = {
        'train --resume': ([
            'tools/train.py', cfg_path, '--work-dir',
            str(tmp_path / 't'), '--resume'
        ], 'load_from'),
        'test': (['tools/test.py', cfg_path], 'load_from'),
        'export': (['tools/model_converters/export_student.py'], None),
    }
    for name, (args, key) in runs.items():
        for path, expected in ((evil, "'posix.system'"), (damaged,
                                                          'is damaged')):
            extra = [path, str(tmp_path / 'out.pth')] if name == 'export' \
                else [path]
            result = run_python(args + extra)
            assert result.returncode != 0, (name, result.stdout[-2000:])
            last = result.stderr.strip().splitlines()[-1]
            assert path in last and expected in last, (name, last)
            if key:
                assert key in last, (name, last)
            if expected != 'is damaged':
                assert OPT_OUT in last, (name, last)
    assert not osp.exists(marker)
