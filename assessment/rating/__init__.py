"""Rating writing and speaking: raters score responses against rubrics, blind double marking, and
the statistics that tell admins which raters to retrain."""
