"""The wiring: start-up, the demo, threads and shutdown."""
