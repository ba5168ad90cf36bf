# Copyright (c) tstkd_plugin contributors.
"""What the demo and benchmark tools share (tools/misc/run_demo.py,
gpu_smoke.py, tools/analysis/benchmark*.py, step_time.py): the task tables
and the runs, as an importable module instead of one tool importing
another. They run from a source checkout (``REPO``)."""
from .demo_tasks import (CONFIGS, DATA_KEYS, DEMO_DATA, EVALUATOR_FILES,
                         LONGEST_FIRST, METHOD_HOSTS, METHODS, METRICS_FILE,
                         REPO, TASKS, data_options)
from .training_runs import (Progress, last_checkpoint, prepare_data, run,
                            run_dir_name, run_line, summarise, train_and_score,
                            train_task, train_tasks)

__all__ = [
    'CONFIGS', 'DATA_KEYS', 'DEMO_DATA', 'EVALUATOR_FILES', 'LONGEST_FIRST',
    'METHOD_HOSTS', 'METHODS', 'METRICS_FILE', 'REPO', 'TASKS', 'data_options',
    'Progress', 'last_checkpoint', 'prepare_data', 'run', 'run_dir_name',
    'run_line', 'summarise', 'train_and_score', 'train_task', 'train_tasks'
]
