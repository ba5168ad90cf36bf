# Copyright (c) tstkd_plugin contributors.
"""The method names configs use: :class:`ComposedDistill` with the parts of
each method. Each class only turns its arguments into parts."""
from typing import Optional, Sequence

from ..registry import MODELS
from .composed_distill import ComposedDistill
from .parts import (DenseTSTObjective, SoKDPolicySearch, StudentRoIs,
                    TSTObjective)


@MODELS.register_module()
class TSTDistill(ComposedDistill):
    """TST: teaching what you should teach (Shao et al., IJCAI 2023), for
    classification: :class:`ComposedDistill` with an augmenter and
    :class:`~tstkd_plugin.algorithms.parts.TSTObjective`.

    A learnable augmenter (``LearnableAugment``) and the student are trained
    in turn, with one optimizer each in an optim-wrapper dict
    (``architecture`` and ``augmenter``). ``train_step`` is the student's
    step on ``[augmented; original]`` through the config's distiller (vanilla
    KD, ``DISTKDLoss``, ...): for per-sample averages such as KL the
    distillation is ``1/2 KD(aug) + 1/2 KD(orig)``. The TST train loops
    (``TSTEpochBasedTrainLoop``, ``TSTIterBasedTrainLoop``) run the
    augmenter's phases.

    Args:
        augmenter (dict): Config of the augmenter (``LearnableAugment``).
        eps (float): In the bounded student term. Defaults to 1e-6.
        logit_clamp (float, optional): See ``TSTObjective``. Defaults to
            None, as the reference's classification.
        **kwargs: The arguments of ``CheckedSingleTeacherDistill``.
    """

    def __init__(self,
                 augmenter: dict,
                 eps: float = 1e-6,
                 logit_clamp: Optional[float] = None,
                 **kwargs) -> None:
        super().__init__(
            augmenter=augmenter,
            augmenter_objective=TSTObjective(eps, logit_clamp),
            **kwargs)


@MODELS.register_module()
class DenseTSTDistill(ComposedDistill):
    """TST for detectors and segmentors (mmdet, mmseg):
    :class:`ComposedDistill` with an augmenter and
    :class:`~tstkd_plugin.algorithms.parts.DenseTSTObjective` (targets follow
    the augmentation; the task losses in the augmenter's objective).

    Args:
        augmenter (dict): Config of ``LearnableAugment`` (``geometry``
            defaults to ``'compose'``).
        regression_keys, regression_clip, min_box_size, ignore_index,
        teacher_loss_keys, eps: See ``DenseTSTObjective``.
        logit_clamp (float, optional): Defaults to 10, the reference's in
            detection and segmentation.
        **kwargs: The arguments of ``CheckedSingleTeacherDistill``.
    """

    default_objective = DenseTSTObjective

    def __init__(self,
                 augmenter: dict,
                 regression_keys: Sequence[str] = ('bbox', 'iou', 'reg'),
                 regression_clip: float = 1.0,
                 min_box_size: float = 2.0,
                 ignore_index: int = 255,
                 logit_clamp: Optional[float] = 10.0,
                 teacher_loss_keys: Optional[Sequence[str]] = None,
                 eps: float = 1e-6,
                 **kwargs) -> None:
        super().__init__(
            augmenter=augmenter,
            augmenter_objective=DenseTSTObjective(
                eps=eps,
                logit_clamp=logit_clamp,
                regression_keys=regression_keys,
                regression_clip=regression_clip,
                min_box_size=min_box_size,
                ignore_index=ignore_index,
                teacher_loss_keys=teacher_loss_keys),
            **kwargs)


@MODELS.register_module()
class SoKDDistill(ComposedDistill):
    """SoKD: student-oriented refinement of the teacher's knowledge:
    :class:`ComposedDistill` with
    :class:`~tstkd_plugin.algorithms.parts.SoKDPolicySearch`.

    The distiller is a ``SoKDDistiller`` on top of the host method's losses
    (whatever the distiller config has) and the optimizer a dict
    (``SoKDOptimWrapperConstructor``): ``architecture`` (student, adapters,
    DAMs) and ``feature_augment`` (the augmentation policies); switching
    SoKD on changes ``model.type``, the distiller's type and its SoKD keys,
    and the optimizer.

    Args:
        search_epochs, search_iters, search, unroll_lr: See
            ``SoKDPolicySearch``.
        **kwargs: The arguments of ``CheckedSingleTeacherDistill``.
    """

    def __init__(self,
                 search_epochs: Optional[int] = None,
                 search_iters: Optional[int] = None,
                 search: str = 'first_order',
                 unroll_lr: Optional[float] = None,
                 **kwargs) -> None:
        super().__init__(
            feature_search=SoKDPolicySearch(search_epochs, search_iters,
                                            search, unroll_lr),
            **kwargs)


