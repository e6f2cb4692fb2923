"""One blueprint per page family; each family's templates live in `templates/<family>/`."""

from flask import Blueprint

auth = Blueprint("auth", __name__)
board = Blueprint("board", __name__)
goals = Blueprint("goals", __name__, url_prefix="/goals")
team = Blueprint("team", __name__, url_prefix="/team")
partners = Blueprint("partners", __name__, url_prefix="/partners")
me = Blueprint("me", __name__, url_prefix="/me")
week = Blueprint("week", __name__, url_prefix="/week")
slack = Blueprint("slack", __name__, url_prefix="/slack")
