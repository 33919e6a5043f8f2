"""The capability table: which role may do what. The only place this rule lives."""

from projects.models import Role

VIEW = "project.view"
COMMENT = "note.comment"
PLAN = "shot.edit"
GENERATE = "take.generate"
DECIDE = "take.decide"
APPROVE = "take.approve"
EXPORT = "take.export"
DAILIES = "dailies.manage"
INVITE = "member.invite"
MEMBERS = "member.manage"
BUDGET = "project.budget"
DELETE = "project.delete"
WEBHOOKS = "project.webhooks"

CAPABILITIES: dict[str, str] = {
    VIEW: "View the project, its shots, references and takes",
    COMMENT: "Write notes on takes",
    PLAN: "Plan and edit scenes, shots, assets and references",
    GENERATE: "Request takes (spends GPU budget)",
    DECIDE: "Mark takes rejected, maybe or selected",
    APPROVE: "Approve takes (final)",
    EXPORT: "Export approved takes to editing software",
    DAILIES: "Run dailies sessions and share links",
    INVITE: "Invite collaborators, resend and revoke invites, remove members below owner",
    MEMBERS: "Change members' roles",
    BUDGET: "Set the project's GPU budget",
    DELETE: "Delete the project",
    WEBHOOKS: "Set up webhooks that tell outside tools about takes, decisions and exports",
}

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset(CAPABILITIES),
    Role.DIRECTOR: frozenset(
        {VIEW, COMMENT, PLAN, GENERATE, DECIDE, APPROVE, EXPORT, DAILIES}
    ),
    Role.PRODUCER: frozenset(
        {VIEW, COMMENT, DECIDE, APPROVE, EXPORT, DAILIES, BUDGET, INVITE, WEBHOOKS}
    ),
    Role.EDITOR: frozenset({VIEW, COMMENT, EXPORT}),
    Role.VIEWER: frozenset({VIEW, COMMENT}),
}


def role_can(role: str, capability: str) -> bool:
    """True when the role carries the capability; an unknown capability is a programming error."""
    if capability not in CAPABILITIES:
        raise KeyError(f"Unknown capability {capability!r}")
    return capability in ROLE_CAPABILITIES.get(role, frozenset())
