from __future__ import annotations

from django.db import models


class Task(models.Model):
    # Annotated so that tests/typing/host_app.py passes pyright strict (the stubs' field
    # types have no defaults pyright could infer).
    title: models.CharField[str, str] = models.CharField(max_length=200)
    done: models.BooleanField[bool, bool] = models.BooleanField(default=False)
    labels = models.ManyToManyField("Label", blank=True)
    updated = models.DateTimeField(auto_now=True)
    owner = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class Author(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft"
        PUBLISHED = "published"

    title = models.CharField(max_length=200)
    slug = models.SlugField(unique=True, null=True)  # noqa: DJ001 - unique but nullable, on purpose
    body = models.TextField(blank=True)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="articles")
    editor = models.ForeignKey(
        Author, null=True, blank=True, on_delete=models.SET_NULL, related_name="edited"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles")
    published = models.DateField(null=True, blank=True)
    created = models.DateTimeField()
    rating = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    views = models.IntegerField(default=0)
    score = models.FloatField(default=0.0)
    uid = models.UUIDField(null=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    metadata = models.JSONField(default=dict)
    is_public = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title

    @property
    def headline(self) -> str:
        return self.title.upper()


class VisibleLabelManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(hidden=False)


class Label(models.Model):
    name = models.CharField(max_length=50)
    hidden = models.BooleanField(default=False)

    objects = VisibleLabelManager()
    all_objects = models.Manager()  # noqa: DJ012

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
