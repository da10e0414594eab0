-- Prints one machine-readable line at the end of a wrk run:
-- RESULT <requests> <duration_us> <errors> <p50_us> <p99_us>
done = function(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format("RESULT %d %d %d %.1f %.1f\n", summary.requests, summary.duration,
    errors, latency:percentile(50), latency:percentile(99)))
end
