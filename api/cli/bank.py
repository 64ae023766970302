"""``levelpath bank calibrate``: re-estimate the bank's item parameters from stored answers."""

from __future__ import annotations

import click

from api.cli.app_commands import _domain_errors_as_click_errors, _session

CALIBRATION_ACCOUNT = "levelpath-calibration"


@click.group()
def bank() -> None:
    """The item bank as a whole."""


@bank.command("calibrate")
@click.option("--model", type=click.Choice(["rasch", "1pl", "2pl", "3pl"]), default="2pl", show_default=True)
@click.option("--min-responses", type=click.IntRange(20, None), default=200, show_default=True,
              help="Items with fewer right/wrong answers keep their parameters.")
@_domain_errors_as_click_errors
def calibrate_command(model: str, min_responses: int) -> None:
    """Estimate items from candidates' answers; calibrated items anchor the scale, provisional ones are replaced."""
    from assessment.bank_calibration import calibrate_bank
    from core.accounts import Role
    from core.accounts.services import ensure_service_account

    with _session() as session:
        account = ensure_service_account(session, username=CALIBRATION_ACCOUNT, roles=[Role.TEST_ADMIN],
                                         full_name="LevelPath calibration")
        outcome = calibrate_bank(session, actor=account.as_actor(), model=model, min_responses=min_responses)
    click.echo(f"{model}: {outcome.estimated} items estimated, {outcome.anchors} anchors held fixed, "
               f"{outcome.responses} answers used{'' if outcome.converged else ' (EM did not converge)'}")
    for version, reason in sorted(outcome.skipped.items()):
        click.echo(f"  item version {version} not estimated: {reason}")
