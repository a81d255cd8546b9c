"""Schedules and cron: when things fire (pure), where schedules live, how they fire."""
