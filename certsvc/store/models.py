"""Tables. Times are stored in UTC; dates are calendar dates in China."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class LicenceRow(Base):
    """A licence. ``payload`` and ``kid`` are written before signing; ``token`` after."""

    __tablename__ = "licences"
    __table_args__ = (UniqueConstraint("bureau_code", "category", "product", "serial"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    bureau_code: Mapped[str] = mapped_column(String(2), index=True)
    category: Mapped[int] = mapped_column(Integer)
    product: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    enterprise_name: Mapped[str] = mapped_column(String(100), index=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    residence: Mapped[str] = mapped_column(String(200))
    production_address: Mapped[str] = mapped_column(String(200))
    scope: Mapped[list[int]] = mapped_column(JSON)
    issued: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="valid")
    status_index: Mapped[int] = mapped_column(Integer, unique=True)
    kid: Mapped[bytes] = mapped_column(LargeBinary(8))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    token: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    signed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class LicenceSeries(Base):
    """The next serial in each bureau's series for a product (``浙XK06-001-``)."""

    __tablename__ = "licence_series"

    bureau_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    product_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    next_serial: Mapped[int] = mapped_column(Integer)


class ArtefactVersion(Base):
    """Version counters of published artefacts (the status list)."""

    __tablename__ = "artefact_versions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
