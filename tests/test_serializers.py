"""ApiModelSerializer: the same output as DRF's ModelSerializer, field selection, plans."""

import json

import pytest
from rest_framework.renderers import JSONRenderer

from drf_apifirst.exceptions import InvalidParameters
from drf_apifirst.serializers import ApiModelSerializer, query_plan
from tests.testapp.models import Article, Author
from tests.testapp.serializers import (
    ArticleSerializer,
    DrfArticleSerializer,
    DrfNestedArticleSerializer,
    ExpandableArticleSerializer,
    NestedArticleSerializer,
)


def both(fast_cls, drf_cls, queryset, **kwargs):
    fast = fast_cls(queryset, many=True, **kwargs).data
    drf = drf_cls(queryset, many=True, **kwargs).data
    return fast, drf


@pytest.mark.django_db
def test_flat_output_equals_drf_for_every_field_type(articles):
    queryset = Article.objects.prefetch_related("tags").select_related("author", "editor")
    fast, drf = both(ArticleSerializer, DrfArticleSerializer, queryset)
    assert fast == drf
    # The same bytes on the wire, key order included.
    assert JSONRenderer().render(fast) == JSONRenderer().render(drf)
    first = fast[1]
    assert set(first) == {
        "id",
        "title",
        "slug",
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
        "views_label",
    }  # write-only "secret" and "body" are not read


@pytest.mark.django_db
def test_values_cover_nulls_decimals_dates_and_relations(articles):
    data = ArticleSerializer(Article.objects.all(), many=True).data
    assert data[0]["editor"] == articles[0].editor_id
    assert data[1]["editor"] is None
    assert data[1]["rating"] == "1.51"
    assert data[0]["rating"] is None
    assert data[0]["created"] == "2026-02-01T12:00:30.123456Z"
    assert data[1]["published"] == "2026-01-02"
    assert data[0]["published"] is None
    assert data[0]["uid"] == "00000000-0000-0000-0000-000000000000"
    assert data[3]["tags"] == [t.pk for t in articles[3].tags.all()]
    assert data[1]["editor_name"] is None
    assert data[3]["editor_name"] == "Bob"
    assert data[2]["word_count"] == 3
    assert data[2]["headline"] == "ARTICLE NUMBER 2"


@pytest.mark.django_db
def test_nested_output_equals_drf(articles):
    queryset = Article.objects.select_related("author", "editor").prefetch_related("tags")
    fast, drf = both(NestedArticleSerializer, DrfNestedArticleSerializer, queryset)
    assert fast == drf
    assert fast[3]["author"] == {
        "id": articles[3].author_id,
        "name": "Ada",
        "email": "ada@example.com",
    }
    assert fast[1]["editor"] is None


@pytest.mark.django_db
def test_single_instance_equals_drf(articles):
    assert ArticleSerializer(articles[7]).data == DrfArticleSerializer(articles[7]).data


@pytest.mark.django_db
def test_writes_still_validate_and_save_like_drf(articles):
    serializer = ArticleSerializer(
        data={
            "title": "New",
            "author": articles[0].author_id,
            "created": "2026-03-01T00:00:00Z",
            "metadata": {},
        }
    )
    assert serializer.is_valid(), serializer.errors
    article = serializer.save()
    assert Article.objects.get(pk=article.pk).title == "New"
    assert serializer.data["title"] == "New"


def test_sparse_fieldset_keeps_declaration_order():
    serializer = ArticleSerializer(fields=("views", "title", "id"))
    assert list(serializer.fields) == ["id", "title", "views"]


def test_unknown_field_is_an_invalid_parameter():
    with pytest.raises(InvalidParameters) as excinfo:
        ArticleSerializer(fields=("title", "nope")).fields  # noqa: B018
    assert excinfo.value.detail == {
        "fields": [
            "Unknown field(s): nope. Choose from: author, author_name, body, created, editor, "
            "editor_name, headline, id, is_public, metadata, published, rating, score, secret, "
            "slug, status, tags, title, uid, views, views_label, word_count."
        ]
    }


