"""The blueprints of the checkins API; views register on them in their own modules."""

from shared.web import Blueprint

goal_checkins = Blueprint("goal_checkins", __name__, url_prefix="/v1/goals",
                          description="Check-ins and streaks of a goal")
checkin_items = Blueprint("checkin_items", __name__, url_prefix="/v1/checkins",
                          description="One check-in, its kudos and comments")
teams = Blueprint("partners", __name__, url_prefix="/v1/teams",
                  description="Accountability partners and pairing rounds")
