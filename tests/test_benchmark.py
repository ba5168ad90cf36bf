# Copyright (c) tstkd_plugin contributors.
"""tools/analysis/benchmark.py: its table and plot from measured results (the
runs themselves are the benchmark, not a test)."""
import inspect
import json
import os.path as osp

from conftest import flatten, load_script


def load_tool(name: str = 'benchmark'):
    return load_script(osp.join('tools', 'analysis', f'{name}.py'), name)


load_benchmark = load_tool


def results():

    def entry(*values):
        mean = sum(values) / len(values)
        return dict(
            values=list(values),
            mean=mean,
            std=0.5 if len(values) > 1 else 0.0)

    def cost(ratio, shares):
        return dict(
            ratio=ratio,
            memory_ratio=1.5,
            shares=dict(zip(('teacher', 'student', 'method'), shares)))

    return {
        'cls':
        dict(
            accuracy={
                'teacher': entry(98.0),
                'alone': entry(96.0, 97.0),
                'vanilla KD': entry(98.5, 98.5),
                'SoKD+KD': entry(98.0, 98.4)
            },
            cost={
                'vanilla KD':
                cost({'step': 1.0}, (0.5, 0.4, 0.1)),
                'SoKD+KD':
                cost({
                    'during search': 1.7,
                    'after search': 1.6
                }, (0.3, 0.2, 0.5))
            })
    }


def test_table_reports_every_method_against_kd():
    table = load_benchmark().table(results()).splitlines()
    rows = {line.split(' | ')[1]: line for line in table[2:]}
    assert set(rows) == {'teacher', 'alone', 'vanilla KD', 'SoKD+KD'}
    assert '| 98.20 ± 0.50 | 2 | -0.30 |' in rows['SoKD+KD']  # below KD
    assert '1.70 (during search), 1.60 (after search)' in rows['SoKD+KD']
    assert '30 / 20 / 50 %' in rows['SoKD+KD']
    assert '| 1.00 | 1.50 | 50 / 40 / 10 % |' in rows['vanilla KD']
    assert 'vs host' not in table[0]  # no refined feature host measured


def test_table_reports_a_refined_host_against_its_host():
    measured = results()
    accuracy = measured['cls']['accuracy']
    accuracy['FitNet'] = dict(values=[98.0, 98.2], mean=98.1, std=0.1)
    accuracy['FitNet+SoKD'] = dict(values=[97.0, 97.4], mean=97.2, std=0.2)
    table = load_benchmark().table(measured).splitlines()
    rows = {line.split(' | ')[1]: line for line in table[2:]}
    # vs KD, then vs FitNet
    assert '| 97.20 ± 0.20 | 2 | -1.30 | -0.90 |' in rows['FitNet+SoKD']
    assert '| 98.10 ± 0.10 | 2 | -0.40 |  |' in rows['FitNet']
    assert '| -0.30 |  |' in rows['SoKD+KD']  # no host named SoKD's


