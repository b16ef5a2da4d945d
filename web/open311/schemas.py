"""The Open311 wire models: the documents the adapter sends back (rendered as JSON
or XML by the endpoints themselves) and the form a client POSTs."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..api.schemas import text

__all__ = ["ServiceOut", "ValueOut", "AttributeOut", "ServiceDefinitionOut", "RequestCreatedOut", "RequestOut",
           "EndpointOut", "DiscoveryOut", "ErrorOut", "OPEN311_MODELS", "RequestForm"]


class ServiceOut(BaseModel):
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str
    group: str


class ValueOut(BaseModel):
    key: str
    name: str


class AttributeOut(BaseModel):
    variable: bool
    code: str
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    required: bool
    datatype_description: str | None
    order: int
    description: str
    values: list[ValueOut] | None = None


class ServiceDefinitionOut(BaseModel):
    service_code: str
    attributes: list[AttributeOut]


class RequestCreatedOut(BaseModel):
    service_request_id: str
    service_notice: str | None
    account_id: str | None


class RequestOut(BaseModel):
    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str | None
    service_name: str
    service_code: str
    description: str
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: str
    updated_datetime: str
    expected_datetime: str | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    media_url: str | None


class EndpointOut(BaseModel):
    specification: str
    url: str
    changeset: str
    type: str
    formats: list[str]


class DiscoveryOut(BaseModel):
    changeset: str
    contact: str
    key_service: str
    endpoints: list[EndpointOut]


class ErrorOut(BaseModel):
    code: int
    description: str


# Referred to by hand from the responses (the endpoints render JSON or XML themselves).
OPEN311_MODELS: tuple[type[BaseModel], ...] = (
    ServiceOut, ServiceDefinitionOut, RequestCreatedOut, RequestOut, DiscoveryOut, ErrorOut)


class RequestForm(BaseModel):
    """POST requests: ``application/x-www-form-urlencoded`` as the standard says.
    Fields the standard defines and nghedan does not use are accepted and ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    # Or ``Authorization: Bearer`` instead, as for every other endpoint (shared.api_key_of).
    api_key: text(200) | None = None  # type: ignore[valid-type]
    service_code: text(64, min_length=1)  # type: ignore[valid-type]
    jurisdiction_id: text(32) | None = None  # type: ignore[valid-type]
    attribute_unit: text(32) | None = Field(default=None, alias="attribute[unit]")  # type: ignore[valid-type]
    attribute_kind: text(16) | None = Field(default=None, alias="attribute[kind]")  # type: ignore[valid-type]
    lat: Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)] | None = None
    long: Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)] | None = None
    address_string: text(300) | None = None  # type: ignore[valid-type]
    address_id: text(100) | None = None  # type: ignore[valid-type]
    email: text(254) | None = None  # type: ignore[valid-type]
    device_id: text(100) | None = None  # type: ignore[valid-type]
    account_id: text(100) | None = None  # type: ignore[valid-type]
    first_name: text(100) | None = None  # type: ignore[valid-type]
    last_name: text(100) | None = None  # type: ignore[valid-type]
    phone: text(32) | None = None  # type: ignore[valid-type]
    description: text(4000) | None = None  # type: ignore[valid-type]
    media_url: text(1000) | None = None  # type: ignore[valid-type]
