"""The blueprints of the notifications service; views register on them in their own modules."""

from shared.web import Blueprint

channels = Blueprint("channels", __name__, url_prefix="/v1/teams",
                     description="Channels, delivery log and team digest (leads)")
me = Blueprint("me", __name__, url_prefix="/v1/me", description="My feed and preferences")
email = Blueprint("email", __name__, url_prefix="/email",
                  description="One-click unsubscribe from Goalkeeper's mail")
slack = Blueprint("slack", __name__, url_prefix="/slack",
                  description="What Slack calls: slash command, events, interactions, install")
