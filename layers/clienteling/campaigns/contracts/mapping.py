"""Campaigns from the domain to the wire."""

from __future__ import annotations

from clienteling.campaigns.contracts.campaigns import AudienceOut, CampaignOut, CampaignStatsOut
from clienteling.campaigns.domain.audience import AudienceFilter
from clienteling.campaigns.domain.campaigns import Campaign, CampaignStats


def audience_out(audience: AudienceFilter) -> AudienceOut:
    return AudienceOut(
        tags=list(audience.tags),
        genders=list(audience.genders),
        min_age=audience.min_age,
        max_age=audience.max_age,
        postal_code_prefixes=list(audience.postal_code_prefixes),
        purchased_skus=list(audience.purchased_skus),
        purchased_categories=list(audience.purchased_categories),
        purchased_within_months=audience.purchased_within_months,
        inactive_months=audience.inactive_months,
        pet_species=list(audience.pet_species),
        pet_birth_month=audience.pet_birth_month,
        birth_month=audience.birth_month,
        custom_attributes=dict(audience.attributes),
    )


def stats_out(campaign: Campaign, stats: CampaignStats | None) -> CampaignStatsOut:
    stats = stats or CampaignStats(recipients=campaign.recipients)
    return CampaignStatsOut(
        recipients=campaign.recipients,
        sent=stats.sent,
        delivered=stats.delivered,
        failed=stats.failed,
        skipped=stats.skipped,
        opted_out=stats.opted_out,
        replies=stats.replies,
        orders=stats.orders,
        revenue=dict(stats.revenue),
        segments=stats.segments,
        excluded=dict(campaign.excluded),
    )


def campaign_out(campaign: Campaign, stats: CampaignStats | None) -> CampaignOut:
    return CampaignOut(
        id=campaign.id,
        name=campaign.name,
        channel=campaign.channel,
        store_id=campaign.store_id,
        audience=audience_out(campaign.audience),
        content=dict(campaign.bodies),
        subject=dict(campaign.subjects) or None,
        send_at=campaign.send_at,
        status=campaign.status,
        credits_reserved=campaign.credits_reserved,
        stats=stats_out(campaign, stats) if stats is not None else None,
        failure_reason=campaign.failure_reason,
        created_by=campaign.created_by,
        version=campaign.version,
        created_at=campaign.created_at,
        updated_at=campaign.updated_at,
        scheduled_at=campaign.scheduled_at,
        started_at=campaign.started_at,
        completed_at=campaign.completed_at,
    )
