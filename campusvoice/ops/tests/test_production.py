from campusvoice.ops.tests.conftest import campusvoice


def test_it_passes_the_deployment_checks_without_a_single_warning(production_env):
    result = campusvoice("check", "--deploy", "--fail-level", "WARNING", env=production_env)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_it_refuses_to_start_in_production_mode_without_a_secret_key(production_env):
    del production_env["CAMPUSVOICE_SECRET_KEY"]

    result = campusvoice("check", env=production_env)

    assert result.returncode == 2
    # One clear line for the operator, not a traceback.
    assert result.stderr.startswith("campusvoice: configuration error: Set CAMPUSVOICE_SECRET_KEY")
    assert "Traceback" not in result.stderr


def test_it_refuses_a_short_secret_key_in_production_mode(production_env):
    production_env["CAMPUSVOICE_SECRET_KEY"] = "too-short"

    result = campusvoice("check", env=production_env)

    assert result.returncode != 0
    assert "CAMPUSVOICE_SECRET_KEY" in result.stderr
