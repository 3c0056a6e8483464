"""Platform code every service shares: settings, logging, telemetry, broker, dead letters, health."""
