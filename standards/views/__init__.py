"""The standards pages, one module per part; `standards/urls.py` names each page's view."""