def test_unknown_expansion_is_an_invalid_parameter():
    with pytest.raises(InvalidParameters) as excinfo:
        ExpandableArticleSerializer(expand=("editor",)).fields  # noqa: B018
    assert excinfo.value.detail == {
        "expand": ["Unknown field(s): editor. Choose from: author, tags."]
    }


@pytest.mark.django_db
def test_expansion_replaces_ids_with_objects(articles):
    data = ExpandableArticleSerializer(articles[3], expand=("author", "tags")).data
    assert data["author"] == {
        "id": articles[3].author_id,
        "name": "Ada",
        "email": "ada@example.com",
    }
    assert data["tags"] == [{"id": t.pk, "name": t.name} for t in articles[3].tags.all()]
    assert ExpandableArticleSerializer(articles[3]).data["author"] == articles[3].author_id


def test_query_plan_from_the_declared_fields():
    plan = query_plan(NestedArticleSerializer)
    assert plan.select == ["author", "editor"]
    assert [getattr(p, "prefetch_to", p) for p in plan.prefetch] == ["tags"]
    assert plan.only is None

    flat = query_plan(ArticleSerializer)
    assert flat.select == ["author", "editor"]  # author.name, editor.name
    assert flat.prefetch == []  # tag ids: one query per page by ApiListSerializer.preload

    expanded = query_plan(ExpandableArticleSerializer, None, ("author",))
    assert expanded.select == ["author"]
    assert expanded.prefetch == []
    expanded_tags = query_plan(ExpandableArticleSerializer, None, ("tags",))
    assert [p.prefetch_to for p in expanded_tags.prefetch] == ["tags"]

    sparse = query_plan(ExpandableArticleSerializer, ("id", "title"), ())
    assert sparse.select == []
    assert sparse.prefetch == []
    assert sparse.only == ["id", "title"]

    sparse_expanded = query_plan(ExpandableArticleSerializer, ("author", "title"), ("author",))
    assert sparse_expanded.only == [
        "title",
        "author",
        "author__id",
        "author__name",
        "author__email",
    ]


@pytest.mark.django_db
def test_orjson_renderer_writes_what_drf_writes(articles):
    from drf_apifirst.renderers import ORJSONRenderer

    data = ArticleSerializer(Article.objects.all(), many=True).data
    assert ORJSONRenderer().render(data) == JSONRenderer().render(data)
    assert b"\\u2028" in ORJSONRenderer().render(data)
    big = {"n": 2**70, "when": articles[0].created}
    assert ORJSONRenderer().render(big) == JSONRenderer().render(big)
    assert json.loads(ORJSONRenderer().render(big)) == {
        "n": 2**70,
        "when": "2026-02-01T12:00:30.123456Z",
    }


def author_with_articles(base):
    class AuthorWithArticlesSerializer(base):
        class Meta:
            model = Author
            fields = ["id", "name", "articles", "edited"]

    return AuthorWithArticlesSerializer


@pytest.mark.django_db
def test_batch_loaded_ids_equal_drf_for_many_to_many_and_reverse_foreign_keys(
    articles, django_assert_num_queries
):
    from rest_framework import serializers

    fast_cls = author_with_articles(ApiModelSerializer)
    drf_cls = author_with_articles(serializers.ModelSerializer)
    authors = list(Author.objects.all())
    with django_assert_num_queries(2):  # one per relation for the whole list
        fast = fast_cls(authors, many=True).data
    assert fast == drf_cls(authors, many=True).data
    assert fast[0]["articles"] == [a.pk for a in articles if a.author_id == authors[0].pk]

    page = list(Article.objects.all())
    with django_assert_num_queries(1):  # the tag ids of every article
        fast = ArticleSerializer(page, many=True, fields=("id", "tags")).data
    assert [row["tags"] for row in fast] == [[t.pk for t in a.tags.all()] for a in page]


