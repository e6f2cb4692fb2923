"""The blueprints of the goals API; views register on them in their own modules."""

from shared.web import Blueprint

teams = Blueprint("teams", __name__, url_prefix="/v1/teams", description="Teams and members")
goals = Blueprint("goals", __name__, url_prefix="/v1/goals",
                  description="Goals, their plans, lifecycle, history and SMART assessment")
templates = Blueprint("templates", __name__, url_prefix="/v1/goal-templates",
                      description="Goal templates that become SMART drafts")
invites = Blueprint("invites", __name__, url_prefix="/invites",
                    description="Redeem a one-time invite link (the code is the credential)")
sign_in = Blueprint("sign_in", __name__, url_prefix="",
                    description="Email sign-in links: ask for one, redeem it once")
