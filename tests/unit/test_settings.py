"""The functions' settings fail closed: a required variable missing or empty is named, never replaced by a value
of the local stack, and a setting only some functions have is refused where it is needed."""

from __future__ import annotations

import pytest
from clienteling.kernel.config import REQUIRED, Settings
from clienteling.kernel.errors import NotConfigured

from tests.conftest import FUNCTION_SETTINGS


def test_every_required_setting_is_given_in_the_template_environment() -> None:
    assert sorted(name.upper() for name in REQUIRED) == sorted(FUNCTION_SETTINGS)
    settings = Settings.from_environment(FUNCTION_SETTINGS)
    assert settings.public_base_url == "https://api.test.example"
    assert settings.max_body_bytes == 64 * 1024  # product defaults stay


@pytest.mark.parametrize("name", sorted(FUNCTION_SETTINGS))
def test_a_missing_required_setting_is_named_not_defaulted(name: str) -> None:
    # Given the template's environment without one variable
    environment = {k: v for k, v in FUNCTION_SETTINGS.items() if k != name}

    # When the settings are read
    with pytest.raises(NotConfigured) as refused:
        Settings.from_environment(environment)

    # Then the refusal names it, and only it
    assert refused.value.missing == (name,)
    assert refused.value.code == "not_configured"


def test_empty_is_missing_and_every_missing_one_is_named() -> None:
    # Given variables the template set to "" (a parameter left at its empty default) or to blanks
    environment = {**FUNCTION_SETTINGS, "TWILIO_ACCOUNT_SID": "", "EMAIL_SENDER": "  "}
    del environment["PUBLIC_BASE_URL"]

    with pytest.raises(NotConfigured) as refused:
        Settings.from_environment(environment)

    assert set(refused.value.missing) == {"TWILIO_ACCOUNT_SID", "EMAIL_SENDER", "PUBLIC_BASE_URL"}


def test_no_public_base_url_falls_back_to_the_local_stack() -> None:
    # The bug: a deployment without PUBLIC_BASE_URL signed links and checked webhooks against http://127.0.0.1:3000
    with pytest.raises(NotConfigured, match="not configured"):
        Settings.from_environment({k: v for k, v in FUNCTION_SETTINGS.items() if k != "PUBLIC_BASE_URL"})
    assert Settings.model_fields["public_base_url"].is_required()


def test_adyen_live_needs_its_endpoint_prefix() -> None:
    with pytest.raises(NotConfigured) as refused:
        Settings.from_environment({**FUNCTION_SETTINGS, "ADYEN_ENVIRONMENT": "live"})
    assert refused.value.missing == ("ADYEN_LIVE_ENDPOINT_PREFIX",)
    live = {**FUNCTION_SETTINGS, "ADYEN_ENVIRONMENT": "live", "ADYEN_LIVE_ENDPOINT_PREFIX": "1797a841fbb37ca7-Shop"}
    assert Settings.from_environment(live).adyen_live_endpoint_prefix == "1797a841fbb37ca7-Shop"


def test_a_value_that_is_not_valid_is_named() -> None:
    with pytest.raises(NotConfigured) as refused:
        Settings.from_environment({**FUNCTION_SETTINGS, "MAX_BODY_BYTES": "lots"})
    assert refused.value.missing == ("MAX_BODY_BYTES",)


def test_a_setting_some_functions_have_is_refused_where_it_is_needed() -> None:
    # Given a function deployed without the scheduler's settings (only the scheduling functions get them)
    settings = Settings.from_environment(FUNCTION_SETTINGS)

    # When a use case needs one
    # Then it is refused, named
    with pytest.raises(NotConfigured) as refused:
        settings.needed("scheduler_role_arn")
    assert refused.value.missing == ("SCHEDULER_ROLE_ARN",)
    configured = Settings.from_environment({**FUNCTION_SETTINGS, "SCHEDULER_ROLE_ARN": "arn:aws:iam::1:role/s"})
    assert configured.needed("scheduler_role_arn") == "arn:aws:iam::1:role/s"