@pytest.mark.django_db
def test_ids_follow_the_related_models_ordering(articles):
    from tests.testapp.models import Tag

    Tag.objects.filter(name="django").update(name="zzz")  # id order != name order
    page = list(Article.objects.all())
    ids = ArticleSerializer(page, many=True, fields=("tags",)).data
    assert [row["tags"] for row in ids] == [[t.pk for t in a.tags.order_by("id")] for a in page]


@pytest.mark.django_db
def test_a_filtering_default_manager_is_respected(articles):
    from tests.testapp.models import Label, Task

    task = Task.objects.create(title="t")
    keep, hidden = (
        Label.all_objects.create(name="keep"),
        Label.all_objects.create(name="x", hidden=True),
    )
    task.labels.set([keep, hidden])

    class TaskLabels(ApiModelSerializer):
        class Meta:
            model = Task
            fields = ["id", "labels"]

    assert TaskLabels([task], many=True).data == [{"id": task.pk, "labels": [keep.pk]}]


@pytest.mark.django_db
def test_nested_serializers_are_preloaded_too(articles, django_assert_num_queries):
    tag_ids = author_with_articles(ApiModelSerializer)

    class ArticleWithAuthorArticles(ApiModelSerializer):
        author = tag_ids(read_only=True)

        class Meta:
            model = Article
            fields = ["id", "author"]

    page = list(Article.objects.select_related("author"))
    with django_assert_num_queries(2):  # the authors' article ids and edited ids
        data = ArticleWithAuthorArticles(page, many=True).data
    assert data[0]["author"]["articles"] == [
        a.pk for a in articles if a.author_id == page[0].author_id
    ]


# --- strict input types: what the document says, not what DRF would coerce ---


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"message": 5, "additions": 1}, "message"),
        ({"message": "fix", "additions": "1"}, "additions"),
        ({"message": "fix", "additions": True}, "additions"),
        ({"message": "fix", "additions": "1.0"}, "additions"),
    ],
)
def test_strict_input_mixin_refuses_values_of_another_json_type(api_client, body, field):
    response = api_client.post("/api/strict-commits/", body, format="json")
    assert response.status_code == 400, response.content
    assert [e["pointer"] for e in response.json()["errors"]] == [f"#/{field}"]


def test_strict_input_mixin_accepts_the_documented_types(api_client):
    response = api_client.post(
        "/api/strict-commits/", {"message": "fix", "additions": 3}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"message": "fix", "additions": 3}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "t", "owner": "1"}, "owner"),
        ({"title": "t", "owner": 1.5}, "owner"),
        ({"title": "t", "owner": True}, "owner"),
        ({"title": "t", "labels": ["1"]}, "labels"),
        ({"title": "t", "done": "true"}, "done"),
        ({"title": "t", "done": 1}, "done"),
        ({"title": 5}, "title"),
    ],
)
@pytest.mark.django_db
def test_api_model_serializer_refuses_strings_for_keys_numbers_and_booleans(
    api_client, body, field
):
    from django.contrib.auth.models import User

    from tests.testapp.models import Label

    User.objects.create(pk=1, username="u")
    Label.objects.create(pk=1, name="l")
    response = api_client.post("/api/strict-task-input/", body, format="json")
    assert response.status_code == 400, response.content
    assert [e["pointer"] for e in response.json()["errors"]] == [f"#/{field}"]


@pytest.mark.django_db
def test_api_model_serializer_accepts_integer_keys(api_client):
    from django.contrib.auth.models import User

    from tests.testapp.models import Label

    User.objects.create(pk=1, username="u")
    Label.objects.create(pk=1, name="l")
    body = {"title": "t", "owner": 1, "labels": [1], "done": True}
    response = api_client.post("/api/strict-task-input/", body, format="json")
    assert response.status_code == 200, response.content
