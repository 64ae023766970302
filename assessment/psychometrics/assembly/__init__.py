"""Automatic assembly of parallel fixed forms from a blueprint and a target information curve.

::

    bank = AssemblyBank(ids, a, b, c, skill, level, item_type, unit, exposure, enemies)
    blueprint = FormBlueprint.of({("reading", 4, None): 20, ...}, units={"reading": 4})
    target = TargetInformation.mean_of_bank(bank, blueprint, thetas=[-2, -1, 0, 1, 2])
    report = assemble_forms(bank, blueprint, target, 70, max_overlap=0.25, seed=1)
"""

from assessment.psychometrics.assembly.bank import AssemblyBank, BlueprintCell, FormBlueprint, TargetInformation
from assessment.psychometrics.assembly.forms import assemble_forms
from assessment.psychometrics.assembly.report import AssembledForm, AssemblyReport
from assessment.psychometrics.cat.constraints import InfeasibleConstraint

__all__ = [
    "AssembledForm",
    "AssemblyBank",
    "AssemblyReport",
    "BlueprintCell",
    "FormBlueprint",
    "InfeasibleConstraint",
    "TargetInformation",
    "assemble_forms",
]
