"""The platform API: its wire models, its error codes and the client that speaks it."""
