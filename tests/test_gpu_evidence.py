# Copyright (c) tstkd_plugin contributors.
"""tools/misc/gpu_evidence.py --dry-run on the project's stack: every stage
of the GPU evidence kit runs to its report on the CPU (tiny sizes), so that
a session lent a GPU spends its minutes measuring, not debugging."""
import json
import os.path as osp

from conftest import REPO, load_script, run_python

TOOL = osp.join(REPO, 'tools', 'misc', 'gpu_evidence.py')


def load_tool():
    return load_script(TOOL, 'gpu_evidence')


def test_dry_run_reports_every_stage(tmp_path, fashion_mnist_idx):
    out = tmp_path / 'evidence'
    argv = [TOOL, '--dry-run', '--no-install', '--out', str(out)]
    result = run_python(
        argv + ['--fashion-data', fashion_mnist_idx], timeout=900)
    assert result.returncode == 0, \
        result.stdout[-3000:] + result.stderr[-2000:]
    report = json.load(open(out / 'evidence.json'))
    stages = report['stages']
    rcs = {k: stages[k]['rc'] for k in ('smoke', 'paper-size', 'fashion')}
    assert rcs == dict.fromkeys(rcs, 0), stages
    assert len(stages['smoke']['runs']) == 3 and all(
        r['passed'] for r in stages['smoke']['runs'])
    rows = stages['paper-size']['result']['rows']
    assert not [r for r in rows if 'error' in r], rows
    assert {(r['method'], r['step'])
            for r in rows} == {('student alone', 'step'), ('KD', 'step'),
                               ('DIST', 'step'), ('TST+KD', 'student step'),
                               ('TST+KD', 'augmenter step'),
                               ('SoKD+KD', 'during search'),
                               ('SoKD+KD', 'after search')}
    assert all(r['images_s'] > 0 and r['cost_vs_kd'] > 0 for r in rows)
    top1 = stages['fashion']['result']['top1']
    assert set(top1) == {
        'teacher', 'vanilla KD', 'DIST', 'TST+KD', 'FitNet', 'FitNet+SoKD'
    }
    assert all(0 <= v <= 100 for v in top1.values()), top1
    text = (out / 'evidence.md').read_text()
    for heading in ('## Smoke', '## Paper size', '## Fashion-MNIST'):
        assert heading in text, text


def test_a_failed_run_fails_the_command_a_cut_stage_does_not():
    tool = load_tool()
    report = dict(
        stages=dict(
            smoke=dict(rc=0, runs=[dict(passed=True, line='cls KD')]),
            fashion=dict(rc=None)))  # cut at its time share
    assert tool.failed_runs(report) == 0
    report['stages']['smoke']['runs'].append(
        dict(passed=False, line='cls SoKD+KD amp'))
    assert tool.failed_runs(report) >= 1
    report = dict(
        stages={
            'paper-size':
            dict(rc=0, result=dict(rows=[dict(error='RuntimeError: NaN')]))
        })
    assert tool.failed_runs(report) == 1


def test_without_a_bundle_the_install_says_what_to_run(tmp_path):
    tool = load_tool()
    result = tool.install(str(tmp_path / 'none'), str(tmp_path))
    assert result['rc'] == 1
    assert 'tools/misc/device_bundle.sh' in result['error']
