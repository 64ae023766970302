"""The tiny Flask-free kernel every domain package builds on."""
