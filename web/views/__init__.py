"""The web pages, one blueprint per page family."""

from web.views.compare import bp as compare
from web.views.entity import bp as entity
from web.views.home import bp as home
from web.views.indicators import bp as indicators
from web.views.reader import bp as reader
from web.views.search import bp as search
from web.views.sparql import bp as sparql
from web.views.trace import bp as trace
from web.views.upload import bp as upload

BLUEPRINTS = [home, reader, search, entity, trace, compare, indicators, sparql, upload]
