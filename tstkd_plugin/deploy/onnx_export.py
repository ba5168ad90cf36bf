# Copyright (c) tstkd_plugin contributors.
"""Export a student graph to ONNX, with a dynamic batch size."""
import inspect
import json
import warnings
from typing import Dict, List

import torch
from torch import Tensor, nn

from .exportable_pooling import with_exportable_pooling
from .graphs import StudentGraph

# Opset 17 is the newest that both supported torch exporters write (torch
# 2.1's TorchScript exporter stops at 17) and onnxruntime >= 1.14 runs.
DEFAULT_OPSET = 17
INPUT_NAME = 'input'


def export_onnx(graph: StudentGraph,
                example: Tensor,
                path: str,
                opset: int = DEFAULT_OPSET) -> List[str]:
    """Trace ``graph`` on ``example`` and write it to ``path``.

    The batch axis of the input and of every output is dynamic; the other
    axes keep the example's sizes. The TorchScript exporter is used on every
    torch (the only one torch 2.1 has; from torch 2.9 it is deprecated but
    still the one whose output onnxruntime runs for all three tasks here).

    Args:
        graph: the student's graph (:func:`student_graph`).
        example: a preprocessed batch (N, C, H, W).
        path: the ``.onnx`` file to write.
        opset: the ONNX opset.

    Returns:
        The output names, in order.
    """
    names = graph.output_names(example)
    graph, _ = with_exportable_pooling(graph)
    dynamic = {name: {0: 'batch'} for name in [INPUT_NAME] + names}
    legacy = {
        'dynamo': False
    } if 'dynamo' in inspect.signature(torch.onnx.export).parameters else {}
    with warnings.catch_warnings(), torch.no_grad():
        # the trace is checked against onnxruntime afterwards; the tracer's
        # "converting a tensor to a Python value" notes are about shapes,
        # which only the batch axis leaves open
        warnings.filterwarnings('ignore', category=torch.jit.TracerWarning)
        warnings.filterwarnings(
            'ignore', message='.*legacy TorchScript-based ONNX export')
        warnings.filterwarnings(
            'ignore', message='The feature will be removed')
        torch.onnx.export(
            graph, (example, ),
            path,
            input_names=[INPUT_NAME],
            output_names=names,
            dynamic_axes=dynamic,
            opset_version=opset,
            do_constant_folding=True,
            **legacy)
    return names


def preprocessing_metadata(preprocessor: nn.Module) -> Dict[str, str]:
    """What a deployment must do to an image before the exported graph: the
    data preprocessor's normalisation, channel order and padding."""
    meta = {}
    if getattr(preprocessor, '_enable_normalize', False):
        meta['mean'] = json.dumps(preprocessor.mean.flatten().tolist())
        meta['std'] = json.dumps(preprocessor.std.flatten().tolist())
    meta['bgr_to_rgb'] = json.dumps(
        bool(getattr(preprocessor, '_channel_conversion', False)))
    for key in ('pad_size_divisor', 'pad_value'):
        if hasattr(preprocessor, key):
            meta[key] = json.dumps(getattr(preprocessor, key))
    return meta


def write_metadata(path: str, metadata: Dict[str, str]) -> None:
    """Store ``metadata`` in the model's ``metadata_props`` (onnxruntime:
    ``session.get_modelmeta().custom_metadata_map``)."""
    import onnx
    model = onnx.load(path)
    for key, value in metadata.items():
        prop = model.metadata_props.add()
        prop.key, prop.value = key, value
    onnx.save(model, path)
