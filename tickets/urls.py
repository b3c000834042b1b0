"""The work-order pages, at /orders/."""

from django.urls import path

from .views import board, inbox, notifications, orders, saved_views, supervision
from .views.actions import ACTS

urlpatterns = [
    path("", orders.order_list, name="order-list"),
    path("board/", board.board, name="order-board"),
    path("board/bulk/", board.board_bulk, name="order-bulk"),
    path("board/views/", saved_views.board_view_save, name="board-view-save"),
    path("board/views/<int:pk>/rename/", saved_views.board_view_rename, name="board-view-rename"),
    path("board/views/<int:pk>/share/", saved_views.board_view_share, name="board-view-share"),
    path("board/views/<int:pk>/delete/", saved_views.board_view_delete, name="board-view-delete"),
    path("inbox/", inbox.inbox, name="order-inbox"),
    path("new/", orders.order_create, name="order-create"),
    path("report/", orders.grid_report, name="grid-report"),
    path("<int:pk>/", orders.order_detail, name="order-detail"),
    path("<int:pk>/files/<int:file_pk>/", orders.order_file, name="order-file"),
    path("<int:pk>/print/", orders.order_print, name="order-print"),
    path("<int:pk>/caller-phone/", orders.order_caller_phone, name="order-caller-phone"),
    path(
        "<int:pk>/supervision-order/",
        orders.order_supervision_print,
        name="order-supervision-print",
    ),
    path("<int:pk>/score/", supervision.order_score, name="order-score"),
    # One POST URL per workflow step: /orders/<pk>/accept/, /orders/<pk>/dispatch/, …
    *[
        path(
            f"<int:pk>/{act.name}/",
            orders.order_action,
            {"action": act.name},
            name=f"order-{act.name}",
        )
        for act in ACTS
    ],
    path("notifications/", notifications.notification_list, name="notification-list"),
    path("notifications/read/", notifications.notification_read, name="notification-read"),
    path("supervision/scoring/", supervision.scoring_queue, name="scoring-queue"),
    path("supervision/figures/", supervision.unit_figures, name="unit-figures"),
    path("supervision/reports/", supervision.report_list, name="report-list"),
    path("supervision/reports/<int:pk>/", supervision.report_detail, name="report-detail"),
    path("supervision/reports/publish/", supervision.report_publish, name="report-publish"),
]
