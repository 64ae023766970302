"""Health, the OpenAPI document and the interactive docs."""

from __future__ import annotations

from openapi_spec_validator import validate

from api.errors import PROBLEM_MEDIA_TYPE


def test_health_reports_the_database(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "reachable"}


def test_ping_answers_without_login_or_database(client, monkeypatch):
    import api.system.routes as system_routes

    monkeypatch.setattr(system_routes, "engine", lambda: None)  # it must not even reach for the database
    response = client.get("/api/v1/ping")
    assert (response.status_code, response.json) == (200, {"status": "ok"})


def test_health_says_when_the_database_is_unreachable(app, client, monkeypatch):
    from sqlalchemy.exc import OperationalError

    import api.system.routes as system_routes

    class DownEngine:
        def connect(self):
            raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(system_routes, "engine", lambda: DownEngine())
    response = client.get("/api/v1/health")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_openapi_document_is_valid_openapi_3(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json
    validate(spec)
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/auth/login", "/api/v1/items", "/api/v1/items/{item_id}/approve", "/api/v1/tests",
                 "/api/v1/tests/{test_id}/attempts", "/api/v1/attempts/{attempt_id}/submit", "/api/v1/hr/levels",
                 "/api/v1/health"):
        assert path in spec["paths"], path


def test_every_operation_has_a_summary_and_documents_problem_errors(client):
    spec = client.get("/api/v1/openapi.json").json
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"
            assert "default" in operation["responses"], f"{method.upper()} {path}"
    default_error = spec["components"]["responses"]["DEFAULT_ERROR"]
    assert PROBLEM_MEDIA_TYPE in default_error["content"]
    assert spec["components"]["schemas"]["Problem"]["required"] == ["status", "title", "type"]


def test_candidate_facing_schemas_have_no_key_fields(client):
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    for name in ("Attempt", "DeliveredItem"):
        assert "scoring" not in schemas[name]["properties"], name


def test_interactive_docs_render_from_local_assets(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/api/v1/openapi.json" in html
    assert "/api/docs/assets/swagger-ui-bundle.js" in html
    script = client.get("/api/docs/assets/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert len(script.get_data()) > 100_000


def test_security_headers_on_every_response(client):
    for url in ("/", "/api/docs", "/api/v1/health", "/api/v1/nowhere", "/api/v1/auth/me"):
        response = client.get(url)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP: HSTS would mean nothing
    api = client.get("/api/v1/health")
    assert api.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert api.headers["Cache-Control"] == "no-store"
    docs = client.get("/api/docs")
    assert "script-src 'self' 'unsafe-inline'" in docs.headers["Content-Security-Policy"]
    assert "no-store" not in docs.headers.get("Cache-Control", "")


def test_the_document_says_which_operations_anyone_may_call(app, client):
    """The document asks for a token or a session everywhere (its global ``security``); the public operations
    (login, verification of a certificate, health) say they need neither, as they answer."""
    import re

    from api.access import rule_for

    spec = client.get("/api/v1/openapi.json").json
    assert spec["security"] == [{"bearer": []}, {"session": []}]
    public = set()
    for url_rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", url_rule.rule)
        for method in url_rule.methods - {"HEAD", "OPTIONS"}:
            operation = spec["paths"].get(path, {}).get(method.lower())
            if operation is None:
                continue  # not in the document (Flask's own, the pages)
            rule = rule_for(app, url_rule.endpoint, method)
            assert operation.get("security") == ([] if rule.public else None), f"{method} {path}"
            if rule.public:
                public.add(f"{method} {path}")
    assert {"POST /api/v1/auth/login", "GET /api/v1/verify/{code}", "GET /api/v1/health"} <= public


def test_the_item_banks_edit_rules_are_documented_with_their_statuses(client):
    """Before, an item's PATCH, enemies, review and retire listed 200 and 422 alone, so a client generated from
    the document knew nothing of the ETag rules (428, 412) or of a step taken in the wrong status (409)."""
    paths = client.get("/api/v1/openapi.json").json["paths"]
    expected = {("/api/v1/items/{item_id}", "patch"): {"409", "412", "428"},
                ("/api/v1/items/{item_id}/enemies", "put"): {"412", "428"},
                ("/api/v1/items/{item_id}/submit", "post"): {"409"},
                ("/api/v1/items/{item_id}/approve", "post"): {"403", "409"},
                ("/api/v1/items/{item_id}/reject", "post"): {"403", "409"},
                ("/api/v1/items/{item_id}/retire", "post"): {"409"},
                ("/api/v1/tests/{test_id}/attempts", "post"): {"409"},
                ("/api/v1/courses/{course_id}", "delete"): {"409"}}
    for (path, method), statuses in expected.items():
        responses = paths[path][method]["responses"]
        assert statuses <= set(responses), (path, method, sorted(responses))
        for status in statuses:
            assert PROBLEM_MEDIA_TYPE in responses[status]["content"], (path, method, status)
    for path, method in (("/api/v1/items/{item_id}", "get"), ("/api/v1/items/{item_id}", "patch"),
                         ("/api/v1/items/{item_id}/enemies", "get"), ("/api/v1/items/{item_id}/enemies", "put")):
        assert "ETag" in paths[path][method]["responses"]["200"]["headers"], (path, method)


def test_file_answers_document_their_content_types(client):
    """Before, the PDF, the chart and the CSV / xlsx exports documented no content type (or JSON alone)."""
    paths = client.get("/api/v1/openapi.json").json["paths"]
    documented = {path: set(paths[path]["get"]["responses"]["200"]["content"])
                  for path in ("/api/v1/hr/compliance", "/api/v1/hr/compliance/chart.svg",
                               "/api/v1/certificates/{certificate_id}/pdf")}
    assert documented == {
        "/api/v1/hr/compliance": {"application/json", "text/csv",
                                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
        "/api/v1/hr/compliance/chart.svg": {"image/svg+xml"},
        "/api/v1/certificates/{certificate_id}/pdf": {"application/pdf"}}
    report = paths["/api/v1/hr/compliance"]["get"]["responses"]["200"]["content"]["application/json"]
    assert report["schema"] == {"$ref": "#/components/schemas/ComplianceReport"}
