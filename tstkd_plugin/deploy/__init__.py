# Copyright (c) tstkd_plugin contributors.
"""Deploying a distilled student: the task model, its ONNX export and the
check of the export against PyTorch (``pip install tstkd_plugin[deploy]``
for onnx and onnxruntime)."""
from .graphs import (ClassifierLogits, DetectorHeadOutputs, SegmentorLogits,
                     StudentGraph, student_graph)
from .onnx_check import OnnxCheck, OutputDifference, check_onnx, format_check
from .onnx_export import (DEFAULT_OPSET, export_onnx, preprocessing_metadata,
                          write_metadata)
from .student import STUDENT_PREFIX, build_student, student_state_dict

__all__ = [
    'ClassifierLogits', 'DetectorHeadOutputs', 'SegmentorLogits',
    'StudentGraph', 'student_graph', 'OnnxCheck', 'OutputDifference',
    'check_onnx', 'format_check', 'DEFAULT_OPSET', 'export_onnx',
    'preprocessing_metadata', 'write_metadata', 'STUDENT_PREFIX',
    'build_student', 'student_state_dict'
]
