"""Settings, database and security helpers of the central store."""
