from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter, SimpleRouter

from tests.testapp import views

router = DefaultRouter()
router.register("tasks", views.TaskViewSet)
router.register("articles", views.ArticleViewSet, basename="article")
router.register("expandable-articles", views.ExpandableArticleViewSet, basename="expandable")
router.register("nested-articles", views.NestedArticleViewSet, basename="nested")
router.register("flat-articles", views.FlatArticleViewSet, basename="flat")
router.register("no-count-articles", views.NoCountArticleViewSet, basename="no-count")
router.register("cursor-articles", views.CursorArticleViewSet, basename="cursor")
router.register("limit-articles", views.LimitOffsetArticleViewSet, basename="limit")
router.register(
    "no-count-limit-articles", views.NoCountLimitOffsetArticleViewSet, basename="no-count-limit"
)
router.register(
    "hyperlinked-articles", views.HyperlinkedArticleViewSet, basename="hyperlinked-article"
)
router.register("authors", views.AuthorViewSet, basename="author")
router.register("tags", views.TagViewSet, basename="tag")
router.register("uploads", views.UploadViewSet, basename="upload")
router.register("bad-cursor-articles", views.BadCursorArticleViewSet, basename="bad-cursor")
router.register("owned-tasks", views.OwnedTaskViewSet, basename="owned-task")
router.register("conditional-tasks", views.ConditionalTaskViewSet, basename="conditional")
router.register("hashed-tasks", views.HashedEtagTaskViewSet, basename="hashed")
router.register("strict-tasks", views.StrictTaskViewSet, basename="strict")
router.register("idempotent-tasks", views.IdempotentTaskViewSet, basename="idempotent")
router.register("key-required-tasks", views.KeyRequiredTaskViewSet, basename="key-required")
router.register("cached-articles", views.CachedArticleViewSet, basename="cached-article")
router.register("cached-owned-tasks", views.CachedOwnedTaskViewSet, basename="cached-owned")
router.register("tutorial-tasks", views.TutorialTaskViewSet, basename="tutorial")
router.register("labelled-tasks", views.LabelledEtagTaskViewSet, basename="labelled")
router.register("tenant-cached-tasks", views.TenantCachedTaskViewSet, basename="tenant-cached")
router.register(
    "tenant-idempotent-tasks", views.TenantIdempotentTaskViewSet, basename="tenant-idempotent"
)
router.register("filtered-tasks", views.FilteredOwnedTaskViewSet, basename="filtered")
router.register(
    "querysetless-articles", views.QuerysetlessCachedArticleViewSet, basename="querysetless"
)

router.register(
    "limit-offset-articles", views.DRFLimitOffsetArticleViewSet, basename="limit-offset"
)
router.register("tagged-articles", views.TaggedArticleViewSet, basename="tagged")

versioned = SimpleRouter()
versioned.register("vtasks", views.VersionedTaskViewSet, basename="vtask")

urlpatterns = [
    re_path(r"^api/(?P<version>v[0-9]+)/", include(versioned.urls)),
    path("api/", include("drf_apifirst.urls")),
    path("api/", include(router.urls)),
    path("api/orders/", views.OrderView.as_view()),
    path("api/boom/", views.BoomView.as_view()),
    path("api/denied/", views.DjangoDeniedView.as_view()),
    path("api/full-clean/", views.FullCleanView.as_view()),
    path("api/parameters/", views.ParametersView.as_view()),
    path("api/throttled/", views.ThrottledView.as_view()),
    path("api/private/", views.PrivateView.as_view()),
    path("api/credit/", views.CreditView.as_view()),
    path("api/whoami/", views.WhoAmIView.as_view()),
    path("api/strict-commits/", views.StrictCommitView.as_view()),
    path("api/strict-task-input/", views.StrictTaskView.as_view()),
    path("api/broken-contract/", views.BrokenContractView.as_view()),
    path("api/plain/post-only/", views.plain_post_only),
    path("api/plain/boom/", views.plain_boom),
    path("api/database-down/", views.DatabaseDownView.as_view()),
    path("api/plain/database-down/", views.plain_database_down),
    path("html/boom/", views.plain_boom),
]
