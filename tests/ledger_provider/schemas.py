"""Ledger's request and response schemas."""

from marshmallow import EXCLUDE, Schema, fields, validate


class AccountCreate(Schema):
    class Meta:
        unknown = EXCLUDE

    owner = fields.String(required=True, validate=validate.Length(min=1))
    currency = fields.String(required=True, validate=validate.OneOf(("EUR", "USD")))


class Account(Schema):
    id = fields.String(required=True)
    owner = fields.String(required=True)
    currency = fields.String(required=True)
