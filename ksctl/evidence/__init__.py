"""Evidence: a backup a person exported in the app, checked and stored like a download."""
