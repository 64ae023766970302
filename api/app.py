"""The Flask application: extensions, blueprints, error handling, pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request, send_from_directory
from swagger_ui_bundle import swagger_ui_path
from werkzeug.middleware.proxy_fix import ProxyFix

from api import auth, db, errors
from api.config import certificate_keys, from_environment
from learning.staff_sheet import MAX_FILE_BYTES as MAX_STAFF_FILE_BYTES
from question_bank.interchange.safety import MAX_UPLOAD_BYTES
from question_bank.media import MAX_MEDIA_BYTES, MediaStore

SWAGGER_ASSETS_URL = "/api/docs/assets/"


def build_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(from_environment(Path(app.instance_path), config))
    if app.config["TRUSTED_PROXIES"]:  # the client's address and scheme as the proxies in front report them
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.config.setdefault("OPENAPI_SWAGGER_UI_URL", SWAGGER_ASSETS_URL)

    db.init_app(app)
    _configure_certificates(app)
    app.extensions["levelpath.media"] = MediaStore(Path(app.config["MEDIA_ROOT"]))
    app.before_request(_allow_large_uploads)
    auth.init_app(app)
    _register_api(app)
    errors.init_app(app)
    _register_pages(app)
    app.after_request(_security_headers)

    from api.cli import register_flask_commands

    register_flask_commands(app)
    return app


def _register_api(app: Flask) -> None:
    from api.accounts.routes import blp as auth_blp
    from api.assessment.certificate_routes import blp as certificates_blp
    from api.assessment.external_routes import blp as external_certificates_blp
    from api.assessment.rating_routes import blp as rating_blp
    from api.assessment.routes import blp as tests_blp
    from api.assessment.session_routes import blp as sessions_blp
    from api.learning.compliance_routes import blp as compliance_blp
    from api.learning.position_routes import blp as positions_blp
    from api.learning.routes import blp as organisation_blp
    from api.learning.staff_routes import blp as staff_blp
    from api.learning.training_routes import blp as training_blp
    from api.question_bank.routes import blp as items_blp
    from api.question_bank.upload_routes import blp as uploads_blp
    from api.system.routes import blp as system_blp

    from api.schemas import IdConverter, id_parameter_schema

    app.url_map.converters["int"] = IdConverter
    api = errors.LevelPathApi(app, spec_kwargs={
        "info": {"description": "LevelPath: item bank, tests, levels, learning paths and HR compliance."},
        "components": {"securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "session": {"type": "apiKey", "in": "cookie", "name": "session"},
        }},
        "security": [{"bearer": []}, {"session": []}],
    })
    api.register_converter(IdConverter, id_parameter_schema)
    for blueprint in (system_blp, auth_blp, items_blp, uploads_blp, tests_blp, sessions_blp, certificates_blp,
                      external_certificates_blp, rating_blp, organisation_blp, staff_blp, training_blp,
                      compliance_blp, positions_blp):
        api.register_blueprint(blueprint)
    app.extensions["levelpath.api"] = api


def _register_pages(app: Flask) -> None:
    @app.get(SWAGGER_ASSETS_URL + "<path:filename>")
    def swagger_assets(filename: str) -> Response:
        """Swagger UI served from the installed bundle, so the docs work offline."""
        return send_from_directory(swagger_ui_path, filename, max_age=86400)

    @app.get("/")
    def index() -> Response:
        return Response(
            "<!doctype html><html lang=en><meta charset=utf-8><title>LevelPath</title>"
            "<h1>LevelPath</h1><p>Language assessment and learning paths.</p>"
            "<ul><li><a href=/api/docs>API documentation</a></li>"
            "<li><a href=/api/v1/openapi.json>OpenAPI document</a></li>"
            "<li><a href=/api/v1/health>Health</a></li></ul></html>",
            mimetype="text/html",
        )


def _configure_certificates(app: Flask) -> None:
    from assessment.certificates import VerificationKeys
    from assessment.certification import configure_issuer

    signing, keys = certificate_keys(app.config)
    configure_issuer(keys=VerificationKeys(signing_key_id=signing, keys=keys), centre_name=app.config["CENTRE_NAME"],
                     verification_url=app.config["VERIFY_URL"])


def _allow_large_uploads() -> None:
    """JSON bodies stay small; media uploads may be as large as the largest media kind allows."""
    if request.endpoint == "items.MediaUpload":
        request.max_content_length = MAX_MEDIA_BYTES + 64 * 1024
    elif request.endpoint == "items.ItemImport":
        request.max_content_length = MAX_UPLOAD_BYTES
    elif request.endpoint == "staff.StaffImport":
        request.max_content_length = MAX_STAFF_FILE_BYTES + 64 * 1024


# The API answers data, never pages: nothing in it may run, load, or be framed.
API_CONTENT_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Swagger UI and the index page: their own scripts and styles (Swagger UI starts itself with an inline script).
PAGE_CONTENT_POLICY = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
                       "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
HSTS = "max-age=31536000; includeSubDomains"


def _security_headers(response: Response) -> Response:
    """Headers every response carries; see API_CONTENT_POLICY and PAGE_CONTENT_POLICY."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
    is_page = request.endpoint in ("api-docs.openapi_swagger_ui", "swagger_assets", "index")
    headers.setdefault("Content-Security-Policy", PAGE_CONTENT_POLICY if is_page else API_CONTENT_POLICY)
    if request.path.startswith("/api/v1/") and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"  # personal data and results stay out of shared and browser caches
    if request.is_secure or current_app.config["SESSION_COOKIE_SECURE"]:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response
