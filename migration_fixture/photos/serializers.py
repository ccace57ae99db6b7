from django.contrib.auth import get_user_model
from rest_framework import serializers

from photos.models import Album, Photo, Tag


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name"]


class AlbumSerializer(serializers.HyperlinkedModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Album
        fields = ["url", "id", "title", "owner"]


class PhotoSerializer(serializers.HyperlinkedModelSerializer):
    tags = serializers.SlugRelatedField(
        slug_field="name", many=True, queryset=Tag.objects.all(), required=False
    )

    class Meta:
        model = Photo
        fields = ["url", "id", "album", "title", "image", "taken", "tags"]


User = get_user_model()
