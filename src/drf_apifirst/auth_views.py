"""Token login, logout and logout-all (django-rest-knox), mounted by ``drf_apifirst.urls``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.contrib.auth import authenticate, user_logged_in, user_logged_out
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_serializer
from knox.models import get_token_model
from knox.settings import knox_settings
from rest_framework import serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from drf_apifirst.authentication import TokenAuthentication
from drf_apifirst.compat import http_request
from drf_apifirst.context import ResponseHeadersMixin
from drf_apifirst.exceptions import Problem
from drf_apifirst.throttling import LoginRateThrottle

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = ["LoginView", "LogoutAllView", "LogoutView"]


class InvalidCredentials(Problem):
    status_code = 400
    default_code = "invalid_credentials"
    default_detail: StrOrPromise = _("Unable to log in with the username and password given.")
    title: StrOrPromise = _("Invalid credentials.")


class TooManyTokens(Problem):
    status_code = 403
    default_code = "too_many_tokens"
    default_detail: StrOrPromise = _(
        "This user has the most tokens allowed; log out somewhere first."
    )
    title: StrOrPromise = _("Too many tokens.")


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Credentials",
            value={"username": "grace", "password": "correct-horse-battery-staple"},
            request_only=True,
        )
    ]
)
class LoginSerializer(serializers.Serializer[Any]):
    username: serializers.CharField = serializers.CharField(max_length=150)
    password: serializers.CharField = serializers.CharField(
        max_length=4096, trim_whitespace=False, write_only=True, style={"input_type": "password"}
    )


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A token",
            value={
                "token": "5c1f0e9d2b7a4c3e8f6a1b0d9c8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e",
                "expiry": "2026-11-03T19:30:00Z",
            },
            response_only=True,
        )
    ]
)
class TokenSerializer(serializers.Serializer[Any]):
    token: serializers.CharField = serializers.CharField(
        help_text="Send as `Authorization: Token <token>`."
    )
    expiry: serializers.DateTimeField = serializers.DateTimeField(
        allow_null=True, help_text="When the token expires."
    )


class LoginView(ResponseHeadersMixin, GenericAPIView[Any]):
    """Exchange a username and password for a token (throttled: policy ``login``)."""

    authentication_classes: list[Any] = []
    permission_classes: Sequence[type[BasePermission]] = [AllowAny]
    throttle_classes: Sequence[type[BaseThrottle]] = [LoginRateThrottle]
    serializer_class: type[BaseSerializer[Any]] = LoginSerializer

    # For the document: the problems a login raises (too_many_tokens under knox's
    # TOKEN_LIMIT_PER_USER).
    action_problems = {"post": [InvalidCredentials, TooManyTokens]}

    @extend_schema(request=LoginSerializer, responses={200: TokenSerializer})
    def post(self, request: Request) -> Response:
        credentials = self.get_serializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        user = authenticate(
            http_request(request),
            username=credentials.validated_data["username"],
            password=credentials.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise InvalidCredentials()
        token_model = get_token_model()
        # Expired tokens are swept here, not on every request (see TokenAuthentication).
        token_model.objects.filter(user=user, expiry__lt=timezone.now()).delete()
        limit = knox_settings.TOKEN_LIMIT_PER_USER
        if limit is not None and token_model.objects.filter(user=user).count() >= limit:
            raise TooManyTokens()
        instance, token = token_model.objects.create(
            user, knox_settings.TOKEN_TTL, prefix=knox_settings.TOKEN_PREFIX
        )
        user_logged_in.send(sender=type(user), request=http_request(request), user=user)
        return Response(TokenSerializer({"token": token, "expiry": instance.expiry}).data)


# Logout views are APIViews, not GenericAPIViews: they take no body, and DRF's OPTIONS
# metadata asks a generic view for its serializer (a 500 when there is none). Their
# docstrings are their OpenAPI descriptions.
class LogoutView(ResponseHeadersMixin, APIView):
    """Invalidate the token that made this request."""

    authentication_classes: Sequence[type[BaseAuthentication]] = [TokenAuthentication]
    permission_classes: Sequence[type[BasePermission]] = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        request.auth.delete()
        user_logged_out.send(
            sender=type(request.user), request=http_request(request), user=request.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(ResponseHeadersMixin, APIView):
    """Invalidate every token of the user who made this request."""

    authentication_classes: Sequence[type[BaseAuthentication]] = [TokenAuthentication]
    permission_classes: Sequence[type[BasePermission]] = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        get_token_model().objects.filter(user=request.user).delete()
        user_logged_out.send(
            sender=type(request.user), request=http_request(request), user=request.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
