"""Rating writing and speaking: rubrics, blind double marking, adjudication, rater quality."""
