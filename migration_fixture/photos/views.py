from rest_framework import viewsets
from rest_framework.schemas.openapi import AutoSchema

from photos.models import Album, Photo, Tag
from photos.serializers import AlbumSerializer, PhotoSerializer, TagSerializer


class AlbumViewSet(viewsets.ModelViewSet):
    queryset = Album.objects.select_related("owner")
    serializer_class = AlbumSerializer
    schema = AutoSchema(tags=["albums"])

    def perform_create(self, serializer):
        serializer.save(owner=self.request.user)


class PhotoViewSet(viewsets.ModelViewSet):
    queryset = Photo.objects.prefetch_related("tags")
    serializer_class = PhotoSerializer
    filterset_fields = ["album"]
    ordering_fields = ["taken", "title"]
    search_fields = ["title"]


class TagViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Tag.objects.all()
    serializer_class = TagSerializer
    ordering_fields = "name"
