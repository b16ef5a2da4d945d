"""Helpers of the web tests: an HTTP client that signs in and posts forms like a
browser, and a real server plus Chromium for the end-to-end tests."""
