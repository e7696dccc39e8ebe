"""Developer tools (run from the checkout root, e.g. ``python3 -m tools.build_demo_data``); not installed."""
