"""Managing templates, campaigns, one-offs and emergencies."""

from radio.api.auth import blueprint

bp = blueprint("api_schedule", __name__, "Schedule: templates, campaigns, one-offs, emergencies")
