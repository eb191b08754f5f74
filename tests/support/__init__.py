"""What tests share besides fixtures: objects made through the API, a webhook receiver, the
browser, a classroom sandbox, a headless learner and the learner states the notebooks reach."""
