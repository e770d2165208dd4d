"""URLs of the cases app, one module per screen family so each grows on its own:
``urls_pages`` (list, detail, form), ``urls_board`` (pipeline board, open-cases report),
``urls_settings`` (case types and statuses)."""

from relata.cases.urls_board import urlpatterns as board_urls
from relata.cases.urls_pages import urlpatterns as page_urls
from relata.cases.urls_settings import urlpatterns as settings_urls

app_name = "cases"
urlpatterns = [*page_urls, *board_urls, *settings_urls]
