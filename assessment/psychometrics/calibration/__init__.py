"""Item calibration by marginal maximum likelihood (Bock-Aitkin EM) on sparse response data.

Typical use, from stored (person, item, score) rows::

    data = ResponseData.from_long(person_ids, item_ids, scores)
    result = calibrate(data, "2pl", anchors={"item-17": ItemParameters(a=1.2, b=0.3)})
    for item in result.items: ...  # item_id, a, b, c, se_a, se_b, se_c, n, fit_x2, fit_df, fit_p

Layout: ``data`` (the long-form container and its indicator matrices), ``quadrature`` (grid,
population, priors), ``em`` (E-step and the EM loop), ``dichotomous`` and ``gpcm`` (start values
and M-steps), ``standard_errors``, ``fit``, and ``mml`` (the entry point).
"""

from assessment.psychometrics.calibration.data import ResponseData
from assessment.psychometrics.calibration.errors import CalibrationError, InvalidResponses, ItemsNotEstimable
from assessment.psychometrics.calibration.mml import (
    MODELS,
    CalibratedItem,
    CalibrationResult,
    ItemParameters,
    calibrate,
)
from assessment.psychometrics.calibration.quadrature import Population, Priors, Quadrature

__all__ = [
    "MODELS",
    "CalibratedItem",
    "CalibrationError",
    "CalibrationResult",
    "InvalidResponses",
    "ItemParameters",
    "ItemsNotEstimable",
    "Population",
    "Priors",
    "Quadrature",
    "ResponseData",
    "calibrate",
]
