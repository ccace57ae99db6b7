from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100)

    class Meta:
        app_label = "benchapp"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=50)

    class Meta:
        app_label = "benchapp"
        # Every stack lists tags in this order, so all four answer the same JSON.
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    title = models.CharField(max_length=200)
    created = models.DateTimeField()
    views = models.IntegerField()
    author = models.ForeignKey(Author, on_delete=models.CASCADE)
    tags = models.ManyToManyField(Tag)

    class Meta:
        app_label = "benchapp"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class Row(models.Model):
    """A million of these for the cursor-vs-offset run."""

    value = models.IntegerField()

    class Meta:
        app_label = "benchapp"
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.pk)
