"""The business settings item. Access patterns AP-B1, AP-B2 of docs/data-model.md."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clienteling.directory.domain.settings import BusinessSettings, OptOutScope
from clienteling.kernel import keys, transactions
from clienteling.kernel.errors import StaleVersion
from clienteling.kernel.items import dt_or_none, to_int, when, without_none

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table


class SettingsRepository:
    def __init__(self, table: Table) -> None:
        self._table = table

    def get(self, _: str = "") -> BusinessSettings:
        """AP-B1: the business settings (defaults when never saved). 1 GetItem."""
        item: dict[str, Any] | None = self._table.get_item(Key=keys.business_settings()).get("Item")
        if not item:
            return BusinessSettings()
        defaults = BusinessSettings()
        return BusinessSettings(
            brand_name=item.get("brand_name"),
            opt_out_scope=OptOutScope(item.get("opt_out_scope", defaults.opt_out_scope.value)),
            archive_after_inactive_months=to_int(
                item.get("archive_after_inactive_months", defaults.archive_after_inactive_months)
            ),
            archive_after_opt_out_days=to_int(
                item.get("archive_after_opt_out_days", defaults.archive_after_opt_out_days)
            ),
            archive_after_unanswered_opt_in_days=to_int(
                item.get("archive_after_unanswered_opt_in_days", defaults.archive_after_unanswered_opt_in_days)
            ),
            marketing_frequency_cap=to_int(item.get("marketing_frequency_cap", defaults.marketing_frequency_cap)),
            marketing_frequency_days=to_int(item.get("marketing_frequency_days", defaults.marketing_frequency_days)),
            version=to_int(item["version"]),
            updated_at=dt_or_none(item.get("updated_at")),
        )

    def save(self, settings: BusinessSettings, *, previous_version: int) -> None:
        """AP-B2: save if nobody saved since `previous_version`. 1 TransactWriteItems."""
        item: dict[str, Any] = without_none(
            {
                **keys.business_settings(),
                "entity": "business_settings",
                "brand_name": settings.brand_name,
                "opt_out_scope": settings.opt_out_scope.value,
                "archive_after_inactive_months": settings.archive_after_inactive_months,
                "archive_after_opt_out_days": settings.archive_after_opt_out_days,
                "archive_after_unanswered_opt_in_days": settings.archive_after_unanswered_opt_in_days,
                "marketing_frequency_cap": settings.marketing_frequency_cap,
                "marketing_frequency_days": settings.marketing_frequency_days,
                "version": settings.version,
                "updated_at": when(settings.updated_at) if settings.updated_at else None,
            }
        )
        condition = "attribute_not_exists(PK)" if previous_version == 0 else "version = :v"
        values = None if previous_version == 0 else {":v": previous_version}
        transactions.transact(
            self._table, [transactions.put(self._table, item, condition=condition, values=values, error=StaleVersion())]
        )
