"""schemathesis generates requests from the OpenAPI schema: none may get a server error."""

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from app.main import create_app
from app.settings import Settings

# Small limits keep generated training requests quick; the checks are the same.
app = create_app(Settings(max_epochs=50, max_rows=200, max_points=2000, max_grid_points=50))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case):
    case.call_and_validate(checks=[not_a_server_error])
