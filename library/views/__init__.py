"""The library's pages, one module per part; `library/urls.py` names each page's view."""
