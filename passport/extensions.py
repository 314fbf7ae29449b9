"""Extensions created unbound here and bound to the app in ``create_app``."""

from __future__ import annotations

import marshmallow as ma
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_smorest import Api
from flask_wtf.csrf import CSRFProtect


class ProblemFieldSchema(ma.Schema):
    field = ma.fields.String(required=True, metadata={"description": "Dotted path of the field at fault"})
    message = ma.fields.String(required=True)


class ProblemDetailsSchema(ma.Schema):
    """RFC 9457 problem details, as every error of the API is answered."""

    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True)
    instance = ma.fields.String()
    errors = ma.fields.List(ma.fields.Nested(ProblemFieldSchema))


class PassportApi(Api):
    """flask-smorest's Api, with error handling left to ``passport.errors`` (RFC 9457 for the API,
    NHS.UK pages for people) instead of its own JSON for every error on every route."""

    ERROR_SCHEMA = ProblemDetailsSchema

    def _register_responses(self) -> None:
        """The error responses documented as what they are: application/problem+json."""
        self.DEFAULT_RESPONSE_CONTENT_TYPE = "application/problem+json"
        try:
            super()._register_responses()
        finally:
            del self.DEFAULT_RESPONSE_CONTENT_TYPE  # successful answers stay application/json

    def _register_error_handlers(self) -> None:
        return None


login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
api = PassportApi()
