"""Custom actions for 注销助手, grouped by what they do (fallback, …). `rasa run actions` loads them all."""
