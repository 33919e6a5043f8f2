"""Errors raised by the generation library, each named for the problem."""

from __future__ import annotations

from lotix.errors import DomainError


class TakeCanceled(Exception):
    """Raised from `on_step` to stop a run between denoising steps."""


class UnknownProfile(DomainError):
    """The take asks for a model profile that is not in the registry."""


class ReferenceRoleUnsupported(DomainError):
    """The shot's references ask for a role (first, last, reference) the model cannot use."""


class TooManyReferences(ReferenceRoleUnsupported):
    """The shot has more reference images than the model can take."""


class InvalidTakeSpec(DomainError):
    """The frozen request breaks the model's frame, size or fps rules."""


class WeightsMissing(DomainError):
    """The model's weights are not on this machine."""


class GpuOutOfMemory(DomainError):
    """The GPU ran out of memory while generating a take."""
