from django.urls import path
from django.views.generic import TemplateView

app_name = "ambassadors"

urlpatterns = [
    path("", TemplateView.as_view(template_name="ambassadors/index.html"), name="index"),
]
