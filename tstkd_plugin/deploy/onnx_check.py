# Copyright (c) tstkd_plugin contributors.
"""Run an exported student with onnxruntime next to the PyTorch student."""
import copy
import time
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional

import numpy as np
import torch
from mmengine.evaluator import Evaluator
from torch import nn

from .graphs import StudentGraph
from .onnx_export import INPUT_NAME


@dataclass
class OutputDifference:
    """How far onnxruntime's values of one output are from PyTorch's.

    Args:
        name: the output's name.
        max_abs_diff: the largest absolute difference.
        max_abs_value: the largest absolute PyTorch value (the scale).
        tolerance_used: the largest ``|diff| / (atol + rtol * |value|)``;
            above 1 the output is outside the tolerance.
    """
    name: str
    max_abs_diff: float = 0.0
    max_abs_value: float = 0.0
    tolerance_used: float = 0.0


@dataclass
class OnnxCheck:
    """The result of :func:`check_onnx`.

    Args:
        outputs: the differences per output.
        torch_metrics: the config's val metrics of the PyTorch student.
        onnx_metrics: the same metrics computed from onnxruntime's outputs.
        images: how many val images were compared.
        batch_sizes: the batch sizes run (the batch axis is dynamic).
        seconds: the check's wall time.
    """
    outputs: List[OutputDifference]
    torch_metrics: Dict[str, float]
    onnx_metrics: Dict[str, float]
    images: int = 0
    batch_sizes: List[int] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def within_tolerance(self) -> bool:
        return all(o.tolerance_used <= 1 for o in self.outputs)

    @property
    def max_abs_diff(self) -> float:
        return max(o.max_abs_diff for o in self.outputs)


def onnx_session(path: str):
    """An onnxruntime CPU session using as many threads as torch does."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    options.log_severity_level = 3  # errors only
    return ort.InferenceSession(
        path, options, providers=['CPUExecutionProvider'])


def check_onnx(path: str,
               graph: StudentGraph,
               preprocessor: nn.Module,
               dataloader: Iterable,
               evaluator_cfg,
               dataset_meta: Optional[dict],
               atol: float,
               rtol: float,
               max_batches: Optional[int] = None) -> OnnxCheck:
    """Compare the exported model with the PyTorch student on val data.

    Every batch goes through the data preprocessor once; the PyTorch graph
    and onnxruntime get the same tensor. The PyTorch metrics are the
    student's own ``predict`` (what ``tools/test.py`` scores), the ONNX
    metrics the task library's post-processing of onnxruntime's outputs.
    The first batch is also run as a single image, so two batch sizes are
    checked however the val set divides.

    Args:
        path: the ``.onnx`` file.
        graph: the graph it was exported from.
        preprocessor: the data preprocessor of the student.
        dataloader: the val dataloader.
        evaluator_cfg: the config's ``val_evaluator``.
        dataset_meta: the val dataset's meta (class names), for the metrics.
        atol: absolute tolerance.
        rtol: tolerance relative to the PyTorch value.
        max_batches: compare only this many batches (all if None).
    """
    start = time.time()
    session = onnx_session(path)
    names = [o.name for o in session.get_outputs()]
    diffs = [OutputDifference(name) for name in names]
    evaluators = {}
    for which in ('torch', 'onnx'):
        evaluators[which] = Evaluator(copy.deepcopy(evaluator_cfg))
        if dataset_meta is not None:
            evaluators[which].dataset_meta = dataset_meta
    check = OnnxCheck(diffs, {}, {})

    def compare(inputs: torch.Tensor) -> List[torch.Tensor]:
        with torch.no_grad():
            expected = graph(inputs)
        got = session.run(names, {INPUT_NAME: inputs.numpy()})
        for diff, ref, value in zip(diffs, expected, got):
            ref = ref.numpy()
            error = np.abs(value - ref)
            diff.max_abs_diff = max(diff.max_abs_diff, float(error.max()))
            diff.max_abs_value = max(diff.max_abs_value,
                                     float(np.abs(ref).max()))
            bound = atol + rtol * np.abs(ref)
            # a zero bound: any difference is beyond it (inf), none is 0
            used = np.divide(
                error,
                bound,
                out=np.where(error > 0, np.inf, 0.0),
                where=bound > 0)
            diff.tolerance_used = max(diff.tolerance_used, float(used.max()))
        check.batch_sizes.append(inputs.shape[0])
        return [torch.from_numpy(v) for v in got]

    for i, batch in enumerate(dataloader):
        if max_batches is not None and i >= max_batches:
            break
        data = preprocessor(batch, False)
        inputs, samples = data['inputs'], data['data_samples']
        if i == 0 and inputs.shape[0] > 1:
            compare(inputs[:1])
        got = compare(inputs)
        with torch.no_grad():
            predicted = graph.student(
                inputs, copy.deepcopy(samples), mode='predict')
        evaluators['torch'].process(predicted, batch)
        evaluators['onnx'].process(
            graph.predictions(got, copy.deepcopy(samples)), batch)
        check.images += inputs.shape[0]
    if not check.images:
        raise ValueError('val_dataloader: no images to check the export on')
    check.torch_metrics = plain_numbers(evaluators['torch'].evaluate(
        check.images))
    check.onnx_metrics = plain_numbers(evaluators['onnx'].evaluate(
        check.images))
    check.seconds = time.time() - start
    return check


def plain_numbers(metrics: dict) -> Dict[str, float]:
    """The scalar metrics as Python floats (mmseg gives numpy float32)."""
    return {
        key: float(value)
        for key, value in metrics.items() if np.ndim(value) == 0
    }


def format_check(check: OnnxCheck, atol: float, rtol: float) -> str:
    """A report of the check, a line per output and per metric."""
    lines = [
        f'onnxruntime vs PyTorch on {check.images} val images '
        f'(batch sizes {sorted(set(check.batch_sizes))}), tolerance '
        f'|diff| <= {atol:g} + {rtol:g} * |value|:'
    ]
    for o in check.outputs:
        lines.append(f'  {o.name}: max |diff| {o.max_abs_diff:.3g} '
                     f'(values up to {o.max_abs_value:.3g}; '
                     f'{100 * o.tolerance_used:.1f} % of the tolerance)')
    for key in check.torch_metrics:
        onnx_value = check.onnx_metrics.get(key, float('nan'))
        lines.append(f'  {key}: PyTorch {check.torch_metrics[key]:.4f}, '
                     f'onnxruntime {onnx_value:.4f}')
    lines.append(f'  check time {check.seconds:.1f} s')
    return '\n'.join(lines)
