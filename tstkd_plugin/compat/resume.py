# Copyright (c) tstkd_plugin contributors.
"""Resume and ``load_from`` that name a damaged checkpoint, and auto-resume
that steps over one.

mmengine 0.10.7 resumes automatically from the file ``last_checkpoint``
names; if that file is truncated (a full disk, a partial copy) training dies
with torch's "PytorchStreamReader failed reading zip archive" and no file
name. Here:

- auto-resume (``resume=True``, no ``load_from``; ``--resume`` without a
  path) takes the newest checkpoint of the work dir that loads, newest being
  the one ``last_checkpoint`` names, then the other ``.pth`` files by
  modification time; each one skipped is logged with its reason. If there
  are checkpoints and none loads, it fails naming each;
- an explicit ``load_from`` (with or without ``resume``) that does not load
  fails before training with the config key, the path and the reason.
"""
import functools
import glob
import os.path as osp
from typing import List, Optional, Tuple

from ..checkpoint_safety import CheckpointLoadError

_PATCH_MARK = '_tstkd_resume'


def checkpoint_candidates(work_dir: str) -> List[str]:
    """The checkpoints of ``work_dir`` to resume from, newest first."""
    named: List[str] = []
    last = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(last):
        with open(last) as f:
            path = f.read().strip()
        if path:
            named.append(path)
    folders = {work_dir} | {
        osp.dirname(p)
        for p in named if osp.isdir(osp.dirname(p) or '.')
    }
    found = [p for d in folders for p in glob.glob(osp.join(d, '*.pth'))]
    found.sort(key=osp.getmtime, reverse=True)
    return named + [
        p for p in found if osp.abspath(p) not in map(osp.abspath, named)
    ]


def newest_loadable_checkpoint(work_dir: str, logger=None) -> Optional[str]:
    """The first of :func:`checkpoint_candidates` that loads.

    Returns:
        str, optional: Its path; None where the work dir has no checkpoint.

    Raises:
        CheckpointLoadError: There are checkpoints and none of them loads.
    """
    from mmengine.runner.checkpoint import _load_checkpoint
    skipped: List[Tuple[str, str]] = []
    for path in checkpoint_candidates(work_dir):
        try:
            _load_checkpoint(path, map_location='cpu', logger='silent')
        except (CheckpointLoadError, OSError) as e:
            reason = e.reason if isinstance(e, CheckpointLoadError) else str(e)
            skipped.append((path, reason))
            if logger is not None:
                logger.warning(f'auto-resume: skipped {path}: {reason}')
            continue
        return path
    if skipped:
        listing = '; '.join(f'{p}: {r}' for p, r in skipped)
        raise CheckpointLoadError(
            work_dir, f'has checkpoints and none of them loads ({listing}). '
            'Remove them to start afresh, or set load_from to a checkpoint '
            'that loads.',
            key='resume (auto)')
    return None


def patch_load_or_resume() -> None:
    """Wrap mmengine's ``Runner.load_or_resume`` as described above."""
    from mmengine.runner import Runner
    original = Runner.load_or_resume
    if getattr(original, _PATCH_MARK, False):
        return

    @functools.wraps(original)
    def load_or_resume(self) -> None:
        if self._has_loaded:
            return original(self)
        if self._resume and self._load_from is None:
            chosen = newest_loadable_checkpoint(self.work_dir, self.logger)
            if chosen is None:
                return original(self)  # nothing saved yet: mmengine's path
            self.logger.info(f'Auto resumed from the latest checkpoint that '
                             f'loads: {chosen}.')
            self._load_from = chosen
            try:
                return original(self)
            finally:
                self._load_from = None
        key = 'load_from (resume=True)' if self._resume else 'load_from'
        try:
            return original(self)
        except CheckpointLoadError as e:
            raise e.with_key(key) from None
        except FileNotFoundError:
            raise CheckpointLoadError(
                self._load_from, 'does not exist; expected the path (or URL) '
                'of a checkpoint',
                key=key) from None

    setattr(load_or_resume, _PATCH_MARK, True)
    Runner.load_or_resume = load_or_resume
