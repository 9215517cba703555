"""Chat's pages in the authorization matrix: Slack, Teams and preferences keep their cases in
their own files (tests/matrix.py explains a case)."""

from tests.chat.access_matrix_preferences import CASES as PREFERENCES
from tests.chat.access_matrix_slack import CASES as SLACK
from tests.chat.access_matrix_teams import CASES as TEAMS

CASES = {**PREFERENCES, **SLACK, **TEAMS}
