import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def quiet_client() -> APIClient:
    """A client that returns 500 responses instead of re-raising the view's exception."""
    return APIClient(raise_request_exception=False)


def pytest_report_header(config):
    import drf_apifirst

    return f"drf_apifirst {drf_apifirst.__version__} from {drf_apifirst.__file__}"
