"""While DRF's authtoken tokens are retired: both kinds work, each documented apart.

Import this module from your app's ``AppConfig.ready()`` so the scheme is registered
before the schema is built.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class LegacyTokenScheme(OpenApiAuthenticationExtension):
    """DRF's ``TokenAuthentication`` under its own name: drf-spectacular calls it
    ``tokenAuth``, which is the name of the library's knox scheme too."""

    target_class = "rest_framework.authentication.TokenAuthentication"
    name = "legacyTokenAuth"
    priority = 1  # over drf-spectacular's own extension for the same class

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A token issued before the move: `Authorization: Token <token>`. "
            "Log in again (`POST /api/auth/login/`) for a new one.",
        }
