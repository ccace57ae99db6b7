from rest_framework import serializers

from tests.testapp.models import Task


class TaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = Task
        fields = ["id", "title", "done"]


class ItemSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=8)
    quantity = serializers.IntegerField(min_value=1)


class AddressSerializer(serializers.Serializer):
    city = serializers.CharField()
    zip = serializers.RegexField(r"^\d{5}$")

    def validate(self, attrs):
        if attrs["city"] == "Nowhere":
            raise serializers.ValidationError("We do not ship to Nowhere.", code="no_shipping")
        return attrs


class OrderSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=20)
    items = ItemSerializer(many=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=3), required=False)
    address = AddressSerializer(required=False)

    def validate(self, attrs):
        if attrs["title"] == "forbidden":
            raise serializers.ValidationError("This order is not allowed.", code="forbidden_order")
        return attrs


# --- Twins: the same declaration on ApiModelSerializer and on DRF's ModelSerializer. ---
from drf_apifirst.serializers import ApiModelSerializer  # noqa: E402
from tests.testapp.models import Article, Author, Tag  # noqa: E402


def author_serializer(base):
    class AuthorSerializer(base):
        class Meta:
            model = Author
            fields = ["id", "name", "email"]

    return AuthorSerializer


def tag_serializer(base):
    class TagSerializer(base):
        class Meta:
            model = Tag
            fields = ["id", "name"]

    return TagSerializer


AuthorSerializer = author_serializer(ApiModelSerializer)
TagSerializer = tag_serializer(ApiModelSerializer)
DrfAuthorSerializer = author_serializer(serializers.ModelSerializer)
DrfTagSerializer = tag_serializer(serializers.ModelSerializer)


def flat_article_serializer(base):
    """Every field type, flat: FK and M2M as ids."""

    class ArticleSerializer(base):
        author_name = serializers.CharField(source="author.name", read_only=True)
        editor_name = serializers.CharField(source="editor.name", read_only=True, default=None)
        word_count = serializers.SerializerMethodField()
        headline = serializers.CharField(read_only=True)
        secret = serializers.CharField(write_only=True, required=False)
        views_label = serializers.IntegerField(source="views", read_only=True)

        class Meta:
            model = Article
            fields = [
                "id",
                "title",
                "slug",
                "body",
                "author",
                "editor",
                "tags",
                "published",
                "created",
                "rating",
                "views",
                "score",
                "uid",
                "status",
                "metadata",
                "is_public",
                "author_name",
                "editor_name",
                "word_count",
                "headline",
                "secret",
                "views_label",
            ]
            extra_kwargs = {"body": {"write_only": True}}

        def get_word_count(self, obj):
            return len(obj.title.split())

    return ArticleSerializer


def nested_article_serializer(base, author_cls, tag_cls):
    class NestedArticleSerializer(base):
        author = author_cls(read_only=True)
        editor = author_cls(read_only=True, allow_null=True)
        tags = tag_cls(many=True, read_only=True)

        class Meta:
            model = Article
            fields = ["id", "title", "author", "editor", "tags", "created"]

    return NestedArticleSerializer


ArticleSerializer = flat_article_serializer(ApiModelSerializer)
DrfArticleSerializer = flat_article_serializer(serializers.ModelSerializer)
NestedArticleSerializer = nested_article_serializer(
    ApiModelSerializer, AuthorSerializer, TagSerializer
)
DrfNestedArticleSerializer = nested_article_serializer(
    serializers.ModelSerializer, DrfAuthorSerializer, DrfTagSerializer
)


class ExpandableArticleSerializer(ApiModelSerializer):
    class Meta:
        model = Article
        fields = ["id", "title", "author", "tags", "created"]
        expandable_fields = {
            "author": AuthorSerializer,
            "tags": (TagSerializer, {"many": True}),
        }


class ArticleListSerializer(ApiModelSerializer):
    class Meta:
        model = Article
        fields = ["id", "title"]


class TaskV1Serializer(ApiModelSerializer):
    class Meta:
        model = Task
        fields = ["id", "title", "done"]


class TaskV2Serializer(ApiModelSerializer):
    """v2 renamed ``title`` to ``name``: a breaking change, hence a new version."""

    name = serializers.CharField(source="title", max_length=200)

    class Meta:
        model = Task
        fields = ["id", "name", "done"]
