"""Pipeline board, moving a case and the open-cases report (R19)."""

from django.urls import URLPattern, path

from relata.cases.views import board, report

urlpatterns: list[URLPattern] = [
    path("cases/board/", board.board, name="board"),
    path("cases/board/<slug:code>/", board.board, name="board_type"),
    path("cases/<int:pk>/move/", board.case_move, name="move"),
    path("cases/open/", report.open_report, name="open_report"),
]
