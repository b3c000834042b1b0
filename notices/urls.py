from django.urls import path

from . import views

urlpatterns = [
    path("channels/", views.channel_list, name="channel-list"),
    path("channels/<int:pk>/test/", views.channel_test, name="channel-test"),
    path("channels/<int:pk>/toggle/", views.channel_toggle, name="channel-toggle"),
    path("<int:pk>/deliveries/", views.order_deliveries, name="order-deliveries"),
]
