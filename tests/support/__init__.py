"""What tests share besides fixtures: objects made through the API, a webhook receiver, the
browser, a classroom sandbox, a headless learner, the learner states the notebooks reach, and
waiting for a condition instead of sleeping a fixed time."""
