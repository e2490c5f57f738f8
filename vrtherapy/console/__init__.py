"""The therapist's console: a web app served by the running engine."""
