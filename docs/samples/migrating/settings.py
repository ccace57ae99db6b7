INSTALLED_APPS += ["knox", "rest_framework_api_key", "drf_spectacular", "drf_apifirst"]  # noqa: F821

# knox tokens are sent as "Bearer <token>", DRF's old ones as "Token <token>": each class
# reads only its own keyword.
REST_KNOX = {"AUTH_HEADER_PREFIX": "Bearer"}

REST_FRAMEWORK = drf_apifirst.rest_framework_settings(  # noqa: F821
    DEFAULT_AUTHENTICATION_CLASSES=[
        "drf_apifirst.authentication.TokenAuthentication",
        "rest_framework.authentication.TokenAuthentication",  # until the old tokens are gone
        "drf_apifirst.authentication.APIKeyAuthentication",
    ],
    DEFAULT_PAGINATION_CLASS="drf_apifirst.pagination.LimitOffsetPagination",
)
SPECTACULAR_SETTINGS = drf_apifirst.spectacular_settings(TITLE="My API")  # noqa: F821
