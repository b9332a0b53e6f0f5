from django.urls import path
from django.views.generic import TemplateView

app_name = "standards"

urlpatterns = [
    path("", TemplateView.as_view(template_name="standards/index.html"), name="index"),
]
