from django import template

register = template.Library()


@register.filter
def can(membership, capability: str) -> bool:
    """`{% if membership|can:"project.webhooks" %}`: the role table, asked from a template."""
    return bool(membership) and hasattr(membership, "can") and membership.can(capability)
