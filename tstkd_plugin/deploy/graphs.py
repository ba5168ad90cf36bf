# Copyright (c) tstkd_plugin contributors.
"""What an exported student computes, per task, and how its outputs become
the task library's predictions.

The exported graph takes the data preprocessor's output (normalised, padded
NCHW float32 images) and returns tensors only: the classifier's logits, the
segmentor's per-pixel logits at the input's size, a one-stage detector's
head outputs per FPN level before box decoding and NMS. Each graph's
``predictions`` runs the task library's own post-processing on such
outputs, so the exported model can be scored by the config's evaluator
exactly as the PyTorch student is.
"""
import inspect
from typing import List, Sequence, Tuple

import torch
from mmengine.model import BaseModel
from torch import Tensor, nn


class StudentGraph(nn.Module):
    """The tensors of one task's student, and their post-processing.

    Args:
        student: the task library's model, in eval mode.
    """
    task = ''

    def __init__(self, student: BaseModel) -> None:
        super().__init__()
        self.student = student

    def output_names(self, example: Tensor) -> List[str]:
        """Names of the outputs, in order, for an example input."""
        raise NotImplementedError

    def forward(self, inputs: Tensor) -> Tuple[Tensor, ...]:
        raise NotImplementedError

    def predictions(self, outputs: Sequence[Tensor],
                    data_samples: list) -> list:
        """The data samples with the predictions made from ``outputs``."""
        raise NotImplementedError


class ClassifierLogits(StudentGraph):
    """An mmpretrain classifier's class logits (before softmax)."""
    task = 'classification'

    def output_names(self, example: Tensor) -> List[str]:
        return ['logits']

    def forward(self, inputs: Tensor) -> Tuple[Tensor, ...]:
        return (self.student(inputs, mode='tensor'), )

    def predictions(self, outputs: Sequence[Tensor],
                    data_samples: list) -> list:
        # what the head's predict does after computing the logits
        return self.student.head._get_predictions(outputs[0], data_samples)


class SegmentorLogits(StudentGraph):
    """An mmseg encoder-decoder's per-pixel class logits, resized to the
    input as its whole-image inference does (the auxiliary head is left
    out: it does not predict)."""
    task = 'segmentation'

    def output_names(self, example: Tensor) -> List[str]:
        return ['seg_logits']

    def forward(self, inputs: Tensor) -> Tuple[Tensor, ...]:
        from mmseg.models.utils import resize
        logits = self.student._forward(inputs)
        return (resize(
            logits,
            size=inputs.shape[2:],
            mode='bilinear',
            align_corners=self.student.align_corners), )

    def predictions(self, outputs: Sequence[Tensor],
                    data_samples: list) -> list:
        return self.student.postprocess_result(outputs[0], data_samples)


class DetectorHeadOutputs(StudentGraph):
    """An mmdet one-stage detector's head outputs per FPN level (e.g.
    RetinaNet's ``cls_scores_0..L`` and ``bbox_preds_0..L``), before box
    decoding and NMS, which stay with the deployment's post-processing."""
    task = 'detection'

    @property
    def num_levels(self) -> int:
        """FPN levels the head predicts on (one output per level and kind)."""
        return len(self.student.bbox_head.prior_generator.strides)

    def output_names(self, example: Tensor) -> List[str]:
        # the names predict_by_feat gives them (cls_scores, bbox_preds, ...)
        params = list(
            inspect.signature(
                self.student.bbox_head.predict_by_feat).parameters)
        with torch.no_grad():
            num_groups = len(self(example)) // self.num_levels
        return [
            f'{params[i] if i < len(params) else f"output{i}"}_{level}'
            for i in range(num_groups) for level in range(self.num_levels)
        ]

    def forward(self, inputs: Tensor) -> Tuple[Tensor, ...]:
        return tuple(
            t for group in self.student._forward(inputs) for t in group)

    def predictions(self, outputs: Sequence[Tensor],
                    data_samples: list) -> list:
        levels = self.num_levels
        groups = [
            list(outputs[i:i + levels]) for i in range(0, len(outputs), levels)
        ]
        results = self.student.bbox_head.predict_by_feat(
            *groups,
            batch_img_metas=[s.metainfo for s in data_samples],
            rescale=True)
        return self.student.add_pred_to_datasample(data_samples, results)


def student_graph(student: BaseModel) -> StudentGraph:
    """The graph to export for a task library's student.

    Raises:
        ValueError: a model this export does not cover (two-stage detectors,
            whose second stage needs NMS on the first stage's proposals).
    """
    kinds = []
    try:
        from mmpretrain.models import ImageClassifier
        kinds.append((ImageClassifier, ClassifierLogits))
    except ImportError:
        pass
    try:
        from mmseg.models import EncoderDecoder
        kinds.append((EncoderDecoder, SegmentorLogits))
    except ImportError:
        pass
    try:
        from mmdet.models.detectors import (SingleStageDetector,
                                            TwoStageDetector)
        if isinstance(student, TwoStageDetector):
            raise ValueError(
                f'model.architecture is a two-stage detector '
                f'({type(student).__name__}): its RoI stage runs on the '
                'proposals left by NMS, which this export does not trace; '
                'export it with mmdeploy. One-stage detectors (RetinaNet, '
                'FCOS, GFL, ...) are supported.')
        kinds.append((SingleStageDetector, DetectorHeadOutputs))
    except ImportError:
        pass
    for model_type, graph_type in kinds:
        if isinstance(student, model_type):
            return graph_type(student).eval()
    raise ValueError(
        'model.architecture: expected an mmpretrain ImageClassifier, an '
        'mmseg EncoderDecoder or an mmdet one-stage detector, got '
        f'{type(student).__name__}')
