"""Reports, progress, plots and exports: pure functions from a session's event log
to tables, figures and documents. Reads the record only; imports session and
authoring, nothing else of ours."""
