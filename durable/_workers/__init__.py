"""Activity workers scaled per task queue: concurrency, rate, function timeout and memory."""
