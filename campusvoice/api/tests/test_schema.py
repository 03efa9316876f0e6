import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_openapi_description_is_served_and_covers_every_endpoint(client):
    response = client.get("/api/v2/schema/", headers={"Accept": "application/vnd.oai.openapi+json"})

    assert response.status_code == 200
    schema = response.json()
    assert {
        "/api/v2/people/",
        "/api/v2/petitions/{petition_pk}/signatures/",
        "/api/v2/tags/{tag_pk}/taggings/{id}/",
    } <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["OsdiApiToken"]["name"] == "OSDI-API-Token"


def test_the_openapi_description_is_valid_and_warning_free(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
