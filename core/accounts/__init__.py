"""User accounts, roles and API tokens: the identity every domain refers to."""

from core.accounts.models import ApiToken, User
from core.accounts.types import Actor, Role

__all__ = ["Actor", "ApiToken", "Role", "User"]
