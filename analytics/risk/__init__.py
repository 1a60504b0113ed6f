"""The machine-learning core of the reoffending-risk model (independent of the database models).

- :mod:`.features`: the feature registry and reason templates;
- :mod:`.asof`: features as of a date, never looking past it;
- :mod:`.episodes`: the episodes CSV format, its loader and the outcome labels;
- :mod:`.pipeline`: the candidates, folds, cross-validation, the choice rule and :func:`~.pipeline.train`;
- :mod:`.metrics`: AUC, Brier, ECE, calibration, error rates per group and the quality gate;
- :mod:`.explain`: per-person contributions and reasons in Thai and English;
- :mod:`.artifact`: :class:`~.artifact.TrainedModel` and its checksummed artifact;
- :mod:`.benchmark`: the COMPAS benchmark.

See docs/risk-model.md.
"""
