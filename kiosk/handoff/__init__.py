"""A photo for a kiosk's report, sent from the citizen's own phone (/foto-kios/<token>)."""
