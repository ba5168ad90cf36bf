# Copyright (c) tstkd_plugin contributors.
"""What decides which step runs now, for TST and SoKD alike: the student's
epoch or iteration."""
from mmengine.logging import MessageHub


def student_counter(unit: str) -> int:
    """The student's current epoch or iteration (``unit``: ``'epoch'`` or
    ``'iter'``), as mmengine's ``RuntimeInfoHook`` publishes the train
    loop's counters in the message hub, before an epoch's (an iteration's)
    other hooks run. TST's augmenter phases run before the student epochs
    (iterations) of their schedule; SoKD's policy is searched while the
    counter is below its search length. Augmenter steps do not move it, and
    a resumed run continues it."""
    return MessageHub.get_current_instance().runtime_info.get(unit, 0)
