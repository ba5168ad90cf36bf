# Copyright (c) tstkd_plugin contributors.
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional, Tuple, Union

import torch
from mmrazor.models import ConfigurableDistiller
from torch import nn

from ..engine.float32 import autocast_off, to_float32
from ..modules.distinctive_area_detector import activation_energy
from ..registry import MODELS
from ..utils.distill_config_checks import build_named

PAIR_KEYS = ('student_recorder', 'teacher_recorder', 'channels')
HOST_MODES = ('replace', 'emphasis')


@MODELS.register_module()
class SoKDDistiller(ConfigurableDistiller):
    """mmrazor's ``ConfigurableDistiller`` plus SoKD on feature pairs.

    The config's own losses (vanilla KD, ``DISTKDLoss``, ...) are computed as
    usual; for every pair in ``sokd_pairs`` it adds, per feature level:

    - the teacher feature ``F_t`` (no gradient) augmented by the pair's
      learnable ``FeatureAugment``: ``F~_t``;
    - the student feature through the pair's adapter (a connector of this
      distiller, e.g. mmrazor's ``ConvModuleConnector``): ``F_s'``;
    - the pair's DAM on both: ``loss_sokd_dam`` (mutual interest, MSE of the
      two outputs) and ``loss_sokd_heatmap`` (the DAM's heatmap on the
      un-augmented ``F_t`` against the teacher's activation energy; this is
      what keeps the DAM from collapsing);
    - ``loss_sokd_feat``: ``loss_feat`` (``MaskedMSELoss``) between ``F_s'``
      and ``F~_t`` inside the mask of the student's DAM peaks.

    A pair with ``host_loss`` (the name of one of ``distill_losses``, a
    feature loss such as FitNet's ``L2Loss`` or ``ATLoss`` taking a student
    and a teacher feature) refines that loss instead of adding
    ``loss_sokd_feat``, as the paper does: the host loss is computed on
    ``(F_s' * M, F~_t * M)``, the augmented teacher feature and the mask of
    the student's DAM peaks applied to both, under its own name and weight.
    The pair's recorders, connector and indices default to those of the host
    loss's forward mapping. Scale: with ``L2Loss(div_element=True,
    loss_weight=w)`` the refined loss is ``w * mean((F_s' M - F~_t M)^2)``
    over all B*C*H*W elements, the reference's masked hint loss exactly when
    ``w = 1000`` (its mask summed the boxes; ours is their union, the same
    where boxes do not overlap). ``MaskedMSELoss`` instead averages over the
    mask (area fraction ``a``): per element its gradient equals the
    reference's with weight 1000 when its ``loss_weight`` is ``1000 * a``.

    A pair with ``host_mode='emphasis'`` keeps its host loss as it is (the
    full map, the un-augmented teacher: the host's own gradient) and adds
    ``loss_sokd_feat`` on top: ``loss_feat`` between the host's adapted
    student feature and the augmented teacher feature inside the DAM's mask,
    i.e. extra weight on the regions both networks attend to. The DAM then
    reads the student's adapted feature detached, so with ``loss_feat``'s
    weight at 0 the student trains exactly as under its host. A host without
    a connector (AT) needs the pair's own ``connector`` for the DAM and the
    masked term. ``host_mode='replace'`` (default) is the reference's.

    A host whose two features are sequences of levels (ReviewKD's
    ``HCLLoss`` on an ``ABFConnector``'s output and a ``MultiLevel``
    recorder's tuple) is refined level by level: a pair with ``host_level``
    ``i`` (and the level's ``channels``) masks the student's level ``i`` and
    replaces the teacher's by its augmented, masked copy; the levels no pair
    names (e.g. the pooled 1x1 one) stay as they are, and the host loss is
    computed once on the two sequences.

    The augmentation policies live in :attr:`feature_augments` (one per
    pair), so ``SoKDOptimWrapperConstructor`` can give them their own
    optimizer; ``SoKDDistill`` decides when that optimizer steps. The mask
    area (the fraction of the map inside a box) is logged as
    ``sokd_mask_area``, and the share of the adapted student feature's
    elements that are exactly 0 as ``sokd_adapter_zero``: an adapter ending
    in a ReLU that a large loss weight has killed outputs ~1 (the
    reference's x1000 hint: 0.7-0.99).

    Args:
        sokd_pairs (dict[str, dict]): Name -> pair. A pair has
            ``student_recorder`` and ``teacher_recorder`` (names in this
            distiller's recorders), ``channels`` (the teacher feature's
            channels), optional ``connector`` (the adapter's name in
            ``connectors``; the student feature is used as is without one),
            optional ``data_idx`` (int or list of ints: which items of a
            recorded tuple, e.g. FPN levels; one augmentation and DAM is
            shared by the levels), optional ``record_idx`` (default 0),
            optional ``host_loss`` (see above; the recorders, connector and
            indices then default to the host loss's mapping) and optional
            ``dam`` (keys overriding ``dam`` for this pair, e.g. its
            ``feat_channels``), optional ``host_level`` (see below) and
            optional ``host_mode`` (``'replace'`` or ``'emphasis'``, see
            above; with ``host_loss`` only).
        feature_augment (dict): Config of each pair's ``FeatureAugment``.
        dam (dict): Config of each pair's DAM without ``in_channels``
            (taken from the pair's ``channels``): ``DistinctiveAreaDetector``,
            or ``ReferenceAreaDetector`` for SoKD as the reference's code
            (its mask sums the boxes, so the masked features weigh
            overlapping boxes twice).
        loss_feat (dict): The masked feature loss. Defaults to
            ``MaskedMSELoss`` with weight 1.
        loss_dam_weight (float): Weight of ``loss_sokd_dam``. Defaults to 1.
        loss_heatmap_weight (float): Weight of ``loss_sokd_heatmap``; at 0
            the term is not computed (it must be 0 for a DAM without a
            heatmap target, ``ReferenceAreaDetector``). Defaults to 1.
        sokd_connectors (dict[str, dict], optional): Adapters only SoKD uses
            (name -> connector config), added to ``connectors`` for its
            pairs: the DAM and the masked term of a host that has none (AT
            compares attention maps of features with different channels).
        keep_host_init (bool): Build the augmentations, DAMs and
            ``sokd_connectors`` on a forked
            random stream, so that the student, initialised after the whole
            model is built, starts from the weights it has under its host
            config (the same seed): SoKD and its host are then compared
            paired, not across two initialisations. Defaults to False (the
            runs measured before it existed).
        **kwargs: The arguments of ``ConfigurableDistiller``.
    """

    def __init__(self,
                 sokd_pairs: Dict[str, dict],
                 feature_augment: dict = dict(type='FeatureAugment'),
                 dam: dict = dict(type='DistinctiveAreaDetector'),
                 loss_feat: dict = dict(type='MaskedMSELoss'),
                 loss_dam_weight: float = 1.0,
                 loss_heatmap_weight: float = 1.0,
                 sokd_connectors: Optional[Dict[str, dict]] = None,
                 keep_host_init: bool = False,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        with torch.random.fork_rng(devices=[], enabled=keep_host_init):
            self._add_connectors(sokd_connectors or {})
            self.sokd_pairs = self._check_pairs(sokd_pairs)
            self._build_parts(feature_augment, dam)
        self.loss_feat = build_named(loss_feat, 'model.distiller.loss_feat')
        self.loss_dam_weight = loss_dam_weight
        self.loss_heatmap_weight = loss_heatmap_weight
        # False only inside augmentation_off()
        self.augmenting = True
        untargeted = [
            name for name, dam in self.dams.items()
            if not dam.has_heatmap_target
        ]
        if loss_heatmap_weight and untargeted:
            raise ValueError(
                'model.distiller.loss_heatmap_weight: expected 0, the DAMs '
                f'of the pairs {untargeted} have no heatmap target; got '
                f'{loss_heatmap_weight}')

    def _add_connectors(self, connectors: Dict[str, dict]) -> None:
        """SoKD's own adapters, added to :attr:`connectors`."""
        if not isinstance(connectors, dict):
            raise ValueError('model.distiller.sokd_connectors: expected a '
                             f'dict name -> connector, got {connectors!r}')
        for name, cfg in connectors.items():
            if name in self.connectors:
                raise ValueError(
                    f'model.distiller.sokd_connectors.{name}: the name is '
                    'already in model.distiller.connectors')
            self.connectors[name] = build_named(
                cfg, f'model.distiller.sokd_connectors.{name}')

    def _build_parts(self, feature_augment: dict, dam: dict) -> None:
        """Each pair's ``FeatureAugment`` and DAM."""
        self.feature_augments = nn.ModuleDict({
            name:
            build_named(feature_augment, 'model.distiller.feature_augment')
            for name in self.sokd_pairs
        })
        self.dams = nn.ModuleDict({
            name:
            build_named(
                {
                    **dam,
                    **pair.get('dam', {}), 'in_channels': pair['channels']
                }, f'model.distiller.sokd_pairs.{name}.dam'
                if 'dam' in pair else 'model.distiller.dam')
            for name, pair in self.sokd_pairs.items()
        })

    def _check_pairs(self, pairs: Dict[str, dict]) -> Dict[str, dict]:
        if not isinstance(pairs, dict) or not pairs:
            raise ValueError(
                'model.distiller.sokd_pairs: expected a non-empty '
                f'dict name -> pair, got {pairs!r}')
        checked = {}
        for name, pair in pairs.items():
            key = f'model.distiller.sokd_pairs.{name}'
            mode = pair.get('host_mode', 'replace')
            if mode not in HOST_MODES:
                raise ValueError(f'{key}.host_mode: expected one of '
                                 f'{list(HOST_MODES)}, got {mode!r}')
            if pair.get('host_loss') is not None:
                pair = self._with_host_mapping(pair, key)
            elif 'host_mode' in pair:
                raise ValueError(f'{key}.host_mode: set host_loss too (the '
                                 'host loss it refines or emphasises)')
            if mode == 'emphasis' and 'host_level' in pair:
                raise ValueError(
                    f'{key}.host_mode: emphasis is for hosts of one feature '
                    'per side; a multi-level host (host_level) is refined '
                    "with host_mode='replace'")
            missing = [k for k in PAIR_KEYS if k not in pair]
            if missing:
                raise ValueError(f'{key}: missing {missing}; a pair needs '
                                 f'{list(PAIR_KEYS)}')
            for side, recorders in (('student', self.student_recorders),
                                    ('teacher', self.teacher_recorders)):
                recorder = pair[f'{side}_recorder']
                if recorder not in recorders.recorders:
                    raise ValueError(
                        f'{key}.{side}_recorder: {recorder!r} is not in '
                        f'model.distiller.{side}_recorders '
                        f'{list(recorders.recorders)}')
            connector = pair.get('connector')
            if connector is not None and connector not in self.connectors:
                raise ValueError(f'{key}.connector: {connector!r} is not in '
                                 f'model.distiller.connectors '
                                 f'{list(self.connectors)}')
            if not isinstance(pair.get('dam', {}), dict):
                raise ValueError(f'{key}.dam: expected a dict of DAM keys, '
                                 f'got {pair["dam"]!r}')
            data_idx = pair.get('data_idx')
            if 'host_level' in pair:
                self._check_host_level(pair, key)
            levels = data_idx if isinstance(data_idx, (list, tuple)) else \
                [data_idx]
            checked[name] = dict(pair, levels=list(levels), host_mode=mode)
        self._check_tuple_hosts(checked)
        return checked

    @staticmethod
    def _check_host_level(pair: dict, key: str) -> None:
        level = pair['host_level']
        if pair.get('host_loss') is None:
            raise ValueError(f'{key}.host_level: set host_loss too (the '
                             'multi-level host whose level it refines)')
        if isinstance(level, bool) or not isinstance(level, int) or level < 0:
            raise ValueError(f'{key}.host_level: expected an index >= 0 into '
                             f'the host\'s levels, got {level!r}')
        if pair.get('data_idx') is not None:
            raise ValueError(
                f'{key}.host_level: the host reads data_idx='
                f'{pair["data_idx"]!r}, one item, not the sequence of levels '
                'host_level indexes')

    @staticmethod
    def _check_tuple_hosts(pairs: Dict[str, dict]) -> None:
        """The pairs refining levels of one multi-level host read the same
        records and refine different levels, and no other pair refines it
        whole."""
        by_host: Dict[str, List[str]] = {}
        for name, pair in pairs.items():
            if pair.get('host_loss') is not None:
                by_host.setdefault(pair['host_loss'], []).append(name)
        for host, names in by_host.items():
            leveled = [n for n in names if 'host_level' in pairs[n]]
            if not leveled:
                continue
            if len(leveled) != len(names):
                raise ValueError(
                    f'model.distiller.sokd_pairs: {sorted(names)} all refine '
                    f'{host!r}; give each of them a host_level, or none')
            reads = {
                n:
                tuple(pairs[n].get(k)
                      for k in ('student_recorder', 'teacher_recorder',
                                'connector', 'record_idx'))
                for n in leveled
            }
            if len(set(reads.values())) > 1:
                raise ValueError(
                    f'model.distiller.sokd_pairs: {sorted(leveled)} refine '
                    f'levels of {host!r} but read different recorders, '
                    f'connectors or record_idx: {reads}')
            levels = [pairs[n]['host_level'] for n in leveled]
            if len(set(levels)) != len(levels):
                raise ValueError(
                    f'model.distiller.sokd_pairs: {sorted(leveled)} refine '
                    f'{host!r} at the levels {levels}; one pair per level')

    def _with_host_mapping(self, pair: dict, key: str) -> dict:
        """The pair completed from its host loss's forward mapping: one
        student and one teacher input, whose recorder, connector and indices
        the pair takes unless it sets them."""
        host = pair['host_loss']
        if host not in self.distill_losses:
            raise ValueError(f'{key}.host_loss: {host!r} is not in '
                             'model.distiller.distill_losses '
                             f'{list(self.distill_losses)}')
        mapping = self.loss_forward_mappings[host]
        sides = {
            flag:
            [k for k, r in mapping.items() if r.get('from_student') is flag]
            for flag in (True, False)
        }
        if len(mapping) != 2 or any(len(v) != 1 for v in sides.values()):
            raise ValueError(
                f'{key}.host_loss: {host!r} must take one student and one '
                'teacher feature (model.distiller.loss_forward_mappings.'
                f'{host}); got {sorted(mapping)}')
        student, teacher = mapping[sides[True][0]], mapping[sides[False][0]]
        # pair_features reads both sides at the student's indices and puts
        # no connector on the teacher's feature
        for index, default in (('record_idx', 0), ('data_idx', None)):
            if student.get(index, default) != teacher.get(index, default):
                raise ValueError(
                    f'{key}.host_loss: {host!r} reads the student at '
                    f'{index}={student.get(index, default)!r} and the '
                    f'teacher at {teacher.get(index, default)!r}; SoKD '
                    'refines a host whose two features share their indices')
        if teacher.get('connector') is not None and \
                pair.get('host_mode', 'replace') == 'replace':
            raise ValueError(
                f'{key}.host_loss: {host!r} puts the connector '
                f'{teacher["connector"]!r} on the teacher feature; SoKD '
                'augments the raw teacher feature (connect the student)')
        derived = dict(
            student_recorder=student['recorder'],
            teacher_recorder=teacher['recorder'],
            connector=student.get('connector'),
            record_idx=student.get('record_idx', 0),
            data_idx=student.get('data_idx'),
            host_keys=(sides[True][0], sides[False][0]))
        return dict(derived, **pair)

    @contextmanager
    def augmentation_off(self) -> Iterator[None]:
        """Every pair's teacher feature un-augmented inside the block (the
        reference's validation loss of its unrolled search)."""
        self.augmenting = False
        try:
            yield
        finally:
            self.augmenting = True

    def pair_features(self, pair: dict,
                      level: Optional[int]) -> List[torch.Tensor]:
        """The recorded student feature through the pair's connector and
        the teacher feature (detached) at one level of a pair."""
        record_idx = pair.get('record_idx', 0)
        student = self.get_record(pair['student_recorder'], True, record_idx,
                                  level, pair.get('connector'))
        teacher = self.get_record(pair['teacher_recorder'], False, record_idx,
                                  level)
        if student.shape != teacher.shape:
            raise ValueError(
                'model.distiller.sokd_pairs: the student feature (through '
                f'the connector {pair.get("connector")!r}) has shape '
                f'{tuple(student.shape)}, the teacher feature '
                f'{tuple(teacher.shape)}; they must match')
        return [student, teacher.detach()]

    def _tuple_host_levels(self, host: str, names: List[str]) -> tuple:
        """The student levels (through the connector) and the teacher levels
        (detached) of a host whose features are sequences."""
        pair = self.sokd_pairs[names[0]]
        student = self.get_record(pair['student_recorder'], True,
                                  pair['record_idx'], None,
                                  pair.get('connector'))
        teacher = self.get_record(pair['teacher_recorder'], False,
                                  pair['record_idx'])
        key = f'model.distiller.sokd_pairs.{names[0]}'
        if not (isinstance(student, (list, tuple))
                and isinstance(teacher, (list, tuple))):
            raise ValueError(
                f'{key}.host_level: the host {host!r} takes one feature per '
                'side, not a sequence of levels; drop host_level')
        for name in names:
            level = self.sokd_pairs[name]['host_level']
            if level >= min(len(student), len(teacher)):
                raise ValueError(
                    f'model.distiller.sokd_pairs.{name}.host_level: {level} '
                    f'is past the host {host!r}\'s {len(student)} student '
                    f'and {len(teacher)} teacher levels')
            if student[level].shape != teacher[level].shape:
                raise ValueError(
                    f'model.distiller.sokd_pairs.{name}: level {level} of '
                    f'the host {host!r} has student shape '
                    f'{tuple(student[level].shape)} and teacher shape '
                    f'{tuple(teacher[level].shape)}; they must match')
        return list(student), [t.detach() for t in teacher]

    def refine_level(
        self, name: str, student: torch.Tensor, teacher: torch.Tensor
    ) -> Tuple[torch.Tensor, torch.Tensor, Dict[str, torch.Tensor]]:
        """One level of pair ``name``: the teacher feature augmented by the
        pair's policy, the DAM's mask of the regions both networks attend
        to, and the DAM's terms. In float32 under AMP too (the DAM and the
        feature operations are the plugin's own, and small).

        Returns:
            tuple: The mask (B, 1, H, W), the augmented teacher feature and
            the terms ``dam`` (consistency), ``heatmap``, ``area`` (the
            mask's mean) and ``zero`` (the share of the student feature's
            elements that are exactly 0), the last two detached.
        """
        augment, dam = self.feature_augments[name], self.dams[name]
        emphasis = self.sokd_pairs[name]['host_mode'] == 'emphasis'
        with autocast_off():
            student, teacher = to_float32((student, teacher))
            augmented = augment(teacher, bypass=not self.augmenting)
            # emphasis: the DAM's terms do not reach the student
            out_s = dam(student.detach() if emphasis else student)
            out_t = dam(augmented)
            mask = dam.regions(out_s)
            # the heatmap's target; none in the reference (weight 0)
            heatmap = dam.heatmap_loss(
                dam(teacher), activation_energy(teacher)
            ) if self.loss_heatmap_weight else student.new_zeros(())
            terms = dict(
                dam=dam.consistency_loss(out_s, out_t),
                heatmap=heatmap,
                area=(mask > 0).float().mean(),
                zero=(student.detach() == 0).float().mean())
        return mask, augmented, terms

    def host_losses(self) -> Dict[str, torch.Tensor]:
        """The host's losses as mmrazor's distiller computes them, but for
        those SoKD replaces (computed on the refined features instead)."""
        refined = {
            p.get('host_loss')
            for p in self.sokd_pairs.values() if p['host_mode'] == 'replace'
        }
        losses = dict()
        for name, mappings in self.loss_forward_mappings.items():
            if name in refined:
                continue
            losses[name] = self.distill_losses[name](
                **{
                    key: self.get_record(**record)
                    for key, record in mappings.items()
                })
        return losses

    def compute_distill_losses(self) -> Dict[str, Union[torch.Tensor, float]]:
        losses = self.host_losses()
        # one entry per refined level
        feats: List[torch.Tensor] = []
        dams: List[torch.Tensor] = []
        heats: List[torch.Tensor] = []
        areas: List[torch.Tensor] = []
        zeros: List[torch.Tensor] = []

        def refine(name: str, student: torch.Tensor,
                   teacher: torch.Tensor) -> tuple:
            """:meth:`refine_level`, its DAM terms collected."""
            mask, augmented, terms = self.refine_level(name, student, teacher)
            dams.append(terms['dam'])
            heats.append(terms['heatmap'])
            areas.append(terms['area'])
            zeros.append(terms['zero'])
            return mask, augmented

        tuple_hosts: Dict[str, List[str]] = {}
        for name, pair in self.sokd_pairs.items():
            host = pair.get('host_loss')
            if 'host_level' in pair:
                tuple_hosts.setdefault(host, []).append(name)
                continue
            for level in pair['levels']:
                student, teacher = self.pair_features(pair, level)
                mask, augmented = refine(name, student, teacher)
                if host is not None and pair['host_mode'] == 'replace':
                    s_key, t_key = pair['host_keys']
                    value = self.distill_losses[host](**{
                        s_key: student * mask,
                        t_key: augmented * mask
                    }) / len(pair['levels'])
                    losses[host] = losses.get(host, 0.) + value
                else:
                    feats.append(self.loss_feat(student, augmented, mask))
        for host, names in tuple_hosts.items():
            # a multi-level host (ReviewKD's HCLLoss): each pair refines its
            # level in place, the others are left as they are
            student, teacher = self._tuple_host_levels(host, names)
            for name in names:
                level = self.sokd_pairs[name]['host_level']
                mask, augmented = refine(name, student[level], teacher[level])
                student[level] = student[level] * mask
                teacher[level] = augmented * mask
            s_key, t_key = self.sokd_pairs[names[0]]['host_keys']
            losses[host] = self.distill_losses[host](**{
                s_key: tuple(student),
                t_key: tuple(teacher)
            })
        if feats:
            losses['loss_sokd_feat'] = sum(feats) / len(feats)
        losses.update(
            loss_sokd_dam=self.loss_dam_weight * sum(dams) / len(dams),
            loss_sokd_heatmap=self.loss_heatmap_weight * sum(heats) /
            len(heats),
            sokd_mask_area=sum(areas) / len(areas),
            sokd_adapter_zero=sum(zeros) / len(zeros))
        return losses
