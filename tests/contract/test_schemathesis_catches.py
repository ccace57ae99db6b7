"""schemathesis, in process, against the test project: it passes a correct operation and
fails the deliberately broken one — so the contract run in CI can fail."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def schema():
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


def test_a_correct_operation_passes(schema, articles):
    operation = schema["/api/articles/"]["GET"]
    case = operation.Case(query={"page_size": 2})
    case.call_and_validate()


def test_the_broken_view_fails_the_contract(schema):
    operation = schema["/api/broken-contract/"]["GET"]
    with pytest.raises(BaseException, match="distinct failure") as failure:
        operation.Case().call_and_validate()
    failures = [str(e) for e in getattr(failure.value, "exceptions", [failure.value])]
    assert any("Undocumented status code" in text for text in failures), failures
    assert any("202" in text for text in failures), failures