def test_plot_draws_accuracy_and_the_logged_tst_policy(tmp_path):
    benchmark = load_benchmark()
    run = tmp_path / 'cls' / 'TST+KD_seed0' / '20260101' / 'vis_data'
    run.mkdir(parents=True)
    with open(run / 'scalars.json', 'w') as f:
        for step, p in ((90, 0.55), (180, 0.6)):
            f.write(json.dumps({'tst/p_Rotate': p, 'step': step}) + '\n')
    assert benchmark._tst_policy(str(tmp_path / 'cls' / 'TST+KD_seed0')) \
        == {'Rotate': [(90, 0.55), (180, 0.6)]}
    out = str(tmp_path / 'benchmark.png')
    benchmark.plot(results(), str(tmp_path), out)
    with open(out, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'


def test_data_fraction_keeps_every_class_and_the_epoch_length(tmp_path):
    ablations = load_tool('benchmark_ablations')
    meta = tmp_path / 'cls' / 'meta'
    meta.mkdir(parents=True)
    lines = [
        f'{c}/digit_{c}{i:03d}.png {c}' for c in range(10)
        for i in range(20 + c)
    ]
    (meta / 'train.txt').write_text('\n'.join(lines) + '\n')
    name = ablations.subset_ann_file(str(tmp_path), 0.1)
    kept = (tmp_path / 'cls' / name).read_text().split()
    pairs = list(zip(kept[::2], kept[1::2]))
    distinct = set(pairs)
    assert len(pairs) == 10 * len(distinct)  # each kept digit 10 times
    assert distinct <= {tuple(line.split()) for line in lines}
    per_class = [
        sum(label == str(c) for _, label in distinct) for c in range(10)
    ]
    assert per_class == [round(0.1 * (20 + c)) for c in range(10)]
    assert abs(len(pairs) - len(lines)) <= 10 * 10  # about one epoch


def test_learning_rate_option_finds_the_students_optimizer():
    from mmengine.config import Config
    tool = load_tool('benchmark_ablations')
    options = tool.learning_rate_option(4.0)

    def lr(label):
        return Config.fromfile(
            osp.join(tool.CONFIGS,
                     tool.SPECS['seg']['students'][label])).optim_wrapper

    # one optimizer, and the student's of an optimizer dict (not TST's)
    assert options('seg', 'alone') == [
        f'optim_wrapper.optimizer.lr={lr("alone").optimizer.lr * 4}'
    ]
    assert options('seg', 'TST+KD') == [
        'optim_wrapper.architecture.optimizer.lr='
        f'{lr("TST+KD").architecture.optimizer.lr * 4}'
    ]
    assert lr('TST+KD').augmenter.optimizer.lr * 4 != \
        lr('TST+KD').architecture.optimizer.lr * 4


def _list_keys(value, prefix=''):
    """Dotted keys through lists too (``param_scheduler.0.T_max``), as
    ``--cfg-options`` reaches them."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        yield prefix[:-1]
        return
    for key, item in items:
        yield from _list_keys(item, f'{prefix}{key}.')


def _is_constructor_argument(cfg, key: str) -> bool:
    """Whether ``key`` names an argument, left at its default, of the
    plugin's registered class that the dict above it builds."""
    from tstkd_plugin.registry import MODELS
    parent, _, argument = key.rpartition('.')
    try:
        built = cfg
        for part in parent.split('.'):
            built = built[part]
        cls = MODELS.get(built['type'])
    except (KeyError, TypeError):
        return False
    return cls is not None and \
        argument in inspect.signature(cls).parameters


def test_every_ablation_overrides_keys_its_configs_have(tmp_path):
    # a misspelt override would be added silently by the config merge and
    # the ablation would measure the unchanged config
    from mmengine.config import Config
    tool = load_tool('benchmark_ablations')
    meta = tmp_path / 'cls' / 'meta'
    meta.mkdir(parents=True)
    (meta / 'train.txt').write_text('\n'.join(f'{c}/d{i}.png {c}'
                                              for c in range(10)
                                              for i in range(10)))
    from mmengine.dataset import BaseDataset

    from tstkd_plugin.datasets import LocalFashionMNIST
    dataset_arguments = set(
        inspect.signature(LocalFashionMNIST).parameters) | set(
            inspect.signature(BaseDataset).parameters)
    checked = 0
    for name, spec in tool.ablations(str(tmp_path)).items():
        options = spec['options']()
        for method in spec['methods'] if options else []:
            cfg = Config.fromfile(
                osp.join(tool.CONFIGS,
                         tool.SPECS[spec['task']]['students'][method]))
            keys = set(flatten(cfg._cfg_dict.to_dict())) | set(
                _list_keys(cfg._cfg_dict.to_dict()))
            for override in options(spec['task'], method):
                key = override.split('=')[0]
                if key.startswith('val_dataloader.dataset.') and \
                        key.rsplit('.', 1)[1] in dataset_arguments:
                    continue  # an argument of the dataset (held-out data)
                # a leaf, a dict the override replaces whole, or an
                # argument of the registered class the key's dict builds
                assert key in keys or any(
                    k.startswith(key + '.') for k in keys
                ) or _is_constructor_argument(cfg, key), \
                    f'{name}: {method}: {key}'
                checked += 1
    assert checked >= 6


def test_step_costs_keep_the_models_logs_off_the_terminal(
        tmp_path, capfd, make_cfg, monkeypatch):
    """The cost stage builds models in this process; their thousands of
    mmengine INFO lines (weight initialisation) go to the log file, the
    terminal keeps the tool's own lines."""
    from tstkd_plugin.benchmarking import TASKS
    benchmark = load_benchmark()
    config = str(tmp_path / 'kd.py')
    make_cfg('configs/' + TASKS['cls']['students']['vanilla KD']).dump(config)
    log_file = str(tmp_path / 'costs.log')
    out = benchmark.step_costs({'vanilla KD': config}, 1, log_file)
    assert out['vanilla KD']['times']['step'] > 0
    printed = capfd.readouterr().out
    logged = open(log_file).read()
    assert 'init' in logged, logged[:500]  # the models' messages ...
    assert 'init' not in printed, printed[:2000]  # ... not on the terminal
