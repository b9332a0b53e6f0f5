from django.urls import path

from .views import files, requests, resources, reviews

app_name = "library"

urlpatterns = [
    path("", resources.resource_list, name="resource-list"),
    path("export.csv", resources.resource_export, name="resource-export"),
    path("new/", resources.resource_create, name="resource-create"),
    path("reviews/", reviews.my_reviews, name="my-reviews"),
    path("reviews/selected/", reviews.my_reviews_bulk, name="my-reviews-bulk"),
    path("freshness/", reviews.freshness_report, name="freshness"),
    path("requests/", requests.request_list, name="request-list"),
    path("requests/export.csv", requests.request_export, name="request-export"),
    path("requests/new/", requests.request_create, name="request-create"),
    path("requests/<int:pk>/", requests.request_detail, name="request-detail"),
    path("requests/<int:pk>/accept/", requests.request_accept, name="request-accept"),
    path("requests/<int:pk>/decline/", requests.request_decline, name="request-decline"),
    path("requests/<int:pk>/merge/", requests.request_merge, name="request-merge"),
    path("requests/<int:pk>/assign/", requests.request_assign, name="request-assign"),
    path("requests/<int:pk>/deliver/", requests.request_deliver, name="request-deliver"),
    path("<int:pk>/", resources.resource_detail, name="resource-detail"),
    path("<int:pk>/edit/", resources.resource_edit, name="resource-edit"),
    path("<int:pk>/publish/", resources.resource_publish, name="resource-publish"),
    path("<int:pk>/archive/", resources.resource_archive, name="resource-archive"),
    path("<int:pk>/restore/", resources.resource_restore, name="resource-restore"),
    path("<int:pk>/review/", resources.resource_review, name="resource-review"),
    path("<int:pk>/revisions/compare/", resources.revision_compare, name="revision-compare"),
    path("<int:pk>/revisions/<int:number>/", resources.revision_detail, name="revision-detail"),
    path("<int:pk>/download/", files.resource_download, name="resource-download"),
    path("<int:pk>/revisions/<int:number>/download/", files.revision_download, name="revision-download"),
]
