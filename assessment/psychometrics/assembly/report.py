"""What an assembly run hands back: the forms, their distance to the target, overlap and use."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assessment.psychometrics.assembly.bank import AssemblyBank, IntArray, TargetInformation
from assessment.psychometrics.cat.constraints import ConstraintIssue
from assessment.psychometrics.models import FloatArray


@dataclass(frozen=True, eq=False)
class AssembledForm:
    """One form: its items (bank indices, ascending), its information and its distance to the target."""

    items: IntArray
    item_ids: tuple[str, ...]
    information: FloatArray  # at the target thetas
    max_relative_deviation: float  # max over thetas of |I - T| / T
    rmsd: float  # root mean squared I - T over the thetas, in information units
    within_tolerance: bool  # max_relative_deviation <= the run's tolerance


@dataclass(frozen=True, eq=False)
class AssemblyReport:
    """The forms, how far each is from the target, and what the run could not meet."""

    forms: tuple[AssembledForm, ...]
    target: TargetInformation
    tolerance: float
    shared_items: IntArray  # (forms, forms): items each pair of forms has in common, 0 on the diagonal
    max_overlap: float  # the largest shared fraction of a form observed between two forms
    use_counts: IntArray  # per bank item: in how many forms it appears
    excluded_for_exposure: IntArray  # items above the exposure ceiling, with their unit mates
    issues: tuple[ConstraintIssue, ...]  # soft goals not met (information off target)


def build_report(
    bank: AssemblyBank,
    target: TargetInformation,
    items: Sequence[IntArray],
    information: Sequence[FloatArray],
    tolerance: float,
    excluded: IntArray,
) -> AssemblyReport:
    """Measure the assembled forms against the target and against each other."""
    membership = np.zeros((len(items), bank.size), dtype=np.intp)
    forms = []
    for index, (chosen, info) in enumerate(zip(items, information, strict=True)):
        membership[index, chosen] = 1
        deviation = info - target.values
        worst = float(np.max(np.abs(deviation) / target.values))
        rmsd = float(np.sqrt(np.mean(deviation**2)))
        ids = tuple(bank.ids[i] for i in chosen)
        forms.append(AssembledForm(chosen, ids, info, worst, rmsd, worst <= tolerance))
    shared = membership @ membership.T
    np.fill_diagonal(shared, 0)
    off = [
        f"form {i + 1} ({form.max_relative_deviation:.1%})" for i, form in enumerate(forms) if not form.within_tolerance
    ]
    issues: tuple[ConstraintIssue, ...] = ()
    if off:
        message = f"{len(off)} forms deviate from the target information by more than {tolerance:.0%}: {', '.join(off)}"
        issues = (ConstraintIssue("information_off_target", message),)
    length = int(membership[0].sum())
    return AssemblyReport(
        tuple(forms),
        target,
        tolerance,
        shared,
        float(shared.max()) / length,
        membership.sum(axis=0),
        excluded,
        issues,
    )