@MODELS.register_module()
class TSTSoKDDistill(TSTDistill):
    """TST and SoKD switched on together, on top of the distiller's host
    losses (e.g. DIST): TST augments the inputs, SoKD the teacher's
    features. :class:`TSTDistill` (TST's augmenter and objective) with SoKD's
    policy search.

    - Augmenter phases (the TST train loops): TST's augmenter step,
      unchanged (SoKD is not involved, the objective is on the logits).
    - Student steps: TST's batch ``[augmented; original]`` goes through
      SoKD's step: the host's and SoKD's losses, the student (with adapters
      and DAMs) and, while searching, the feature policy stepping on the
      same backward pass. With ``search='unrolled'`` the virtual step is
      taken on the augmented half and the policy steps on the original
      half.

    Three optimizers (``SoKDOptimWrapperConstructor`` with the extra key
    ``augmenter``): ``architecture``, ``feature_augment``, ``augmenter``.

    Args:
        augmenter (dict): TST's augmenter (see :class:`TSTDistill`).
        search_epochs, search_iters, search, unroll_lr: SoKD's search
            (see ``SoKDPolicySearch``).
        **kwargs: The arguments of :class:`TSTDistill` (``eps``,
            ``logit_clamp``, ...).
    """

    def __init__(self,
                 augmenter: dict,
                 search_epochs: Optional[int] = None,
                 search_iters: Optional[int] = None,
                 search: str = 'first_order',
                 unroll_lr: Optional[float] = None,
                 **kwargs) -> None:
        super().__init__(
            augmenter=augmenter,
            feature_search=SoKDPolicySearch(search_epochs, search_iters,
                                            search, unroll_lr),
            **kwargs)


@MODELS.register_module()
class StudentRoIsDistill(ComposedDistill):
    """Two-stage detector distillation where the teacher scores the
    student's sampled RoIs: :class:`ComposedDistill` with
    :class:`~tstkd_plugin.algorithms.parts.StudentRoIs`.

    Args:
        student_rois_source (str): The student's RoI extractor, whose second
            input is the sampled RoIs. Defaults to
            ``'roi_head.bbox_roi_extractor'``.
        teacher_stages (Sequence[int], optional): The stages of a Cascade
            R-CNN teacher that score the RoIs. Defaults to None: every stage.
        **kwargs: The arguments of ``CheckedSingleTeacherDistill``.
    """

    def __init__(self,
                 student_rois_source: str = 'roi_head.bbox_roi_extractor',
                 teacher_stages: Optional[Sequence[int]] = None,
                 **kwargs) -> None:
        super().__init__(
            student_rois=StudentRoIs(student_rois_source, teacher_stages),
            **kwargs)


@MODELS.register_module()
class TSTStudentRoIsDistill(DenseTSTDistill):
    """TST for two-stage detectors whose distillation needs the teacher to
    score the student's RoIs: :class:`DenseTSTDistill` (TST's augmenter and
    ``DenseTSTObjective``) with ``StudentRoIs`` (as
    :class:`StudentRoIsDistill`).

    Args:
        augmenter (dict): Config of ``LearnableAugment``.
        student_rois_source, teacher_stages: As
            :class:`StudentRoIsDistill`'s.
        **kwargs: The arguments of :class:`DenseTSTDistill`.
    """

    def __init__(self,
                 augmenter: dict,
                 student_rois_source: str = 'roi_head.bbox_roi_extractor',
                 teacher_stages: Optional[Sequence[int]] = None,
                 **kwargs) -> None:
        super().__init__(
            augmenter=augmenter,
            student_rois=StudentRoIs(student_rois_source, teacher_stages),
            **kwargs)
