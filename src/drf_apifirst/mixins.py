"""Where the behaviour mixins lived until 0.2; each now lives beside its concept.

``drf_apifirst.mixins`` was easy to confuse with DRF's CRUD ``rest_framework.mixins``. The
old names still import from here, with a ``PendingDeprecationWarning`` naming the new
home (docs/deprecation-policy.md); they will be removed in 0.4.
"""

from __future__ import annotations

from drf_apifirst._moved import moved_names

# Old name -> the module it lives in now.
MOVED = {
    "AuthSchemesMixin": "drf_apifirst.authentication",
    "FieldSelectionMixin": "drf_apifirst.serializers",
    "FIELDS_PARAM": "drf_apifirst.serializers",
    "EXPAND_PARAM": "drf_apifirst.serializers",
    "PermissionsByActionMixin": "drf_apifirst.permissions",
    "ResponseHeadersMixin": "drf_apifirst.context",
    "add_response_headers": "drf_apifirst.context",
    "pending_response_headers": "drf_apifirst.context",
    "SerializerByActionMixin": "drf_apifirst.viewsets",
    "StrictQueryParametersMixin": "drf_apifirst.filters",
    "TenantScopedMixin": "drf_apifirst.tenancy",
    "VersionLifecycleMixin": "drf_apifirst.versioning",
}

__all__: list[str] = []

__getattr__ = moved_names(__name__, MOVED)
