-- Which endpoint is slowest? The one with the highest p95 latency: most of its
-- users wait longer than on any other endpoint (the mean hides the tail).
SELECT endpoint, requests, p50_ms, p95_ms, p99_ms
FROM mart.endpoint_latency
ORDER BY p95_ms DESC, endpoint
