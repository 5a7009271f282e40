"""Long work as jobs on the queue: starting, running, following and fetching the result."""
