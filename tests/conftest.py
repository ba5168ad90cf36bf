# Copyright (c) tstkd_plugin contributors.
"""Shared fixtures: small real demo data and configs pointed at it."""
import os
import os.path as osp
import socket
import subprocess
import sys
from typing import Any, Dict, List, Optional

import pytest

import tstkd_plugin  # noqa: F401  (compat fixes + registration)
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = osp.join(REPO, 'configs')
DEMO_PREFIX = 'data/demo'


def run_python(args: List[str], env: Optional[Dict[str, str]] = None,
               cwd: str = REPO, timeout: int = 600
               ) -> subprocess.CompletedProcess:
    """Run this interpreter with ``args``; output is captured as text."""
    full_env = dict(os.environ, PYTHONWARNINGS='ignore', **(env or {}))
    return subprocess.run([sys.executable] + args, cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture(scope='session')
def demo_data(tmp_path_factory) -> str:
    """The demo datasets from 120 train and 120 val source digits."""
    out = str(tmp_path_factory.mktemp('demo_data'))
    result = run_python(['tools/make_demo_data.py', '--out', out,
                         '--limit', '120'])
    assert result.returncode == 0, result.stderr
    return out


def _repoint(value: Any, data_root: str) -> Any:
    if isinstance(value, str) and value.startswith(DEMO_PREFIX):
        return data_root + value[len(DEMO_PREFIX):]
    if isinstance(value, dict):
        for key in value:
            value[key] = _repoint(value[key], data_root)
    elif isinstance(value, list):
        return [_repoint(v, data_root) for v in value]
    elif isinstance(value, tuple):
        return tuple(_repoint(v, data_root) for v in value)
    return value


def small_run_cfg(config: str, data_root: str, work_dir: str,
                  train_samples: int = 4, val_samples: int = 4) -> Config:
    """A shipped config reduced to one training iteration and a tiny val.

    Paths under ``data/demo`` go to ``data_root``; datasets keep their first
    samples only (mmengine's ``indices``); one epoch or one iteration.
    """
    cfg = Config.fromfile(config)
    cfg.work_dir = work_dir
    _repoint(cfg._cfg_dict, data_root)
    batch = cfg.train_dataloader.batch_size = min(
        cfg.train_dataloader.batch_size, train_samples)
    cfg.train_dataloader.dataset.indices = train_samples
    for split in ('val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if loader:
            loader.dataset.indices = val_samples
            loader.batch_size = min(loader.batch_size, val_samples)
    if cfg.train_cfg.get('by_epoch', True) and 'max_epochs' in cfg.train_cfg:
        cfg.train_cfg.max_epochs = 1
        cfg.train_cfg.val_interval = 1
        cfg.param_scheduler = None
    else:
        cfg.train_cfg.max_iters = train_samples // batch
        cfg.train_cfg.val_interval = cfg.train_cfg.max_iters
        cfg.param_scheduler = None
        cfg.default_hooks.checkpoint.interval = cfg.train_cfg.max_iters
    cfg.default_hooks.logger.interval = 1
    cfg.log_level = 'WARNING'
    return cfg


@pytest.fixture
def make_cfg(demo_data, tmp_path):
    """``make_cfg(config_path, **kw)``: :func:`small_run_cfg` on demo data."""

    def make(config: str, **kwargs) -> Config:
        return small_run_cfg(
            osp.join(REPO, config), demo_data, str(tmp_path / 'work'),
            **kwargs)

    return make
