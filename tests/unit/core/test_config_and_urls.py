import pytest

from passport.config import ConfigurationError, load_settings
from passport.urls import is_safe_local_path

PRODUCTION_COMPLETE = {
    "PASSPORT_ENV": "production",
    "PASSPORT_DATABASE_URL": "postgresql+psycopg://passport@db/passport",
    "SECRET_KEY": "x" * 40,
    "PASSPORT_PUBLIC_URL": "https://passport.example.nhs.uk",
    "PASSPORT_RATELIMIT_STORAGE_URL": "redis://127.0.0.1:6379/0",
    "PASSPORT_KEY_ENCRYPTION_KEYS": "cw_0x689RpI-jtRR7oE8h_eQsKImvJ8GSmPqfwZSCLw=",
    "PASSPORT_QUEUE_URL": "redis://127.0.0.1:6379/1",
    "PASSPORT_SMTP_URL": "smtp://passport:secret@mail.example.nhs.uk:587?from=passport@example.nhs.uk",
}


def test_production_with_every_setting_starts():
    settings = load_settings(PRODUCTION_COMPLETE)
    assert settings.is_production
    assert settings.public_url == "https://passport.example.nhs.uk"


@pytest.mark.parametrize("missing", sorted(set(PRODUCTION_COMPLETE) - {"PASSPORT_ENV"}))
def test_production_names_the_missing_setting(missing):
    env = {k: v for k, v in PRODUCTION_COMPLETE.items() if k != missing}
    with pytest.raises(ConfigurationError, match=missing):
        load_settings(env)


@pytest.mark.parametrize(
    ("name", "value", "complaint"),
    [
        ("PASSPORT_DATABASE_URL", "sqlite:///x.db", "PostgreSQL"),
        ("SECRET_KEY", "short", "32 characters"),
        ("PASSPORT_RATELIMIT_STORAGE_URL", "memory://", "shared store"),
        ("PASSPORT_QUEUE_URL", "sqlite:///queue.sqlite3", "shared broker"),
    ],
)
def test_production_refuses_development_defaults(name, value, complaint):
    with pytest.raises(ConfigurationError, match=complaint):
        load_settings({**PRODUCTION_COMPLETE, name: value})


def test_development_needs_no_settings():
    settings = load_settings({})
    assert settings.database_url.startswith("sqlite:///")
    assert len(settings.secret_key) >= 32
    assert settings.demo_password == "demo-passport-2026"


def test_unknown_environment_is_refused():
    with pytest.raises(ConfigurationError, match="PASSPORT_ENV"):
        load_settings({"PASSPORT_ENV": "prod"})


@pytest.mark.parametrize("target", ["/", "/audit?page=2", "/admin/users#x"])
def test_local_paths_are_safe(target):
    assert is_safe_local_path(target)


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "http:/evil",
        "javascript:alert(1)",
        "evil.example",
        "",
        None,
        "/\r\nLocation: https://evil",
        "\\\\evil",
        "/%0d%0a".replace("%0d%0a", "\n"),
    ],
)
def test_foreign_targets_are_refused(target):
    assert not is_safe_local_path(target)


def test_every_template_compiles_before_the_first_request(app):
    """gunicorn warms each process with this; a template with a syntax error fails here, not on a page."""
    from passport.app import compile_templates

    compiled = compile_templates(app)
    assert {"layout.html", "metrics/dashboard.html", "nhsuk/components/button/template.jinja"} <= set(
        compiled
    )


def test_development_links_follow_the_port_served():
    assert load_settings({}).public_url == "http://127.0.0.1:5000"
    assert load_settings({"PORT": "5301"}).public_url == "http://127.0.0.1:5301"
    assert load_settings({"PORT": "5301", "PASSPORT_PUBLIC_URL": "https://x.example/"}).public_url == (
        "https://x.example"
    )
    with pytest.raises(ConfigurationError, match="PORT must be a port number"):
        load_settings({"PORT": "eighty"})


def test_valid_signatures_kept_is_a_whole_number():
    assert load_settings({}).verified_signatures_kept == 10_000
    assert load_settings({"PASSPORT_VERIFIED_SIGNATURES_KEPT": "0"}).verified_signatures_kept == 0
    with pytest.raises(ConfigurationError, match="PASSPORT_VERIFIED_SIGNATURES_KEPT must be a whole number"):
        load_settings({"PASSPORT_VERIFIED_SIGNATURES_KEPT": "-1"})
