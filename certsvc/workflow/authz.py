"""Who may do what, where: roles, jurisdiction, and the check every action goes through.

A provincial bureau acts only in its own province, an enterprise only on its own
applications and licences, an institution only on the tests assigned to it, a review body
only on the on-site visits assigned to it; the national
authority acts everywhere but on applications (it no longer approves); an auditor only
reads. Refusals are 403 problems that say why.

    require(principal, Actor.BUREAU, bureau_code="33")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from certsvc.domain.accounts import Principal, Role
from certsvc.domain.areas import Area
from certsvc.domain.lifecycle import Actor
from certsvc.errors import CertsvcError, Forbidden, NotFound

# who supervises enterprises (measures, spot checks, recall orders): the licensing bureaus
# and the city and county bureaus, each where it is competent (Actor.SUPERVISION)
SUPERVISORS = frozenset({Role.PROVINCIAL, Role.NATIONAL, Role.LOCAL})


def require(
    principal: Principal,
    actor: Actor,
    *,
    bureau_code: str | None = None,
    uscc: str | None = None,
    institution_id: int | None = None,
    review_body_id: int | None = None,
) -> None:
    """Raise Forbidden unless ``principal`` may act as ``actor`` on this subject."""
    role = principal.role
    if actor is Actor.NATIONAL:
        if role is not Role.NATIONAL:
            raise Forbidden("only the national authority may do this")
    elif actor is Actor.PROVINCE:
        if role is Role.NATIONAL:
            raise Forbidden("the national authority no longer approves licences: the "
                            "provincial bureau decides (2019 delegation; 国发〔2024〕11号)")
        if role is Role.LOCAL:
            raise Forbidden("a city or county bureau supervises; the provincial bureau "
                            "decides (国发〔2024〕11号: provincial approval, not delegated "
                            "further)")
        if role is not Role.PROVINCIAL or bureau_code != principal.bureau_code:
            raise Forbidden("only the provincial bureau of this application may do this")
    elif actor is Actor.SUPERVISION and role is Role.LOCAL:
        if bureau_code != principal.bureau_code or uscc is None or not _area(
                principal).covers(uscc):
            raise Forbidden(f"bureau {principal.area_code} supervises the enterprises of its "
                            "own area only")
    elif actor in (Actor.BUREAU, Actor.SUPERVISION):
        if role is Role.PROVINCIAL:
            if bureau_code != principal.bureau_code:
                raise Forbidden(
                    f"bureau {principal.bureau_code} acts only in its own province, "
                    f"not on a matter of bureau {bureau_code}")
        elif role is not Role.NATIONAL:
            raise Forbidden("only a licensing bureau may do this")
    elif actor is Actor.ENTERPRISE:
        if role is not Role.ENTERPRISE or uscc != principal.uscc:
            raise Forbidden("only the enterprise itself may do this")
    elif actor is Actor.INSTITUTION and (
        role is not Role.INSTITUTION or institution_id != principal.institution_id
    ):
        raise Forbidden("only the inspection institution assigned to this test may do this")
    elif actor is Actor.REVIEW_BODY and (
        role is not Role.REVIEW_BODY or review_body_id is None
        or review_body_id != principal.review_body_id
    ):
        raise Forbidden("only the review body assigned this on-site visit may do this")


def may_read(
    principal: Principal, *, bureau_code: str, uscc: str, institution_id: int | None = None,
    review_body_id: int | None = None,
) -> bool:
    """Non-public reads: auditors and the national authority see all; others their own."""
    role = principal.role
    if role in (Role.AUDITOR, Role.NATIONAL):
        return True
    if role is Role.PROVINCIAL:
        return principal.bureau_code == bureau_code
    if role is Role.ENTERPRISE:
        return principal.uscc == uscc
    if role is Role.REVIEW_BODY:
        return review_body_id is not None and principal.review_body_id == review_body_id
    return institution_id is not None and principal.institution_id == institution_id


def jurisdiction(principal: Principal) -> str | None:
    """The province a bureau's lists are limited to (None: every province). A city or county
    bureau is further limited to its area (:func:`list_scope`)."""
    if principal.role in (Role.PROVINCIAL, Role.LOCAL):
        return principal.bureau_code
    return None


class Filters(TypedDict):
    bureau_code: str | None
    uscc: str | None
    area: str | None


@dataclass(frozen=True)
class ListScope:
    """What a list is limited to: a province (a bureau's), an enterprise, or neither."""

    bureau_code: str | None = None
    uscc: str | None = None
    area: str | None = None  # the area-code prefix of the enterprises (a local bureau's)

    def filters(self) -> Filters:
        """As the stores' list queries take it."""
        return {"bureau_code": self.bureau_code, "uscc": self.uscc, "area": self.area}


def list_scope(principal: Principal, what: str) -> ListScope:
    """What a list of supervision records (accidents, recalls, spot checks, measures) is
    limited to for this account: a bureau's province, a local bureau's area, an enterprise's
    own; the national authority and auditors see all; nobody else sees any."""
    if principal.role is Role.PROVINCIAL:
        return ListScope(bureau_code=principal.bureau_code)
    if principal.role is Role.LOCAL:
        return ListScope(bureau_code=principal.bureau_code, area=_area(principal).prefix)
    if principal.role is Role.ENTERPRISE:
        return ListScope(uscc=principal.uscc)
    if principal.role in (Role.NATIONAL, Role.AUDITOR):
        return ListScope()
    raise Forbidden(f"{what} are for bureaus, auditors and the enterprise concerned")


def _area(principal: Principal) -> Area:
    assert principal.area_code is not None, "a local bureau's account has its area"
    return Area(principal.area_code)


def hidden(kind: str, ident: object) -> Forbidden:
    """What an account is told of a subject it may not see: the very words it gets for one
    that does not exist, so that it cannot tell the two apart."""
    return Forbidden(f"{kind} {ident} does not exist or is not yours")


def missing(principal: Principal, kind: str, ident: object) -> CertsvcError:
    """What an account is told of a subject that does not exist: a plain 404 for those who
    may see every such subject (national authority, auditor), else :func:`hidden`."""
    if principal.role in (Role.NATIONAL, Role.AUDITOR):
        return NotFound(f"no {kind} {ident}")
    return hidden(kind, ident)
