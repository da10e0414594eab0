-- Sends 16 pipelined requests per write (TechEmpower plaintext shape) and
-- prints the same RESULT line as report.lua; each request counts once per
-- response (wrk counts the requests in the pipelined string).
local depth = 16
init = function(args)
  local r = {}
  for i = 1, depth do
    r[i] = wrk.format(nil, "/plaintext")
  end
  req = table.concat(r)
end
request = function()
  return req
end
done = function(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format("RESULT %d %d %d %.1f %.1f\n", summary.requests, summary.duration,
    errors, latency:percentile(50), latency:percentile(99)))
end
