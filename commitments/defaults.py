"""Reference data every installation has: the default sector taxonomy and the two groups.

Written against a model registry passed in, so the data migrations and `bootstrap` share
one definition (migrations must use historical models).
"""

from __future__ import annotations

from typing import Any

# (slug, name, parent slug) in display order; PRODUCT.md fixes the slugs.
DEFAULT_SECTORS: tuple[tuple[str, str, str | None], ...] = (
    ("space-transportation", "Space transportation", None),
    ("space-infrastructure", "Space infrastructure", None),
    ("earth-observation", "Earth observation", "space-infrastructure"),
    ("satellite-communications", "Satellite communications", "space-infrastructure"),
    ("satellite-navigation", "Satellite navigation", "space-infrastructure"),
    ("human-spaceflight", "Human spaceflight", None),
    ("deep-space-exploration", "Deep space exploration", None),
    ("launch-and-ttc", "Launch sites and TT&C", None),
    ("new-technologies", "New technologies", None),
    ("space-environment", "Space environment", None),
    ("space-applications", "Space applications", None),
    ("space-science", "Space science", None),
    ("governance", "Governance and law", None),
    ("international-cooperation", "International cooperation", None),
)

_READ_ALL = [
    f"commitments.view_{model}"
    for model in (
        "document",
        "section",
        "sector",
        "commitment",
        "commitmentsector",
        "evidence",
        "review",
        "reviewcitation",
        "reminder",
    )
]

# Everyone keeps their own API tokens (services.issue_api_token: only for themselves).
_OWN_TOKENS = ["commitments.view_apitoken", "commitments.add_apitoken", "commitments.change_apitoken"]

# Analysts and leads triage the evidence the public suggests (accept or reject: a change); a lead may
# also delete spam. No one adds one in the admin: they come from the public pages.
_TRIAGE = ["commitments.view_evidencesuggestion", "commitments.change_evidencesuggestion"]

# Analysts record reviews and curate evidence; leads also run the catalogue and assign work.
GROUP_PERMISSIONS: dict[str, list[str]] = {
    "analyst": [
        *_READ_ALL,
        "commitments.change_commitment",
        "commitments.add_review",
        "commitments.add_evidence",
        "commitments.change_evidence",
        *_TRIAGE,
        *_OWN_TOKENS,
    ],
    "lead": [
        *_READ_ALL,
        "commitments.add_review",
        "commitments.assign_commitment",
        *[
            f"commitments.{action}_{model}"
            for model in ("document", "section", "sector", "commitment", "commitmentsector", "evidence")
            for action in ("add", "change", "delete")
        ],
        "auth.view_user",
        *_TRIAGE,
        "commitments.delete_evidencesuggestion",
        *_OWN_TOKENS,
    ],
}


def install_default_sectors(sector_model: Any) -> int:
    """Create missing default sectors (existing ones, possibly renamed by a lead, are kept)."""
    created = 0
    by_slug = {sector.slug: sector for sector in sector_model.objects.all()}
    for position, (slug, name, parent_slug) in enumerate(DEFAULT_SECTORS):
        if slug in by_slug:
            continue
        by_slug[slug] = sector_model.objects.create(
            slug=slug, name=name, parent=by_slug.get(parent_slug) if parent_slug else None, position=position
        )
        created += 1
    return created


def refresh_group_permissions(apps: Any) -> int:
    """For a data migration: create the permissions of models added since, then install_groups()."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    return install_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def install_groups(group_model: Any, permission_model: Any) -> int:
    """Make sure both groups exist and hold at least their default permissions."""
    added = 0
    for group_name, codenames in GROUP_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=group_name)
        wanted = set()
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            # A permission of a model that a later migration adds does not exist yet; the migration
            # that adds the model runs this again.
            found = permission_model.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if found is not None:
                wanted.add(found.pk)
        missing = wanted - set(group.permissions.values_list("pk", flat=True))
        if missing:
            group.permissions.add(*missing)
            added += len(missing)
    return added
